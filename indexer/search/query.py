"""The query language, parsed leniently: a query string never raises.

    稳岗返还 失业保险          best match: all words first, then paragraphs with some
    "稳岗返还比例"  “…” 「…」 『…』   exact phrase (numbers at its ends are whole numbers)
    "稳岗 返还"~10             proximity: every word, at most 10 characters apart, any order
    "稳岗 返还"~s              every word in one sentence (cut at 。！？；)
    稳岗 OR 扩岗   稳岗|扩岗    either (required)
    +稳岗                      must occur
    -疫情   NOT 疫情           exclude
    word:人工  词:人工          words only (人工 in 人工智能, not across 个人|工作)
    issuer:人社部  发文机关:…    issuing body contains
    number:〔2025〕2号  文号:…  document number
    type:通知  类型:…          document type (exact)
    title:实施方案  标题:…      title contains
    cites:国办发〔2024〕38号  cites:民法典  引用:…   paragraphs citing that document
    date:2025  date:2025-01..2025-06  date:..2024-12-31   成文日期 range

Unbalanced quotes, unknown fields and stray operators are read as literal text.
Invalid dates are ignored with a message.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import re
from dataclasses import dataclass, field

MAX_QUERY_CHARS = 500

QUOTES = {'"': '"”', "“": "”\"", "「": "」", "『": "』", "”": "”\""}
FIELDS = {
    "issuer": "issuer", "发文机关": "issuer", "發文機關": "issuer", "机关": "issuer",
    "number": "number", "文号": "number", "文號": "number", "发文字号": "number",
    "type": "type", "类型": "type", "公文种类": "type", "類型": "type",
    "title": "title", "标题": "title", "標題": "title",
    "date": "date", "日期": "date", "成文日期": "date",
    "word": "word", "词": "word", "詞": "word",
    "cites": "cites", "引用": "cites",
}
#: ``~10`` or ``~s`` right after a closing quote, then a space or the end.
_NEAR_RE = re.compile(r"[~～](\d{1,4}|[sS])(?=\s|$)")
MAX_SLOP = 1000
_FIELD_RE = re.compile(r"(" + "|".join(sorted(map(re.escape, FIELDS), key=len, reverse=True))
                       + r")[:：]", re.I)


@dataclass(frozen=True)
class Term:
    """A piece of query text: matched literally (and by words unless quoted)."""

    text: str
    quoted: bool = False
    field: str | None = None  # None (paragraph text), issuer, number, type, title, word
    required: bool = False  # ``+word``: must occur
    #: ``"a b"~N``: the words at most N characters apart (see :mod:`.proximity`)
    slop: int | None = None
    #: ``"a b"~s``: the words in one sentence
    sentence: bool = False


@dataclass(frozen=True)
class Any_:
    """Either of several terms (``OR``)."""

    terms: tuple[Term, ...]


@dataclass
class ParsedQuery:
    must: list[Term | Any_] = field(default_factory=list)
    must_not: list[Term] = field(default_factory=list)
    date_from: str | None = None
    date_to: str | None = None
    messages: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.must

    def positive_terms(self) -> list[Term]:
        out: list[Term] = []
        for node in self.must:
            out.extend(node.terms if isinstance(node, Any_) else (node,))
        return out


# --- tokenizing -----------------------------------------------------------------

@dataclass
class _Tok:
    text: str
    quoted: bool = False
    field: str | None = None
    negated: bool = False
    required: bool = False
    operator: str | None = None  # "OR" or "NOT" when an unquoted bare operator
    slop: int | None = None
    sentence: bool = False


def _read_quoted(s: str, i: int) -> tuple[str, int] | None:
    """If s[i] opens a quote that is closed later, return (inner text, index after close)."""
    closers = QUOTES.get(s[i])
    if closers is None:
        return None
    for j in range(i + 1, len(s)):
        if s[j] in closers:
            return s[i + 1:j], j + 1
    return None


def _tokens(s: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(s)
    while i < n:
        ch = s[i]
        if ch.isspace():
            i += 1
            continue
        negated = required = False
        start = i
        if ch in "-+" and i + 1 < n and not s[i + 1].isspace() and s[i + 1] not in "-+":
            negated, required = ch == "-", ch == "+"
            i += 1
        fld = None
        m = _FIELD_RE.match(s, i) if i < n else None
        if m and m.end() < n and not s[m.end()].isspace():
            fld = FIELDS[m.group(1).lower()] if m.group(1).lower() in FIELDS else FIELDS[m.group(1)]
            i = m.end()
        if i < n and s[i] in QUOTES:
            quoted = _read_quoted(s, i)
            if quoted is not None:
                inner, i = quoted
                tok = _Tok(inner, True, fld, negated, required)
                near = _NEAR_RE.match(s, i)
                if near and fld is None:
                    i = near.end()
                    if near.group(1).lower() == "s":
                        tok.sentence = True
                    else:
                        tok.slop = min(int(near.group(1)), MAX_SLOP)
                toks.append(tok)
                continue
        j = i
        while j < n and not s[j].isspace():
            if s[j] in QUOTES and j > i and _read_quoted(s, j) is not None:
                break
            j += 1
        word = s[i:j]
        i = j
        if not word:
            toks.append(_Tok(s[start:j] or s[start], False, None, False))
            continue
        if fld is None and not negated and word in ("OR", "|", "NOT"):
            toks.append(_Tok(word, operator="NOT" if word == "NOT" else "OR"))
            continue
        if "|" in word and fld != "date":
            parts = [p for p in word.split("|")]
            if all(parts) and len(parts) > 1:
                for k, part in enumerate(parts):
                    if k:
                        toks.append(_Tok("|", operator="OR"))
                    toks.append(_Tok(part, False, fld, negated and k == 0))
                continue
        toks.append(_Tok(word, False, fld, negated, required))
    return toks


# --- dates -----------------------------------------------------------------------

_DATE_PART = re.compile(r"^(\d{4})(?:[-./年](\d{1,2})(?:[-./月](\d{1,2})日?)?月?)?年?$")


def _date_bound(text: str, upper: bool) -> str | None:
    m = _DATE_PART.match(text.strip())
    if not m:
        return None
    year = int(m.group(1))
    month = int(m.group(2)) if m.group(2) else (12 if upper else 1)
    if m.group(3):
        day = int(m.group(3))
    else:
        if not 1 <= month <= 12:
            return None
        day = calendar.monthrange(year, month)[1] if upper else 1
    try:
        return _dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def parse_date_range(value: str) -> tuple[str | None, str | None] | None:
    """``2025`` · ``2025-01..2025-06`` · ``..2024`` · ``2020..`` → (from, to), or None."""
    if ".." in value:
        lo, _, hi = value.partition("..")
        lo_d = _date_bound(lo, False) if lo else None
        hi_d = _date_bound(hi, True) if hi else None
        if (lo and lo_d is None) or (hi and hi_d is None) or (not lo and not hi):
            return None
        return lo_d, hi_d
    lo_d, hi_d = _date_bound(value, False), _date_bound(value, True)
    if lo_d is None or hi_d is None:
        return None
    return lo_d, hi_d


# --- parsing -------------------------------------------------------------------------

def parse(query: str) -> ParsedQuery:
    """Parse a query string. Never raises."""
    out = ParsedQuery()
    if not isinstance(query, str):
        query = "" if query is None else str(query)
    query = "".join(ch if ch.isprintable() or ch.isspace() else " " for ch in query)
    if len(query) > MAX_QUERY_CHARS:
        out.messages.append(f"查询过长，只使用前 {MAX_QUERY_CHARS} 个字符")
        query = query[:MAX_QUERY_CHARS]
    toks = _tokens(query)
    # Stray operators (at either end, doubled) become literal text.
    cleaned: list[_Tok] = []
    for k, tok in enumerate(toks):
        if tok.operator == "OR":
            prev_ok = bool(cleaned) and cleaned[-1].operator is None
            next_ok = k + 1 < len(toks) and toks[k + 1].operator is None
            if not (prev_ok and next_ok):
                tok = _Tok(tok.text)
        elif tok.operator == "NOT":
            nxt = toks[k + 1] if k + 1 < len(toks) else None
            if nxt is not None and nxt.operator is None:
                nxt.negated = not nxt.negated
                continue
            tok = _Tok(tok.text)
        cleaned.append(tok)

    groups: list[list[_Tok]] = []
    pending_or = False
    for tok in cleaned:
        if tok.operator == "OR":
            pending_or = True
            continue
        if pending_or and groups:
            groups[-1].append(tok)
        else:
            groups.append([tok])
        pending_or = False

    for group in groups:
        terms = []
        for tok in group:
            if tok.field == "date":
                rng = parse_date_range(tok.text)
                if rng is None:
                    out.messages.append(f"无法识别的日期 {tok.text!r}，已忽略")
                    continue
                if tok.negated:
                    out.messages.append(f"不支持排除日期 {tok.text!r}，已忽略")
                    continue
                lo, hi = rng
                if lo and (out.date_from is None or lo > out.date_from):
                    out.date_from = lo
                if hi and (out.date_to is None or hi < out.date_to):
                    out.date_to = hi
                continue
            text = tok.text.strip()
            if not text:
                continue
            term = Term(text, tok.quoted, tok.field, tok.required and len(group) == 1,
                        tok.slop, tok.sentence)
            if tok.negated and len(group) == 1:
                out.must_not.append(term)
            else:
                terms.append(term)
        if not terms:
            continue
        out.must.append(terms[0] if len(terms) == 1 else Any_(tuple(terms)))
    return out
