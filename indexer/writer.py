"""A faster Whoosh segment writer for bulk builds.

Profiling a LawRefBook build showed three costs in Whoosh's own writer that do
not depend on our analysis: the posting pool spills runs to disk with one
``pickle.dump`` per posting (and one ``pickle.load`` per posting to merge them);
the codec looks up the document's field length from the on-disk column for every
posting; and posting blocks are compressed at zlib level 3. This writer spills
runs as marshalled batches, materializes field lengths once per segment, and
compresses blocks at level 1, and leaves segments as separate files (a reader of
a compound segment copies its postings into memory). The files it writes are
ordinary Whoosh segments.
"""

from __future__ import annotations

import marshal
import struct
from array import array
from pathlib import Path

from . import charindex
from .whoosh_api import PostingPool, SegmentReader, SegmentWriter, W3Codec

#: Postings per marshalled batch in a spilled run.
RUN_BATCH = 10_000
#: zlib level for posting blocks and stored fields (Whoosh's default is 3).
COMPRESSION = 1


_LEN = struct.Struct("<Q")


class BatchedPostingPool(PostingPool):
    """Whoosh's posting pool, writing and reading runs in marshalled batches."""

    def add(self, item):
        # item = (fieldname, tbytes, docnum, weight, vbytes); the size estimate
        # follows PostingPool.add without its per-item type assertions.
        self.fieldnames.add(item[0])
        self.currentsize += 150 + len(item[0]) + 2 * len(item[1]) + len(item[4] or b"")
        if self.currentsize > self.limit:
            self.save()
        self.current.append(item)

    def _write_run(self, f, items):
        def flush(batch):
            data = marshal.dumps(batch)
            f.write(_LEN.pack(len(data)))
            f.write(data)

        batch = []
        for item in items:
            batch.append(item)
            if len(batch) >= RUN_BATCH:
                flush(batch)
                batch = []
        if batch:
            flush(batch)
        f.close()

    def _read_run(self, path):
        f = self._open_run(path)
        try:
            while True:
                head = f.read(_LEN.size)
                if len(head) < _LEN.size:
                    return
                yield from marshal.loads(f.read(_LEN.unpack(head)[0]))
        finally:
            f.close()
            self._remove_run(path)


class _Lengths:
    """Field lengths of a new segment, read once from its per-document reader."""

    def __init__(self, pdr, schema):
        count = pdr.doc_count_all()
        self._lengths: dict[str, array] = {}
        for name, field in schema.items():
            if field.indexed and field.scorable:
                self._lengths[name] = array(
                    "I", (pdr.doc_field_length(n, name, 0) or 0 for n in range(count)))

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        lengths = self._lengths.get(fieldname)
        if lengths is None or docnum >= len(lengths):
            return default
        return lengths[docnum]


class FastSegmentWriter(SegmentWriter):
    def __init__(self, ix, limitmb: int = 256, **kwargs):
        kwargs.setdefault("codec", W3Codec(compression=COMPRESSION))
        # Separate segment files, not one compound file: Whoosh reads a compound
        # file's parts into memory (BytesIO copies) in every reader it opens.
        kwargs.setdefault("compound", False)
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self._rows: list[charindex.Row] = []
        self._merged = False
        self.pool = BatchedPostingPool(self._tempstorage, self.newsegment, limitmb=limitmb)

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
                rows = read_rows(self.storage, self.schema, segment)
            charindex.write(path, rows)
        super()._commit_toc(segments)

    def _flush_segment(self):
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        lengths = _Lengths(pdr, self.schema) if pdr is not None else None
        self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
        self.fieldwriter.close()
        if pdr is not None:
            pdr.close()


def _row(fields: dict) -> charindex.Row:
    if fields.get("kind") != "p":
        return charindex.Row(False, doc_id=fields.get("doc_id", ""))
    return charindex.Row(True, fields.get("text", ""), fields.get("n", 0), fields.get("_date", 0),
                         fields.get("doc_id", ""), fields.get("_issuer", ""),
                         fields.get("_doc_type", ""), fields.get("_year", ""))


def read_rows(storage, schema, segment) -> list[charindex.Row]:
    """A segment's rows for its character index, read back from its stored fields.

    A paragraph's columns come from its document record, always in the same segment.
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
            s.get("doc_id", ""), meta.get("issuer") or "", meta.get("doc_type") or "", date[:4]))
    return rows


def open_writer(ix, limitmb: int = 256) -> FastSegmentWriter:
    return FastSegmentWriter(ix, limitmb=limitmb)
