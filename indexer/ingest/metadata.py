"""Metadata extraction: title, 发文字号, 发文机关, 成文日期, 公文种类, 主题分类.

Evidence, strongest first:

1. labelled header blocks (标题/標題, 发文机关/發文機關, 发文字号, 成文日期, …),
   several labels per line allowed;
2. a 文号 line near the top;
3. a signature block (issuer lines, then a date line);
4. a press-release lead (``7月22日,人力资源社会保障部举行2025年二季度新闻发布会``);
5. a LawRefBook info block (``2018年11月6日 中华人民共和国国务院令第706号公布``);
6. the title's last word for the document type.

A field with no evidence stays ``None``; nothing is guessed.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass

from .. import docnumber
from ..document import Block, Metadata
from ..normalize import clean_value, fold_chars, to_simplified
from .readers.common import numbered_heading

# --- dates -----------------------------------------------------------------

_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUM = "〇○零一二三四五六七八九十"

DATE_RE = re.compile(
    r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"
    r"|(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})(?!\d)"
    rf"|(?P<cy>[{_CN_NUM}]{{4}})\s*年\s*(?P<cm>[{_CN_NUM}]{{1,3}})\s*月\s*(?P<cd>[{_CN_NUM}]{{1,3}})\s*日"
)


def _cn_number(text: str) -> int:
    if "十" in text:
        tens, _, units = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)
    return _CN_DIGITS[text]


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return _dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def date_from_match(m: re.Match) -> str | None:
    if m.group("y"):
        return _iso(int(m.group("y")), int(m.group("m")), int(m.group("d")))
    if m.group("iy"):
        return _iso(int(m.group("iy")), int(m.group("im")), int(m.group("id")))
    try:
        year = int("".join(str(_CN_DIGITS[c]) for c in m.group("cy")))
        return _iso(year, _cn_number(m.group("cm")), _cn_number(m.group("cd")))
    except KeyError:
        return None


def parse_date(text: str) -> str | None:
    """The first valid date in ``text`` as ``YYYY-MM-DD``."""
    for m in DATE_RE.finditer(text):
        iso = date_from_match(m)
        if iso:
            return iso
    return None


def _compact_digits(text: str) -> str:
    """Remove stray spaces inside numbers and around 年/月/日: ``202 5 年`` → ``2025年``."""
    return re.sub(r"(?<=[\d年月])[ \u00a0\u3000]+(?=[\d年月日])", "", text)


# --- labels ----------------------------------------------------------------

def _spaced(word: str) -> str:
    return r"\s*".join(word)


_LABELS = {
    "title": ["标题"],
    "issuer": ["发文机关", "发布机关", "发文单位"],
    "doc_number": ["发文字号", "文号"],
    "date": ["成文日期"],
    "topic": ["主题分类"],
    "doc_type": ["公文种类"],
    "site_source": ["来源"],
    "publish_date": ["发布日期"],
    "index_no": ["索引号"],
}
# A label whose first character was lost in copying ("  題:", "   源:").
_CLIPPED = {"title": "题", "site_source": "源"}

_label_parts = []
for _name, _words in _LABELS.items():
    alts = [_spaced(w) for w in _words]
    if _name in _CLIPPED:
        alts.append(r"(?<![^\s•·])" + _CLIPPED[_name])
    _label_parts.append(f"(?P<{_name}>{'|'.join(alts)})")
LABEL_RE = re.compile(r"(?:" + "|".join(_label_parts) + r")\s*[:：]")
_BULLET = re.compile(r"^[\s•·●▪\-*]*")

# --- document numbers, issuers, types --------------------------------------

DOC_NUMBER_RE = re.compile(
    r"[\u4e00-\u9fff]{1,15}\s*[〔\[［(（【﹝〖]\s*\d{4}\s*[〕\]］)）】﹞〗]\s*第?\s*\d{1,5}\s*[号號]"
    r"|[\u4e00-\u9fff]{1,15}?\s*(?:19|20)\d{2}\s*年\s*第?\s*\d{1,5}\s*[号號]"
)
_ORDER_NUMBER_RE = re.compile(
    rf"(?P<num>(?P<organ>[\u4e00-\u9fff]{{1,20}}?)令\s*[（(]?\s*第\s*[\d{_CN_NUM}百]+\s*号[）)]?)"
)
_ORGAN_SUFFIX = re.compile(
    r"(部|委|局|署|院|办公厅|办公室|委员会|政府|小组|中心|总会|联合会|协会|厅|行|社|团|所|室|会)$"
)
_SENTENCE_PUNCT = re.compile(r"[。，,；;：:！!？?、]")

# Document types recognised from the end of a title, longest first.
DOC_TYPES = [
    "实施细则", "修正案", "决议", "决定", "命令", "公报", "公告", "通告", "意见", "通知",
    "通报", "报告", "请示", "批复", "答复", "议案", "函", "纪要", "条例", "规定",
    "办法", "细则", "规则", "章程", "方案", "规划", "纲要", "计划", "指引", "指南",
    "解释", "标准", "令",
]
_TYPE_BY_TITLE = sorted(DOC_TYPES, key=len, reverse=True)

_PRESS_LEAD = re.compile(
    r"^(?P<m>\d{1,2})月(?P<d>\d{1,2})日\s*[,，]?\s*(?P<issuer>[^,，。]{2,40}?)"
    r"(?:举行|召开)了?\s*(?P<y>\d{4})年(?P<period>[^,，。]{0,20}?)(?:例行)?新闻发布会"
)

_CHROME_WORDS = {"en", "english", "中文", "简体", "繁体", "繁體", "简", "繁", "打印",
                 "关闭", "关闭窗口", "字号", "分享", "分享到", "【打印】", "【关闭】", "[打印]",
                 "[关闭]", "返回顶部", "首页", "无障碍", "登录", "注册"}
_URL_ONLY = re.compile(r"^(?:https?://|www\.)\S+$", re.I)


def is_chrome(text: str) -> bool:
    """Site furniture: a bare URL, a language switch, print/close buttons."""
    stripped = text.strip()
    if _URL_ONLY.match(stripped):
        return True
    return stripped.lower() in _CHROME_WORDS


def doc_type_from_title(title: str) -> str | None:
    folded = to_simplified(title)
    folded = re.sub(r"[（(][^（()）]*[)）]\s*$", "", folded).strip()
    folded = folded.rstrip("》」』\"”")
    for word in _TYPE_BY_TITLE:
        if folded.endswith(word):
            return word
    if folded.endswith("法") and not folded.endswith("办法"):
        return "法律"
    return None


def _is_organ_line(text: str) -> bool:
    t = fold_chars(text)
    return (
        2 <= len(t) <= 40
        and not _SENTENCE_PUNCT.search(t)
        and not DATE_RE.search(t)
        and bool(_ORGAN_SUFFIX.search(t))
    )


def _is_date_line(text: str) -> str | None:
    t = fold_chars(_compact_digits(text)).strip()
    m = DATE_RE.fullmatch(t)
    return date_from_match(m) if m else None


def _simplified_with_original(value: str) -> tuple[str, str]:
    original = clean_value(value)
    return to_simplified(original), original


@dataclass
class Extraction:
    meta: Metadata
    #: indices of blocks that are header labels or site chrome, not paragraphs
    consumed: set[int]


_VERSION_IN_NAME = re.compile(r"[(（](\d{4}-\d{2}-\d{2})[)）]$")


def date_from_filename(stem: str) -> str | None:
    """A version date in a file name, LawRefBook style: ``名称(2020-05-14)``."""
    m = _VERSION_IN_NAME.search(stem)
    return parse_date(m.group(1)) if m else None


def extract(blocks: list[Block], stem: str = "",
            page_evidence: list[tuple[str, str, str]] | None = None) -> Extraction:
    """Metadata of a document from its blocks, (for a version date) its file stem
    and page metadata evidence (``<meta>`` tags, core properties): ``(field, value,
    evidence)``, weaker than anything the text itself says."""
    meta = Metadata()
    consumed: set[int] = set()

    for i, block in enumerate(blocks[:40]):
        if i < 5 and is_chrome(block.text):
            consumed.add(i)
        elif _URL_ONLY.match(block.text.strip()):
            consumed.add(i)

    _from_labels(blocks, meta, consumed)
    body = [(i, b) for i, b in enumerate(blocks) if i not in consumed]
    meta.set("date", date_from_filename(stem), "filename")
    _from_info_block(blocks, meta)
    _from_heading(body, meta)
    _from_press_lead(body, meta)
    _from_number_line(body, meta)
    _from_signature(body, meta)
    _from_title_line(body, meta)
    _from_page_evidence(page_evidence or [], meta)
    if meta.title and meta.doc_type is None:
        meta.set("doc_type", doc_type_from_title(meta.title), "title")
    if meta.doc_type is None:
        for _, b in body[:4]:
            if "答复如下" in fold_chars(b.text) or "答覆如下" in b.text:
                meta.set("doc_type", "答复", "text")
                break
    canonical_number(meta)
    return Extraction(meta, consumed)


def canonical_number(meta: Metadata) -> None:
    """Write the document number in canonical form (国办发〔2024〕38号, whatever its
    brackets); the form written in the document stays in ``meta.original``."""
    if not meta.doc_number:
        return
    canon = docnumber.canonical(meta.doc_number)
    if canon != meta.doc_number:
        meta.original.setdefault("doc_number", meta.doc_number)
        meta.doc_number = canon


def _from_labels(blocks: list[Block], meta: Metadata, consumed: set[int]) -> None:
    for i, block in enumerate(blocks[:40]):
        for line in block.text.split("\n"):
            folded = fold_chars(line)
            matches = list(LABEL_RE.finditer(folded))
            if not matches:
                continue
            lead = _BULLET.match(folded).end()
            if matches[0].start() != lead:
                continue
            consumed.add(i)
            for k, m in enumerate(matches):
                end = matches[k + 1].start() if k + 1 < len(matches) else len(line)
                value = clean_value(line[m.end():end])
                if not value:
                    continue
                name = m.lastgroup
                if name == "title":
                    meta.set("title", value, "label")
                elif name in ("issuer", "doc_number", "topic", "doc_type"):
                    simp, orig = _simplified_with_original(value)
                    meta.set(name, simp, "label", orig)
                elif name == "date":
                    meta.set("date", parse_date(fold_chars(_compact_digits(value))), "label")
        # Labels only occur in a header: stop at the first long body paragraph after them.
        if consumed and i not in consumed and len(block.text) > 120:
            break


def _from_page_evidence(evidence: list[tuple[str, str, str]], meta: Metadata) -> None:
    for name, raw, source in evidence:
        value = clean_value(raw)
        if not value:
            continue
        if name == "title":
            meta.set("title", value, source)
        elif name == "date":
            meta.set("date", parse_date(fold_chars(_compact_digits(value))), source)
        elif name == "issuer":
            if _is_organ_line(value):
                simp, orig = _simplified_with_original(value)
                meta.set("issuer", simp, source, orig)
        elif name in ("doc_number", "topic", "doc_type"):
            simp, orig = _simplified_with_original(value)
            meta.set(name, simp, source, orig)


def _from_heading(body: list[tuple[int, Block]], meta: Metadata) -> None:
    for _, b in body[:3]:
        if b.heading and not numbered_heading(b.text, sub=True):
            meta.set("title", clean_value(b.text), "heading")
            return


def _from_press_lead(body: list[tuple[int, Block]], meta: Metadata) -> None:
    for pos, (_, b) in enumerate(body[:3]):
        compact = _compact_digits(b.text)
        m = _PRESS_LEAD.match(fold_chars(compact))
        if not m:
            continue
        year, month, day = int(m.group("y")), int(m.group("m")), int(m.group("d"))
        period = m.group("period")
        # A year-end or fourth-quarter briefing is held early the next year.
        if month <= 3 and any(w in period for w in ("四季度", "第四季度", "全年", "年度")):
            year += 1
        meta.set("date", _iso(year, month, day), "press-lead")
        issuer = compact[m.start("issuer"):m.end("issuer")]
        simp, orig = _simplified_with_original(issuer)
        meta.set("issuer", simp, "press-lead", orig)
        meta.set("doc_type", "新闻发布会", "press-lead")
        for _, nxt in body[pos + 1:pos + 3]:
            t = nxt.text
            if len(t) <= 80 and not re.search(r"[。，,；;]", t) and not t.startswith(("(", "（")):
                meta.set("title", clean_value(t), "press-lead")
                break
        return


def _from_number_line(body: list[tuple[int, Block]], meta: Metadata) -> None:
    for _, b in body[:8]:
        text = b.text.strip()
        if DOC_NUMBER_RE.fullmatch(text):
            simp, orig = _simplified_with_original(text)
            meta.set("doc_number", simp, "number-line", orig)
            return


def _from_signature(body: list[tuple[int, Block]], meta: Metadata) -> None:
    # The last date line preceded by organ-name lines.
    for pos in range(len(body) - 1, 0, -1):
        date = _is_date_line(body[pos][1].text)
        if not date:
            continue
        organs = []
        k = pos - 1
        while k >= 0 and len(organs) < 6 and _is_organ_line(body[k][1].text):
            organs.insert(0, clean_value(body[k][1].text))
            k -= 1
        if organs:
            simp, orig = _simplified_with_original("、".join(organs))
            meta.set("issuer", simp, "signature", orig)
            meta.set("date", date, "signature")
            return


def _from_title_line(body: list[tuple[int, Block]], meta: Metadata) -> None:
    if meta.title is not None:
        return
    for pos, (_, b) in enumerate(body[:6]):
        t = b.text.strip()
        if len(t) > 120 or re.search(r"[。；;]", t) or DOC_NUMBER_RE.fullmatch(t):
            continue
        simp = to_simplified(t)
        if "关于" in simp and doc_type_from_title(t):
            title = t
            if simp.startswith("关于") and pos > 0 and _is_organ_line(body[pos - 1][1].text):
                title = body[pos - 1][1].text.strip() + t
            meta.set("title", clean_value(title), "title-line")
            return


# --- LawRefBook info block -------------------------------------------------

_PROMULGATED = re.compile(r"公布|发布|修正|修订|修改")
_PASSED = re.compile(r"通过|批准")
_LEGISLATURE = re.compile(
    rf"^(?P<pre>[\u4e00-\u9fff]*?)第[{_CN_NUM}百]+届(?P<body>(?:全国)?人民代表大会(?:常务委员会)?)"
)
_COURT = re.compile(r"(最高人民法院|最高人民检察院)")


def _info_segments(text: str) -> list[tuple[str, str]]:
    """Split an info block into (date, text after the date) segments."""
    compact = fold_chars(_compact_digits(text))
    matches = list(DATE_RE.finditer(compact))
    segments = []
    for k, m in enumerate(matches):
        end = matches[k + 1].start() if k + 1 < len(matches) else len(compact)
        iso = date_from_match(m)
        if iso:
            segments.append((iso, compact[m.end():end].strip()))
    return segments


def _from_info_block(blocks: list[Block], meta: Metadata) -> None:
    info = [b for b in blocks if b.kind == "info"]
    if not info:
        return
    for b in info:
        if b.heading:
            meta.set("title", clean_value(b.text), "heading")
            break
    text = "\n".join(b.text for b in info if not b.heading)
    segments = _info_segments(text)
    if not segments:
        return
    promulgated = [s for s in segments if _PROMULGATED.search(s[1])]
    chosen = max(promulgated or [s for s in segments if _PASSED.search(s[1])] or [(None, "")],
                 key=lambda s: s[0] or "")
    if chosen[0]:
        meta.set("date", chosen[0], "info-block")
        order = _ORDER_NUMBER_RE.search(chosen[1])
        # The order number belongs to that version only.
        if order and meta.date == chosen[0]:
            meta.set("doc_number", to_simplified(order.group("num")), "info-block")
    for _, seg in segments:
        issuer = _issuer_from_info(seg)
        if issuer:
            meta.set("issuer", issuer, "info-block")
            break


def _issuer_from_info(segment: str) -> str | None:
    m = _LEGISLATURE.search(segment)
    if m:
        return m.group("pre") + m.group("body")
    m = _COURT.search(segment)
    if m:
        return m.group(1)
    m = _ORDER_NUMBER_RE.search(segment)
    if m:
        organ = m.group("organ").removeprefix("中华人民共和国")
        if organ and organ != "主席":
            return organ
    return None
