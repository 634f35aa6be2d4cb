"""Plain text: every non-blank line is a paragraph."""

from __future__ import annotations

from ...document import Block

_STRIP = " \t\r\n\u00a0\u3000\u200b\ufeff"


def read(text: str) -> list[Block]:
    blocks = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip(_STRIP)
        if stripped:
            blocks.append(Block(stripped, number))
    return blocks
