"""Markdown: blank-line separated blocks; ATX headings are heading paragraphs.

LawRefBook files put an info block (promulgation dates) before an
``<!-- INFO END -->`` marker; those blocks are kept, marked ``kind="info"``.
"""

from __future__ import annotations

import re

from ...document import Block

_STRIP = " \t\r\n\u00a0\u3000\u200b\ufeff"
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
_COMMENT = re.compile(r"^<!--.*?-->$", re.S)
_INFO_END = "<!-- INFO END -->"


def read(text: str) -> list[Block]:
    lines = text.splitlines()
    has_info = any(line.strip() == _INFO_END for line in lines)
    kind = "info" if has_info else "body"
    blocks: list[Block] = []
    current: list[str] = []
    start = 0

    def flush() -> None:
        if current:
            blocks.append(Block("\n".join(current), start, kind=kind))
            current.clear()

    for number, raw in enumerate(lines, start=1):
        line = raw.strip(_STRIP)
        if line == _INFO_END:
            flush()
            kind = "body"
            continue
        if not line:
            flush()
            continue
        heading = _HEADING.match(line)
        if heading:
            flush()
            if heading.group(1):
                blocks.append(Block(heading.group(1), number, heading=True, kind=kind))
            continue
        if _COMMENT.match(line):
            flush()
            continue
        if not current:
            start = number
        current.append(line)
    flush()
    return blocks
