"""Refining a query after the ranking has found its candidates: proximity and ``within``.

Both are filters over the candidates of :class:`~indexer.search.rank.Ranker`
(which this module does not change):

* proximity phrases (``"稳岗 返还"~10``, ``~s``; :mod:`.proximity`) are planned as
  their words, required; :func:`post` keeps the candidates where the words are
  close enough (or drops them, for ``-"…"~N``);
* ``within`` (在结果中检索) is a second query: its paragraphs are found the same
  way (unranked, same filters) and the candidates are intersected with them.
  The ranking, the totals and the facets are those of the main query over the
  paragraphs that match both; the snippets mark both queries' words.

:func:`make` builds a :class:`RefinedPlan` (a :class:`~indexer.search.plan.Plan`
with the constraints attached), :func:`post` applies it to ranked or unranked
part results. The hook in :mod:`.snapshot` and :mod:`.order` is ``refine.post(snap, Ranker(...).run(),
plan, filters)`` wherever a ranker runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from . import match, proximity
from . import query as q
from .plan import Plan, make_plan
from .rank import Filters, PartResult, Ranker

MAX_WITHIN_CHARS = q.MAX_QUERY_CHARS


@dataclass
class RefinedPlan(Plan):
    near: list[proximity.Near] = field(default_factory=list)
    within: RefinedPlan | None = None


def make(snap, query: str, within: str | None = None, former: bool = False,
         lay: bool = True) -> tuple[q.ParsedQuery, RefinedPlan]:
    """Parse and plan ``query`` (and the refine query ``within``) for ``snap``.

    Lay terms are expanded in ``query`` only: the refine query selects as typed."""
    parsed = q.parse(query if isinstance(query, str) else "")
    parsed, near = proximity.split(parsed)
    base = make_plan(parsed, snap.segmenter, snap.stopwords, snap.thesaurus, former,
                     snap.lay_terms if lay else None)
    plan = RefinedPlan(**{k: getattr(base, k) for k in base.__dataclass_fields__}, near=near)
    if within is not None and within.strip():
        wparsed, wplan = make(snap, within, former=former, lay=False)
        if not wplan.empty:
            plan.within = wplan
        dates_from = [d for d in (parsed.date_from, wparsed.date_from) if d]
        dates_to = [d for d in (parsed.date_to, wparsed.date_to) if d]
        parsed = replace(parsed, date_from=max(dates_from, default=None),
                         date_to=min(dates_to, default=None),
                         messages=parsed.messages + [f"在结果中检索：{m}" for m in wparsed.messages])
    return parsed, plan


def subset(res: PartResult, keep: np.ndarray) -> PartResult | None:
    """The candidates of ``res`` where ``keep`` is true (None if there are none)."""
    if keep.all():
        return res
    if not keep.any():
        return None
    return res.subset(keep)


def post(snap, results: list[PartResult], plan: Plan, filters: Filters) -> list[PartResult]:
    """Drop the candidates that fail ``plan``'s proximity constraints or its ``within``."""
    near = getattr(plan, "near", None) or []
    within = getattr(plan, "within", None)
    if not near and within is None:
        return results
    allowed: dict[int, np.ndarray] | None = None
    if within is not None:
        found = post(snap, Ranker(snap, within, filters, scored=False).run(), within, filters)
        allowed = {r.view.base: r.rows for r in found}
    out = []
    for res in results:
        keep = np.ones(len(res.rows), dtype=np.bool_)
        for c in near:
            ok = match.member(res.rows, proximity.rows(res.view.part, c, res.rows))
            keep &= ~ok if c.negated else ok
        if allowed is not None:
            keep &= match.member(res.rows, allowed.get(res.view.base, match._EMPTY))
        kept = subset(res, keep)
        if kept is not None:
            out.append(kept)
    return out


def rebase(plan: RefinedPlan, base: Plan) -> RefinedPlan:
    """``base`` with the proximity phrases and refine query of ``plan``."""
    return RefinedPlan(**{k: getattr(base, k) for k in base.__dataclass_fields__},
                       near=plan.near, within=plan.within)
