"""Document numbers (发文字号) and their written variants.

One number is written many ways: 国办发〔2024〕38号, 国办发[2024]38号,
国办发（2024）38号, 国办发【2024】38号, 国办发﹝2024﹞38号, 国办发〔2024〕第38号,
国办发2024年38号. Its *canonical* form is ``code〔yyyy〕n号`` (the form of GB/T
9704, with the hexagonal brackets 〔〕, no 第, no leading zeros; an announcement
keeps its own form, 国家税务总局公告2024年第5号):

* :func:`canonical` maps a whole number, or a fragment without the issuing code
  (``[2025]2号`` → ``〔2025〕2号``), to that form; anything else is returned as is;
* :func:`canonical_in` does the same for every number inside a longer text;
* :func:`variants` lists the searchable forms of a number (folded units, as
  the character index stores them), every bracket style, with and without 第,
  and the ``yyyy年n号`` form.
"""

from __future__ import annotations

import re

from .normalize import fold_chars

#: Opening and closing brackets around the year, after folding (（ → (, ［ → [).
OPEN = "〔[【(﹝〖"
CLOSE = "〕]】)﹞〗"

_CODE = r"[\u4e00-\u9fff]{0,15}?"
#: code, year in brackets, optional 第, number, 号 (folded text: 號 → 号).
_BRACKETED = (rf"(?P<code>{_CODE})\s*[{re.escape(OPEN)}]\s*(?P<year>\d{{4}})\s*"
              rf"[{re.escape(CLOSE)}]\s*第?\s*(?P<n>\d{{1,5}})\s*号")
#: code, year followed by 年, optional 第, number, 号 (国办发2024年38号).
_YEAR_WORD = (r"(?P<code2>[\u4e00-\u9fff]{1,15}?)\s*(?P<year2>(?:19|20)\d{2})\s*年\s*"
              r"第?\s*(?P<n2>\d{1,5})\s*号")
NUMBER_RE = re.compile(rf"{_BRACKETED}|{_YEAR_WORD}")
_WHOLE_RE = re.compile(rf"(?:{_BRACKETED}|{_YEAR_WORD})$")

#: The written forms :func:`variants` produces, as (open, close, 第) templates.
_STYLES = [(o, c) for o, c in zip(OPEN, CLOSE, strict=True)]


def _parts(m: re.Match) -> tuple[str, str, int]:
    if m.group("year") is not None:
        return m.group("code") or "", m.group("year"), int(m.group("n"))
    return m.group("code2"), m.group("year2"), int(m.group("n2"))


def _fold(text: str) -> str:
    return fold_chars(text).replace("號", "号")


def parse(text: str) -> tuple[str, str, int] | None:
    """(issuing code, year, number) of a whole document number, or None.

    The code is in folded (simplified) script; it is ``""`` for a fragment
    such as ``〔2025〕2号``. The ``yyyy年n号`` form needs a code.
    """
    folded = _fold(text.strip())
    m = _WHOLE_RE.match(folded)
    if not m:
        return None
    code, year, n = _parts(m)
    if code.endswith("第"):
        return None
    return code, year, n


def canonical(text: str) -> str:
    """``code〔yyyy〕n号`` for any written variant of a number; other text unchanged.

    The issuing code keeps its written script (國就勞發 stays 國就勞發: callers
    simplify metadata separately); only brackets, 第 and the number change.
    """
    stripped = text.strip()
    parsed = parse(stripped)
    if parsed is None:
        return text
    code, year, n = parsed
    written_code = stripped[:len(code)] if _fold(stripped[:len(code)]) == code else code
    return _form(written_code, code, year, n)


def _form(written_code: str, code: str, year: str, n: int) -> str:
    # Announcements are numbered 国家税务总局公告2024年第5号, never with brackets.
    if code.endswith("公告"):
        return f"{written_code}{year}年第{n}号"
    return f"{written_code}〔{year}〕{n}号"


def canonical_in(text: str) -> str:
    """``text`` with every document number in it in canonical form."""
    folded = _fold(text)
    out, pos = [], 0
    for m in NUMBER_RE.finditer(folded):
        code, year, n = _parts(m)
        out.append(text[pos:m.start()])
        out.append(_form(text[m.start():m.start() + len(code)], code, year, n))
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def variants(text: str) -> list[str]:
    """Every searchable written form of the number ``text`` (folded, no spaces).

    The canonical form first; empty when ``text`` is not a number with a year.
    """
    parsed = parse(text)
    if parsed is None:
        return []
    code, year, n = parsed
    out = [_form(code, code, year, n)]
    for o, c in _STYLES:
        for di in ("", "第"):
            form = f"{code}{o}{year}{c}{di}{n}号"
            if form not in out:
                out.append(form)
    if code:
        out.append(f"{code}{year}年{n}号")
        out.append(f"{code}{year}年第{n}号")
    return out
