"""The character index: every substring of every paragraph, found with NumPy.

Each Whoosh segment gets one ``<segment id>.chars`` file beside its own files
(Whoosh's file clean-up removes it with the segment). It holds, in *parts* of at
most :data:`PART_UNITS` characters:

* ``units``: the paragraphs' *units* one after another, each paragraph followed
  by a separator (id 0). Units are the folded characters (traditional →
  simplified, full-width → half-width, lowercase) without whitespace, private-use
  or control characters, as ids into the part's sorted alphabet ``alphabet``;
* ``keys`` / ``offsets`` / ``order``: every unit position grouped by the bigram
  that starts there (a paragraph's last unit pairs with the separator), and in
  position order within a group. The positions of a one-character needle are
  one slice of ``order`` (all bigrams starting with it are adjacent); those of a
  longer needle are the positions of its rarest bigram, shifted and checked
  against ``units``;
* ``wstart``: one bit per unit, set where jieba starts a word (and on every
  separator), packed with ``np.packbits``: an occurrence that starts and ends on
  such bits is a whole word; one with a bit inside and a ragged end crosses a
  word boundary (人工 in 个人|工作);
* ``starts``: where each row's units begin; and per-row columns for ranking,
  filters and facets (``is_para``, ``heading``, ``section`` — the row of the
  heading a paragraph stands under, or -1 —, ``n``, ``date``, ``doc``,
  ``issuer``, ``doc_type``, ``year``: codes into string tables kept in the header).

Rows are the segment's Whoosh documents in docnum order, so a row number plus
the segment's offset is the Whoosh docnum. The file is written once, never
changed, and read through ``mmap``: readers share its pages.
"""

from __future__ import annotations

import json
import mmap
import os
import re
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .normalize import fold_chars

#: Units per part (23 bits of position in the sort key).
PART_UNITS = 1 << 23
_POS_BITS = 23
_ID_BITS = 20
MAGIC = b"PSCHARS2"
SUFFIX = ".chars"
_ALIGN = 64

_DROP_RE = re.compile(r"[\s\x00-\x1f\x7f\ue000-\uf8ff]+")
_DIGITS = "0123456789"


def units(text: str) -> str:
    """The searchable units of ``text``: folded, without spaces and control characters."""
    return _DROP_RE.sub("", fold_chars(text))


@dataclass
class Row:
    """One Whoosh document of a segment, as the character index needs it."""

    is_para: bool
    text: str = ""
    n: int = 0
    date: int = 0
    doc_id: str = ""
    issuer: str = ""
    doc_type: str = ""
    year: str = ""
    heading: bool = False
    #: one byte per unit of ``units(text)``: 1 where a word starts (see :func:`word_starts`)
    wstart: bytes = b""


def word_starts(text: str, spans: Sequence[tuple[int, int]]) -> bytes:
    """One byte per unit of ``text``: 1 where one of the word ``spans`` starts.

    ``spans`` are (start, end) character offsets into ``text`` (or its folded
    form, the same length); a word that begins on a dropped character (a space)
    starts at its first unit, and a word of dropped characters only starts nowhere.
    """
    begins = np.fromiter((s for s, e in spans if e > s), dtype=np.int64)
    dropped = [m.span() for m in _DROP_RE.finditer(fold_chars(text))]
    if not dropped:
        out = np.zeros(len(text), dtype=np.uint8)
        out[begins] = 1
        return out.tobytes()
    keep = np.ones(len(text), dtype=np.bool_)
    for start, end in dropped:
        keep[start:end] = False
    before = np.concatenate(([0], np.cumsum(keep)))  # units before each character
    ends = np.fromiter((e for s, e in spans if e > s), dtype=np.int64)
    # A word starts at its first kept character: the unit count before its start,
    # provided the word holds a kept character at all.
    has_unit = before[ends] > before[begins]
    out = np.zeros(int(before[-1]), dtype=np.uint8)
    out[before[begins[has_unit]]] = 1
    return out.tobytes()


class _Codes:
    def __init__(self):
        self.values: list[str] = []
        self._index: dict[str, int] = {}

    def code(self, value: str) -> int:
        if not value:
            return -1
        code = self._index.get(value)
        if code is None:
            code = self._index[value] = len(self.values)
            self.values.append(value)
        return code


def _build_part(rows: Sequence[Row]) -> tuple[dict, dict[str, np.ndarray]]:
    texts = [units(r.text) if r.is_para else "" for r in rows]
    joined = "\x00".join(texts) + "\x00"
    cps = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    lengths = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
    starts = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    present = np.bincount(cps, minlength=1) > 0
    alphabet = np.flatnonzero(present).astype(np.uint32)  # alphabet[0] == 0, the separator
    if len(alphabet) >= (1 << _ID_BITS):
        raise ValueError("too many distinct characters in one part of the index")
    lut = np.zeros(len(present), dtype=np.uint32)
    lut[alphabet] = np.arange(len(alphabet), dtype=np.uint32)
    ids = lut[cps]
    del cps, lut
    unit_dtype = np.uint16 if len(alphabet) <= 0xFFFF else np.uint32
    first = ids[:-1].astype(np.uint64)
    combined = ((first << np.uint64(_ID_BITS + _POS_BITS))
                | (ids[1:].astype(np.uint64) << np.uint64(_POS_BITS))
                | np.arange(len(ids) - 1, dtype=np.uint64))
    combined = combined[first != 0]
    del first
    combined.sort()
    pair = combined >> np.uint64(_POS_BITS)
    order = (combined & np.uint64((1 << _POS_BITS) - 1)).astype(np.uint32)
    del combined
    if len(pair):
        change = np.flatnonzero(pair[1:] != pair[:-1]) + 1
        bounds = np.concatenate(([0], change, [len(pair)])).astype(np.uint32)
        keys = pair[bounds[:-1]]
    else:
        bounds = np.zeros(1, dtype=np.uint32)
        keys = np.zeros(0, dtype=np.uint64)
    del pair
    bits = np.ones(len(ids), dtype=np.uint8)  # separators start a word
    for row, begin in zip(rows, starts[:-1].tolist(), strict=True):
        if row.is_para and row.wstart:
            bits[begin:begin + len(row.wstart)] = np.frombuffer(row.wstart, dtype=np.uint8)
    wstart = np.packbits(bits)
    del bits
    section = np.full(len(rows), -1, dtype=np.int32)
    current, current_doc = -1, None
    for i, row in enumerate(rows):
        if row.doc_id != current_doc:
            current, current_doc = -1, row.doc_id
        if not row.is_para:
            continue
        section[i] = current
        if row.heading:
            current = i
    docs, issuers, types, years = _Codes(), _Codes(), _Codes(), _Codes()
    columns = {
        "is_para": np.fromiter((r.is_para for r in rows), dtype=np.bool_, count=len(rows)),
        "heading": np.fromiter((r.is_para and r.heading for r in rows), dtype=np.bool_,
                               count=len(rows)),
        "section": section,
        "n": np.fromiter((r.n for r in rows), dtype=np.int32, count=len(rows)),
        "date": np.fromiter((r.date for r in rows), dtype=np.int32, count=len(rows)),
        "doc": np.fromiter((docs.code(r.doc_id) for r in rows), dtype=np.int32, count=len(rows)),
        "issuer": np.fromiter((issuers.code(r.issuer) for r in rows), dtype=np.int32,
                              count=len(rows)),
        "doc_type": np.fromiter((types.code(r.doc_type) for r in rows), dtype=np.int32,
                                count=len(rows)),
        "year": np.fromiter((years.code(r.year) for r in rows), dtype=np.int32, count=len(rows)),
    }
    arrays = {"alphabet": alphabet, "units": ids.astype(unit_dtype), "starts": starts,
              "keys": keys, "offsets": bounds, "order": order, "wstart": wstart, **columns}
    tables = {"docs": docs.values, "issuer": issuers.values, "doc_type": types.values,
              "year": years.values}
    return {"rows": len(rows), "tables": tables}, arrays


def _parts(rows: Sequence[Row]) -> Iterable[tuple[int, Sequence[Row]]]:
    """Consecutive runs of rows with at most :data:`PART_UNITS` units each."""
    start, size = 0, 0
    for i, row in enumerate(rows):
        n = (len(row.text) if row.is_para else 0) + 1
        if size and size + n > PART_UNITS:
            yield start, rows[start:i]
            start, size = i, 0
        size += n
    yield start, rows[start:]


def write(path: Path, rows: Sequence[Row]) -> None:
    """Write the character index of ``rows`` to ``path`` (via a temporary file)."""
    parts_meta = []
    blobs: list[tuple[str, np.ndarray]] = []
    for base, chunk in _parts(rows):
        meta, arrays = _build_part(chunk)
        if meta["rows"] and int(arrays["starts"][-1]) > PART_UNITS:
            raise ValueError("paragraph longer than a part of the character index")
        meta["base"] = base
        meta["arrays"] = {}
        for name, arr in arrays.items():
            meta["arrays"][name] = [arr.dtype.str, len(arr)]
            blobs.append((f"{len(parts_meta)}.{name}", np.ascontiguousarray(arr)))
        parts_meta.append(meta)
    # Lay the arrays out after the header, each aligned.
    header = {"rows": len(rows), "parts": parts_meta, "layout": {}}
    offset = 0
    for name, arr in blobs:
        header["layout"][name] = offset
        offset += -(-arr.nbytes // _ALIGN) * _ALIGN
    head = json.dumps(header, ensure_ascii=False).encode("utf-8")
    data_start = -(-(len(MAGIC) + 8 + len(head)) // _ALIGN) * _ALIGN
    tmp = path.with_name("." + path.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(MAGIC + struct.pack("<Q", len(head)) + head)
        fh.write(b"\0" * (data_start - fh.tell()))
        for name, arr in blobs:
            pos = data_start + header["layout"][name]
            fh.write(b"\0" * (pos - fh.tell()))
            fh.write(arr.tobytes())
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class Part:
    """One part of a segment's character index (read-only arrays over ``mmap``)."""

    def __init__(self, meta: dict, arrays: dict[str, np.ndarray]):
        self.base: int = meta["base"]
        self.rows: int = meta["rows"]
        self.tables: dict[str, list[str]] = meta["tables"]
        for name, arr in arrays.items():
            setattr(self, name, arr)
        self.lengths = (np.diff(self.starts) - 1).astype(np.float64)
        if not hasattr(self, "wstart"):
            raise ValueError("character index without word boundaries")
        # Same type as positions, so looking rows up does not copy them.
        self.row_starts = self.starts.astype(np.uint32)
        digit_codes = np.array([ord(c) for c in _DIGITS], dtype=np.uint32)
        self._is_digit = np.isin(self.alphabet, digit_codes)
        self._codes = {name: {v: i for i, v in enumerate(values)}
                       for name, values in self.tables.items()}

    def code(self, table: str, value: str) -> int:
        """The code of ``value`` in a column's table, or -2 when this part has none."""
        return self._codes[table].get(value, -2)

    def _ids(self, needle: str) -> np.ndarray | None:
        cps = np.frombuffer(needle.encode("utf-32-le"), dtype=np.uint32)
        idx = np.searchsorted(self.alphabet, cps)
        if (idx >= len(self.alphabet)).any() or (self.alphabet[idx] != cps).any():
            return None
        return idx.astype(np.int64)

    def positions(self, needle: str, whole_numbers: bool = False) -> np.ndarray:
        """Unit positions where ``needle`` (already :func:`units`) starts, in this part.

        Ascending for a needle of two or more units; grouped by the following
        unit for a single one.

        With ``whole_numbers`` a digit run at either end of the needle must not
        continue in the text (``5号`` does not match ``15号``).
        """
        ids = self._ids(needle) if needle else None
        if ids is None:
            return np.zeros(0, dtype=np.int64)
        keys, offsets, order = self.keys, self.offsets, self.order
        shift = np.int64(_ID_BITS)
        if len(ids) == 1:
            lo, hi = np.searchsorted(keys, [ids[0] << shift, (ids[0] + 1) << shift])
            pos = order[offsets[lo]:offsets[hi]]  # a view: no copy of a common character
        else:
            wanted = ((ids[:-1] << shift) | ids[1:]).astype(np.uint64)
            at = np.searchsorted(keys, wanted)
            if (at >= len(keys)).any() or (keys[at] != wanted).any():
                return np.zeros(0, dtype=np.int64)
            sizes = offsets[at + 1].astype(np.int64) - offsets[at]
            r = int(np.argmin(sizes))
            pos = order[offsets[at[r]]:offsets[at[r] + 1]].astype(np.int64) - r
            # Whole needle inside the part, before its final separator.
            pos = pos[(pos >= 0) & (pos + len(ids) < len(self.units))]
            units_ = self.units
            for k in range(len(ids)):
                if k in (r, r + 1) or not len(pos):
                    continue
                pos = pos[units_[pos + k] == ids[k]]
        if whole_numbers and len(pos):
            pos = pos.astype(np.int64)
            if self._is_digit[ids[0]]:
                before = pos - 1
                keep = before < 0
                keep |= ~self._is_digit[self.units[np.maximum(before, 0)]]
                pos = pos[keep]
            if self._is_digit[ids[-1]] and len(pos):
                # A separator follows every row, so pos + len is always inside.
                pos = pos[~self._is_digit[self.units[pos + len(ids)]]]
        return pos

    def word_start(self, pos: np.ndarray) -> np.ndarray:
        """Whether a word starts at each unit position (separators count as starts)."""
        pos = np.asarray(pos, dtype=np.int64)
        return ((self.wstart[pos >> 3] >> (7 - (pos & 7)).astype(np.uint8)) & 1).astype(np.bool_)

    def term_frequencies(self, needle: str, whole_numbers: bool = False) -> np.ndarray:
        """Occurrences of ``needle`` in every row of this part (a dense int array)."""
        pos = self.positions(needle, whole_numbers)
        if not len(pos):
            return np.zeros(self.rows, dtype=np.int64)
        rows = np.searchsorted(self.row_starts, pos, side="right") - 1
        return np.bincount(rows, minlength=self.rows)


class CharIndex:
    """The character index of one segment: its parts, opened through ``mmap``."""

    def __init__(self, path: Path):
        self.path = path
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            self._mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else None
        mm = self._mm
        if mm is None or mm[:len(MAGIC)] != MAGIC:
            raise ValueError(f"{path}: not a character index file")
        (head_len,) = struct.unpack("<Q", mm[len(MAGIC):len(MAGIC) + 8])
        header = json.loads(mm[len(MAGIC) + 8:len(MAGIC) + 8 + head_len].decode("utf-8"))
        data_start = -(-(len(MAGIC) + 8 + head_len) // _ALIGN) * _ALIGN
        self.rows: int = header["rows"]
        self.parts: list[Part] = []
        for i, meta in enumerate(header["parts"]):
            arrays = {}
            for name, (dtype, count) in meta["arrays"].items():
                offset = data_start + header["layout"][f"{i}.{name}"]
                arrays[name] = np.frombuffer(mm, dtype=np.dtype(dtype), count=count,
                                             offset=offset)
            self.parts.append(Part(meta, arrays))


def file_name(segment_id: str) -> str:
    return segment_id + SUFFIX
