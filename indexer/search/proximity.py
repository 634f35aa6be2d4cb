"""Proximity: ``"稳岗 返还"~10`` and ``"稳岗 返还"~s``.

A quoted phrase followed by ``~N`` asks for every word of the phrase (the
pieces between its spaces) at most ``N`` characters apart, in any order: in
some stretch of one paragraph that holds an occurrence of each word, at most
``N`` characters are not part of those occurrences (characters are the index's
units: folded, spaces not counted). ``"稳岗 返还"~0`` finds 稳岗返还 and
返还稳岗. With ``~s`` the words must all be in one sentence: no ``。！？；`` (nor
``!?;``) lies between them.

How it is evaluated, without touching the ranking (:mod:`.rank`):
:func:`split` rewrites the parsed query so that each word of a proximity
phrase is a required quoted term (the ranking then finds and scores the
paragraphs that contain every word), and returns the :class:`Near`
constraints; :func:`rows` checks one constraint on one part of the character
index, and :mod:`.refine` drops the candidates that fail it.

A phrase with a single word (``"稳岗返还"~5``) is an ordinary phrase. A
proximity phrase inside an ``OR`` group is read as an ordinary phrase, with a
message.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..charindex import Part, units
from . import match
from . import query as q

#: Sentence ends, as folded units (。 stays, ！？； fold to !?;).
SENTENCE_ENDS = "。!?;"


@dataclass(frozen=True)
class Near:
    """Every word of ``words`` within ``slop`` characters, or in one sentence."""

    words: tuple[str, ...]  # units
    slop: int | None
    sentence: bool
    negated: bool = False
    label: str = ""


def _words(term: q.Term) -> list[str]:
    return [w for w in (units(p) for p in term.text.split()) if w]


def split(parsed: q.ParsedQuery) -> tuple[q.ParsedQuery, list[Near]]:
    """``parsed`` with each proximity phrase replaced by its words (required, quoted),
    and the proximity constraints to check on the candidates."""
    near: list[Near] = []
    must: list = []
    must_not: list[q.Term] = []
    messages = list(parsed.messages)

    def constraint(term: q.Term, negated: bool) -> Near | None:
        if term.slop is None and not term.sentence:
            return None
        words = _words(term)
        if len(words) < 2:
            return None
        suffix = "s" if term.sentence else str(term.slop)
        return Near(tuple(words), term.slop, term.sentence, negated, f'"{term.text}"~{suffix}')

    for node in parsed.must:
        if isinstance(node, q.Any_):
            if any(t.slop is not None or t.sentence for t in node.terms):
                messages.append("OR 中的邻近检索按短语处理")
            must.append(node)
            continue
        c = constraint(node, False)
        if c is None:
            must.append(node)
            continue
        near.append(c)
        for piece in node.text.split():
            must.append(q.Term(piece, True, None, True))
    for term in parsed.must_not:
        c = constraint(term, True)
        if c is None:
            must_not.append(term)
        else:
            near.append(c)
    if not near:
        return parsed, []
    return replace(parsed, must=must, must_not=must_not, messages=messages), near


def _sentence_ends(part: Part) -> np.ndarray:
    found = [part.positions(c) for c in SENTENCE_ENDS]
    found = [f for f in found if len(f)]
    if not found:
        return np.zeros(0, dtype=np.int64)
    return np.sort(np.concatenate(found).astype(np.int64))


def rows(part: Part, near: Near, candidates: np.ndarray | None = None) -> np.ndarray:
    """The rows of ``part`` (ascending) where ``near`` holds, among ``candidates``.

    For each occurrence of each word taken as the leftmost, every other word's
    first occurrence at or after it is the best choice (its end is the earliest),
    so one ``searchsorted`` per word decides each starting point.
    """
    occ = []
    for word in near.words:
        whole_numbers = any(c.isdigit() for c in word)
        pos = np.sort(part.positions(word, whole_numbers).astype(np.int64))
        if candidates is not None and len(pos):
            pos = pos[match.member(part.row_of(pos), candidates)]
        if not len(pos):
            return match._EMPTY
        occ.append(pos)
    lengths = [len(w) for w in near.words]
    ends = _sentence_ends(part) if near.sentence else None
    good = []
    for k, start in enumerate(occ):
        row = part.row_of(start)
        ok = np.ones(len(start), dtype=np.bool_)
        last_end = start + lengths[k]
        for j, other in enumerate(occ):
            if j == k:
                continue
            at = np.searchsorted(other, start)
            inside = at < len(other)
            pick = other[np.minimum(at, len(other) - 1)]
            ok &= inside & (part.row_of(pick) == row)
            last_end = np.maximum(last_end, pick + lengths[j])
        if near.sentence:
            ok &= np.searchsorted(ends, start) == np.searchsorted(ends, last_end - 1)
        else:
            ok &= (last_end - start) - sum(lengths) <= near.slop
        good.append(row[ok])
    return match.unique(np.concatenate(good)) if good else match._EMPTY
