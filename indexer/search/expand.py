"""Query expansion: equivalent names and document-number variants.

A free word of the query (:class:`indexer.search.plan.Word`) that is a name in
the thesaurus (人社部), or a document number (国办发[2024]38号), gets
*alternatives*: the other names of its group (人力资源社会保障部,
人力资源和社会保障部), or the number's other written forms. A paragraph has the
word when it contains the form typed or any alternative, literally and in
either script; an occurrence of an alternative weighs :data:`ALT_WEIGHT` of one
of the form typed, so the form typed ranks a little above its equivalents.

Where occurrences overlap (医保局 inside 国家医保局) one counts: the form typed
first, then the longer alternative. An alternative that ends in 部 followed by
门 (人力资源社会保障部门, "the human-resources departments") is not the body,
nor is one that begins an issuing code (国办 in 国办发〔2024〕38号).

An unquoted ``OR`` alternative or exclusion that is a name gets the same
alternatives (:func:`with_alternatives`). Quoted text, ``+word``, ``word:`` and
fields are never expanded; predecessors only with ``former`` (see
:mod:`indexer.search.thesaurus`).
"""

from __future__ import annotations

import numpy as np

from .. import docnumber
from ..charindex import units
from . import match
from .thesaurus import Thesaurus

#: Weight of an occurrence of an equivalent name or number form, against the form typed.
ALT_WEIGHT = 0.8
#: Weight of an occurrence of a legal term found for a lay word (:mod:`.layterms`).
LAY_WEIGHT = 0.5


def name_pieces(thesaurus: Thesaurus | None, segmenter, folded: str) -> list[tuple[str, bool]]:
    """``folded`` query text cut into thesaurus names (True) and the text between.

    A name inside a longer text counts only where it starts and ends on a word
    boundary of the text's segmentation (国办 in 国办印发, not in 全国办理).
    """
    if thesaurus is None or not folded:
        return [(folded, False)]
    spans = thesaurus.find(folded)
    if not spans:
        return [(folded, False)]
    if spans[0] != (0, len(folded)):
        bounds = {0, len(folded)}
        for s, e in segmenter.spans(folded):
            bounds.update((s, e))
        spans = [(s, e) for s, e in spans if s in bounds and e in bounds]
    out, pos = [], 0
    for s, e in spans:
        if s > pos:
            out.append((folded[pos:s], False))
        out.append((folded[s:e], True))
        pos = e
    if pos < len(folded):
        out.append((folded[pos:], False))
    return out


def alternatives(word: str, whole_numbers: bool, thesaurus: Thesaurus | None,
                 former: bool) -> tuple[tuple[str, ...], list[str]]:
    """The alternative needles of a query word, and the names to report as expanded."""
    if whole_numbers:
        forms = [units(v) for v in docnumber.variants(word)]
        typed = units(word)
        return tuple(dict.fromkeys(f for f in forms if f and f != typed)), []
    if thesaurus is None:
        return (), []
    names = thesaurus.expand(word, former)
    needles = tuple(dict.fromkeys(units(n) for n in names if units(n)))
    return needles, names


def _overlapping(pos: np.ndarray, length: int, starts: np.ndarray,
                 max_ends: np.ndarray) -> np.ndarray:
    """Whether each [pos, pos+length) overlaps an interval (sorted starts, running max ends)."""
    if not len(starts) or not len(pos):
        return np.zeros(len(pos), dtype=np.bool_)
    at = np.searchsorted(starts, pos + length, side="left") - 1
    hit = at >= 0
    out = np.zeros(len(pos), dtype=np.bool_)
    out[hit] = max_ends[at[hit]] > pos[hit]
    return out


def _not_department(part, pos: np.ndarray, needle: str) -> np.ndarray:
    """False where a name ending in 部 continues with 门 (部门: any department)."""
    if not needle.endswith("部") or not len(pos):
        return np.ones(len(pos), dtype=np.bool_)
    nxt = part.alphabet[part.units[pos + len(needle)]]
    return nxt != ord("门")


_OPEN_CODES = np.array([ord(c) for c in docnumber.OPEN], dtype=np.uint32)


def _not_issuing_code(part, pos: np.ndarray, needle: str) -> np.ndarray:
    """False where a name is the start of an issuing code: 人社部发〔2025〕3号,
    国办发〔2024〕38号, 国办发明电〔…〕 (one to three characters, then a bracket
    and a digit). An issuing code names a series of documents, not the body."""
    keep = np.ones(len(pos), dtype=np.bool_)
    if not len(pos):
        return keep
    alphabet, ids = part.alphabet, part.units
    last = len(ids) - 1
    after = pos + len(needle)
    cjk_run = np.ones(len(pos), dtype=np.bool_)
    for k in range(1, 4):
        ch = alphabet[ids[np.minimum(after + k - 1, last)]]
        cjk_run &= (ch >= 0x4E00) & (ch <= 0x9FFF)
        bracket = np.isin(alphabet[ids[np.minimum(after + k, last)]], _OPEN_CODES)
        digit = alphabet[ids[np.minimum(after + k + 1, last)]]
        keep &= ~(cjk_run & bracket & (digit >= ord("0")) & (digit <= ord("9")))
    return keep


def word_occurrences(part, word) -> match.Occ:
    """Occurrences of a query word in ``part``: the form typed and its alternatives."""
    alts = getattr(word, "alternatives", ())
    if not alts:
        return match.occurrences(part, word.needle, word.whole_numbers)
    weight_of = dict(zip(alts, getattr(word, "alt_weights", ()) or (ALT_WEIGHT,) * len(alts),
                         strict=True))
    found = [match.classify(part, word.needle, word.whole_numbers)]
    weights = [np.ones(len(found[0][0]))]
    starts = found[0][0]
    ends = starts + len(word.needle)
    for needle in sorted(alts, key=len, reverse=True):
        pos, whole, inside, across = match.classify(part, needle, word.whole_numbers)
        order = np.argsort(starts, kind="stable")
        keep = ~_overlapping(pos, len(needle), starts[order], np.maximum.accumulate(ends[order])
                             if len(ends) else ends)
        if not word.whole_numbers and keep.any():
            # Read the text around the occurrences still kept only (a longer name that
            # contains the word, 人民政府 for 政府, overlaps it nearly everywhere).
            at = np.flatnonzero(keep)
            near = pos[at]
            keep[at[~(_not_department(part, near, needle)
                      & _not_issuing_code(part, near, needle))]] = False
        found.append((pos[keep], whole[keep], inside[keep], across[keep]))
        weights.append(np.full(int(keep.sum()), weight_of[needle]))
        starts = np.concatenate([starts, pos[keep]])
        ends = np.concatenate([ends, pos[keep] + len(needle)])
    pos = np.concatenate([f[0] for f in found])
    order = np.argsort(pos, kind="stable")
    whole, inside, across = (np.concatenate([f[k] for f in found])[order] for k in (1, 2, 3))
    weight = np.concatenate(weights)[order]
    alt = weight < 1.0
    pos = pos[order]
    occ = match.aggregate(part, pos, whole, inside, across)
    if alt.any():
        tf = whole + match.W_INSIDE * inside + match.W_ACROSS * across
        rows = np.searchsorted(occ.rows, part.row_of(pos[alt]))
        occ.discount = np.bincount(rows, weights=(1.0 - weight[alt]) * tf[alt],
                                   minlength=len(occ.rows))
    return occ


def title_docs(snap, word) -> np.ndarray:
    """Per document: whether its title has the word or one of its alternatives."""
    found = snap.title_docs(word.needle, word.whole_numbers)
    for needle in getattr(word, "alternatives", ()):
        found = found | snap.title_docs(needle, word.whole_numbers)
    return found


def with_alternatives(part, rows: np.ndarray, tf: np.ndarray, thesaurus: Thesaurus | None,
                      text: str, former: bool) -> tuple[np.ndarray, np.ndarray]:
    """Rows of an unquoted ``OR`` alternative or exclusion, with those of its
    equivalent names when ``text`` is one (each at :data:`ALT_WEIGHT`)."""
    names = thesaurus.expand(text, former) if thesaurus is not None else []
    if not names:
        return rows, tf
    found = [(rows, tf)]
    for name in names:
        needle = units(name)
        pos = part.positions(needle, False) if needle else match._EMPTY
        if not len(pos):
            continue
        pos = pos.astype(np.int64)
        pos = pos[_not_department(part, pos, needle) & _not_issuing_code(part, pos, needle)]
        r, counts = np.unique(part.row_of(pos), return_counts=True)
        found.append((r, ALT_WEIGHT * counts))
    out = match.union([r for r, _ in found])
    total = np.zeros(len(out))
    for r, t in found:
        if len(r):
            total += match.Slots(out, r).scatter(np.asarray(t, dtype=np.float64))
    return out, total
