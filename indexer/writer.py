"""The Whoosh segment writer: Whoosh segments plus each segment's character index.

Every segment listed in a commit's TOC has its ``.chars`` file (see
:mod:`indexer.charindex`) written *before* the TOC: a reader that sees a segment
always finds its character index. Whoosh's own file clean-up removes the
``.chars`` file of a segment no longer listed.

Memory stays bounded whatever the corpus size:

* a new segment is closed once it holds :data:`SEGMENT_UNITS` characters and a
  fresh one started, all within the one commit (nothing is visible before it);
  a segment's rows are kept only until its character index is written;
* the merge policy (:func:`merge_plan`) keeps a handful of segments: the small
  ones left by incremental reindexes are merged together, and a segment that has
  lost a third of its rows to deletions is rewritten; segments are never merged
  beyond :data:`SEGMENT_UNITS`;
* a merged segment's character index is built from its sources' character
  indexes part by part (:func:`indexer.charindex.merge`), without reading stored
  fields or segmenting the text again.

Segments are left as separate files (a reader of a compound segment copies its
parts into memory) and compressed at zlib level 1.
"""

from __future__ import annotations

from pathlib import Path

from . import charindex
from .normalize import fold_chars
from .segment import Segmenter
from .whoosh_api import (
    ID,
    Existence,
    FastCodec,
    IDTokenizer,
    MemoryPool,
    SegmentReader,
    SegmentWriter,
)

#: zlib level for posting blocks and stored fields (Whoosh's default is 3).
COMPRESSION = 1
#: Characters of text after which a new segment is closed and another started.
SEGMENT_UNITS = 1 << 25
#: Segments under this share of :data:`SEGMENT_UNITS` count as small.
SMALL_SHARE = 0.25
#: Small segments tolerated before they are merged into one.
MAX_SMALL = 4
#: Share of deleted rows that makes a segment be rewritten.
DELETED_SHARE = 1 / 3


class FastSegmentWriter(SegmentWriter):
    """Whoosh's SegmentWriter, also writing each new segment's character index."""

    def __init__(self, ix, limitmb: int = 256, segmenter: Segmenter | None = None, **kwargs):
        kwargs.setdefault("codec", FastCodec(compression=COMPRESSION))
        # Separate segment files, not one compound file: Whoosh reads a compound
        # file's parts into memory (BytesIO copies) in every reader it opens.
        kwargs.setdefault("compound", False)
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.pool.cleanup()  # Whoosh's pool, empty: ours instead (no run files)
        self.pool = MemoryPool()
        self._rows: list[charindex.Row] = []
        self._units = 0
        self._segmenter = segmenter or Segmenter()
        #: segments closed by this writer, each with its character index written
        self._finished: list = []
        #: ID fields (one term: the value as typed) indexed without Whoosh's analysis
        #: chain: field name → the weight Whoosh gives the term
        self._plain_ids = {name: field.format.field_boost
                           for name, field in self.schema.items() if plain_id(field)}

    def add_document(self, **fields):
        """Whoosh's ``add_document``, also keeping the row for the character index.

        Our schema has no per-field boosts, spelling fields or term vectors, so
        those branches of the original are not needed.
        """
        self._check_state()
        if fields.get("kind") == "d" and self._units >= SEGMENT_UNITS:
            # The segment is full: a document's rows never span two segments.
            self._roll()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        pool = self.pool
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields[fieldname]
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if fieldname in self._plain_ids and isinstance(value, str):
                    # What ``field.index(value)`` yields for an ID field, without its
                    # tokenizer, token objects and generators (a tenth of the build).
                    pool.add((fieldname, value.encode("utf-8"), docnum,
                              self._plain_ids[fieldname], b""))
                elif field.indexed:
                    for tbytes, freq, weight, vbytes in field.index(value):
                        if field.scorable:
                            length += freq
                        pool.add((fieldname, tbytes, docnum, weight, vbytes))
                perdocwriter.add_field(fieldname, field, value if field.stored else None,
                                       length)
                column = field.column_type
                if column:
                    perdocwriter.add_column_value(fieldname, column,
                                                  field.to_column_value(value))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        row = _row(fields)
        self._rows.append(row)
        self._added = True
        self.docnum += 1
        self._units += len(row.text) + 1

    def _roll(self, sources: list | None = None) -> None:
        """Close the segment being written (its character index from its rows, or
        merged from ``sources``) and start a new one."""
        if not self._added:
            return
        segment = self._finalize_segment()
        path = self._chars_path(segment)
        if sources is not None:
            charindex.merge(path, sources)
        else:
            charindex.write(path, self._rows)
        self._finished.append(segment)
        codec, storage = self.codec, self.storage
        self.newsegment = codec.new_segment(storage, self.indexname)
        self.pool = MemoryPool()
        self.perdocwriter = codec.per_document_writer(storage, self.newsegment)
        self.fieldwriter = codec.field_writer(storage, self.newsegment)
        self.docnum = 0
        self._added = False
        self._rows = []
        self._units = 0

    def _chars_path(self, segment) -> Path:
        return Path(self.storage.folder) / charindex.file_name(segment.segment_id())

    def commit(self, mergetype=None, optimize=None, merge=None):
        """Close the last new segment, merge as :func:`merge_plan` says, write the TOC."""
        self._check_state()
        self._roll()
        kept, groups = merge_plan(self.segments, self._chars_path)
        for group in groups:
            sources = []
            for segment in group:
                reader = SegmentReader(self.storage, self.schema, segment)
                try:
                    self.add_reader(reader)
                finally:
                    reader.close()
                sources.append((charindex.CharIndex(self._chars_path(segment)),
                                list(segment.deleted_docs()) if segment.has_deletions() else []))
            self._roll(sources)
        self._close_segment()
        self._commit_toc(kept + self._finished)
        self._finish()

    def _commit_toc(self, segments):
        """Write each segment's character index before the TOC that lists it."""
        for segment in segments:
            path = self._chars_path(segment)
            if path.exists():
                continue
            charindex.write(path, read_rows(self.storage, self.schema, segment, self._segmenter))
        super()._commit_toc(segments)


def _segment_units(segment, chars_path) -> int:
    try:
        return charindex.CharIndex(chars_path(segment)).units
    except (OSError, ValueError):
        return 0


def merge_plan(segments: list, chars_path) -> tuple[list, list[list]]:
    """Which segments to keep as they are, and which groups to merge, one new
    segment per group (see the module docstring)."""
    sizes = {id(s): _segment_units(s, chars_path) for s in segments}

    def live(s) -> float:
        total = s.doc_count_all()
        return sizes[id(s)] * (1 - s.deleted_count() / total) if total else 0.0

    gone = [s for s in segments if s.deleted_count() >= s.doc_count_all()]
    worn = [s for s in segments if s not in gone
            and s.deleted_count() / s.doc_count_all() > DELETED_SHARE]
    small = sorted((s for s in segments if s not in worn and s not in gone
                    and sizes[id(s)] < SMALL_SHARE * SEGMENT_UNITS), key=live)
    groups: list[list] = []
    if len(small) > MAX_SMALL:
        group, total = [], 0.0
        for s in small:
            if group and total + live(s) > SEGMENT_UNITS:
                break
            group.append(s)
            total += live(s)
        if len(group) > 1:
            groups.append(group)
    for s in worn:
        groups.append([s])  # rewritten without its deleted rows
    merged = {id(s) for g in groups for s in g} | {id(s) for s in gone}
    return [s for s in segments if id(s) not in merged], groups


def _row(fields: dict) -> charindex.Row:
    if fields.get("kind") != "p":
        return charindex.Row(False, doc_id=fields.get("doc_id", ""), meta=fields.get("meta"))
    return charindex.Row(True, fields.get("text", ""), fields.get("n", 0), fields.get("_date", 0),
                         fields.get("doc_id", ""), fields.get("_issuer", ""),
                         fields.get("_doc_type", ""), fields.get("_year", ""),
                         bool(fields.get("heading")), fields.get("_wstart", b""))


def read_rows(storage, schema, segment, segmenter: Segmenter) -> list[charindex.Row]:
    """A segment's rows for its character index, read back from its stored fields.

    A paragraph's columns come from its document record, always in the same
    segment; its word boundaries are segmented again.
    """
    reader = SegmentReader(storage, schema, segment)
    try:
        stored = [reader.stored_fields(docnum) for docnum in range(reader.doc_count_all())]
    finally:
        reader.close()
    metas = {s.get("doc_id"): s.get("meta") or {} for s in stored if s.get("kind") == "d"}
    rows = []
    for s in stored:
        if s.get("kind") != "p":
            rows.append(charindex.Row(False, doc_id=s.get("doc_id", ""), meta=s.get("meta")))
            continue
        meta = metas.get(s.get("doc_id"), {})
        date = meta.get("date") or ""
        rows.append(charindex.Row(
            True, s.get("text", ""), s.get("n", 0), int(date.replace("-", "")) if date else 0,
            s.get("doc_id", ""), meta.get("issuer") or "", meta.get("doc_type") or "", date[:4],
            bool(s.get("heading")), paragraph_word_starts(s.get("text", ""), segmenter)))
    return rows


def plain_id(field) -> bool:
    """A Whoosh ``ID`` field as the schema builds it: the whole value, one term, no
    filters, no positions (:class:`FastSegmentWriter` indexes it directly)."""
    return (isinstance(field, ID) and field.indexed and not field.scorable
            and type(field.format) is Existence and type(field.analyzer) is IDTokenizer)


def paragraph_word_starts(text: str, segmenter: Segmenter) -> bytes:
    """The word-start bytes of a paragraph for its character index row."""
    folded = fold_chars(text)
    return charindex.word_starts(folded, segmenter.folded_spans(folded), folded=True)


def open_writer(ix, limitmb: int = 256, segmenter: Segmenter | None = None) -> FastSegmentWriter:
    return FastSegmentWriter(ix, limitmb=limitmb, segmenter=segmenter)


def documents(searcher, folder: Path, opened: dict | None = None) -> dict[str, dict]:
    """doc_id → metadata of every live document of ``searcher``'s index at ``folder``.

    Read from the character indexes' headers (``opened``: segment id → CharIndex
    already open); from Whoosh's stored fields when a file has no document list.
    """
    out: dict[str, dict] = {}
    for leaf, _ in searcher.reader().leaf_readers():
        segment = leaf.segment()
        if segment is None:  # an index without segments
            continue
        chars = (opened or {}).get(segment.segment_id())
        if chars is None:
            try:
                chars = charindex.CharIndex(folder / charindex.file_name(segment.segment_id()))
            except (OSError, ValueError):
                chars = None
        if chars is None or chars.docs is None:
            return {searcher.stored_fields(n)["doc_id"]: searcher.stored_fields(n)["meta"]
                    for n in searcher.document_numbers(kind="d")}
        deleted = set(segment.deleted_docs()) if segment.has_deletions() else ()
        for row, doc_id, meta in chars.docs:
            if row not in deleted:
                out[doc_id] = meta
    return out
