"""Web pages (``.html``, ``.htm``, ``.shtml``): the main text without site chrome.

1. The charset comes from the BOM, ``<meta charset>`` or ``http-equiv``, else
   detection (:mod:`indexer.ingest.encoding`; GBK pages are common).
2. Page metadata: the metadata table policy libraries print above the text
   (索引号, 发文机关, 成文日期, … in label/value cell pairs or ``label：value``
   cells) becomes labelled header lines for the metadata extractor; ``<meta>``
   tags (``ArticleTitle``, ``PubDate``, ``ContentSource``) are weaker evidence.
3. The main text is found by trafilatura (boilerplate removal: navigation,
   headers, footers, share and print links, related links), given the parsed
   tree and returning its body element; scripts and styles never count.
   Paragraphs come from block elements (``<p>``, ``<div>``, runs of ``<br>``),
   headings from ``<h1>``–``<h6>`` and numbering, table rows as cells joined
   by `` | ``. If trafilatura finds nothing, the whole body is used.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from ...document import Block
from ..encoding import DecodeError, decode
from .common import STRIP, ReaderError, ReadResult, label_lines, numbered_heading

_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
            "big5": "big5hkscs", "utf8": "utf-8", "unicode": "utf-8"}
#: ``<meta name>`` → metadata field (weak evidence: ``meta-tag``)
META_TAGS = {"articletitle": "title", "pubdate": "date", "contentsource": "issuer"}
_BLOCK_TAGS = {"p", "div", "section", "article", "li", "ul", "ol", "dl", "dt", "dd", "tr", "table",
               "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "center", "form",
               "tbody", "thead", "main", "body", "head", "row", "list", "item", "quote", "lb", "br",
               "hr", "caption", "figure", "figcaption"}
_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "head"}
_DROP = ("script", "style", "noscript", "template", "iframe", "object", "svg", "select",
         "button", "input", "textarea")


def _decode(data: bytes) -> tuple[str, str, list[str]]:
    if data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        d = decode(data)
        return d.text, d.encoding, list(d.warnings)
    m = _META_CHARSET.search(data[:8192])
    if m:
        name = m.group(1).decode("ascii", "replace").lower()
        name = _ALIASES.get(name, name)
        try:
            codecs.lookup(name)
            return data.decode(name), name, []
        except LookupError:
            warning = f"unknown charset {name!r} declared; detected instead"
        except UnicodeDecodeError:
            warning = f"page is not valid {name} as declared; detected instead"
    else:
        warning = ""
    try:
        d = decode(data)
    except DecodeError as exc:
        raise ReaderError(str(exc)) from None
    return d.text, d.encoding, ([warning] if warning else []) + list(d.warnings)


def _text(el) -> str:
    return re.sub(r"\s+", " ", el.text_content()).strip(STRIP)


def _rows(table) -> list[list[str]]:
    return [[_text(cell) for cell in tr.xpath("./th|./td")] for tr in table.xpath(".//tr")]


def walk(root) -> list[tuple[str, bool]]:
    """Paragraphs ``(text, heading)`` of an element: block elements and ``<br>``
    runs end paragraphs; a table row is one paragraph of its cells."""
    out: list[tuple[str, bool]] = []
    buf: list[str] = []
    heading = [False]

    def flush() -> None:
        text = re.sub(r"[ \t\r\n]+", " ", "".join(buf)).strip(STRIP)
        if text:
            out.append((text, heading[0] or numbered_heading(text)))
        buf.clear()
        heading[0] = False

    def visit(el) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        tag = tag.lower()
        if tag in ("tr", "row"):
            flush()
            cells = [re.sub(r"\s+", " ", c.xpath("string()")).strip(STRIP)
                     for c in el if isinstance(c.tag, str) and c.tag.lower() in ("td", "th", "cell")]
            cells = [c for c in cells if c]
            if cells:
                out.append((" | ".join(cells), False))
            if el.tail:
                buf.append(el.tail)
            return
        block = tag in _BLOCK_TAGS
        if block:
            flush()
        if tag in _HEADING_TAGS:
            heading[0] = True
        if el.text and tag not in ("br", "lb", "hr"):
            buf.append(el.text)
        for child in el:
            if isinstance(child.tag, str):
                visit(child)
            elif child.tail:  # a comment or processing instruction
                buf.append(child.tail)
        if block:
            flush()
        if el.tail:
            buf.append(el.tail)

    visit(root)
    flush()
    return out


def _parse(page: str):
    """The page's tree without scripts and the like, its ``<meta>`` evidence and its
    metadata tables as header blocks (the tables are taken out of the tree)."""
    import lxml.html
    from lxml import etree

    try:
        tree = lxml.html.document_fromstring(page)
    except (etree.ParserError, ValueError) as exc:
        raise ReaderError(f"damaged web page ({exc})") from None
    for el in tree.xpath("|".join(f"//{t}" for t in _DROP)):
        el.drop_tree()

    evidence: list[tuple[str, str, str]] = []
    for meta in tree.xpath("//meta[@name][@content]"):
        name = META_TAGS.get(meta.get("name", "").strip().lower())
        if name:
            evidence.append((name, meta.get("content", ""), "meta-tag"))

    header: list[Block] = []
    for table in tree.xpath("//table"):
        lines = label_lines(_rows(table))
        if lines:
            header.extend(Block(line, len(header) + 1) for line in lines)
            table.drop_tree()  # not body text, and not for the extractor to see
    return tree, evidence, header


def _main_text(tree) -> list[tuple[str, bool]]:
    """The paragraphs trafilatura finds in ``tree`` (which it prunes in place)."""
    import trafilatura

    # The tree goes in as parsed and the body element comes out: no serializing
    # the page for trafilatura to parse again, nor its XML output for us to parse.
    extracted = trafilatura.bare_extraction(
        tree, include_tables=True, include_comments=False, include_links=False,
        include_images=False, favor_recall=True, deduplicate=False, with_metadata=False)
    body = getattr(extracted, "body", None)
    return walk(body) if body is not None else []


def read(data: bytes, path: Path) -> ReadResult:
    page, encoding, warnings = _decode(data)
    if "\x00" in page:
        raise ReaderError("binary data (NUL bytes), not a web page")
    page = re.sub(r"^\s*<\?xml[^>]*\?>", "", page)
    tree, evidence, header = _parse(page)
    paragraphs = _main_text(tree)
    if not paragraphs:  # nothing found: the whole body (of a fresh tree: trafilatura pruned this one)
        tree = _parse(page)[0]
        body = tree.find("body")
        paragraphs = walk(body if body is not None else tree)
    blocks = header + [Block(text, len(header) + k + 1, heading=h)
                       for k, (text, h) in enumerate(paragraphs)]
    return ReadResult(blocks, encoding, warnings, evidence)
