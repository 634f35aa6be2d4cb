"""The final order of one query's matches: document context, authority, sort keys.

:class:`~indexer.search.rank.Ranker` finds the candidates of every part and
scores those that can reach the first places; :func:`best` adds what depends on
the whole result set — the document context (a paragraph of a document in which
many paragraphs match well is lifted) and the level of authority — then orders
them, and counts the totals and facets over every candidate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import authority, refine
from .plan import Plan
from .rank import Filters, Ranker, each, explain, facet_counts, worth_scoring

#: Weight of the document context.
DOCUMENT_W = 1.0
#: Orders tiers before scores in one sort key (scores stay far below it).
_TIER = 1e6


@dataclass
class Ranked:
    """A cached ranking: the best rows, counts and facets of one query and its filters."""

    ranked: list[tuple[int, float, bool, dict | None]]  # (docnum, score, all words, explanation)
    total: int
    total_all: int
    facets: dict[str, dict[str, int]]
    facets_over: str


def best(snap, plan: Plan, filters: Filters, sort: str, keep: int,
         explain_hits: bool = False) -> Ranked:
    """All matches of ``plan`` in ``snap`` at once: the best ``keep`` rows, the totals,
    the facets."""
    ranker = Ranker(snap, plan, filters)
    found = refine.post(snap, ranker.run(), plan, filters)
    # Every candidate counts (totals, facets); only those that can reach the first
    # ``keep`` places are scored, with every candidate of their documents (the
    # document context sums them).
    worth = [(r, keep_mask) for r, keep_mask in
             zip(found, worth_scoring(found, sort, keep, len(snap._doc_order)), strict=True)
             if keep_mask is None or keep_mask.any()]
    results = each(lambda pair: ranker.score(*pair), worth)

    def gather(values) -> np.ndarray:
        return np.concatenate([values(r) for r in results]) if results else np.zeros(0)

    sizes = np.cumsum([0] + [len(r.rows) for r in results])

    def gather_at(values, at: np.ndarray) -> np.ndarray:
        """``gather(values)[at]`` (``at`` ascending) without gathering every row."""
        bounds = np.searchsorted(at, sizes)
        return np.concatenate([values(r, at[bounds[j]:bounds[j + 1]] - sizes[j])
                               for j, r in enumerate(results)] or [np.zeros(0)])

    tier = gather(lambda r: r.tier)
    all_words = gather(lambda r: r.all_words).astype(np.int64)
    score = gather(lambda r: r.score)
    doc = gather(lambda r: r.docs).astype(np.int64)
    scored = len(doc)
    # Document context: a paragraph of a document in which many paragraphs match
    # well gains log(1 + the sum of their scores).
    # (Per document, then per row: the rows of one document share it.)
    doc_gain = np.zeros(0)
    if scored:
        doc_gain = DOCUMENT_W * np.log1p(np.bincount(doc, weights=score))
        score = score + doc_gain[doc]
    # Level of authority: central before provincial before local documents,
    # unless the query names a place.
    before_level = score
    by_level = bool(scored and plan.words and not authority.names_place(
        [w.text for w in plan.words] + [t.text for t in plan.terms], snap._places))
    if by_level:
        score = score + score * (snap._level_factors[doc] - 1.0)
    # Sort keys, most significant last (np.lexsort); equal paragraphs in
    # document id and paragraph order, however the segments are laid out.
    # Only the rows that can reach the first ``keep`` places need every key.
    if sort == "date":
        date = gather(lambda r: r.view.part.date[r.rows])
        primary = all_words * 1e9 + date
    else:
        primary = (tier * 2 + all_words) * _TIER + score
    chosen = np.arange(scored)
    if scored > keep:
        kth = np.partition(primary, scored - keep)[scored - keep]
        chosen = np.flatnonzero(primary >= kth)
    date_c = (date[chosen] if sort == "date"
              else gather_at(lambda r, i: r.view.part.date[r.rows[i]], chosen))
    n_c = gather_at(lambda r, i: r.view.part.n[r.rows[i]], chosen)
    t_c, a_c, s_c, d_c = tier[chosen], all_words[chosen], score[chosen], doc[chosen]
    if sort == "date":
        keys = (n_c, d_c, -s_c, -t_c, -date_c, -a_c)
    else:
        keys = (n_c, d_c, -date_c, -s_c, -a_c, -t_c)
    order = chosen[np.lexsort(keys)][:keep]
    shown = np.sort(order)
    docnums = dict(zip(shown.tolist(),
                       gather_at(lambda r, i: r.view.base + r.rows[i], shown).tolist(),
                       strict=True))
    ranked = []
    if explain_hits:
        for i in order:
            j = int(np.searchsorted(sizes, i, side="right") - 1)
            why = explain(results[j], int(i - sizes[j]), int(tier[i]), bool(all_words[i]))
            why["parts"].append({"kind": "document", "text": "",
                                 "score": round(float(doc_gain[doc[i]]), 4)})
            level_part = (float(before_level[i] * (snap._level_factors[doc[i]] - 1.0))
                          if by_level else 0.0)
            if level_part:
                why["parts"].append({"kind": "authority",
                                     "text": authority.LABELS[snap._levels[doc[i]]],
                                     "score": round(level_part, 4)})
            why["score"] = round(float(score[i]), 4)
            if plan.expanded:
                why["expanded"] = {k: list(v) for k, v in plan.expanded.items()}
            ranked.append((docnums[int(i)], float(score[i]), bool(all_words[i]), why))
    else:
        ranked = [(docnums[int(i)], float(score[i]), bool(all_words[i]), None) for i in order]
    facets, over = facet_counts(found, snap.facet_labels)
    total = sum(len(r.rows) for r in found)
    total_all = sum(int(np.count_nonzero(r.all_words)) for r in found)
    return Ranked(ranked, total, total_all, facets, over)
