"""Word (``.docx``): paragraphs in order, headings, tables as rows, text boxes.

The zip container is checked against the size limits from its directory
before anything is unpacked (:func:`.common.open_zip`); the XML is parsed with
lxml, entities off. A paragraph is a heading when its style is a heading style
(``Heading 1``, ``标题 1``, ``Title`` or any style with an outline level) or when
it is numbered like one (``一、``, ``（一）``, ``第一条`` alone). A table row is one
paragraph of its cells joined by `` | ``; a text box's paragraphs follow the
paragraph that anchors it. The core properties (title, created) are weak
evidence (``properties``), used only when the text says nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

from ...document import Block
from .common import STRIP, ReaderError, ReadResult, numbered_heading, open_zip, read_member

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_HEADING_STYLE = re.compile(r"^(heading\s*\d|标题\s*\d?|title|subtitle)$", re.I)


def _parse(data: bytes, name: str):
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ReaderError(f"damaged Word file ({name}: {exc})") from None


_STYLES_ROOT = re.compile(rb"<(?:([\w.-]+):)?styles\b[^>]*>")
_STYLE_START = re.compile(rb"<(?:([\w.-]+):)?style\s")


def _style_elements(data: bytes, used: set[str]) -> bytes | None:
    """``styles.xml`` cut down to the root and the ``w:style`` elements of the
    ``used`` styles, found by their ``styleId="…"``; ``None`` when that cannot be
    done safely (a style not found as written): then the whole file is parsed."""
    root = _STYLES_ROOT.search(data)
    if root is None:
        return None
    pieces = [root.group(0)]
    for sid in sorted(used):
        raw = sid.encode("utf-8")
        at = data.find(b'styleId="' + raw + b'"')
        if at < 0:
            at = data.find(b"styleId='" + raw + b"'")
        start = data.rfind(b"<", 0, at) if at > 0 else -1
        tag = _STYLE_START.match(data, start) if start >= 0 else None
        end = data.find(b">", at) + 1
        if tag is None or end <= 0 or b">" in data[start:at]:
            return None
        if data[end - 2:end] != b"/>":
            close = b"</" + (tag.group(1) + b":" if tag.group(1) else b"") + b"style>"
            end = data.find(close, end)
            if end < 0:
                return None
            end += len(close)
        pieces.append(data[start:end])
    pieces.append(b"</" + (root.group(1) + b":" if root.group(1) else b"") + b"styles>")
    return b"".join(pieces)


def _heading_styles(zf, used: set[str]) -> set[str]:
    """The heading styles among the ``used`` style ids.

    ``styles.xml`` is large (every built-in style and the latent styles: 350 KB
    from python-docx's template, a parse of 8 ms, twenty times the document's);
    only the styles the paragraphs name are parsed.
    """
    from lxml import etree

    if not used or "word/styles.xml" not in zf.namelist():
        return set()
    data = read_member(zf, "word/styles.xml", "Word")
    fragment = _style_elements(data, used)
    root = None
    if fragment is not None:
        try:
            root = etree.fromstring(fragment, etree.XMLParser(resolve_entities=False,
                                                               no_network=True))
        except etree.XMLSyntaxError:
            root = None
    if root is None:
        root = _parse(data, "word/styles.xml")
    found = set()
    for style in root.iter(f"{W}style"):
        sid = style.get(f"{W}styleId", "")
        name = style.find(f"{W}name")
        outline = style.find(f"{W}pPr/{W}outlineLvl")
        if (name is not None and _HEADING_STYLE.match(name.get(f"{W}val", "").strip())) or \
                outline is not None:
            found.add(sid)
    return found & used


def _runs_text(p) -> tuple[str, list]:
    """A paragraph's own text, and the text-box paragraphs inside it."""
    parts: list[str] = []
    boxes: list = []

    def visit(el) -> None:
        for child in el:
            tag = child.tag
            if tag == f"{W}txbxContent":
                boxes.extend(child.iter(f"{W}p"))
                continue
            if tag == _MC_FALLBACK:  # the same content again, for old readers
                continue
            if tag == f"{W}t":
                parts.append(child.text or "")
            elif tag == f"{W}tab":
                parts.append("\t")
            elif tag in (f"{W}br", f"{W}cr"):
                parts.append("\n")
            elif tag in (f"{W}del", f"{W}delText"):  # tracked deletions are not text
                continue
            visit(child)

    visit(p)
    return "".join(parts), boxes


def read(data: bytes, path: Path) -> ReadResult:
    zf = open_zip(data, "Word")
    document = _parse(read_member(zf, "word/document.xml", "Word"), "word/document.xml")
    body = document.find(f"{W}body")
    if body is None:
        raise ReaderError("damaged Word file (no document body)")
    headings = _heading_styles(zf, {el.get(f"{W}val", "") for el in body.iter(f"{W}pStyle")})
    out: list[tuple[str, bool]] = []

    def paragraph(p) -> None:
        text, boxes = _runs_text(p)
        style = p.find(f"{W}pPr/{W}pStyle")
        styled = style is not None and style.get(f"{W}val", "") in headings
        outline = p.find(f"{W}pPr/{W}outlineLvl") is not None
        for line in text.split("\n"):
            line = line.strip(STRIP)
            if line:
                out.append((line, styled or outline or numbered_heading(line, sub=True)))
        for box in boxes:
            box_text, _ = _runs_text(box)
            box_text = box_text.strip(STRIP)
            if box_text:
                out.append((box_text, False))

    def table(tbl) -> None:
        for tr in tbl.iter(f"{W}tr"):
            cells = []
            for tc in tr.findall(f"{W}tc"):
                cells.append(" ".join(t for t in (_runs_text(p)[0].strip(STRIP)
                                                  for p in tc.iter(f"{W}p")) if t))
            cells = [c for c in cells if c]
            if cells:
                out.append((" | ".join(cells), False))

    for child in body:
        if child.tag == f"{W}p":
            paragraph(child)
        elif child.tag == f"{W}tbl":
            table(child)
        elif child.tag == f"{W}sdt":  # content controls wrap ordinary paragraphs
            for el in child.iter(f"{W}p", f"{W}tbl"):
                if el.tag == f"{W}tbl":
                    table(el)
                elif not any(a.tag == f"{W}tbl" for a in el.iterancestors()):
                    paragraph(el)

    evidence: list[tuple[str, str, str]] = []
    if "docProps/core.xml" in zf.namelist():
        core = _parse(read_member(zf, "docProps/core.xml", "Word"), "docProps/core.xml")
        for el in core:
            local = el.tag.rsplit("}", 1)[-1]
            value = (el.text or "").strip()
            if local == "title" and value:
                evidence.append(("title", value, "properties"))
            elif local == "created" and value and not value.startswith(("1601", "1900", "2000-01-01")):
                evidence.append(("date", value[:10], "properties"))
    blocks = [Block(text, k + 1, heading=h) for k, (text, h) in enumerate(out)]
    return ReadResult(blocks, "docx", [], evidence)
