"""Export every hit of a query (not just a page) as CSV, XLSX or JSON Lines.

Rows are the matching paragraphs of ``Index.matching_paragraphs(query, filters,
scope="any")`` — the same set and count as ``Results.total`` — in **index
order** (the order documents and their paragraphs were written to the index;
unranked, so the export never holds a ranking in memory). Their stored fields
are read in batches of :data:`BATCH` and written out as they come: memory stays
bounded whatever the number of hits (the match itself is one array of
paragraph numbers, eight bytes a hit).

Columns (:data:`COLUMNS`): the document's ``doc_id``, ``title``,
``doc_number``, ``issuer``, ``date``, ``doc_type``; the ``paragraph`` number,
its ``page`` (PDF, else empty), its ``text``; the ``source`` file.

* CSV: UTF-8 with a byte-order mark (Excel then reads the Chinese text), a
  header row, ``\\r\\n`` line ends (the csv module's default);
* XLSX: one sheet ``hits`` written with openpyxl's write-only mode (rows go to a
  temporary file as they are added);
* JSON Lines: one object per hit, keys in column order, ``null`` for missing.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from typing import IO

import numpy as np

FORMATS = ("csv", "xlsx", "jsonl")
COLUMNS = ("doc_id", "title", "doc_number", "issuer", "date", "doc_type", "paragraph", "page",
           "text", "source")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jsonl": "application/x-ndjson; charset=utf-8",
}
#: Paragraphs whose stored fields are read under one hold of the index's lock.
BATCH = 500


class ExportRows:
    """The rows of an export: ``len()`` is known before the first row is read."""

    def __init__(self, snap, docnums: np.ndarray):
        self._snap = snap
        self._docnums = docnums

    def __len__(self) -> int:
        return len(self._docnums)

    def __iter__(self) -> Iterator[dict]:
        snap = self._snap
        for start in range(0, len(self._docnums), BATCH):
            batch = self._docnums[start:start + BATCH].tolist()
            with snap._use:
                stored = [snap._searcher.stored_fields(d) for d in batch]
            for fields in stored:
                meta = snap._docs.get(fields["doc_id"], {})
                yield {"doc_id": fields["doc_id"], "title": meta.get("title"),
                       "doc_number": meta.get("doc_number"), "issuer": meta.get("issuer"),
                       "date": meta.get("date"), "doc_type": meta.get("doc_type"),
                       "paragraph": fields["n"], "page": fields.get("page"),
                       "text": fields["text"], "source": meta.get("source", "")}


def rows(snap, query: str, issuer: str | None = None, doc_type: str | None = None,
         date_from: str | None = None, date_to: str | None = None,
         within: str | None = None, former: bool = False) -> ExportRows:
    found = snap.matching_rows(query, issuer, doc_type, date_from, date_to, "any", within,
                               former)
    parts = [view.base + rows.astype(np.int64) for view, rows in found]
    docnums = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    return ExportRows(snap, docnums)


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        from .search import QueryError
        raise QueryError(f"format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
    return fmt


# -- writers -----------------------------------------------------------------------------

def _cell(value) -> str:
    return "" if value is None else str(value)


def csv_chunks(items: Iterable[dict], every: int = 200) -> Iterator[str]:
    """CSV text in chunks (BOM and header first), for streaming."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    buf.write("\ufeff")
    writer.writerow(COLUMNS)
    for i, row in enumerate(items, 1):
        writer.writerow([_cell(row[c]) for c in COLUMNS])
        if i % every == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def jsonl_chunks(items: Iterable[dict], every: int = 200) -> Iterator[str]:
    lines = []
    for row in items:
        lines.append(json.dumps({c: row[c] for c in COLUMNS}, ensure_ascii=False) + "\n")
        if len(lines) >= every:
            yield "".join(lines)
            lines = []
    yield "".join(lines)


def write_xlsx(items: Iterable[dict], target: str | IO[bytes]) -> None:
    """An XLSX workbook in openpyxl's write-only mode (rows are not kept in memory)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("hits")
    header = []
    for name in COLUMNS:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    for row in items:
        ws.append([_xlsx_value(row[c]) for c in COLUMNS])
    wb.save(target)


_ILLEGAL = dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32)])


def _xlsx_value(value):
    if isinstance(value, str):
        return value.translate(_ILLEGAL)  # control characters are not allowed in XLSX
    return value


def write(items: Iterable[dict], fmt: str, out: IO[bytes]) -> None:
    """Write ``items`` to the binary file ``out`` in ``fmt``."""
    check_format(fmt)
    if fmt == "xlsx":
        write_xlsx(items, out)
        return
    chunks = csv_chunks(items) if fmt == "csv" else jsonl_chunks(items)
    for chunk in chunks:
        out.write(chunk.encode("utf-8"))


def counted(items: Iterable[dict], step: Callable[[], None]) -> Iterator[dict]:
    """``items``, calling ``step`` after each (a progress bar)."""
    for row in items:
        yield row
        step()
