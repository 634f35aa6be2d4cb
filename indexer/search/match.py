"""Occurrences of query needles in one part of the character index, as sparse rows.

Everything here costs in proportion to the occurrences of a needle, not to the
size of the index: positions come from the character index's bigram lists,
rows from a binary search over row starts, and the result is a sorted array of
the rows that have the needle with per-row counts.

An occurrence is classified against jieba's word boundaries (the ``wstart``
bits of :mod:`indexer.charindex`):

* **whole**: it starts and ends on a word boundary (稳岗返还 in 稳岗返还, or in
  稳岗|返还);
* **inside**: it lies within one word without matching it whole (合同 in
  劳动合同法, 人工 in 人工智能);
* **across**: it starts or ends inside a word and spans a boundary (人工 in
  个人|工作). Still found — the literal guarantee — but it weighs little.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..charindex import _BLOCK_BITS, Part, kernels

#: Weight of an occurrence inside a word, and across a word boundary, relative
#: to a whole-word occurrence.
W_INSIDE = 0.5
W_ACROSS = 0.1

_EMPTY = np.zeros(0, dtype=np.int64)


@dataclass
class Occ:
    """Where a needle occurs in one part: sorted unique rows and per-row counts."""

    rows: np.ndarray  # local row numbers, ascending, unique
    whole: np.ndarray  # whole-word occurrences per row
    inside: np.ndarray  # occurrences inside a word
    across: np.ndarray  # occurrences across a word boundary
    positions: np.ndarray  # every occurrence's unit position, ascending
    position_rows: np.ndarray  # the row of each position
    #: per row, weight taken off the term frequency (occurrences of an equivalent
    #: name rather than the form typed: :mod:`indexer.search.expand`)
    discount: np.ndarray | None = None

    def weighted_at(self, at) -> np.ndarray:
        """Term frequency of the rows ``at`` (indices into :attr:`rows`), each
        occurrence weighted by how it meets the words."""
        tf = self.whole[at] + W_INSIDE * self.inside[at] + W_ACROSS * self.across[at]
        return tf if self.discount is None else tf - self.discount[at]

    @property
    def strong(self) -> np.ndarray:
        """Rows where the needle is a word or lies inside one (not only across words)."""
        return (self.whole + self.inside) > 0

    @classmethod
    def empty(cls) -> Occ:
        z = np.zeros(0, dtype=np.int32)
        return cls(_EMPTY, z, z, z, _EMPTY, _EMPTY)


def unique(values: np.ndarray) -> np.ndarray:
    """The distinct values, ascending (a sort: far cheaper here than ``np.unique``'s
    hashing for arrays made of a few ascending runs)."""
    values = np.sort(values, kind="stable")
    if len(values) < 2:
        return values
    return values[np.concatenate(([True], values[1:] != values[:-1]))]


def _runs(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ascending ``rows``: where each run of one row begins, and its length."""
    first = np.flatnonzero(np.concatenate(([True], rows[1:] != rows[:-1])))
    return first, np.diff(np.append(first, len(rows)))


def classify(part: Part, needle: str, whole_numbers: bool
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Positions of ``needle`` (ascending) and, per position, whether the
    occurrence is a whole word, inside a word, across a word boundary."""
    if len(needle) == 1:
        pos = _alone(part, needle, whole_numbers)
        ones = np.ones(len(pos), dtype=np.bool_)
        return pos, ones, ~ones, ~ones
    pos = part.positions(needle, whole_numbers)
    if not len(pos):
        z = np.zeros(0, dtype=np.bool_)
        return _EMPTY, z, z, z
    pos = pos.astype(np.int64)
    at_start, inner, at_end = part.boundaries(pos, len(needle))
    whole = at_start & at_end
    across = inner & ~whole
    inside = ~whole & ~across
    return pos, whole, inside, across


def _alone(part: Part, needle: str, whole_numbers: bool) -> np.ndarray:
    """Positions (ascending) of a single character where it is a word of its own (欠,
    not the 人 of 当事人): from the table :func:`alone_table` builds when it has the
    character, else filtered from all its positions before sorting. Where it occurs
    inside words it is found through the query text as typed (the literal
    guarantee), not as a word."""
    table = part.kept_if_built(_ALONE_KEY)
    if table is not None:
        ids = part._ids(needle)
        if ids is None:
            return _EMPTY
        offsets, positions, wanted = table
        unit = int(ids[0])
        if wanted[unit]:
            return positions[offsets[unit]:offsets[unit + 1]].astype(np.int64)
    pos = part.positions(needle, whole_numbers)
    if not len(pos):
        return _EMPTY
    if kernels is not None:
        if pos.dtype not in (np.uint32, np.int64):
            pos = pos.astype(np.int64)
        return np.sort(kernels.alone(np.ascontiguousarray(pos), part.wstart))
    start, _, end = part.boundaries(pos, 1)
    return np.sort(pos[start & end].astype(np.int64))


_ALONE_KEY = ("alone",)


def alone_table(part: Part, stopwords: frozenset[str] = frozenset()):
    """Where each Chinese character of ``part`` but the ``stopwords`` is a word of its
    own, in one table kept with the part (built once, by warming: a common character
    such as 人 is then not filtered from its hundreds of thousands of positions at each
    query). None without the compiled loops."""
    if kernels is None:
        return None

    def build():
        alphabet = np.asarray(part.alphabet)
        wanted = (alphabet >= 0x4E00) & (alphabet <= 0x9FFF)
        stops = [ord(w) for w in stopwords if len(w) == 1]
        if stops:
            wanted &= ~np.isin(alphabet, stops)
        offsets, positions = kernels.alone_table(np.asarray(part.units),
                                                 np.asarray(part.wstart),
                                                 wanted.astype(np.uint8))
        return offsets, positions, wanted

    return part.kept(_ALONE_KEY, build)


def occurrences(part: Part, needle: str, whole_numbers: bool) -> Occ:
    """Every occurrence of ``needle`` (already units) in ``part``, classified."""
    if kernels is None or part.starts.dtype != np.int64:
        return aggregate(part, *classify(part, needle, whole_numbers))
    if len(needle) == 1:
        pos = _alone(part, needle, whole_numbers)
    else:
        pos = np.ascontiguousarray(part.positions(needle, whole_numbers), dtype=np.int64)
    if not len(pos):
        return Occ.empty()
    rows, whole, inside, across, position_rows = kernels.occurrences(
        pos, part.starts, part._row_table(), _BLOCK_BITS, part.wstart, len(needle))
    return Occ(rows, whole, inside, across, pos, position_rows)


def aggregate(part: Part, pos: np.ndarray, whole: np.ndarray, inside: np.ndarray,
              across: np.ndarray) -> Occ:
    """Classified positions (ascending) as an :class:`Occ` with per-row counts."""
    if not len(pos):
        return Occ.empty()
    rows = part.row_of(pos)
    first, size = _runs(rows)
    last = first + size - 1

    def count(flags: np.ndarray) -> np.ndarray:
        # Per run, from the running count at its last and before its first position.
        total = np.cumsum(flags, dtype=np.int32)
        return total[last] - total[first] + flags[first]

    whole_n = count(whole)
    inside_n = count(inside)
    across_n = (size - whole_n - inside_n).astype(np.int32)
    return Occ(rows[first], whole_n, inside_n, across_n, pos, rows)


def literal(part: Part, needle: str, exact: bool) -> tuple[np.ndarray, np.ndarray]:
    """Rows containing ``needle`` and how often, however it meets the words."""
    pos = part.positions(needle, exact)
    if not len(pos):
        return _EMPTY, np.zeros(0, dtype=np.int32)
    rows = part.row_of(pos)
    if len(rows) * 8 > part.rows:
        # Many occurrences (a common character): counting beats sorting.
        counts = np.bincount(rows, minlength=part.rows)
        uniq = np.flatnonzero(counts)
        return uniq, counts[uniq].astype(np.int32)
    if len(needle) > 1:  # positions ascending, so rows too
        first, size = _runs(rows)
        return rows[first], size.astype(np.int32)
    uniq, counts = np.unique(rows, return_counts=True)
    return uniq, counts.astype(np.int32)


#: Occurrences of a needle up to which :func:`framed` reads around them rather
#: than around the frames.
FRAMED_BY_OCCURRENCE = 1024


def framed(part: Part, needle: str, forms: list[tuple[str, str]], occ: Occ | None = None,
           check: bool = False) -> np.ndarray:
    """Rows where ``needle`` occurs with ``before`` right before it and ``after``
    right after it, for any ``(before, after)`` of ``forms`` (all units, at least
    one of the two not empty): the rows of :func:`literal` of each
    ``before + needle + after``, united.

    Looked up in per-part tables of the text beside the frames (fixed text such as
    所称 or 是指), or read around the needle's own occurrences ``occ`` when they
    are fewer and the tables for its length are not built yet (a needle of two or
    more units without the whole-number rule: every occurrence; ``check``: ``occ``
    has positions of other needles too, told apart by their units).
    """
    ids = part._ids(needle)
    if ids is None:
        return _EMPTY
    if (occ is not None and len(occ.positions) <= FRAMED_BY_OCCURRENCE
            and not all(part.has_kept(_frame_key(before or after, bool(before), len(ids)))
                        for before, after in forms)):
        return _framed_at(part, occ, ids, forms, check)
    found = []
    target = _key(ids)
    for before, after in forms:
        keys, near, starts = frame_table(part, before or after, bool(before), len(ids))
        lo = int(keys.searchsorted(target))
        hi = int(keys.searchsorted(target, side="right"))
        if lo == hi:  # not beside this frame (most words, most parts)
            continue
        at = starts[lo:hi][(near[lo:hi] == ids).all(axis=1)]
        if before and after and len(at):  # the other side, read in the text
            tail = part._ids(after)
            if tail is None:
                continue
            text, last = part.units, len(part.units) - 1
            for k, i in enumerate(tail.tolist()):
                at = at[text[np.minimum(at + len(ids) + k, last)] == i]
        found.append(at)
    pos = np.concatenate(found) if found else _EMPTY
    return unique(part.row_of(pos)) if len(pos) else _EMPTY


def _pack(units: np.ndarray) -> np.ndarray:
    """A key for each row of a 2-D array of units (equal rows, equal keys)."""
    key = np.zeros(len(units), dtype=np.uint64)
    for k in range(units.shape[1]):
        key = key * np.uint64(1_000_003) + units[:, k].astype(np.uint64)
    return key


def _key(ids: np.ndarray) -> np.uint64:
    """:func:`_pack`'s key of one row of units, in plain Python."""
    key = 0
    for unit in ids.tolist():
        key = (key * 1_000_003 + unit) & 0xFFFF_FFFF_FFFF_FFFF
    return np.uint64(key)


def frame_table(part: Part, frame: str, needle_after: bool, length: int
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each occurrence of ``frame`` in ``part``, the ``length`` units where a
    needle would stand right after it (``needle_after``) or right before it
    (separators beyond the part), sorted by :func:`_pack`'s key: the keys, the units
    and where they start. Kept per part: a needle is then found by a binary search
    instead of reading the text at every frame."""

    def build():
        pos = part.fixed_positions(frame)
        starts = pos + len(frame) if needle_after else pos - length
        at = starts[:, None] + np.arange(length)
        text, last = part.units, len(part.units) - 1
        near = np.where((at >= 0) & (at <= last), text[np.clip(at, 0, last)], 0)
        keys = _pack(near)
        order = np.argsort(keys, kind="stable")
        return keys[order], np.ascontiguousarray(near[order]), starts[order]

    return part.kept(_frame_key(frame, needle_after, length), build)


def _frame_key(frame: str, needle_after: bool, length: int) -> tuple:
    return ("frame", frame, needle_after, length)


def _framed_at(part: Part, occ: Occ, ids: np.ndarray, forms: list[tuple[str, str]],
               check: bool) -> np.ndarray:
    """:func:`framed`, read around the occurrences ``occ``."""
    pos = occ.positions
    if not len(pos):
        return _EMPTY
    text = part.units
    last = len(text) - 1
    ok = np.ones(len(pos), dtype=np.bool_)
    if check:
        for k, i in enumerate(ids.tolist()):
            ok &= text[np.minimum(pos + k, last)] == i
    found = np.zeros(len(pos), dtype=np.bool_)
    for before, after in forms:
        b = part._ids(before) if before else ids[:0]
        a = part._ids(after) if after else ids[:0]
        if b is None or a is None:
            continue
        hit = ok.copy()
        for k, i in enumerate(b.tolist()):
            at = pos - len(b) + k
            hit &= (at >= 0) & (text[np.maximum(at, 0)] == i)
        for k, i in enumerate(a.tolist()):
            hit &= text[np.minimum(pos + len(ids) + k, last)] == i
        found |= hit
    rows = occ.position_rows[found]
    return rows if len(rows) < 2 else rows[np.concatenate(([True], rows[1:] != rows[:-1]))]


def whole_words(part: Part, needle: str) -> tuple[np.ndarray, np.ndarray]:
    """Rows where ``needle`` occurs as a word or inside one, never across words
    (``word:``), and how often."""
    occ = occurrences(part, needle, True)
    counts = occ.whole + occ.inside
    keep = counts > 0
    return occ.rows[keep], counts[keep]


def union(arrays: list[np.ndarray], size: int | None = None) -> np.ndarray:
    """The sorted union of row arrays (each ascending and distinct; of a part of
    ``size`` rows, when given)."""
    arrays = [a for a in arrays if len(a)]
    if not arrays:
        return _EMPTY
    if len(arrays) == 1:
        return arrays[0]
    if size is not None:
        for a in arrays:
            if len(a) == size:  # distinct rows of the part: all of them
                return a
    total = sum(len(a) for a in arrays)
    if size is not None and total * 8 > size:
        # Many rows: a mask over the part is cheaper than sorting them.
        mask = np.zeros(size, dtype=np.bool_)
        for a in arrays:
            mask[a] = True
        return np.flatnonzero(mask)
    return unique(np.concatenate(arrays))


def union_into(base: np.ndarray, others: list[np.ndarray], size: int | None = None
               ) -> np.ndarray:
    """:func:`union` of ``base`` and ``others``, when ``others`` are usually few rows
    (the rows under a heading or of a title with a word, beside those that have it):
    those not in ``base`` are looked up and inserted, not a pass over all of them."""
    others = [a for a in others if len(a)]
    if not others:
        return base
    extra = others[0] if len(others) == 1 else unique(np.concatenate(others))
    if len(extra) * 16 > len(base):
        return union([base, *others], size)
    at = np.searchsorted(base, extra)
    found = at < len(base)
    found[found] = base[at[found]] == extra[found]
    if found.all():
        return base
    return np.insert(base, at[~found], extra[~found])


def ranges(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Every integer of the ranges ``[lo, hi)`` in turn (ascending when the ranges
    are ascending and disjoint)."""
    size = hi - lo
    keep = size > 0
    lo, size = lo[keep], size[keep]
    total = int(size.sum())
    if not total:
        return _EMPTY
    first = np.cumsum(size) - size  # where each range starts in the output
    return np.repeat(lo - first, size) + np.arange(total)


def intersect(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.intersect1d(a, b, assume_unique=True)


def member(rows: np.ndarray, sorted_set: np.ndarray, size: int | None = None) -> np.ndarray:
    """For each of ``rows`` (-1 for none), whether it is in ``sorted_set`` (ascending,
    unique), all below ``size`` when given."""
    if not len(sorted_set) or not len(rows):
        return np.zeros(len(rows), dtype=np.bool_)
    if size is not None and len(rows) * 16 > size:
        # Many rows: a mask over the part beats a binary search per row.
        # One spare entry, so that a row of -1 (none) is never a member.
        mask = np.zeros(size + 1, dtype=np.bool_)
        mask[sorted_set] = True
        return mask[rows]
    at = np.searchsorted(sorted_set, rows)
    at[at >= len(sorted_set)] = len(sorted_set) - 1
    return sorted_set[at] == rows


class Slots:
    """Where the rows of one sorted set sit among the candidates (also sorted).

    Looks the smaller of the two up in the larger — cost follows the smaller set,
    so a few candidates cost little against a common word and the other way round —
    and scatters per-row values of ``rows`` to candidate order.
    """

    def __init__(self, cand: np.ndarray, rows: np.ndarray, index: np.ndarray | None = None):
        """``index``, when given: the slot of each row of the part among the
        candidates, -1 for none (see :func:`slot_index`)."""
        self.size = len(cand)
        if not len(rows) or not len(cand):
            self.at = self.src = _EMPTY
            return
        if len(rows) == len(cand) and (rows is cand or np.array_equal(rows, cand)):
            self.at = self.src = np.arange(len(cand))
            return
        if index is not None:
            if isinstance(index, SlotTable):
                index = index.table()
            at = take(index, rows)
            self.src = np.flatnonzero(at >= 0)
            self.at = at[self.src].astype(np.int64)
            return
        if len(rows) > len(cand):  # each candidate looked up among the rows
            at = np.searchsorted(rows, cand)
            at[at >= len(rows)] = len(rows) - 1
            hit = rows[at] == cand
            self.at, self.src = np.flatnonzero(hit), at[hit]
        else:  # each row looked up among the candidates
            at = np.searchsorted(cand, rows)
            at[at >= len(cand)] = len(cand) - 1
            hit = cand[at] == rows
            self.at, self.src = at[hit], np.flatnonzero(hit)

    def subset(self, keep: np.ndarray, renumber: np.ndarray | None = None) -> Slots:
        """The same slots among the candidates where ``keep`` is set
        (``renumber``: each candidate's new slot, when the caller has it:
        :func:`renumbering`)."""
        out = Slots.__new__(Slots)
        out.size = int(np.count_nonzero(keep))
        if renumber is None:
            renumber = renumbering(keep)
        if kernels is not None and self.at.dtype == np.int64 and self.src.dtype == np.int64:
            out.at, out.src = kernels.compact(self.at, self.src, renumber)
            return out
        sel = keep[self.at]
        out.at, out.src = renumber[self.at[sel]], self.src[sel]
        return out

    def scatter(self, values: np.ndarray, dtype=np.float64) -> np.ndarray:
        out = np.zeros(self.size, dtype=dtype)
        if len(self.at):
            out[self.at] = values[self.src]
        return out

    def mask(self) -> np.ndarray:
        out = np.zeros(self.size, dtype=np.bool_)
        out[self.at] = True
        return out


class SlotTable:
    """:func:`slot_index` of some candidates, built on first use."""

    def __init__(self, cand: np.ndarray, size: int):
        self.cand, self.size = cand, size
        self._table: np.ndarray | None = None

    def table(self) -> np.ndarray:
        if self._table is None:
            self._table = slot_index(self.cand, self.size)
        return self._table


def take(values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """``values[at]``; for an int32 column and int64 row numbers, by a compiled loop
    that asks for each item's memory ahead of reading it."""
    if kernels is not None and values.dtype == np.int32 and at.dtype == np.int64:
        return kernels.take(values, np.ascontiguousarray(at))
    return values[at]


def renumbering(keep: np.ndarray) -> np.ndarray:
    """For candidates of which those where ``keep`` is set stay: each one's slot among
    those that stay, -1 for the others."""
    renumber = np.cumsum(keep, dtype=np.int64) - 1
    renumber[~keep] = -1
    return renumber


def slot_index(cand: np.ndarray, size: int) -> np.ndarray:
    """For each row of a part of ``size`` rows, its slot among ``cand``, or -1."""
    index = np.full(size, -1, dtype=np.int32)
    index[cand] = np.arange(len(cand), dtype=np.int32)
    return index


def near(a: Occ, b: Occ, window: int, size: int | None = None) -> np.ndarray:
    """Rows where an occurrence of ``b`` starts within ``window`` units of one of ``a``."""
    if not len(a.positions) or not len(b.positions):
        return _EMPTY
    pa, pb, ra, rb = a.positions, b.positions, a.position_rows, b.position_rows
    if kernels is not None:
        return kernels.near(*(np.ascontiguousarray(x, dtype=np.int64) for x in (pa, ra, pb, rb)),
                            window)
    if size is not None and len(pa) + len(pb) > 64:
        # Only the rows that have both can have them close: the positions of those
        # first (a mask over the part), then the searches.
        keep = member(ra, b.rows, size)
        pa, ra = pa[keep], ra[keep]
        keep = member(rb, a.rows, size)
        pb, rb = pb[keep], rb[keep]
        if not len(pa):
            return _EMPTY
    at = np.searchsorted(pb, pa)
    found = []
    for nearest in (np.minimum(at, len(pb) - 1), np.maximum(at - 1, 0)):
        close = np.abs(pb[nearest] - pa) <= window
        close &= rb[nearest] == ra
        found.append(ra[close])
    rows = np.concatenate(found)
    return _EMPTY if not len(rows) else unique(rows)
