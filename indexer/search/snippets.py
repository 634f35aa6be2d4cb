"""Highlighted snippets: escaped original text with our own ``<mark>`` tags only.

Matches are found in the folded text (same length as the original), so a
simplified query marks the right characters of a traditional paragraph.
"""

from __future__ import annotations

import functools
import re
from html import escape

from ..normalize import fold_chars

SENTENCE_END = "。！？；!?;"
CONTEXT = 120


@functools.lru_cache(maxsize=4096)
def needle_pattern(needle: str, exact_numbers: bool) -> re.Pattern | None:
    """A regex for ``needle`` in folded text, allowing whitespace between characters."""
    chars = [c for c in fold_chars(needle) if not c.isspace()]
    if not chars:
        return None
    body = r"\s*".join(re.escape(c) for c in chars)
    if exact_numbers:
        if chars[0].isascii() and chars[0].isdigit():
            body = r"(?<![0-9])" + body
        if chars[-1].isascii() and chars[-1].isdigit():
            body = body + r"(?![0-9])"
    return re.compile(body)


#: What to mark for one query term: the term itself (``exact``: whole numbers at its
#: ends) and the words it segments into (numbers among them whole).
Needle = tuple[str, bool, tuple[str, ...]]


def _find(folded: str, needle: str, exact: bool) -> list[tuple[int, int]]:
    pattern = needle_pattern(needle, exact)
    if pattern is None:
        return []
    return [m.span() for m in pattern.finditer(folded) if m.end() > m.start()]


def match_spans(text: str, needles: list[Needle]) -> list[tuple[int, int]]:
    """Merged (start, end) spans of every needle occurrence in ``text``."""
    folded = fold_chars(text)
    spans = []
    for needle, exact, words in needles:
        spans.extend(_find(folded, needle, exact))
        for word in words:
            spans.extend(_find(folded, word, any(c.isdigit() for c in word)))
    spans.sort()
    merged: list[list[int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


def mark(text: str, spans: list[tuple[int, int]], start: int = 0, end: int | None = None) -> str:
    """Escape ``text[start:end]`` and wrap the spans in ``<mark>``."""
    end = len(text) if end is None else end
    out = []
    pos = start
    for s, e in spans:
        s, e = max(s, start), min(e, end)
        if e <= s:
            continue
        out.append(escape(text[pos:s]))
        out.append("<mark>" + escape(text[s:e]) + "</mark>")
        pos = e
    out.append(escape(text[pos:end]))
    return "".join(out)


def _window(text: str, first: tuple[int, int] | None, context: int) -> tuple[int, int]:
    if len(text) <= context + context // 3:
        return 0, len(text)
    if first is None:
        first = (0, 0)
    s, e = first
    # Start at the beginning of the match's sentence, or a little before the match.
    left = s
    limit = max(0, s - context // 2)
    while left > limit and text[left - 1] not in SENTENCE_END:
        left -= 1
    if left == limit and limit > 0:
        left = max(limit, 0)
    # End at a sentence end after about `context` characters.
    right = max(e, left + context)
    if right >= len(text):
        return left, len(text)
    hard = min(len(text), right + context // 3)
    k = right
    while k < hard and text[k - 1] not in SENTENCE_END:
        k += 1
    return left, k


def snippet(text: str, needles: list[Needle], context: int = CONTEXT) -> str:
    """Snippet HTML for one paragraph: about ``context`` characters around the first match."""
    spans = match_spans(text, needles)
    left, right = _window(text, spans[0] if spans else None, context)
    html = mark(text, spans, left, right)
    if left > 0:
        html = "…" + html
    if right < len(text):
        html = html + "…"
    return html
