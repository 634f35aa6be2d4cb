"""PDF: the text layer (pypdfium2, PDFium), paragraphs with their page numbers.

Lines the layout wrapped are joined back (:func:`.common.join_lines`). Running
headers and footers are the lines in the top and bottom 9% of a page that
repeat on at least half of the pages (digits ignored); they are removed, and so
are page numbers there (``3``, ``— 3 —``, ``第 3 页``, ``3/12``). A PDF without a text layer is refused:
OCR is not supported.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from pathlib import Path

from ...document import Block
from .common import STRIP, ReaderError, ReadResult, join_lines

NO_TEXT = "no text layer (scanned PDF; OCR is not supported)"
_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－\s]*\d{1,4}[-—–－\s]*|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|page\s*\d{1,4}(?:\s*of\s*\d{1,4})?)$", re.I)
# PDFium is not thread-safe: one document at a time in this process.
_LOCK = threading.Lock()


def _width(text: str) -> int:
    """Display width: CJK and full-width characters count 2."""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)


BAND = 0.09


def _lines(text: str) -> list[str]:
    return [line.strip(STRIP) for line in re.split(r"\r\n|\r|\n", text) if line.strip(STRIP)]


def _page_lines(data: bytes) -> list[tuple[list[str], list[str], list[str]]]:
    """Per page: lines in the top band, the body, the bottom band."""
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
                width, height = page.get_size()
                textpage = page.get_textpage()
                if textpage.count_chars() == 0:
                    pages.append(([], [], []))
                else:
                    top = textpage.get_text_bounded(0, height * (1 - BAND), width, height)
                    body = textpage.get_text_bounded(0, height * BAND, width, height * (1 - BAND))
                    bottom = textpage.get_text_bounded(0, 0, width, height * BAND)
                    pages.append((_lines(top), _lines(body), _lines(bottom)))
                textpage.close()
                page.close()
            return pages
        finally:
            pdf.close()


def _furniture_key(line: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", line))


def _strip_furniture(pages: list[tuple[list[str], list[str], list[str]]]) -> list[list[str]]:
    """Remove running headers, footers and page numbers from the top and bottom bands."""
    seen: Counter[str] = Counter()
    for top, _, bottom in pages:
        for line in set(top + bottom):
            seen[_furniture_key(line)] += 1
    need = max(2, (len(pages) + 1) // 2)

    def keep(line: str) -> bool:
        return not (_PAGE_NUMBER.match(line) or seen[_furniture_key(line)] >= need)

    return [[x for x in top if keep(x)] + body + [x for x in bottom if keep(x)]
            for top, body, bottom in pages]


def read(data: bytes, path: Path) -> ReadResult:
    if not data.lstrip()[:5] == b"%PDF-":
        raise ReaderError("damaged PDF file (no %PDF header)")
    pages = _strip_furniture(_page_lines(data))
    if not any(pages):
        raise ReaderError(NO_TEXT)
    # A line is "full" (wrapped by the layout) when it is nearly as wide as the
    # document's usual long lines: the 80th percentile of line widths.
    widths = sorted(_width(line) for p in pages for line in p)
    full = widths[int(len(widths) * 0.8)] * 0.85 if widths else 0
    lines: list[tuple[str, bool]] = []
    page_of: list[int] = []
    for number, p in enumerate(pages, start=1):
        for line in p:
            lines.append((line, _width(line) >= full))
            page_of.append(number)
    blocks = [Block(text, start + 1, page=page_of[start]) for text, start in join_lines(lines)]
    return ReadResult(blocks, "pdf")
