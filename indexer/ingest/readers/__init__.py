"""Format readers: one small module per format.

A reader turns decoded text into :class:`~indexer.document.Block` objects.
Everything after that (metadata, clean-up, numbering) is format-independent.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ...document import Block
from . import markdown, text

Reader = Callable[[str], list[Block]]

READERS: dict[str, Reader] = {
    ".txt": text.read,
    ".md": markdown.read,
    ".markdown": markdown.read,
}


def reader_for(path: str | Path) -> Reader | None:
    return READERS.get(Path(path).suffix.lower())


def supported(path: str | Path) -> bool:
    return reader_for(path) is not None
