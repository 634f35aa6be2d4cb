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
the segment's offset is the Whoosh docnum. A part ends before a document record
(a row that is not a paragraph) whenever one fits, so a document's rows share a
part. The file is written once, part by part (:class:`Writer`: the arrays, then
a JSON header with their offsets, the string tables and the document records'
metadata, so opening an index reads no stored fields), never changed, and read
through ``mmap``: readers share its pages.
"""

from __future__ import annotations

import json
import mmap
import os
import re
import struct
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

import numpy as np

from .normalize import fold_chars

try:  # compiled loops (indexer/kernels.pyx); the NumPy code below is their reference
    from . import kernels
except ImportError:  # pragma: no cover - a source tree nobody has built
    kernels = None

#: Units per part (25 bits of position in the sort key, 19 for each character's id).
PART_UNITS = 1 << 25
_POS_BITS = 25
_ID_BITS = 19
#: Positions per chunk when a part's sort keys are built and read.
_CHUNK = 1 << 22
MAGIC = b"PSCHARS3"  # header last, written part by part
SUFFIX = ".chars"
_ALIGN = 64

_DROP_RE = re.compile(r"[\s\x00-\x1f\x7f\ue000-\uf8ff]+")
_DIGITS = "0123456789"
#: Units per entry of a part's row table (:meth:`Part.row_of`), as a power of two.
_BLOCK_BITS = 5
#: Needles whose character ids a part remembers (see :meth:`Part._ids`).
_ID_CACHE = 4096


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
    #: a document record's metadata (kept in the file's header, read when opening)
    meta: dict | None = None


def word_starts(text: str, spans: Sequence[tuple[int, int]], folded: bool = False) -> bytes:
    """One byte per unit of ``text``: 1 where one of the word ``spans`` starts.

    ``spans`` are (start, end) character offsets into ``text`` (or its folded
    form, the same length); a word that begins on a dropped character (a space)
    starts at its first unit, and a word of dropped characters only starts nowhere.
    ``folded``: ``text`` is already :func:`fold_chars`'s.

    Plain Python: a paragraph is some dozens of words, where NumPy's per-call cost
    was a quarter of the indexing workers' time.
    """
    folded_text = text if folded else fold_chars(text)
    if _DROP_RE.search(folded_text) is None:  # every character is a unit
        out = bytearray(len(folded_text))
        for start, end in spans:
            if end > start:
                out[start] = 1
        return bytes(out)
    dropped = bytearray(len(folded_text))
    for m in _DROP_RE.finditer(folded_text):
        dropped[m.start():m.end()] = b"\x01" * (m.end() - m.start())
    # The units before each character (and after the last).
    before = list(accumulate((d ^ 1 for d in dropped), initial=0))
    out = bytearray(before[-1])
    for start, end in spans:
        # A word starts at its first kept character, provided it holds one.
        if end > start and before[end] > before[start]:
            out[before[start]] = 1
    return bytes(out)


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


def _core(cps: np.ndarray, starts: np.ndarray, bits: np.ndarray) -> dict[str, np.ndarray]:
    """The text arrays of a part from its code points (a 0 after each row), the rows'
    starts and one word-start byte per unit."""
    present = np.bincount(cps, minlength=1) > 0
    alphabet = np.flatnonzero(present).astype(np.uint32)  # alphabet[0] == 0, the separator
    if len(alphabet) >= (1 << _ID_BITS):
        raise ValueError("too many distinct characters in one part of the index")
    lut = np.zeros(len(present), dtype=np.uint32)
    lut[alphabet] = np.arange(len(alphabet), dtype=np.uint32)
    ids = lut[cps]
    del lut
    unit_dtype = np.uint16 if len(alphabet) <= 0xFFFF else np.uint32
    # One sort key per position: (this unit, the next one, the position), built and
    # read in chunks so that the part's only full-size temporary is the keys.
    n = len(ids) - 1
    combined = np.empty(n, dtype=np.uint64)
    for s in range(0, n, _CHUNK):
        e = min(s + _CHUNK, n)
        c = combined[s:e]
        c[:] = ids[s:e]
        c <<= np.uint64(_ID_BITS)
        c |= ids[s + 1:e + 1].astype(np.uint64)
        c <<= np.uint64(_POS_BITS)
        c |= np.arange(s, e, dtype=np.uint64)
    combined.sort()
    # Positions of a separator (id 0) have the smallest keys: skipped.
    combined = combined[int(np.count_nonzero(ids[:-1] == 0)):]
    m = len(combined)
    order = np.empty(m, dtype=np.uint32)
    changes = [np.zeros(1, dtype=np.int64)]
    mask = np.uint64((1 << _POS_BITS) - 1)
    for s in range(0, m, _CHUNK):
        c = combined[s:s + _CHUNK]
        order[s:s + len(c)] = c & mask
        pair = c >> np.uint64(_POS_BITS)
        if s and pair[0] != combined[s - 1] >> np.uint64(_POS_BITS):
            changes.append(np.array([s], dtype=np.int64))
        changes.append(np.flatnonzero(pair[1:] != pair[:-1]) + (s + 1))
    if m:
        bounds = np.concatenate(changes + [np.array([m])]).astype(np.uint32)
        keys = combined[bounds[:-1]] >> np.uint64(_POS_BITS)
    else:
        bounds = np.zeros(1, dtype=np.uint32)
        keys = np.zeros(0, dtype=np.uint64)
    del combined
    bits = bits.copy()
    bits[starts[1:] - 1] = 1  # separators start a word
    return {"alphabet": alphabet, "units": ids.astype(unit_dtype), "starts": starts,
            "keys": keys, "offsets": bounds, "order": order, "wstart": np.packbits(bits)}


def _sections(is_para: np.ndarray, heading: np.ndarray, doc: np.ndarray) -> np.ndarray:
    """Per row: the row of the heading it stands under in its document, or -1."""
    n = len(is_para)
    idx = np.arange(n, dtype=np.int64)
    # The last heading strictly before each row, and where each row's document begins.
    last = np.maximum.accumulate(np.where(heading & is_para, idx, -1)) if n else idx
    before = np.concatenate(([-1], last[:-1])) if n else idx
    new_doc = np.ones(n, dtype=np.bool_)
    new_doc[1:] = doc[1:] != doc[:-1]
    doc_start = np.maximum.accumulate(np.where(new_doc, idx, 0)) if n else idx
    out = np.where((before >= doc_start) & is_para, before, -1)
    return out.astype(np.int32)


def _finish_part(text: dict[str, np.ndarray], is_para, heading, n, date, codes: dict,
                 tables: dict[str, list[str]]) -> tuple[dict, dict[str, np.ndarray]]:
    rows = len(is_para)
    columns = {"is_para": is_para, "heading": heading & is_para,
               "section": _sections(is_para, heading, codes["doc"]), "n": n, "date": date,
               **codes}
    return {"rows": rows, "tables": tables, "id_bits": _ID_BITS}, {**text, **columns}


def _build_part(rows: Sequence[Row], texts: Sequence[str] | None = None
                ) -> tuple[dict, dict[str, np.ndarray]]:
    if texts is None:
        texts = [units(r.text) if r.is_para else "" for r in rows]
    joined = "\x00".join(texts) + "\x00"
    cps = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    lengths = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
    starts = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    bits = np.ones(len(cps), dtype=np.uint8)  # a row without word starts: every unit
    for row, begin in zip(rows, starts[:-1].tolist(), strict=True):
        if row.is_para and row.wstart:
            bits[begin:begin + len(row.wstart)] = np.frombuffer(row.wstart, dtype=np.uint8)
    text = _core(cps, starts, bits)
    del cps, bits
    count = len(rows)
    docs, issuers, types, years = _Codes(), _Codes(), _Codes(), _Codes()
    codes = {
        "doc": np.fromiter((docs.code(r.doc_id) for r in rows), dtype=np.int32, count=count),
        "issuer": np.fromiter((issuers.code(r.issuer) for r in rows), dtype=np.int32,
                              count=count),
        "doc_type": np.fromiter((types.code(r.doc_type) for r in rows), dtype=np.int32,
                                count=count),
        "year": np.fromiter((years.code(r.year) for r in rows), dtype=np.int32, count=count),
    }
    tables = {"docs": docs.values, "issuer": issuers.values, "doc_type": types.values,
              "year": years.values}
    return _finish_part(
        text, np.fromiter((r.is_para for r in rows), dtype=np.bool_, count=count),
        np.fromiter((r.is_para and r.heading for r in rows), dtype=np.bool_, count=count),
        np.fromiter((r.n for r in rows), dtype=np.int32, count=count),
        np.fromiter((r.date for r in rows), dtype=np.int32, count=count), codes, tables)


def _cuts(sizes: np.ndarray, boundary: np.ndarray) -> list[int]:
    """Where to cut rows of ``sizes`` units into parts of at most :data:`PART_UNITS`.

    A part ends before a row where ``boundary`` is set (a document's first row) when
    one fits, so a document's rows stay in one part; otherwise anywhere.
    """
    count = len(sizes)
    cum = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(sizes, out=cum[1:])
    allowed = np.flatnonzero(boundary)
    cuts, start = [0], 0
    while start < count:
        end = int(np.searchsorted(cum, cum[start] + PART_UNITS, side="right")) - 1
        if end >= count:
            end = count
        elif end <= start:
            end = start + 1  # one row longer than a part: refused when it is written
        else:
            j = int(np.searchsorted(allowed, end, side="right")) - 1
            if j >= 0 and allowed[j] > start:
                end = int(allowed[j])
        cuts.append(end)
        start = end
    return cuts


class Writer:
    """Writes a character index file part by part (header at the end: ``PSCHARS3``).

    Only the part being written is in memory. The file appears under its name when
    :meth:`close` has written it completely (a temporary file is renamed).
    """

    def __init__(self, path: Path):
        self.path = path
        self._tmp = path.with_name("." + path.name + ".tmp")
        self._fh = open(self._tmp, "wb")
        self._fh.write(MAGIC + struct.pack("<Q", 0))
        self._parts: list[dict] = []
        self._layout: dict[str, int] = {}
        self.rows = 0
        self.units = 0
        #: (row, doc_id, meta) of the document records, for the header
        self.docs: list[tuple[int, str, dict]] = []

    def add_part(self, meta: dict, arrays: dict[str, np.ndarray]) -> None:
        if meta["rows"] and int(arrays["starts"][-1]) > PART_UNITS:
            raise ValueError("paragraph longer than a part of the character index")
        meta = dict(meta, base=self.rows, arrays={})
        fh = self._fh
        for name, arr in arrays.items():
            arr = np.ascontiguousarray(arr)
            pos = -(-fh.tell() // _ALIGN) * _ALIGN
            fh.write(b"\0" * (pos - fh.tell()))
            self._layout[f"{len(self._parts)}.{name}"] = pos
            meta["arrays"][name] = [arr.dtype.str, len(arr)]
            fh.write(memoryview(arr).cast("B"))
        self._parts.append(meta)
        self.rows += meta["rows"]
        self.units += int(arrays["starts"][-1])

    def close(self) -> None:
        fh = self._fh
        # The document records first, apart: only opening an index reads them.
        try:
            docs = json.dumps(self.docs, ensure_ascii=False).encode("utf-8")
        except (TypeError, ValueError):  # metadata JSON cannot hold: read from stored fields
            docs = b"null"
        docs_at = fh.tell()
        fh.write(docs)
        header = {"rows": self.rows, "units": self.units, "parts": self._parts,
                  "layout": self._layout, "docs_at": [docs_at, len(docs)]}
        at = fh.tell()
        fh.write(json.dumps(header, ensure_ascii=False).encode("utf-8"))
        fh.seek(len(MAGIC))
        fh.write(struct.pack("<Q", at))
        fh.flush()
        os.fsync(fh.fileno())
        fh.close()
        os.replace(self._tmp, self.path)

    def abort(self) -> None:
        self._fh.close()
        self._tmp.unlink(missing_ok=True)


def write(path: Path, rows: Sequence[Row]) -> None:
    """Write the character index of ``rows`` to ``path`` (via a temporary file)."""
    texts = [units(r.text) if r.is_para else "" for r in rows]
    sizes = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
    boundary = np.fromiter((not r.is_para for r in rows), dtype=np.bool_, count=len(rows))
    out = Writer(path)
    out.docs = [(i, r.doc_id, r.meta) for i, r in enumerate(rows)
                if not r.is_para and r.meta is not None]
    if len(out.docs) != int(boundary.sum()):
        out.docs = None
    try:
        cuts = _cuts(sizes, boundary)
        for lo, hi in zip(cuts[:-1], cuts[1:], strict=True):
            out.add_part(*_build_part(rows[lo:hi], texts[lo:hi]))
        if len(cuts) == 1:  # no rows: one empty part
            out.add_part(*_build_part([], []))
        out.close()
    except BaseException:
        out.abort()
        raise


def merge(path: Path, sources: Sequence[tuple[CharIndex, Iterable[int]]]) -> None:
    """Write the character index of a segment merged from ``sources``.

    ``sources`` are (character index, deleted rows) in the order their rows were
    added to the merged segment; deleted rows are left out, as Whoosh leaves out
    deleted documents. Built from the sources' arrays, part by part: nothing is
    read from stored fields or segmented again.
    """
    picks = []  # (part, kept local rows)
    docs: list | None = []
    base = 0
    for chars, deleted in sources:
        dead = np.fromiter(deleted, dtype=np.int64)
        alive = np.ones(chars.rows, dtype=np.bool_)
        alive[dead] = False
        before = np.cumsum(alive) - 1  # new row of each kept row, from this source's start
        if docs is not None and chars.docs is not None:
            docs.extend((base + int(before[row]), doc_id, meta)
                        for row, doc_id, meta in chars.docs if alive[row])
        else:
            docs = None
        base += int(alive.sum())
        for part in chars.parts:
            keep = np.ones(part.rows, dtype=np.bool_)
            local = dead[(dead >= part.base) & (dead < part.base + part.rows)] - part.base
            keep[local] = False
            picks.append((part, np.flatnonzero(keep)))
    sizes = np.concatenate([np.diff(p.starts)[rows] for p, rows in picks] or [np.zeros(0)])
    boundary = np.concatenate([~p.is_para[rows] for p, rows in picks]
                              or [np.zeros(0, dtype=np.bool_)])
    which = np.concatenate([np.full(len(rows), i, dtype=np.int64)
                            for i, (_, rows) in enumerate(picks)] or [np.zeros(0, np.int64)])
    local = np.concatenate([rows for _, rows in picks] or [np.zeros(0, dtype=np.int64)])
    out = Writer(path)
    out.docs = docs
    try:
        cuts = _cuts(sizes.astype(np.int64), boundary)
        for lo, hi in zip(cuts[:-1], cuts[1:], strict=True):
            out.add_part(*_merged_part(picks, which[lo:hi], local[lo:hi]))
        if len(cuts) == 1:
            out.add_part(*_build_part([], []))
        out.close()
    except BaseException:
        out.abort()
        raise


def _merged_part(picks, which: np.ndarray, local: np.ndarray) -> tuple[dict, dict]:
    """One part of a merged index: the rows ``local`` of the source parts ``which``."""
    cps_pieces, bit_pieces, lengths = [], [], []
    cols: dict[str, list] = {k: [] for k in ("is_para", "heading", "n", "date")}
    coded: dict[str, list] = {name: [] for name in _TABLES}  # (source table, codes) per piece
    for i in np.unique(which).tolist():  # source parts appear in order, each once
        part, _ = picks[i]
        rows = local[which == i]
        begin = part.starts[rows]
        size = part.starts[rows + 1] - begin
        lengths.append(size)
        shift = np.repeat(begin - (np.cumsum(size) - size), size)
        at = np.arange(int(size.sum()), dtype=np.int64) + shift
        cps_pieces.append(part.alphabet[part.units[at]])
        bit_pieces.append(np.unpackbits(part.wstart)[at])
        for name in cols:
            cols[name].append(np.asarray(getattr(part, name))[rows])
        for name, table in _TABLES.items():
            coded[name].append((part.tables[table], np.asarray(getattr(part, name))[rows]))
    starts = np.zeros(len(local) + 1, dtype=np.int64)
    np.cumsum(np.concatenate(lengths), out=starts[1:])
    text = _core(np.concatenate(cps_pieces), starts, np.concatenate(bit_pieces))
    merged = {k: np.concatenate(v) for k, v in cols.items()}
    codes, tables = {}, {}
    for name, pieces in coded.items():
        codes[name], tables[_TABLES[name]] = _recode(pieces)
    return _finish_part(text, merged["is_para"], merged["heading"], merged["n"], merged["date"],
                        codes, tables)


def _recode(pieces: list[tuple[list[str], np.ndarray]]) -> tuple[np.ndarray, list[str]]:
    """Codes of several sources' columns in one table, numbered by first appearance
    (as :func:`write` numbers them), and that table."""
    width = max((len(table) for table, _ in pieces), default=0) + 1
    keys = np.concatenate([i * width + codes.astype(np.int64) + 1
                           for i, (_, codes) in enumerate(pieces)])
    uniq, first = np.unique(keys, return_index=True)
    target = _Codes()
    new = np.full(len(uniq), -1, dtype=np.int32)
    for k in np.argsort(first, kind="stable").tolist():
        piece, code = divmod(int(uniq[k]), width)
        if code:
            new[k] = target.code(pieces[piece][0][code - 1])
    return new[np.searchsorted(uniq, keys)], target.values


_TABLES = {"doc": "docs", "issuer": "issuer", "doc_type": "doc_type", "year": "year"}


class Part:
    """One part of a segment's character index (read-only arrays over ``mmap``)."""

    def __init__(self, meta: dict, arrays: dict[str, np.ndarray]):
        self.base: int = meta["base"]
        self.rows: int = meta["rows"]
        self.tables: dict[str, list[str]] = meta["tables"]
        self.id_bits: int = meta.get("id_bits", 20)  # bits of a character id in the keys
        for name, arr in arrays.items():
            setattr(self, name, arr)
        self.lengths = (np.diff(self.starts) - 1).astype(np.int32)
        if not hasattr(self, "wstart"):
            raise ValueError("character index without word boundaries")
        digit_codes = np.array([ord(c) for c in _DIGITS], dtype=np.uint32)
        self._is_digit = np.isin(self.alphabet, digit_codes)
        self._codes = {name: {v: i for i, v in enumerate(values)}
                       for name, values in self.tables.items()}
        self._doc_spans: np.ndarray | None = None
        self._blocks: np.ndarray | None = None
        self._doc_columns: dict[str, np.ndarray] = {}
        self._kept: dict = {}
        self._id_cache: dict[str, np.ndarray | None] = {}

    def row_of(self, pos: np.ndarray) -> np.ndarray:
        """The row of each unit position (int64; any order).

        A table of the row at every ``2**_BLOCK_BITS``-th unit (built on first use,
        a few MB per part) gives each position its row or one just before it: one
        gather and one step forward, instead of a binary search over the rows.
        """
        blocks = self._row_table()
        pos = np.ascontiguousarray(pos, dtype=np.int64)
        if kernels is not None and self.starts.dtype == np.int64:
            return kernels.row_of(pos, self.starts, blocks, _BLOCK_BITS)
        return self._row_of(pos, blocks)

    def _row_of(self, pos: np.ndarray, blocks: np.ndarray) -> np.ndarray:
        """:meth:`row_of` in NumPy: one gather, up to three steps, a binary search."""
        rows = blocks[pos >> _BLOCK_BITS].astype(np.int64)
        starts = self.starts
        step = np.flatnonzero(starts[rows + 1] <= pos)
        for _ in range(3):
            if not len(step):
                return rows
            rows[step] += 1
            step = step[starts[rows[step] + 1] <= pos[step]]
        if len(step):  # many short rows in one block: a binary search for what is left
            rows[step] = np.searchsorted(self.starts, pos[step], side="right") - 1
        return rows

    def _row_table(self) -> np.ndarray:
        """The row at every ``2**_BLOCK_BITS``-th unit (see :meth:`row_of`)."""
        if self._blocks is None:
            starts = self.starts.astype(np.int64)
            first = -(-starts // (1 << _BLOCK_BITS))  # the first block starting in each row
            self._blocks = np.repeat(np.arange(self.rows, dtype=np.uint32), np.diff(first))
        return self._blocks

    def doc_rows(self, doc_ids) -> np.ndarray:
        """The paragraph rows of the documents ``doc_ids`` that this part holds, ascending."""
        codes = sorted(c for c in (self._codes["docs"].get(d) for d in doc_ids) if c is not None)
        if not codes:
            return np.zeros(0, dtype=np.int64)
        if self._doc_spans is None:
            # A document's rows are consecutive: where each code's run begins and ends.
            doc = np.asarray(self.doc)
            begin = np.flatnonzero(np.concatenate(([True], doc[1:] != doc[:-1])))
            ends = np.append(begin[1:], len(doc))
            spans = np.zeros((len(self.tables["docs"]), 2), dtype=np.int64)
            runs = doc[begin] if len(doc) else doc
            valid = runs >= 0
            if len(np.unique(runs[valid])) != int(valid.sum()):
                raise ValueError("a document's rows are not consecutive in the index")
            spans[runs[valid]] = np.stack((begin[valid], ends[valid]), axis=1)
            self._doc_spans = spans
        rows = np.concatenate([np.arange(*self._doc_spans[c]) for c in codes])
        return rows[np.asarray(self.is_para)[rows]]

    def doc_column(self, name: str) -> np.ndarray:
        """A per-document column (``issuer``, ``doc_type``, ``year``) by document code:
        every paragraph of a document has its document's value."""
        found = self._doc_columns.get(name)
        if found is None:
            doc, para = np.asarray(self.doc), np.asarray(self.is_para)
            column = np.asarray(getattr(self, name))
            found = np.full(len(self.tables["docs"]), -1, dtype=column.dtype)
            found[doc[para]] = column[para]
            self._doc_columns[name] = found
        return found

    def code(self, table: str, value: str) -> int:
        """The code of ``value`` in a column's table, or -2 when this part has none."""
        return self._codes[table].get(value, -2)

    def _ids(self, needle: str) -> np.ndarray | None:
        """The character ids of ``needle`` (read-only), None if one is not in this
        part; remembered, as a query asks for the same needles in several steps."""
        found = self._id_cache.get(needle, False)
        if found is not False:
            return found
        cps = np.frombuffer(needle.encode("utf-32-le"), dtype=np.uint32)
        idx = np.searchsorted(self.alphabet, cps)
        if (idx >= len(self.alphabet)).any() or (self.alphabet[idx] != cps).any():
            found = None
        else:
            found = idx.astype(np.int64)
            found.flags.writeable = False
        if len(self._id_cache) >= _ID_CACHE:
            self._id_cache.clear()
        self._id_cache[needle] = found
        return found

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
        shift = np.int64(self.id_bits)
        if len(ids) == 1:
            lo, hi = keys.searchsorted(np.array([ids[0] << shift, (ids[0] + 1) << shift],
                                                dtype=keys.dtype))
            pos = order[offsets[lo]:offsets[hi]]  # a view: no copy of a common character
        else:
            wanted = ((ids[:-1] << shift) | ids[1:]).astype(np.uint64)
            at = np.searchsorted(keys, wanted)
            if (at >= len(keys)).any() or (keys[at] != wanted).any():
                return np.zeros(0, dtype=np.int64)
            sizes = offsets[at + 1].astype(np.int64) - offsets[at]
            r = int(np.argmin(sizes))
            run = order[offsets[at[r]]:offsets[at[r] + 1]]  # ascending
            # Whole needle inside the part, before its final separator: 0 <= run - r
            # and run - r + len(ids) < len(units).
            lo, hi = run.searchsorted(np.array([r, len(self.units) - len(ids) + r], dtype=run.dtype))
            pos = run[lo:hi].astype(np.int64)
            pos -= r
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

    def warm(self) -> None:
        """Build what queries build on first use (the row table, the per-document
        facet columns) and map the pages of the per-row arrays and the word-start
        bits, which every query reads here and there: a server's first queries then
        cost what later ones do."""
        self._row_table()
        for name in ("issuer", "doc_type", "year"):
            self.doc_column(name)
        for name in ("starts", "is_para", "heading", "section", "n", "date", "doc", "issuer",
                     "doc_type", "year", "wstart", "keys", "offsets"):
            data = np.asarray(getattr(self, name))
            if data.size:
                int(data.reshape(-1).view(np.uint8)[::4096].sum())  # one byte per page

    def kept(self, key, build: Callable[[], object]):
        """``build()``, computed once per part and ``key`` and kept: arrays derived
        from the part that every query needs alike (a racing first call may build
        twice; either result is the same)."""
        found = self._kept.get(key)
        if found is None:
            found = self._kept[key] = build()
        return found

    def has_kept(self, key) -> bool:
        """Whether :meth:`kept` has built ``key`` already."""
        return key in self._kept

    def kept_if_built(self, key):
        """What :meth:`kept` built for ``key``, or None if it has not."""
        return self._kept.get(key)

    def fixed_positions(self, needle: str) -> np.ndarray:
        """:meth:`positions` of ``needle`` (int64), kept for the next call: for the
        few fixed needles that ranking looks for in every query (所称, 是指)."""
        return self.kept(("positions", needle),
                         lambda: self.positions(needle).astype(np.int64))

    def word_start(self, pos: np.ndarray) -> np.ndarray:
        """Whether a word starts at each unit position (separators count as starts)."""
        pos = np.asarray(pos, dtype=np.int64)
        # The unit's bit moved to the top of its byte (uint8 arithmetic drops the rest).
        return (self.wstart[pos >> 3] << (pos & 7).astype(np.uint8)) >= 128

    def boundaries(self, pos: np.ndarray, length: int
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For occurrences of ``length`` units at ``pos``: whether a word starts at
        the occurrence, right after it, and anywhere strictly inside it.

        Up to 8 units, the bits come from two bytes per position, read once."""
        pos = np.asarray(pos, dtype=np.int64)
        if length > 8:
            inner = np.zeros(len(pos), dtype=np.bool_)
            for k in range(1, length):
                inner |= self.word_start(pos + k)
            return self.word_start(pos), inner, self.word_start(pos + length)
        w = self.wstart
        at = pos >> 3
        # The occurrence's first bit moved to the top of 16 bits, the next ones after it.
        bits = ((w[at].astype(np.uint16) << 8) | w[np.minimum(at + 1, len(w) - 1)]) \
            << (pos & 7).astype(np.uint16)
        inside = sum(1 << (15 - k) for k in range(1, length))
        return (bits >= 0x8000, (bits & inside) != 0 if inside else np.zeros(len(pos), np.bool_),
                (bits & (0x8000 >> length)) != 0)

    def term_frequencies(self, needle: str, whole_numbers: bool = False) -> np.ndarray:
        """Occurrences of ``needle`` in every row of this part (a dense int array)."""
        pos = self.positions(needle, whole_numbers)
        if not len(pos):
            return np.zeros(self.rows, dtype=np.int64)
        return np.bincount(self.row_of(pos), minlength=self.rows)


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
        (at,) = struct.unpack("<Q", mm[len(MAGIC):len(MAGIC) + 8])
        header = json.loads(mm[at:].decode("utf-8"))  # at the end; offsets from the start
        self.rows: int = header["rows"]
        self.parts: list[Part] = []
        for i, meta in enumerate(header["parts"]):
            arrays = {}
            for name, (dtype, count) in meta["arrays"].items():
                offset = header["layout"][f"{i}.{name}"]
                arrays[name] = np.frombuffer(mm, dtype=np.dtype(dtype), count=count,
                                             offset=offset)
            self.parts.append(Part(meta, arrays))
        self.units: int = header["units"]
        self._docs_at = header.get("docs_at")
        self._docs = header.get("docs")

    @property
    def docs(self) -> list | None:
        """(row, doc_id, meta) of every document record, or None (see :class:`Writer`)."""
        if self._docs is None and self._docs_at is not None:
            at, length = self._docs_at
            self._docs = json.loads(self._mm[at:at + length].decode("utf-8"))
            self._docs_at = None
        return self._docs


def file_name(segment_id: str) -> str:
    return segment_id + SUFFIX
