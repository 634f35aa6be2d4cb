"""Mentions of other documents in a document's paragraphs, found at index time.

Three kinds of mention are found in each paragraph (on its folded text, so
either script and full-width forms are read alike; offsets are the original
text's):

* **titles**: 《…》 — the outermost pair, with titles inside it kept as part of
  it (《关于修改〈中华人民共和国劳动合同法〉的决定》, 〈〉, <> or 《》 inside);
* **document numbers** in every written form :mod:`indexer.docnumber` reads
  (国办发〔2024〕38号, 国办发[2024]38号, 国办发（2024）38号, 国办发2024年38号 …), and
  order numbers (国务院令第588号); the issuing code is cut from the words before
  it (以法发〔1993〕15号 → 法发〔1993〕15号);
* **article references** right after a title (or after a title and its number
  in brackets): 《民法典》第五百条, 第十二条第二款, 第二百九十一条之一, and the
  articles chained after them (第五条、第六条 … 第九条至第十一条), one mention each;
  an article after a name without 《》 (刑法第二百六十四条) is a *bare* mention,
  kept only when the name is the title of an indexed document.

A title followed by its number in brackets (《…》（国办发〔2024〕38号）) gives two
mentions that know each other, so either can resolve both. A title defined as
an abbreviation (《中华人民共和国种子法》（以下简称《种子法》）) stands for the
full title in the rest of the document. A date written just before a mention
(2009年8月27日《…决定》) says which version is meant.

:func:`extract` returns what the index stores (:func:`serialized`, as JSON): the mentions, and the map of
the document's own articles (第十二条 → its paragraphs: the article's first
paragraph and its further 款), which resolution uses to point at a paragraph.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .. import docnumber
from ..normalize import fold_chars
from .keys import NUMERAL, ORDER_RE, cn_int, word_key

#: Longest title read (characters between 《 and 》, nested ones included).
TITLE_MAX = 150
_ARTICLE = re.compile(
    rf"\s*第\s*(?P<a>{NUMERAL})\s*条(?:\s*之\s*(?P<s>{NUMERAL}))?"
    rf"(?:\s*第\s*(?P<c>{NUMERAL})\s*款)?(?:\s*第\s*\(?{NUMERAL}\)?\s*项)?")
_CLAUSE = re.compile(rf"\s*第\s*(?P<c>{NUMERAL})\s*款(?:\s*第\s*\(?{NUMERAL}\)?\s*项)?")
_CHAIN = re.compile(r"\s*(?:、|以及|和|及|或者|或|至|到)\s*(?=第)")
_NUMBER_PAREN = re.compile(r"\s*\(\s*")
_NUMBER_CLOSE = re.compile(r"\s*文?\s*(?:\)|[,;、])")
_NUMBER_LEAD = re.compile(r"(?:以下简称|简称|下称)?")
_ABBREVIATION = re.compile(r"\s*\(\s*(?:以下简称|以下称|下称|简称)\s*[:]?\s*《(?P<abbr>[^《》]{1,40})》\s*\)")
_DATE_BEFORE = re.compile(
    r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日[^。;!?,、《》\n]{0,40}$")
#: Words after which an issuing code starts (the words before it are not the code).
_CODE_BOUNDARY = re.compile(
    r".*(?:以下简称|简称|印发|转发|发布|根据|按照|依照|依据|参照|执行|落实|贯彻|通知|规定|决定|"
    r"意见|办法|文件|政府|法院|检察院|委员会|常委会|办公厅|办公室|的|以|和|与|及|或|按|据|见|在|将|"
    r"由|于|即|为|是|并|原)")
#: Words after which an order's organ starts (organs hold 和, 委员会 …).
_ORGAN_BOUNDARY = re.compile(
    r".*(?:以下简称|简称|印发|转发|发布|根据|按照|依照|依据|参照|的|以|经|于|即|为|是|并|原)")
_YEAR_HINT = re.compile(r"\d{4}\s*[〕\]】)﹞〗年]")
_ORDER_HINT = re.compile(r"令\s*\(?\s*第")
#: What a 文号 written ``code年n号`` ends with (not 今年2024年第5号台风).
_YEAR_FORM_CODE = re.compile(r"(?:发|函|字|令|公告|通告|办|电)$")
#: An article number in unfolded text (digits of either width).
_RAW_NUMERAL = "[零一二三四五六七八九十百千两〇0-9０-９]+"
#: An article referred to right after a word (民法典第五百条; not an article's own first line).
_BARE_ARTICLE = re.compile(rf"(?<=[\u4e00-\u9fff])第\s*{_RAW_NUMERAL}\s*[条條]")
#: What a name before a bare article reference ends with (folded).
_BARE_NAME_END = re.compile(r"(?:法|法典|条例|规定|办法|细则|规则|解释)$")
#: Longest name read before a bare article reference.
BARE_MAX = 30
#: An article's first paragraph, read without folding (条 or 條).
_ARTICLE_HEAD = re.compile(rf"第\s*(?P<a>{_RAW_NUMERAL})\s*[条條]"
                           rf"(?:\s*之\s*(?P<s>{_RAW_NUMERAL}))?(?:\s|$)")
_ITEM_HEAD = re.compile(r"\s*(?:[(（]?[一二三四五六七八九十]+[)）]|[0-9０-９]+[.、．)）]|[①-⑳])")


@dataclass(frozen=True)
class Mention:
    """One mention in a paragraph of the citing document.

    ``start``/``end`` are offsets into the paragraph's original text (for a
    chained article: the article alone); ``text`` is what is shown (a chained
    article with its title in front). ``title`` is the title meant (an
    abbreviation's full title); ``number`` is ``(key, code)`` as in
    :func:`indexer.cite.keys.number_key`. A mention with both has a partner:
    the other one is its fallback. ``article`` is (article, 之 sub-article or
    0, 款 or 0); ``date`` a version date written just before it.

    A *bare* mention is an article after a name written without 《》
    (刑法第二百六十四条, 依照民事诉讼法第一百二十二条): ``title`` holds the words
    before the article, and resolution decides where the name starts (the
    longest end of them that is an indexed title); it is kept only if resolved.
    """

    paragraph: int
    start: int
    end: int
    kind: str  # "number" | "title" | "bare"
    text: str
    title: str | None = None
    number: tuple[str, str] | None = None
    article: tuple[int, int, int] | None = None
    date: str | None = None

    def to_list(self) -> list:
        return [self.paragraph, self.start, self.end, self.kind, self.text, self.title,
                list(self.number) if self.number else None,
                list(self.article) if self.article else None, self.date]

    @classmethod
    def from_list(cls, row: list) -> Mention:
        p, s, e, kind, text, title, number, article, date = row
        return cls(p, s, e, kind, text, title, tuple(number) if number else None,
                   tuple(article) if article else None, date)


@dataclass
class _Number:
    start: int  # of the code as cut
    end: int
    key: tuple[str, str]


def _title_spans(folded: str) -> list[tuple[int, int]]:
    """(start, end) of every outermost 《…》, brackets included."""
    out: list[tuple[int, int]] = []
    i = folded.find("《")
    while i >= 0:
        depth, end = 0, None
        for j in range(i, min(len(folded), i + TITLE_MAX + 2)):
            ch = folded[j]
            if ch == "《":
                depth += 1
            elif ch == "》":
                depth -= 1
                if depth == 0:
                    end = j + 1
                    break
            elif ch in "\n。":
                break
        if end is None or not folded[i + 1:end - 1].strip():
            i = folded.find("《", i + 1)
            continue
        out.append((i, end))
        i = folded.find("《", end)
    return out


def _cut(start: int, words: str, boundary: re.Pattern) -> int:
    """Where an issuing code (or organ) really starts inside ``words`` (at ``start``)."""
    m = boundary.match(words)
    return start + (m.end() if m else 0)


def _numbers(folded: str) -> list[_Number]:
    out = []
    last = 0
    # A number has a four-digit year closed by a bracket or 年: look around those only.
    for hint in _YEAR_HINT.finditer(folded):
        if hint.start() < last:
            continue
        m = docnumber.NUMBER_RE.search(folded, max(last, hint.start() - 24), hint.end() + 12)
        if m is None or m.start() > hint.start():
            continue
        last = m.end()
        bracketed = m.group("year") is not None
        code = m.group("code") if bracketed else m.group("code2")
        code_at = m.start("code") if bracketed else m.start("code2")
        start = _cut(code_at, code, _CODE_BOUNDARY)
        cut = folded[start:code_at + len(code)]
        if not cut or (not bracketed and not _YEAR_FORM_CODE.search(cut)):
            continue
        year, n = (m.group("year"), m.group("n")) if bracketed else (m.group("year2"), m.group("n2"))
        out.append(_Number(start, m.end(), (f"{year}/{int(n)}", word_key(code))))
    last = 0
    for hint in _ORDER_HINT.finditer(folded):
        if hint.start() < last:
            continue
        m = ORDER_RE.search(folded, max(last, hint.start() - 20), hint.end() + 12)
        if m is None or m.start("organ") + len(m.group("organ")) != hint.start():
            continue
        last = m.end()
        n = cn_int(m.group("n"))
        if n is None:
            continue
        organ = m.group("organ")
        start = _cut(m.start("organ"), organ, _ORGAN_BOUNDARY)
        if start >= m.start("organ") + len(organ):
            continue
        out.append(_Number(start, m.end(), (f"令/{n}", word_key(organ))))
    out.sort(key=lambda x: x.start)
    return out


def _date_before(folded: str, at: int) -> str | None:
    m = _DATE_BEFORE.search(folded, max(0, at - 60), at)
    if m is None:
        return None
    try:
        return _dt.date(int(m.group("y")), int(m.group("m")), int(m.group("d"))).isoformat()
    except ValueError:
        return None


def _article(m: re.Match) -> tuple[int, int, int] | None:
    """(article, sub-article, clause) of an :data:`_ARTICLE` match."""
    a = cn_int(m.group("a"))
    if a is None:
        return None
    sub = cn_int(m.group("s")) if m.group("s") else 0
    clause = cn_int(m.group("c")) if m.group("c") else 0
    return (a, sub or 0, clause or 0)


class _Extractor:
    """Mentions of one document, paragraph by paragraph (abbreviations carry over)."""

    def __init__(self):
        self.abbreviations: dict[str, str] = {}
        self.mentions: list[Mention] = []

    def paragraph(self, n: int, text: str) -> None:
        has_article = "条" in text or "條" in text
        bare = list(_BARE_ARTICLE.finditer(text)) if has_article else []
        if not bare and "《" not in text and "号" not in text and "號" not in text:
            return
        folded = fold_chars(text).replace("號", "号")
        titles = _title_spans(folded)
        numbers = [x for x in _numbers(folded)
                   if not any(s < x.end and x.start < e for s, e in titles)]
        skip: set[tuple[int, int]] = set()
        partners: dict[int, tuple[str, str]] = {}  # number start -> title
        found: list[Mention] = []
        for start, end in titles:
            if (start, end) in skip:
                continue
            written = text[start + 1:end - 1]
            title = self.abbreviations.get(word_key(written), written)
            pos, number = end, None
            paren = _NUMBER_PAREN.match(folded, pos)
            nxt = None if paren is None else next(
                (x for x in numbers if x.start >= paren.end()), None)
            close = None if nxt is None else _NUMBER_CLOSE.match(folded, nxt.end)
            if close is not None and _NUMBER_LEAD.fullmatch(folded, paren.end(), nxt.start):
                number = nxt.key
                partners[nxt.start] = title
                pos = close.end() if folded[close.end() - 1] == ")" else nxt.end
            abbr = _ABBREVIATION.match(folded, pos)
            if abbr is not None:
                self.abbreviations[word_key(abbr.group("abbr"))] = title
                inner = (abbr.start("abbr") - 1, abbr.end("abbr") + 1)
                skip.add(inner)
            date = _date_before(folded, start)
            found.extend(self._articles(n, text, folded, start, end, pos, title, number, date))
        for x in numbers:
            found.append(Mention(n, x.start, x.end, "number", text[x.start:x.end],
                                 partners.get(x.start), x.key, None, _date_before(folded, x.start)))
        taken = [(m.start, m.end) for m in found]
        floor = 0  # a name starts after the article before it
        for m in bare:
            at, low = m.start(), max(floor, m.start() - BARE_MAX)
            floor = m.end()
            if any(s <= at < e for s, e in taken):
                continue
            start = at
            while start > low and "\u4e00" <= folded[start - 1] <= "\u9fff":
                start -= 1
            if not _BARE_NAME_END.search(folded, start, at):
                continue
            mentions = list(self._articles(n, text, folded, start, at, at, text[start:at], None,
                                           None, kind="bare"))
            found.extend(mentions)
            taken.extend((x.start, x.end) for x in mentions)
        found.sort(key=lambda m: (m.start, m.end))
        self.mentions.extend(found)

    @staticmethod
    def _articles(n: int, text: str, folded: str, start: int, end: int, pos: int,
                  title: str, number, date, kind: str = "title") -> Iterable[Mention]:
        """The title mention, or one mention per article referred to after it."""
        first = _ARTICLE.match(folded, pos) if pos < len(folded) else None
        if first is None or _article(first) is None:
            if kind == "title":
                yield Mention(n, start, end, kind, text[start:end], title, number, None, date)
            return
        head = text[start:end]
        current = _article(first)
        yield Mention(n, start, first.end(), kind, text[start:first.end()], title, number,
                      current, date)
        pos = first.end()
        while True:
            chain = _CHAIN.match(folded, pos)
            if chain is None:
                return
            at = chain.end()
            m = _ARTICLE.match(folded, at)
            if m is not None and _article(m) is not None:
                current = _article(m)
            else:
                m = _CLAUSE.match(folded, at)
                clause = cn_int(m.group("c")) if m is not None else None
                if clause is None:
                    return
                current = (current[0], current[1], clause)
            yield Mention(n, at, m.end(), kind, head + text[at:m.end()].strip(), title, number,
                          current, date)
            pos = m.end()


def mentions(paragraphs: Iterable[tuple[int, str]]) -> list[Mention]:
    """Every mention in ``paragraphs`` ((n, text) in document order)."""
    ex = _Extractor()
    for n, text in paragraphs:
        ex.paragraph(n, text)
    return ex.mentions


class _Articles:
    """A document's articles, paragraph by paragraph (see :func:`articles`)."""

    def __init__(self):
        self.found: dict[str, list[int]] = {}
        self._current: list[int] | None = None

    def paragraph(self, n: int, text: str, heading: bool) -> None:
        if heading:
            self._current = None
            return
        stripped = text.lstrip()
        if stripped.startswith("第"):
            m = _ARTICLE_HEAD.match(stripped)
            if m is not None:
                a = cn_int(m.group("a"))
                sub = cn_int(m.group("s")) if m.group("s") else 0
                key = f"{a}.{sub}" if sub else f"{a}"
                if a is not None and key not in self.found:
                    self._current = self.found[key] = [n]
                else:
                    self._current = None
                return
        if self._current is not None and not _ITEM_HEAD.match(stripped):
            self._current.append(n)


def articles(paragraphs: Iterable[tuple[int, str, bool]]) -> dict[str, list[int]]:
    """A document's articles: ``"12"`` (or ``"291.1"`` for 第二百九十一条之一) → the
    paragraphs of its 款: the article's first paragraph, then each further
    paragraph up to the next article or heading that is not an item (（一）, 1.)."""
    out = _Articles()
    for n, text, heading in paragraphs:
        out.paragraph(n, text, heading)
    return out.found


def extract(paragraphs: list) -> dict:
    """What the index keeps of a document's :class:`~indexer.document.Paragraph` list:
    ``{"mentions": [...], "articles": {...}}`` (JSON-ready)."""
    ex, arts = _Extractor(), _Articles()
    for p in paragraphs:
        ex.paragraph(p.n, p.text)
        arts.paragraph(p.n, p.text, p.heading)
    return {"mentions": [m.to_list() for m in ex.mentions], "articles": arts.found}


def serialized(paragraphs: list) -> tuple[str, str]:
    """:func:`extract` as two JSON texts, mentions and articles: what a worker process
    hands the reindex (strings cross processes and sit in memory more cheaply)."""
    data = extract(paragraphs)
    return tuple(json.dumps(data[k], ensure_ascii=False, separators=(",", ":"))
                 for k in ("mentions", "articles"))
