"""Format readers: one small module per format.

A reader gets a file's bytes and path and returns a
:class:`~indexer.ingest.readers.common.ReadResult`: :class:`~indexer.document.Block`
objects, the encoding, warnings and page metadata evidence. Text formats decode
with :mod:`indexer.ingest.encoding`; binary formats parse the bytes. What the
readers share (line joining, headings by numbering, label tables, size limits)
is in :mod:`.common`. Everything after the blocks (metadata, clean-up,
numbering) is format-independent.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..encoding import DecodeError, decode
from . import docx, html, markdown, ofd, pdf, text
from .common import ReaderError, ReadResult

Reader = Callable[[bytes, Path], ReadResult]


def _decoded(read_text: Callable) -> Reader:
    def reader(data: bytes, path: Path) -> ReadResult:
        try:
            decoded = decode(data)
        except DecodeError as exc:
            raise ReaderError(str(exc)) from None
        return ReadResult(read_text(decoded.text), decoded.encoding, list(decoded.warnings))
    return reader


READERS: dict[str, Reader] = {
    ".txt": _decoded(text.read),
    ".md": _decoded(markdown.read),
    ".markdown": _decoded(markdown.read),
    ".html": html.read,
    ".htm": html.read,
    ".shtml": html.read,
    ".docx": docx.read,
    ".pdf": pdf.read,
    ".ofd": ofd.read,
}


def reader_for(path: str | Path) -> Reader | None:
    return READERS.get(Path(path).suffix.lower())


def supported(path: str | Path) -> bool:
    return reader_for(path) is not None
