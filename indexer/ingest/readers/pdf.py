"""PDF: the text layer (pypdfium2, PDFium), paragraphs with their page numbers.

Each page's text comes in one call with PDFium's line breaks; for every line
the box of its first character gives where it starts (left edge, height,
font size). Running headers and footers are the lines in the top and bottom
9% of a page that repeat on at least half of the pages (digits ignored); they
are removed, and so are page numbers there (``3``, ``— 3 —``, ``第 3 页``,
``3/12``).

Lines the layout wrapped are joined back (:func:`.common.join_lines`); the
layout says where paragraphs start (:func:`layout_starts`): an indented first
line, or a gap above a line. A PDF without a text layer is refused: OCR is not
supported.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ...document import Block
from .common import STRIP, Line, ReaderError, ReadResult, join_lines, numbered_heading, starts_item

NO_TEXT = "no text layer (scanned PDF; OCR is not supported)"
_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－\s]*\d{1,4}[-—–－\s]*|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|page\s*\d{1,4}(?:\s*of\s*\d{1,4})?)$", re.I)
_BREAK = re.compile(r"\r\n|\r|\n")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
# PDFium is not thread-safe: one document at a time in this process.
_LOCK = threading.Lock()
#: the top and bottom bands of a page where running headers and footers are
BAND = 0.09


@dataclass(frozen=True)
class PdfLine:
    """A line of the text layer: its text (spaces at the ends kept), where its first
    character's box starts (``x``), its vertical middle (``y``) and height (``size``,
    about the font size); ``x`` is ``None`` when PDFium gives no box."""

    text: str
    x: float | None = None
    y: float = 0.0
    size: float = 0.0


_WIDE = re.compile("[\u2e80-\U0010ffff]")


def _width(text: str) -> int:
    """Display width: CJK and full-width characters count 2."""
    return len(text) + len(_WIDE.findall(text))


def _page_lines(textpage, page_box: tuple[float, float, float, float]) -> tuple[list, list, list]:
    """A page's lines in the top band, the body and the bottom band."""
    import pypdfium2.raw as pdfium_c

    top: list[PdfLine] = []
    body: list[PdfLine] = []
    bottom: list[PdfLine] = []
    text = textpage.get_text_range()
    # PDFium counts text in UTF-16 units: a character outside the BMP (a CJK
    # extension character, 𠮷) is two of them but one Python character.
    astral = _ASTRAL.search(text) is not None
    _, low, _, high = page_box
    band = (high - low) * BAND
    rect = pdfium_c.FS_RECTF()
    raw = textpage.raw
    pos = 0
    for match in [*_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        line = text[pos:end]
        stripped = line.strip(STRIP)
        if stripped:
            first = pos + (len(line) - len(line.lstrip(STRIP)))
            if astral:
                first += len(_ASTRAL.findall(text, 0, first))
            char = pdfium_c.FPDFText_GetCharIndexFromTextIndex(raw, first)
            if char >= 0 and pdfium_c.FPDFText_GetLooseCharBox(raw, char, rect):
                y = (rect.top + rect.bottom) / 2
                item = PdfLine(line, rect.left, y, rect.top - rect.bottom)
            else:
                item = PdfLine(line)
                y = (high + low) / 2
            (top if y >= high - band else bottom if y <= low + band else body).append(item)
        pos = match.end() if match else end
    return top, body, bottom


def _read_pages(data: bytes) -> list[tuple[list, list, list]]:
    import pypdfium2 as pdfium

    with _LOCK:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise ReaderError(f"damaged PDF file ({exc})") from None
        try:
            pages = []
            for index in range(len(pdf)):
                page = pdf[index]
                textpage = page.get_textpage()
                if textpage.count_chars() == 0:
                    pages.append(([], [], []))
                else:
                    pages.append(_page_lines(textpage, page.get_bbox()))
                textpage.close()
                page.close()
            return pages
        finally:
            pdf.close()


def _furniture_key(line: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", line))


def _strip_furniture(pages: list[tuple[list, list, list]]) -> list[list[PdfLine]]:
    """Remove running headers, footers and page numbers from the top and bottom bands."""
    seen: Counter[str] = Counter()
    for top, _, bottom in pages:
        for key in {_furniture_key(x.text) for x in top + bottom}:
            seen[key] += 1
    need = max(2, (len(pages) + 1) // 2)

    def keep(line: PdfLine) -> bool:
        text = line.text.strip(STRIP)
        return not (_PAGE_NUMBER.match(text) or seen[_furniture_key(line.text)] >= need)

    return [[x for x in top if keep(x)] + body + [x for x in bottom if keep(x)]
            for top, body, bottom in pages]


def _median(values: list[float]) -> float:
    values = sorted(values)
    return values[len(values) // 2] if values else 0.0


def _left_edges(xs: list[float], em: float) -> list[float]:
    """The left edges of the text columns: where many lines start (at least a tenth
    of them, at least two), leaving out a position a few characters right of
    another edge (that is where indented first lines start)."""
    counts = Counter(round(x) for x in xs)
    need = max(2, len(xs) // 10)
    edges: list[float] = []
    for x in sorted(x for x, n in counts.items() if n >= need):
        if not edges or x - edges[-1] > 4 * em:
            edges.append(x)
    return edges


def layout_starts(lines: list[PdfLine], full: list[bool], page_of: list[int]) -> list[bool | None]:
    """What the layout says of each line's start (see :class:`.common.Line`).

    A line starts a paragraph when it stands more than 0.8 of a character right of
    its column's left edge (a first-line indent, a centred line), or when the gap
    above it is more than 1.4 times the usual line spacing. The indent decides
    both ways only in a document whose paragraphs have indented first lines:
    when most lines that follow a short line (paragraphs that surely start there;
    headings and numbered items aside) are indented. Elsewhere a line at the edge
    is ``None``: the layout cannot tell.
    """
    sizes = [x.size for x in lines if x.x is not None and x.size > 0]
    if not sizes:
        return [None] * len(lines)
    em = _median(sizes)
    edges = _left_edges([x.x for x in lines if x.x is not None], em)

    def indented(line: PdfLine) -> bool | None:
        if line.x is None:
            return None
        edge = max((e for e in edges if e <= line.x + 0.3 * em), default=None)
        return None if edge is None else line.x - edge > 0.8 * em

    indents = [indented(x) for x in lines]
    # the usual spacing between consecutive lines of a column
    steps = [lines[k - 1].y - lines[k].y for k in range(1, len(lines))
             if page_of[k] == page_of[k - 1] and lines[k].x is not None
             and lines[k - 1].x is not None and 0 < lines[k - 1].y - lines[k].y < 4 * em]
    step = _median(steps)
    sure = [indents[k] for k in range(1, len(lines))
            if not full[k - 1] and indents[k] is not None
            and not (starts_item(lines[k].text) or numbered_heading(lines[k].text))]
    uses_indents = bool(sure) and sum(sure) * 2 > len(sure)
    out: list[bool | None] = []
    for k, line in enumerate(lines):
        gap = (k > 0 and step > 0 and page_of[k] == page_of[k - 1] and line.x is not None
               and lines[k - 1].x is not None and lines[k - 1].y - line.y > 1.4 * step)
        if gap or indents[k]:
            out.append(True)
        else:
            out.append(False if uses_indents and indents[k] is False else None)
    return out


def read(data: bytes, path: Path) -> ReadResult:
    if not data.lstrip()[:5] == b"%PDF-":
        raise ReaderError("damaged PDF file (no %PDF header)")
    pages = _strip_furniture(_read_pages(data))
    if not any(pages):
        raise ReaderError(NO_TEXT)
    lines = [line for p in pages for line in p]
    page_of = [number for number, p in enumerate(pages, start=1) for _ in p]
    # A line is "full" (wrapped by the layout) when it is nearly as wide as the
    # document's usual long lines: the 80th percentile of line widths.
    widths = [_width(line.text.strip(STRIP)) for line in lines]
    ranked = sorted(widths)
    limit = ranked[int(len(ranked) * 0.8)] * 0.85
    full = [w >= limit for w in widths]
    starts = layout_starts(lines, full, page_of)
    joined = join_lines([Line(x.text, f, s) for x, f, s in zip(lines, full, starts, strict=True)])
    blocks = [Block(text, start + 1, page=page_of[start]) for text, start in joined]
    return ReadResult(blocks, "pdf")
