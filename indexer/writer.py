"""The Whoosh segment writer: Whoosh segments plus each segment's character index.

Every segment listed in a commit's TOC has its ``.chars`` file (see
:mod:`indexer.charindex`) written *before* the TOC: a reader that sees a segment
always finds its character index. A new segment's rows are kept as documents are
added; a segment made by merging others is read back from its stored fields.
Whoosh's own file clean-up removes the ``.chars`` file of a segment no longer
listed.

Segments are left as separate files (a reader of a compound segment copies its
parts into memory) and compressed at zlib level 1.
"""

from __future__ import annotations

from pathlib import Path

from . import charindex
from .segment import Segmenter
from .whoosh_api import SegmentReader, SegmentWriter, W3Codec

#: zlib level for posting blocks and stored fields (Whoosh's default is 3).
COMPRESSION = 1


class FastSegmentWriter(SegmentWriter):
    """Whoosh's SegmentWriter, also writing each new segment's character index."""

    def __init__(self, ix, limitmb: int = 256, segmenter: Segmenter | None = None, **kwargs):
        kwargs.setdefault("codec", W3Codec(compression=COMPRESSION))
        # Separate segment files, not one compound file: Whoosh reads a compound
        # file's parts into memory (BytesIO copies) in every reader it opens.
        kwargs.setdefault("compound", False)
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self._rows: list[charindex.Row] = []
        self._merged = False
        self._segmenter = segmenter or Segmenter()

    def add_document(self, **fields):
        """Whoosh's ``add_document``, also keeping the row for the character index.

        Our schema has no per-field boosts, spelling fields or term vectors, so
        those branches of the original are not needed.
        """
        self._check_state()
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
                if field.indexed:
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
        self._rows.append(_row(fields))
        self._added = True
        self.docnum += 1

    def add_reader(self, reader):
        # Merged documents: the new segment's character index is read back instead.
        self._merged = True
        super().add_reader(reader)

    def _commit_toc(self, segments):
        """Write each segment's character index before the TOC that lists it."""
        new_id = self.newsegment.segment_id()
        for segment in segments:
            path = Path(self.storage.folder) / charindex.file_name(segment.segment_id())
            if path.exists():
                continue
            if segment.segment_id() == new_id and not self._merged:
                rows = self._rows
            else:
                rows = read_rows(self.storage, self.schema, segment, self._segmenter)
            charindex.write(path, rows)
        super()._commit_toc(segments)


def _row(fields: dict) -> charindex.Row:
    if fields.get("kind") != "p":
        return charindex.Row(False, doc_id=fields.get("doc_id", ""))
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
            rows.append(charindex.Row(False, doc_id=s.get("doc_id", "")))
            continue
        meta = metas.get(s.get("doc_id"), {})
        date = meta.get("date") or ""
        rows.append(charindex.Row(
            True, s.get("text", ""), s.get("n", 0), int(date.replace("-", "")) if date else 0,
            s.get("doc_id", ""), meta.get("issuer") or "", meta.get("doc_type") or "", date[:4],
            bool(s.get("heading")), paragraph_word_starts(s.get("text", ""), segmenter)))
    return rows


def paragraph_word_starts(text: str, segmenter: Segmenter) -> bytes:
    """The word-start bytes of a paragraph for its character index row."""
    return charindex.word_starts(text, segmenter.spans(text))


def open_writer(ix, limitmb: int = 256, segmenter: Segmenter | None = None) -> FastSegmentWriter:
    return FastSegmentWriter(ix, limitmb=limitmb, segmenter=segmenter)
