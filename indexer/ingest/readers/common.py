"""What the format readers share: the reader result, size limits, line joining,
headings by numbering and label tables.

Kept in one place so that HTML, DOCX and PDF treat paragraphs, headings and
metadata tables alike.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from io import BytesIO

from ...document import Block
from ...normalize import fold_chars

STRIP = " \t\r\n\u00a0\u3000\u200b\ufeff"


class ReaderError(Exception):
    """A file a reader cannot use; ``str()`` is the reason (the caller adds the path)."""


@dataclass
class ReadResult:
    """What a reader returns: blocks, plus what it learnt about the file."""

    blocks: list[Block]
    encoding: str
    warnings: list[str] = field(default_factory=list)
    #: page metadata evidence: ``(field, value, evidence)``, weaker than the text's own
    #: (``<meta>`` tags of a web page, a Word file's core properties)
    evidence: list[tuple[str, str, str]] = field(default_factory=list)


# --- size limits -------------------------------------------------------------

MB = 1024 * 1024
#: The largest file accepted, per format (bytes).
MAX_BYTES = {
    ".txt": 64 * MB, ".md": 64 * MB, ".markdown": 64 * MB,
    ".html": 32 * MB, ".htm": 32 * MB, ".shtml": 32 * MB,
    ".docx": 64 * MB,
    ".pdf": 128 * MB,
}
DEFAULT_MAX_BYTES = 64 * MB
#: A zip container (DOCX) may unpack to at most this many bytes in all ...
MAX_UNZIPPED_BYTES = 256 * MB
#: ... and no member may be compressed more than this ratio (a zip bomb).
MAX_ZIP_RATIO = 200


def max_bytes(suffix: str) -> int:
    return MAX_BYTES.get(suffix.lower(), DEFAULT_MAX_BYTES)


def open_zip(data: bytes, kind: str) -> zipfile.ZipFile:
    """Open a zip container after checking its directory against the limits.

    Sizes are taken from the central directory, before anything is extracted;
    members are then read with :func:`read_member`, which stops at the declared
    size, so a directory that lies cannot make us unpack more.
    """
    try:
        zf = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ReaderError(f"damaged {kind} file (not a zip container: {exc})") from None
    total = 0
    for info in zf.infolist():
        total += info.file_size
        if info.file_size > 1 * MB and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
            raise ReaderError(
                f"refused: {info.filename} unpacks {info.file_size // max(info.compress_size, 1)} "
                f"times its packed size (limit {MAX_ZIP_RATIO}; a zip bomb?)")
    if total > MAX_UNZIPPED_BYTES:
        raise ReaderError(f"refused: unpacks to {total} bytes (limit {MAX_UNZIPPED_BYTES})")
    return zf


def read_member(zf: zipfile.ZipFile, name: str, kind: str) -> bytes:
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise ReaderError(f"damaged {kind} file (no {name})") from None
    try:
        with zf.open(info) as fh:
            data = fh.read(info.file_size + 1)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ReaderError(f"damaged {kind} file ({name}: {exc})") from None
    if len(data) > info.file_size:
        raise ReaderError(f"damaged {kind} file ({name} is larger than its directory says)")
    return data


# --- headings by numbering ---------------------------------------------------

_CN = "一二三四五六七八九十百零〇"
_HEADING_NUMBERED = re.compile(rf"^(?:[{_CN[:10]}]{{1,3}}、|第[{_CN}\d]+[章节編编部分])")
_HEADING_SUB = re.compile(rf"^[(（][{_CN[:10]}]{{1,3}}[)）]")
_ARTICLE = re.compile(rf"^第[{_CN}\d]+条")
_SENTENCE = re.compile(r"[。；;，,！!？?]")
_ITEM_NUMBER = re.compile(r"^\d{1,2}[.、．]\D")


#: Numbering patterns look at the start of a line only: this many characters are folded.
_PREFIX = 12


def numbered_heading(text: str, sub: bool = False) -> bool:
    """A short unpunctuated line numbered like a heading: ``一、总体要求``, ``第二章 …``.

    With ``sub``, also ``（一）…`` and an article number standing alone
    (``第一条``), as Word documents number their headings.
    """
    if len(text) > 60:  # cheap test first: most paragraphs are long
        return False
    text = text.strip(STRIP)
    # _SENTENCE has the full-width and the ASCII marks: no need to fold for it
    if len(text) > 40 or _SENTENCE.search(text):
        return False
    head = fold_chars(text[:_PREFIX])
    if _HEADING_NUMBERED.match(head):
        return True
    return sub and bool(_HEADING_SUB.match(head) or _ARTICLE.fullmatch(fold_chars(text)))


def starts_item(text: str) -> bool:
    """A line that opens a numbered item or an article: never a continuation."""
    head = fold_chars(text.lstrip(STRIP)[:_PREFIX])
    return bool(_HEADING_NUMBERED.match(head) or _HEADING_SUB.match(head)
                or _ARTICLE.match(head) or _ITEM_NUMBER.match(head))


# --- joining wrapped lines ---------------------------------------------------

_SENTENCE_END = tuple("。！？；：!?;:")
#: closing quotes and brackets: they end a sentence only after a sentence end (。”)
_CLOSERS = "”’」』）)】》〉\"'"
_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")


def ends_sentence(text: str) -> bool:
    """The text ends a sentence: ``。``, ``！``, ``；``, ``：`` …, also before closing quotes
    and brackets (``。”``); a closing mark alone (``优化“一张表”``) does not end one."""
    return text.rstrip(STRIP).rstrip(_CLOSERS).endswith(_SENTENCE_END)


def _glue(left: str, right: str, space: bool = False) -> str:
    """Join two wrapped pieces: no space next to CJK or inside a number, one space
    between Latin words; ``space`` keeps a space the source had at the break."""
    if space:
        return left + " " + right
    if left.endswith("-") and right[:1].islower():
        return left[:-1] + right
    if _CJK.match(left[-1:]) or _CJK.match(right[:1]):
        return left + right
    if left[-1:].isdigit() and right[:1].isdigit():  # a number the layout broke
        return left + right
    return left + " " + right


@dataclass(frozen=True)
class Line:
    """A line of a laid-out page, for :func:`join_lines`.

    ``text`` as the text layer gives it (a space at either end is kept: it is the
    source's own space where the layout broke the line). ``full``: the line
    reaches the right margin (the layout wrapped it). ``starts``: what the
    layout says of the line's start: ``True`` when it starts a paragraph (an
    indented first line, a gap above it), ``False`` when it cannot (at the left
    edge of a document whose paragraphs have indented first lines), ``None``
    when the layout cannot tell.
    """

    text: str
    full: bool
    starts: bool | None = None


def join_lines(lines: list[Line] | list[tuple[str, bool]]) -> list[tuple[str, int]]:
    """Join the lines a layout wrapped back into paragraphs.

    A line continues the paragraph of the line before when that line is full
    (a short line ends its paragraph), and then:

    - when the layout says where paragraphs start (``Line.starts`` is ``True`` or
      ``False``), it decides: a line at the left edge continues the paragraph even
      after a full line that happens to end a sentence, or when it happens to
      begin with a number (``第二百八十条第一款规定…``); only a heading
      (:func:`numbered_heading`) drawn at the edge starts one, and a line that
      ends a sentence is no heading (``…民法典第二编`` / ``第六章所称的共有部分：``);
    - when it cannot tell (``None``), a line that ends a sentence
      (:func:`ends_sentence`) ends its paragraph, and a line that starts a
      heading or a numbered item (:func:`starts_item`) starts one.

    ``lines`` are :class:`Line` objects or ``(text, full)`` pairs. Returns
    ``(paragraph, index of its first line)``.
    """
    out: list[tuple[str, int]] = []
    current = ""
    start = 0
    prev_full = False
    prev_space = False
    for k, item in enumerate(lines):
        line = item if isinstance(item, Line) else Line(*item)
        text = line.text.strip(STRIP)
        if not text:
            if current:
                out.append((current, start))
            current, prev_full = "", False
            continue
        if line.starts is None:
            continued = not (ends_sentence(current) or starts_item(text))
        else:  # the layout says; a heading drawn at the edge still is one
            continued = line.starts is False and not (numbered_heading(text)
                                                      and not ends_sentence(text))
        if current and prev_full and continued:
            current = _glue(current, text, prev_space or line.text[:1] == " ")
        else:
            if current:
                out.append((current, start))
            current, start = text, k
        prev_full = line.full
        prev_space = line.text[-1:] == " "
    if current:
        out.append((current, start))
    return out


# --- label tables --------------------------------------------------------------

#: Labels of the metadata table policy libraries print above the text, simplified.
TABLE_LABELS = ("索引号", "主题分类", "发文机关", "发布机关", "成文日期", "标题", "发文字号",
                "发布日期", "公文种类", "来源", "文号")
_LABEL_CELL = re.compile(r"^(?P<label>[\u4e00-\u9fff\s]{2,12}?)\s*[:：]?\s*$")


def table_label(cell: str) -> str | None:
    """The label a table cell holds (``发文机关：``, ``發文機關``), else ``None``."""
    m = _LABEL_CELL.match(cell.strip(STRIP))
    if not m:
        return None
    label = re.sub(r"\s+", "", fold_chars(m.group("label")))
    return label if label in TABLE_LABELS else None


def label_lines(rows: list[list[str]]) -> list[str] | None:
    """A metadata table as ``label：value`` lines, or ``None`` if it is not one.

    Cells alternate label, value (``<td>发文机关：</td><td>国务院</td>``), or a
    cell holds both (``<td>发文机关：国务院</td>``); at least two labels are needed.
    """
    out: list[str] = []
    for row in rows:
        cells = [c.strip(STRIP) for c in row if c.strip(STRIP)]
        k = 0
        while k < len(cells):
            label = table_label(cells[k])
            if label and k + 1 < len(cells) and not table_label(cells[k + 1]):
                out.append(f"{cells[k].rstrip(':：').strip(STRIP)}：{cells[k + 1]}")
                k += 2
                continue
            if label:  # a label with an empty value
                k += 1
                continue
            m = re.match(r"^([^:：]{2,12})[:：]", fold_chars(cells[k]))
            if m and re.sub(r"\s+", "", m.group(1)) in TABLE_LABELS:
                out.append(cells[k])
            k += 1
    return out if len(out) >= 2 else None
