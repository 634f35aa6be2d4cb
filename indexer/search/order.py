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

from ..charindex import kernels
from . import authority, refine
from .plan import Plan
from .rank import Filters, Ranker, each, explain, facet_counts, worth_scoring

#: Weight of the document context.
DOCUMENT_W = 1.0
#: Orders tiers before scores in one sort key (scores stay far below it).
_TIER = 1e6


def _kth_largest(keep: int, keys: list[np.ndarray], total: int | None = None) -> float | None:
    """The ``keep``-th largest of all ``keys`` (None when there are no more than
    ``keep``): from each part's own ``keep`` largest, not from all of them at once.
    ``total``: how many keys there are, when ``keys`` are each part's largest only."""
    if (sum(len(k) for k in keys) if total is None else total) <= keep:
        return None
    best = [k if len(k) <= keep else np.partition(k, len(k) - keep)[len(k) - keep:]
            for k in keys]
    pool = np.concatenate(best)
    return float(np.partition(pool, len(pool) - keep)[len(pool) - keep])


def _best_rows(results, sort: str, keep: int, doc_gain: np.ndarray, levels: np.ndarray,
               by_level: bool, final) -> list[np.ndarray]:
    """Per part result: the candidates (indices, ascending) whose primary sort key is
    at least the ``keep``-th largest of all (every candidate when there are no more)."""
    if sort != "date" and kernels is not None:
        # Compiled: the keys computed on the fly, twice, never kept for every candidate.
        args = [(r.score, r.docs, np.ascontiguousarray(r.tier, dtype=np.int32),
                 r.all_words.view(np.uint8), doc_gain, levels, by_level) for r in results]
        kth = _kth_largest(keep, [kernels.top_keys(*a, keep) for a in args],
                           sum(len(r.rows) for r in results))
        return [kernels.at_least(*a, kth) if kth is not None else np.arange(len(r.rows))
                for a, r in zip(args, results, strict=True)]
    primaries = []
    for r in results:
        if sort == "date":
            primaries.append(r.all_words.astype(np.int64) * 1e9 + r.view.part.date[r.rows])
        else:
            primaries.append((r.tier * 2 + r.all_words) * _TIER
                             + final(r, slice(None))[1])
    kth = _kth_largest(keep, primaries)
    return [np.flatnonzero(p >= kth) if kth is not None else np.arange(len(p))
            for p in primaries]


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
    # Document context: a paragraph of a document in which many paragraphs match
    # well gains log(1 + the sum of their scores). (A document lies in one part.)
    sums = np.zeros(len(snap._doc_order))
    for r in results:
        if kernels is not None:
            kernels.doc_sums(r.score, r.docs, sums)
        else:
            sums += np.bincount(r.docs, weights=r.score, minlength=len(sums))
    doc_gain = np.zeros(len(sums))  # the logarithm only of the documents matched
    matched = np.flatnonzero(sums)
    doc_gain[matched] = DOCUMENT_W * np.log1p(sums[matched])
    # Level of authority: central before provincial before local documents,
    # unless the query names a place.
    by_level = bool(results and plan.words and not authority.names_place(
        [w.text for w in plan.words] + [t.text for t in plan.terms], snap._places))
    levels = snap._level_factors

    def final(r, at) -> tuple[np.ndarray, np.ndarray]:
        """The context score and the final score of the candidates ``at`` of ``r``."""
        docs = r.docs[at]
        context = r.score[at] + doc_gain[docs]
        return context, (context + context * (levels[docs] - 1.0) if by_level else context)

    # Per part: the primary sort key; only the rows that can reach the first ``keep``
    # places (on that key) go on, and need every other key.
    chosen = _best_rows(results, sort, keep, doc_gain, levels, by_level, final)
    finals = [final(r, c) for r, c in zip(results, chosen, strict=True)]

    def cat(values) -> np.ndarray:
        """``values(k, part k's result, its chosen rows)`` of every part, in one array."""
        return np.concatenate([values(k, r, c)
                               for k, (r, c) in enumerate(zip(results, chosen, strict=True))]
                              or [np.zeros(0, dtype=np.int64)])

    part_of = cat(lambda k, r, c: np.full(len(c), k, dtype=np.int64))
    at = cat(lambda k, r, c: np.arange(len(c)))
    t_c = cat(lambda k, r, c: r.tier[c].astype(np.int64))
    a_c = cat(lambda k, r, c: r.all_words[c].astype(np.int64))
    s_c = cat(lambda k, r, c: finals[k][1])
    d_c = cat(lambda k, r, c: r.docs[c].astype(np.int64))
    date_c = cat(lambda k, r, c: r.view.part.date[r.rows[c]])
    n_c = cat(lambda k, r, c: r.view.part.n[r.rows[c]])
    # Sort keys, most significant last (np.lexsort); equal paragraphs in
    # document id and paragraph order, however the segments are laid out.
    if sort == "date":
        keys = (n_c, d_c, -s_c, -t_c, -date_c, -a_c)
    else:
        keys = (n_c, d_c, -date_c, -s_c, -a_c, -t_c)
    order = np.lexsort(keys)[:keep]
    ranked = []
    for i in order.tolist():
        k = int(part_of[i])
        r, context = results[k], finals[k][0]
        local = int(chosen[k][at[i]])
        docnum = int(r.view.base + r.rows[local])
        why = None
        if explain_hits:
            why = explain(r, local, int(t_c[i]), bool(a_c[i]))
            why["parts"].append({"kind": "document", "text": "",
                                 "score": round(float(doc_gain[d_c[i]]), 4)})
            level_part = (float(context[at[i]] * (snap._level_factors[d_c[i]] - 1.0))
                          if by_level else 0.0)
            if level_part:
                why["parts"].append({"kind": "authority",
                                     "text": authority.LABELS[snap._levels[d_c[i]]],
                                     "score": round(level_part, 4)})
            why["score"] = round(float(s_c[i]), 4)
            if plan.expanded:
                why["expanded"] = {k: list(v) for k, v in plan.expanded.items()}
        ranked.append((docnum, float(s_c[i]), bool(a_c[i]), why))
    facets, over = facet_counts(found, snap.doc_facets, snap.facet_labels)
    total = sum(len(r.rows) for r in found)
    total_all = sum(int(np.count_nonzero(r.all_words)) for r in found)
    return Ranked(ranked, total, total_all, facets, over)
