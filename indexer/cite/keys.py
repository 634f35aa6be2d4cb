"""What makes two mentions name the same document: normalized titles and numbers.

* A *title key* is the title folded (traditional → simplified, full-width →
  half-width), without punctuation or spaces (《》〈〉<>“”（）…), and without
  中华人民共和国 wherever it stands: 《中華人民共和國民法典》, 《民法典》 and
  〈中华人民共和国 民法典〉 have the key 民法典.
* A title written with its issuer (国务院办公厅关于…) is split at its first 关于
  into a *prefix* (the issuer) and the rest, so that 《关于…》 finds it too.
* A *number key* is ``year/n`` of a 文号 (国办发〔2024〕38号 → ``2024/38``) or
  ``令/n`` of an order number (国务院令第588号), with the issuing code (or
  organ) as a qualifier compared by suffix: a mention's code may carry the
  words before it (以下简称京政发, 中华人民共和国国务院).
"""

from __future__ import annotations

import functools
import re

from .. import docnumber
from ..normalize import fold_chars

PRC = "中华人民共和国"
_NOT_WORD = re.compile(r"[\W_]+")
#: A version written after a title: (2018年修正), （2020年修订本）.
_VERSION = re.compile(r"[(（]\s*(\d{4})\s*年\s*(?:修正|修订|修改)?\s*(?:本|文本)?\s*[)）]\s*$")
#: Chinese numerals as written in article and order numbers.
NUMERAL = "[零一二三四五六七八九十百千两〇0-9]+"
_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
           "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
#: An order number: organ, 令, 第 n 号 (folded text).
ORDER_RE = re.compile(
    rf"(?P<organ>[\u4e00-\u9fff]{{1,20}}?)令\s*(?P<paren>\()?\s*第\s*(?P<n>{NUMERAL})\s*号(?(paren)\))")
#: A notice that carries another document: 关于印发《X》的通知.
_CARRIER = re.compile(r"关于(?:印发|发布|转发|公布|颁布)《(?P<inner>.+)》的(?:通知|决定|公告|令)$")


@functools.lru_cache(maxsize=8192)
def cn_int(text: str) -> int | None:
    """一百零五 → 105, 十二 → 12, 12 → 12; None when ``text`` is not a numeral."""
    if text.isdigit():
        return int(text)
    total = current = 0
    for ch in text:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        elif ch in _UNITS:
            total += (current or 1) * _UNITS[ch]
            current = 0
        else:
            return None
    return total + current


@functools.lru_cache(maxsize=65536)
def word_key(text: str) -> str:
    """``text`` folded, without punctuation, spaces or 中华人民共和国."""
    return _NOT_WORD.sub("", fold_chars(text)).replace(PRC, "")


def version_year(title: str) -> tuple[str, str | None]:
    """``(title without a trailing version, its year)``: 《刑法（2020年修正）》 → (刑法, 2020)."""
    m = _VERSION.search(title)
    if m is None:
        return title, None
    return title[:m.start()], m.group(1)


@functools.lru_cache(maxsize=65536)
def split_title(title: str) -> tuple[str, str]:
    """``(prefix, key)``: the issuer written before the first 关于, and the rest."""
    key = word_key(version_year(title)[0])
    at = key.find("关于")
    if at > 0:
        return key[:at], key[at:]
    return "", key


def carried_title(title: str) -> str | None:
    """The title a 印发/转发 notice carries (关于印发《X》的通知 → X), or None."""
    m = _CARRIER.search(fold_chars(title).strip())
    if m is None:
        return None
    inner = m.group("inner")
    if "》" in inner and "《" in inner.split("》", 1)[1]:
        return None  # several documents: 关于印发《A》和《B》的通知
    return inner


def number_key(number: str) -> tuple[str, str] | None:
    """``(key, code)`` of a whole document or order number, or None.

    国办发〔2024〕38号 → (``2024/38``, ``国办发``); 中华人民共和国国务院令第588号 →
    (``令/588``, ``国务院``).
    """
    parsed = docnumber.parse(number)
    if parsed is not None:
        code, year, n = parsed
        return f"{year}/{n}", word_key(code)
    m = ORDER_RE.fullmatch(fold_chars(number).replace("號", "号").strip())
    if m is not None:
        n = cn_int(m.group("n"))
        if n is not None:
            return f"令/{n}", word_key(m.group("organ"))
    return None


def code_matches(written: str, code: str) -> bool:
    """A mention's code (and the words before it) ends with a document's code."""
    return bool(code) and written.endswith(code)
