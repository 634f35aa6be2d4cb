"""Best-match ranking over the character index.

For one query (a :class:`~indexer.search.plan.Plan`) and the filters, every
part of the index yields its candidate rows — the rows that satisfy every
required clause and, when the query has free text, contain at least one of its
words — and, for each candidate, score components that add up to its score:

* ``word``: BM25 of each query word over its occurrences, a whole-word
  occurrence counting 1, one inside a word 0.5 and one across a word boundary
  0.1 (:mod:`indexer.search.match`), with IDF from the paragraphs that have the
  word (as a word or inside one);
* ``title`` / ``heading``: a word found in the document's title, or in the
  heading the paragraph stands under (劳动合同法 试用期 lifts that law's articles);
  the title adds nothing for a word the paragraph has itself, and a heading
  nothing for a word the title has (a law's name repeated above it);
* ``phrase``: a free term of several words found literally as typed;
* ``proximity``: two consecutive query words within a few characters;
* ``whole``: the whole query (its free terms joined) found literally;
* ``definition``: the paragraph defines a query word as statutes do (本法所称X，
  是指……; X是指……): DEFINITION_W times the word's IDF;
* ``phrase`` for quoted phrases, ``any`` for ``OR`` groups, ``word:`` for whole
  words: BM25 of the required clause.

Results are ordered by *tier* first — how many free terms are found (in the
text, the title or the heading), then whether every word is found — and by
score within a tier; ties go to the newer document, then document id and
paragraph order. Cost follows the occurrences of the query's words.
"""

from __future__ import annotations

import math
import os
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from ..charindex import kernels, units
from ..cite import search as cite_search
from . import expand, match
from . import query as q
from .parts import FACETS
from .plan import Plan, Word

# BM25 over paragraphs (lengths in characters).
K1 = 1.2
B = 0.75
#: Shares of a word's IDF added when it is in the title / the section heading.
TITLE_W = 0.5
HEADING_W = 0.5
#: Share of the words' IDF added when a free term of several words occurs as typed.
PHRASE_W = 1.0
#: Share of the smaller IDF added when two consecutive words occur close together.
PROXIMITY_W = 0.5
PROXIMITY_WINDOW = 8
#: Share of all the words' IDF added when the whole query occurs as typed.
WHOLE_W = 1.0
#: Share of a word's IDF added to a paragraph that defines it.
DEFINITION_W = 1.0
#: How statutes define a term (立法技术规范: 本法所称X，是指……; X是指……).
DEFINITION_FORMS = ("所称{}", "{}是指", "{}，是指")
_DEFINITION_FRAMES = [tuple(units(side) for side in form.split("{}")) for form in DEFINITION_FORMS]
#: Boost of a document whose number the query names.
NUMBER_BOOST = 3.0


#: Threads that evaluate the parts of the index for one query (numpy releases the GIL
#: in the work that matters: searches, sorts, gathers and reductions).
PART_THREADS = min(4, os.cpu_count() or 1)


def _new_pool() -> ThreadPoolExecutor | None:
    return ThreadPoolExecutor(max_workers=PART_THREADS, thread_name_prefix="parts") \
        if PART_THREADS > 1 else None


_POOL = _new_pool()


def _pool_after_fork() -> None:
    """A forked process (``serve``'s processes) has none of its parent's pool threads."""
    global _POOL
    if _POOL is not None:
        _POOL = _new_pool()


os.register_at_fork(after_in_child=_pool_after_fork)


#: An item that takes longer than this sends the rest to the part threads; cheaper
#: work (a rare word) stays in the query's thread, where it costs no hand-over.
PARALLEL_AFTER_S = 0.005


def each(fn: Callable, items) -> list:
    """``[fn(x) for x in items]``; when the first item is slow, the others are spread
    over the part threads.

    Called only from a query's own thread, never from a part thread (no nesting)."""
    items = list(items)
    if not items:
        return []
    started = time.perf_counter()
    first = fn(items[0])
    if _POOL is None or len(items) < 3 or time.perf_counter() - started < PARALLEL_AFTER_S:
        return [first] + [fn(x) for x in items[1:]]
    return [first, *_POOL.map(fn, items[1:])]


def idf(df: int, total: int) -> float:
    return math.log(1.0 + (total - df + 0.5) / (df + 0.5))


@dataclass
class Filters:
    issuer: frozenset[str] | None = None  # canonical bodies (thesaurus.issuer_lineage)
    doc_type: str | None = None
    date_lo: int | None = None
    date_hi: int | None = None


@dataclass
class PartResult:
    """The candidates of one part, with tiers, score components and facet codes."""

    view: object  # a parts.PartView
    rows: np.ndarray
    tier: np.ndarray
    all_words: np.ndarray
    score: np.ndarray
    #: (kind, label, at, values): the candidates at ``at`` gain ``values``
    components: list[tuple[str, str, np.ndarray, np.ndarray]] = field(default_factory=list)
    #: per word: where its rows sit among the candidates, and its occurrences (for explain)
    detail: dict[str, tuple] = field(default_factory=dict)
    #: what :meth:`Ranker.score` needs, found while selecting the candidates
    state: _State | None = None
    #: per candidate: its document's place in doc_id order (``view.doc_rank[rows]``)
    docs: np.ndarray | None = None

    def __post_init__(self):
        if self.docs is None:
            self.docs = match.take(self.view.doc_rank, self.rows)

    def subset(self, keep: np.ndarray) -> PartResult:
        """The candidates where ``keep`` is set (scores and components with them)."""
        renumber = match.renumbering(keep)
        return PartResult(
            self.view, self.rows[keep], self.tier[keep], self.all_words[keep], self.score[keep],
            [(kind, label, renumber[at[keep[at]]], values[keep[at]])
             for kind, label, at, values in self.components],
            {k: (slots.subset(keep, renumber), occ) for k, (slots, occ) in self.detail.items()},
            None if self.state is None else self.state.subset(keep, renumber), self.docs[keep])


@dataclass
class _State:
    """Per part: the words' occurrences and where they sit among the candidates, the
    required clauses' rows, the candidates under a heading with each word (their
    indices, ascending), and where the free terms' literal rows sit."""

    occs: list[match.Occ]
    required: list
    slots: list[match.Slots]
    in_heading: list[np.ndarray]
    term_slots: dict[int, match.Slots]
    #: per word: the candidates whose document's title has it (None: no title has it)
    in_title: list[np.ndarray | None] = field(default_factory=list)

    def subset(self, keep: np.ndarray, renumber: np.ndarray) -> _State:
        return _State(self.occs, self.required, [s.subset(keep, renumber) for s in self.slots],
                      [renumber[h[keep[h]]] for h in self.in_heading],
                      {t: s.subset(keep, renumber) for t, s in self.term_slots.items()},
                      [None if t is None else renumber[t[keep[t]]] for t in self.in_title])


class Ranker:
    """Evaluates one plan against one snapshot (see :class:`indexer.search.snapshot.Snapshot`).

    :meth:`run` finds every candidate with its tier and whether it has every word;
    :meth:`score` adds the score components of some of them. Ranking scores only
    the candidates that can reach the first results (and the rest of their
    documents): see :func:`indexer.search.order.best`.
    """

    def __init__(self, snap, plan: Plan, filters: Filters, scored: bool = True):
        self.snap = snap
        self.plan = plan
        self.filters = filters
        self.scored = scored
        self.total_paragraphs = max(snap._paragraphs, 1)
        self._literals: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        self._any_docs: dict[int, bool] = {}

    # -- per part ------------------------------------------------------------------

    def run(self) -> list[PartResult]:
        plan, snap = self.plan, self.snap
        views = snap._parts
        occs = each(lambda v: [expand.word_occurrences(v.part, w) for w in plan.words], views)
        self.title_docs = [expand.title_docs(snap, w) for w in plan.words]
        self.term_title = [snap.title_docs(t.needle, False) for t in plan.terms]
        required = each(lambda v: [self._required(v, r) for r in plan.required], views)
        if self.scored:
            self.word_idf = [self._word_idf(k, views, occs) for k in range(len(plan.words))]
            self.number_boosts = snap.number_boosts(plan)
            # IDF of the free terms that have no words, from the paragraphs that have them.
            self.term_idf = {
                t: idf(sum(int(np.count_nonzero(
                    v.alive[self.literal(v.part, term.needle, False)[0]])) for v in views),
                    self.total_paragraphs)
                for t, term in enumerate(plan.terms) if not term.words}
            self.req_idf = [idf(sum(int(np.count_nonzero(v.alive[rq[k][0]]))
                                    for v, rq in zip(views, required, strict=True)),
                                self.total_paragraphs) for k in range(len(plan.required))]
        found = each(lambda i: self._part(views[i], occs[i], required[i]), range(len(views)))
        return [res for res in found if res is not None]

    def literal(self, part, needle: str, exact: bool) -> tuple[np.ndarray, np.ndarray]:
        """:func:`match.literal`, computed once per part and needle for this query."""
        key = (id(part), needle, exact)
        found = self._literals.get(key)
        if found is None:
            found = self._literals[key] = match.literal(part, needle, exact)
        return found

    def _word_idf(self, k: int, views, occs) -> float:
        strong = anyhow = 0
        for v, part_occs in zip(views, occs, strict=True):
            occ = part_occs[k]
            alive = v.alive[occ.rows]
            strong += int(np.count_nonzero(alive & occ.strong))
            anyhow += int(np.count_nonzero(alive))
        return idf(strong or anyhow, self.total_paragraphs)

    def _required(self, view, clause) -> tuple[np.ndarray, np.ndarray | None]:
        """Rows satisfying a required clause, and a term frequency to score it by."""
        found = []
        for term in clause.terms:
            found.append(self._term_rows(view, term))
        if len(found) == 1:
            return found[0]
        rows = match.union([r for r, _ in found])
        tf = np.zeros(len(rows))
        for r, t in found:
            if t is not None:
                tf += match.Slots(rows, r).scatter(t)
        return rows, tf

    def _term_rows(self, view, term: q.Term) -> tuple[np.ndarray, np.ndarray | None]:
        part, snap = view.part, self.snap
        if term.field in ("issuer", "number", "title"):
            name = {"issuer": "issuer", "number": "doc_number", "title": "title"}[term.field]
            exact = term.field == "number" or term.quoted
            docs = snap.doc_field_matches(name, term.text, exact, self.plan.former)
            return self._doc_rows(view, docs), None
        if term.field == "type":
            code = part.code("doc_type", snap.filter_value(term.text))
            return np.flatnonzero(part.doc_type == code), None
        if term.field == "cites":
            return cite_search.citing_rows(snap, view, term.text), None
        needle = units(term.text)
        if not needle:
            return match._EMPTY, None
        if term.field == "word":
            return match.whole_words(part, needle)
        rows, tf = self.literal(part, needle, term.quoted)
        if term.quoted or term.required:
            return rows, tf
        # An unquoted OR alternative: as typed, or all of its words apart.
        words = [w for w in snap.segmenter.words(term.text) if len(w) > 1]
        if len(words) > 1:
            together = None
            for w in words:
                r, _ = self.literal(part, units(w), True)
                together = r if together is None else match.intersect(together, r)
            rows = match.union([rows, together])
            lit_rows, lit_tf = self.literal(part, needle, False)
            tf = match.Slots(rows, lit_rows).scatter(lit_tf) + 0.5
        # A thesaurus name: its equivalents too (indexer.search.expand).
        return expand.with_alternatives(part, rows, tf, snap.thesaurus, term.text,
                                        self.plan.former)

    @staticmethod
    def _doc_rows(view, doc_ids: list[str]) -> np.ndarray:
        return view.part.doc_rows(doc_ids)

    def _part(self, view, occs: list[match.Occ], required) -> PartResult | None:
        """The candidates of one part with their tiers (no scores yet)."""
        plan, part, f = self.plan, view.part, self.filters
        if plan.required:
            cand = required[0][0]
            for rows, _ in required[1:]:
                cand = match.intersect(cand, rows)
        elif plan.words or plan.terms:
            # Any word, or a free term as typed (the literal guarantee).
            # A term that is one word typed as is has no occurrence the word lacks.
            cand = match.union([o.rows for o in occs]
                               + [self.literal(part, t.needle, False)[0] for t in plan.terms
                                  if not (self._simple(t)
                                          and not plan.words[t.words[0]].whole_numbers)],
                               part.rows)
        else:
            cand = np.flatnonzero(view.alive)  # filters only: browse
        for term in plan.filters:
            cand = match.intersect(cand, self._term_rows(view, term)[0])
        for term in plan.excluded:
            rows, _ = self._term_rows(view, term)
            cand = cand[~match.member(cand, rows, part.rows)]
        if not len(cand):
            return None
        keep = view.alive[cand]
        if f.issuer is not None:
            keep &= np.isin(part.issuer[cand], self.snap.issuer_codes(part, f.issuer))
        if f.doc_type is not None:
            keep &= part.doc_type[cand] == part.code("doc_type", f.doc_type)
        if f.date_lo is not None:
            dates = part.date[cand]
            keep &= (dates >= f.date_lo) & (dates <= f.date_hi)
        if not keep.all():
            cand = cand[keep]
        if not len(cand):
            return None
        n = len(cand)
        # Many candidates: each row's slot from a table over the part, not a search
        # (built when a word's rows are not the candidates themselves).
        index = match.SlotTable(cand, part.rows) if n * 64 > part.rows else None
        state = _State(occs, required, [match.Slots(cand, occ.rows, index) for occ in occs],
                       [], {})
        res = PartResult(view, cand, np.zeros(n, dtype=np.int32), np.ones(n, dtype=np.bool_),
                         np.zeros(n, dtype=np.float32), state=state)
        doc_rank = res.docs
        section = None
        # Per word: the candidates (indices, ascending) where it is found — in the
        # text, the title or the heading above. Work follows the words' rows.
        found_words = []
        for k, occ in enumerate(occs):
            headings = occ.rows[part.heading[occ.rows]]
            under = match._EMPTY
            if len(headings):  # under a heading that has the word
                if kernels is not None:
                    under = kernels.under(part.section, np.ascontiguousarray(cand),
                                          np.ascontiguousarray(headings, dtype=np.int64))
                else:
                    if section is None:
                        section = part.section[cand]
                    under = np.flatnonzero(match.member(section, headings, part.rows))
            state.in_heading.append(under)
            in_title = self._in_title(view, self.title_docs[k], cand, doc_rank)
            state.in_title.append(in_title)
            found_words.append(match.union_into(
                state.slots[k].at, [under] if in_title is None else [under, in_title], n))
        for t, term in enumerate(plan.terms):
            if self._simple(term):
                found = found_words[term.words[0]]
            else:
                rows, _ = self.literal(part, term.needle, False)
                state.term_slots[t] = match.Slots(cand, rows, index)
                found = state.term_slots[t].at
                in_title = self._in_title(view, self.term_title[t], cand, doc_rank)
                if in_title is not None:
                    found = match.union([found, in_title], n)
            _add_one(res.tier, found)
            # A term found as typed has each of its words.
            if len(found):
                for k in term.words:
                    if found_words[k] is not found:
                        found_words[k] = match.union_into(found_words[k], [found], n)
        if found_words:
            count = np.zeros(n, dtype=np.int32)
            for found in found_words:
                _add_one(count, found)
            res.all_words = count == len(found_words)
        return res

    def _in_title(self, view, docs: np.ndarray, cand: np.ndarray,
                  doc_rank: np.ndarray) -> np.ndarray | None:
        """The candidates (indices, ascending) of the documents ``docs`` (a per-document
        mask: those whose title has a word), or None when there are none: from the
        documents' runs of rows, not a look-up per candidate."""
        if not self._any(docs):
            return None
        key = ("ranks", id(docs))
        ranks = self._any_docs.get(key)
        if ranks is None:
            ranks = self._any_docs[key] = np.flatnonzero(docs)
        runs = view.doc_rows(ranks)
        if runs is None:
            return np.flatnonzero(docs[doc_rank])
        return match.ranges(np.searchsorted(cand, runs[0]), np.searchsorted(cand, runs[1]))

    def _simple(self, term) -> bool:
        """A term that is one word of several characters, as typed: found where the word is."""
        return (len(term.words) == 1 and self.plan.words[term.words[0]].needle == term.needle
                and len(term.needle) > 1)

    def score(self, res: PartResult, keep: np.ndarray | None = None) -> PartResult:
        """``res`` (its candidates where ``keep`` is set) with score components."""
        res = res if keep is None else res.subset(keep)
        plan, view = self.plan, res.view
        part = view.part
        state = res.state
        occs, required = state.occs, state.required
        cand = res.rows
        res.score = np.zeros(len(cand))
        res.components, res.detail = [], {}
        doc_rank = res.docs
        # BM25's length normalisation, once for every word (each word then costs in
        # proportion to its rows among the candidates).
        norm = (kernels.bm25_norm(part.lengths, cand, K1, B, self.snap._avg_len)
                if kernels is not None
                else K1 * (1.0 - B + B * part.lengths[cand] / self.snap._avg_len))
        for k, (word, occ) in enumerate(zip(plan.words, occs, strict=True)):
            self._score_word(res, word, k, occ, state.slots[k], norm, state.in_title[k],
                             state.in_heading[k])
        for t, term in enumerate(plan.terms):
            if self._simple(term):
                continue
            _, tf = self.literal(part, term.needle, False)
            slots = state.term_slots[t]
            if term.words:
                bonus = PHRASE_W * sum(self.word_idf[k] for k in term.words)
                self._add(res, "phrase", term.text, slots.at, np.full(len(slots.at), bonus))
            else:  # no words (punctuation, symbols): BM25 of the text itself
                self._add(res, "phrase", term.text, slots.at,
                          self._bm25(tf[slots.src], self.term_idf.get(t, 0.0), norm[slots.at]))
        self._proximity(res, part, occs)
        self._definitions(res, part, occs)
        if plan.whole:
            rows, _ = self.literal(part, units(plan.whole), False)
            at = match.Slots(cand, rows).at
            self._add(res, "whole", plan.whole, at, np.full(len(at), WHOLE_W * sum(self.word_idf)))
        for k, clause in enumerate(plan.required):
            rows, tf = required[k]
            if tf is None:
                continue
            label = " OR ".join(t.text for t in clause.terms)
            first = clause.terms[0]
            kind = ("any" if len(clause.terms) > 1 else "word:" if first.field == "word"
                    else "phrase" if first.quoted else "required")
            slots = match.Slots(cand, rows)
            self._add(res, kind, label, slots.at,
                      self._bm25(tf[slots.src], self.req_idf[k], norm[slots.at]))
        if self.number_boosts is not None:
            boost = self.number_boosts[doc_rank]
            at = np.flatnonzero(boost)
            self._add(res, "number", "", at, boost[at])
        return res

    # -- scoring ---------------------------------------------------------------------

    def _any(self, docs: np.ndarray) -> bool:
        """Whether a per-document mask has any document (remembered per array)."""
        key = id(docs)
        found = self._any_docs.get(key)
        if found is None:
            found = self._any_docs[key] = bool(docs.any())
        return found

    @staticmethod
    def _bm25(tf: np.ndarray, weight: float, norm: np.ndarray) -> np.ndarray:
        return weight * tf * (K1 + 1.0) / (tf + norm)

    @staticmethod
    def _add(res: PartResult, kind: str, label: str, at: np.ndarray, values: np.ndarray) -> None:
        """Candidates ``at`` (distinct, ascending) gain ``values``, kept as a score
        component."""
        nonzero = values != 0
        if not nonzero.all():
            at, values = at[nonzero], values[nonzero]
        if len(at) == len(res.score):  # every candidate (``at`` is distinct)
            res.score += values
        elif len(at):
            res.score[at] += values
        if len(at):
            res.components.append((kind, label, at, values))

    def _score_word(self, res: PartResult, word: Word, k: int, occ: match.Occ,
                    slots: match.Slots, norm: np.ndarray, in_title: np.ndarray | None,
                    in_heading: np.ndarray) -> None:
        # A word the query repeats counts once: a question repeats its words for the
        # phrasing (土地…土地…), not for their weight.
        weight = self.word_idf[k]
        if kernels is not None:
            values = kernels.word_bm25(slots.at, slots.src, occ.whole, occ.inside, occ.across,
                                       occ.discount, weight, norm, K1, match.W_INSIDE,
                                       match.W_ACROSS)
        else:
            values = self._bm25(occ.weighted_at(slots.src), weight, norm[slots.at])
        self._add(res, "word", word.text, slots.at, values)
        res.detail[word.text] = (slots, occ)
        if in_title is not None:
            # The title stands in for a word the paragraph lacks (劳动合同法 试用期: the
            # law's articles on 试用期 rarely repeat its name); where the paragraph has
            # the word, its own occurrences score it.
            n = len(res.rows)
            at = in_title[~match.member(in_title, slots.at, n)]
            self._add(res, "title", word.text, at, np.full(len(at), TITLE_W * weight))
            # A heading that repeats the title (a law's name above its text) adds nothing new.
            in_heading = in_heading[~match.member(in_heading, in_title, n)]
        self._add(res, "heading", word.text, in_heading,
                  np.full(len(in_heading), HEADING_W * weight))

    def _definitions(self, res: PartResult, part, occs: list[match.Occ]) -> None:
        """A paragraph that defines a word of the query (本法所称X，是指……) is about it."""
        if not DEFINITION_W:
            return
        for k, word in enumerate(self.plan.words):
            if len(word.needle) < 2 or word.whole_numbers:
                continue
            rows = match.framed(part, word.needle, _DEFINITION_FRAMES, occs[k],
                                check=bool(getattr(word, "alternatives", ())))
            if not len(rows):
                continue
            at = match.Slots(res.rows, rows).at
            self._add(res, "definition", word.text, at,
                      np.full(len(at), DEFINITION_W * self.word_idf[k]))

    def _proximity(self, res: PartResult, part, occs: list[match.Occ]) -> None:
        words = self.plan.words
        for k in range(len(words) - 1):
            j = k + 1
            window = len(words[k].needle) + PROXIMITY_WINDOW
            rows = match.near(occs[k], occs[j], window, part.rows)
            if not len(rows):
                continue
            bonus = PROXIMITY_W * min(self.word_idf[k], self.word_idf[j])
            at = match.Slots(res.rows, rows).at
            self._add(res, "proximity", f"{words[k].text} {words[j].text}", at,
                      np.full(len(at), bonus))


#: Words of these lengths (units) find their definitions in tables :func:`warm` builds.
WARM_LENGTHS = range(2, 5)


def _add_one(counts: np.ndarray, at: np.ndarray) -> None:
    """``counts[at] += 1`` for distinct indices ``at``: every count when ``at`` has
    them all (a common word found in every candidate)."""
    if len(at) == len(counts):
        counts += 1
    else:
        counts[at] += 1


def warm(part, stopwords: frozenset[str] = frozenset()) -> None:
    """Build the tables of the units beside the definition frames (所称, 是指) for
    words of two to four units (most words), which queries otherwise build on first
    use, and where each Chinese character but the ``stopwords`` is a word on its own
    (:func:`indexer.search.match.alone_table`)."""
    for length in WARM_LENGTHS:
        for before, after in _DEFINITION_FRAMES:
            match.frame_table(part, before or after, bool(before), length)
    match.alone_table(part, stopwords)


def kth_largest(values: np.ndarray, k: int) -> int:
    """The ``k``-th largest of ``values`` (``1 <= k <= len(values)``), as
    ``np.partition(values, len(values) - k)[len(values) - k]``.

    Tiers are small non-negative integers: counted, not partitioned."""
    low, high = int(values.min()), int(values.max())
    if low >= 0 and high < 64:
        at_least = np.cumsum(np.bincount(values, minlength=high + 1)[::-1])[::-1]
        return int(np.flatnonzero(at_least >= k)[-1])
    return int(np.partition(values, len(values) - k)[len(values) - k])


#: Share of a part's candidates worth scoring from which all of them are scored.
SCORE_ALL_FROM = 0.75


def worth_scoring(found: list[PartResult], sort: str, keep: int,
                  documents: int) -> list[np.ndarray | None]:
    """Per part result: which candidates to score (None: all of them).

    Results are ordered by tier and all-words first (by all-words, date and tier
    when sorted by date), by score only within those: a candidate below the
    ``keep``-th best on that key never reaches the first ``keep`` places. The
    candidates of the documents of those that may are scored too.
    """
    total = sum(len(r.rows) for r in found)
    if total <= keep:
        return [None] * len(found)
    if sort != "date" and _uniform(found):  # one tier, all words or none: all are scored
        return [None] * len(found)
    if sort == "date":
        coarse = [r.all_words.astype(np.int64) * 10**12
                  + r.view.part.date[r.rows].astype(np.int64) * 1000 + r.tier for r in found]
    else:
        coarse = [r.tier.astype(np.int64) * 2 + r.all_words for r in found]
    every = np.concatenate(coarse)
    kth = kth_largest(every, keep)
    if kth == every.min():
        return [None] * len(found)
    wanted = np.zeros(documents + 1, dtype=np.bool_)
    for r, c in zip(found, coarse, strict=True):
        wanted[r.docs[c >= kth]] = True
    # Scoring a candidate that cannot reach the first places changes nothing (its tier
    # keeps it below them, and the documents that can are scored whole either way):
    # when most are worth scoring, all are, rather than copying those that are.
    masks = [wanted[r.docs] for r in found]
    return [None if m.mean() >= SCORE_ALL_FROM else m for m in masks]


def _uniform(found: list[PartResult]) -> bool:
    """Whether every candidate has the same tier and the same all-words flag."""
    tiers = {(int(r.tier.min()), int(r.tier.max())) for r in found if len(r.rows)}
    if len(tiers) > 1 or any(low != high for low, high in tiers):
        return False
    flags = {(bool(r.all_words.min()), bool(r.all_words.max())) for r in found if len(r.rows)}
    return len(flags) <= 1 and all(low == high for low, high in flags)


def facet_counts(results: list[PartResult], doc_facets: dict[str, np.ndarray],
                 labels=None) -> tuple[dict[str, dict[str, int]], str]:
    """Facet counts over the all-words rows when there are any, else over every match.

    ``doc_facets`` gives each document's value of each facet
    (:func:`indexer.search.parts.doc_facets`); ``labels(facet, value)``, when given,
    names the rows a value counts for (an issuer's canonical bodies: one row per
    body, joint issuers in each)."""
    over = "all" if any(r.all_words.any() for r in results) else "some"
    out = {}
    # Rows per document first (the facets are columns of the documents), every part at once.
    docs = [r.docs[r.all_words] if over == "all" else r.docs for r in results]
    docs = np.concatenate(docs) if docs else np.zeros(0, dtype=np.int32)
    per_doc = np.bincount(docs if not len(docs) or docs.min() >= 0 else docs[docs >= 0])
    present = np.flatnonzero(per_doc)
    per_doc = per_doc[present]
    for name in FACETS:
        values = results[0].view.facet_values[name] if results else []
        codes = doc_facets[name][present]
        valid = codes >= 0
        per_value = np.bincount(codes[valid], weights=per_doc[valid], minlength=len(values))
        found = np.flatnonzero(per_value)
        counts: Counter = Counter()
        for value, count in zip([values[i] for i in found.tolist()],
                                per_value[found].astype(np.int64).tolist(), strict=True):
            for label in (labels(name, value) if labels else (value,)):
                counts[label] += count
        out[name] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return out, over


def explain(res: PartResult, at: int, tier: int, all_words: bool) -> dict:
    """What made the score of candidate ``at`` of ``res``: components that add up to it."""
    parts = []
    for kind, label, where, values in res.components:
        hit = np.flatnonzero(where == at)
        if not len(hit):
            continue
        value = float(values[hit[0]])
        item = {"kind": kind, "text": label, "score": round(value, 4)}
        if kind == "word" and label in res.detail:
            slots, occ = res.detail[label]
            whole, inside, across = (int(slots.scatter(c)[at]) for c in
                                     (occ.whole, occ.inside, occ.across))
            item["whole_word"], item["inside_word"], item["across_words"] = whole, inside, across
        parts.append(item)
    return {"score": round(float(res.score[at]), 4), "terms_found": tier,
            "all_words": all_words, "parts": parts}
