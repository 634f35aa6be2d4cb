"""Mentions of other documents as links, in paragraphs and in snippets.

A mention resolved to an indexed document links to it (and to the paragraph
cited, ``#p12``); an unresolved one links to the search for the paragraphs that
cite the same thing (``/?q=cites:…``). Text is escaped; the only markup is our
``<a class="cite">`` and ``<mark>``, nested properly (a match that crosses a
link's edge is split there).
"""

from __future__ import annotations

import re
from html import escape, unescape
from urllib.parse import quote, urlencode

from indexer import docnumber

Link = tuple[int, int, str, str]  # start, end, href, title
_MARK_RE = re.compile(r"(<mark>|</mark>)")
_QUOTE_NEEDED = re.compile(r"[\s\"“”「」『』|]")


def document_url(doc_id: str, paragraph: int | None = None) -> str:
    return f"/documents/{quote(doc_id)}" + (f"#p{paragraph}" if paragraph else "")


def cites_query(kind: str, text: str) -> str:
    """The ``cites:`` query for a mention: its number, or its title (in 「」 if needed)."""
    if kind == "number":
        return "cites:" + docnumber.canonical(text)
    title = text.split("》")[0].lstrip("《") if text.startswith("《") else text
    if _QUOTE_NEEDED.search(title):
        return "cites:「" + title.replace("「", "").replace("」", "") + "」"
    return "cites:" + title


def links(cites, titles: dict[str, str]) -> list[Link]:
    """Links for one paragraph's mentions (``indexer.cite.store.Cite``), overlaps dropped."""
    out: list[Link] = []
    for c in sorted(cites, key=lambda c: (c.start, -(c.end - c.start))):
        if out and c.start < out[-1][1]:
            continue
        if c.target is not None:
            title = "引用：" + (titles.get(c.target) or c.target)
            if c.target_paragraph:
                title += f" 第 {c.target_paragraph} 段"
            out.append((c.start, c.end, document_url(c.target, c.target_paragraph), title))
        else:
            href = "/?" + urlencode({"q": cites_query(c.kind, c.text)})
            out.append((c.start, c.end, href, "未收录：检索引用此文件的段落"))
    return out


def render(text: str, marks: list[tuple[int, int]], spans: list[Link], start: int = 0,
           end: int | None = None) -> str:
    """``text[start:end]`` escaped, with ``marks`` in ``<mark>`` and ``spans`` as links."""
    end = len(text) if end is None else end
    cuts = {start, end}
    for s, e, *_ in [*marks, *spans]:
        cuts.update(x for x in (s, e) if start < x < end)
    bounds = sorted(cuts)
    out: list[str] = []
    current, marked = None, False
    for a, b in zip(bounds, bounds[1:], strict=False):
        link = next((x for x in spans if x[0] <= a and b <= x[1]), None)
        mark = any(s <= a and b <= e for s, e in marks)
        if link is not current:
            if marked:
                out.append("</mark>")
                marked = False
            if current is not None:
                out.append("</a>")
            if link is not None:
                out.append(f'<a class="cite" href="{escape(link[2])}" title="{escape(link[3])}">')
            current = link
        if mark != marked:
            out.append("<mark>" if mark else "</mark>")
            marked = mark
        out.append(escape(text[a:b]))
    if marked:
        out.append("</mark>")
    if current is not None:
        out.append("</a>")
    return "".join(out)


def snippet(snippet_html: str, text: str, spans: list[Link]) -> str:
    """A search snippet (escaped text, ``<mark>``, … at cut ends) with the mentions as links."""
    if not spans:
        return snippet_html
    plain, marks, open_at = [], [], None
    length = 0
    for piece in _MARK_RE.split(snippet_html):
        if piece == "<mark>":
            open_at = length
        elif piece == "</mark>":
            marks.append((open_at, length))
        else:
            part = unescape(piece)
            plain.append(part)
            length += len(part)
    shown = "".join(plain)
    for lead in (0, 1):
        for trail in (0, 1):
            core = shown[lead:len(shown) - trail]
            if (lead and not shown.startswith("…")) or (trail and not shown.endswith("…")):
                continue
            at = text.find(core)
            if at < 0 or (at > 0) != bool(lead) or (at + len(core) < len(text)) != bool(trail):
                continue
            moved = [(s - lead + at, e - lead + at) for s, e in marks]
            html = render(text, moved, spans, at, at + len(core))
            return ("…" if lead else "") + html + ("…" if trail else "")
    return snippet_html
