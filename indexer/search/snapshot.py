"""One opened state of an index: what a search reads, and the search itself.

:class:`indexer.search.api.Index` holds one :class:`Snapshot` at a time and swaps in
a new one after a reindex.
"""

from __future__ import annotations

import datetime as _dt
import functools
import os
import re
import threading
import time
import weakref
from collections import OrderedDict
from pathlib import Path

import numpy as np

from .. import docnumber, settings
from ..charindex import Part, units
from ..cite import search as cite_search
from ..cite.store import Citations
from ..normalize import clean_value, fold_chars, to_simplified
from ..segment import Segmenter
from ..store import (
    IndexNotFound,
    check_compatible,
    live_generation,
    open_whoosh,
    read_meta,
)
from ..writer import documents
from . import (
    authority,
    order,
    refine,  # proximity and refine (within) filter the candidates
)
from . import query as q
from .layterms import load_lay_terms
from .parts import PartView, doc_facets, load_parts
from .plan import Plan, load_stopwords, make_plan, relaxed
from .rank import NUMBER_BOOST, Filters, Ranker
from .results import DocumentNotFound, DocumentView, Hit, QueryError, Results
from .snippets import Needle, needle_pattern, snippet
from .thesaurus import load_thesaurus

MAX_LIMIT = 100
#: Ranked results kept per cached query (ten pages of ten); deeper pages re-rank.
RANKED_KEEP = 100
MAX_OFFSET = 10_000
SORTS = ("relevance", "date")


def _check_date(name: str, value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise QueryError(f"{name}: expected a date YYYY-MM-DD, got {value!r}")
    try:
        return _dt.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise QueryError(f"{name}: {value!r} is not a valid date (YYYY-MM-DD)") from None


def _check_within(value) -> str | None:
    """the refine query (在结果中检索), or None."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise QueryError(f"within: expected text, got {value!r}")
    if len(value) > refine.MAX_WITHIN_CHARS:
        raise QueryError(f"within: at most {refine.MAX_WITHIN_CHARS} characters")
    return value


def _date_int(iso: str) -> int:
    return int(iso.replace("-", ""))


class RankingSlots:
    """How many rankings this process computes at once: more than one per core only
    adds memory, not speed. A server of several processes gives each its share of the
    cores (:meth:`resize`, before it searches)."""

    def __init__(self, size: int):
        self._held = threading.local()
        self.resize(size)

    def resize(self, size: int) -> None:
        self.size = max(1, int(size))
        self._slots = threading.BoundedSemaphore(self.size)

    def __enter__(self):
        slots = self._slots  # released to the one acquired, even after a resize
        slots.acquire()
        self._held.__dict__.setdefault("stack", []).append(slots)
        return self

    def __exit__(self, *exc) -> None:
        self._held.stack.pop().release()


_RANKING = RankingSlots(max(2, os.cpu_count() or 2))
#: Searchers a forked process inherited: left open, as closing them would act on
#: files its parent still reads.
_INHERITED: list = []
_REOPEN = threading.Lock()


class Snapshot:
    """One opened state of the index: a Whoosh generation and its character indexes.

    Never changes after it is built; :class:`Index` swaps in a new one on refresh,
    so a search that started on a snapshot finishes on it.
    """

    def __init__(self, path: Path, epoch: int):
        self.path = path
        self._lock = threading.Lock()
        self._use = threading.RLock()
        self._epoch = epoch
        for attempt in range(5):
            try:
                self._open()
                break
            except FileNotFoundError:
                # A commit replaced segments between reading the TOC and opening them.
                if attempt == 4:
                    raise
                time.sleep(0.05 * (attempt + 1))

    # -- opening and refreshing ------------------------------------------------

    def _open(self) -> None:
        gen = live_generation(self.path)
        if gen is None:
            raise IndexNotFound(
                f"no index at {self.path}; run `policy-search index` to build one"
            )
        meta = read_meta(gen)
        check_compatible(gen, meta)
        ix = open_whoosh(gen)
        self._gen = gen
        self._ix = ix
        self.meta = meta
        self._version = ix.latest_generation()
        self.segmenter = Segmenter(tuple(meta.get("user_dicts", [])))
        self.segmenter.spans("预热")  # load jieba's dictionary now, not on the first query
        stop_file = settings.resolve("stop_words")
        self.stopwords = load_stopwords(str(stop_file) if stop_file else None)
        thesaurus_file = settings.resolve("thesaurus")
        self.thesaurus = load_thesaurus(str(thesaurus_file) if thesaurus_file else None)
        lay_file = settings.resolve("lay_terms")
        self.lay_terms = load_lay_terms(str(lay_file) if lay_file else None)
        self._issuer_codes: dict = {}
        # One Whoosh searcher per snapshot and process, used under self._use: Whoosh
        # readers share file positions. Matching and ranking use the character index.
        self._pid = os.getpid()
        self._own_searcher = ix.searcher()
        # Closed with close(), or when the last search on a replaced snapshot ends.
        self._closer = weakref.finalize(self, self._own_searcher.close)
        self._parts, self._doc_order, opened = load_parts(gen, self._searcher)
        self._docs = documents(self._searcher, gen, opened)
        # Who cites whom in this commit (indexer.cite): a read-only SQLite file.
        self.citations = Citations.open(gen, self._version, len(self._docs))
        weakref.finalize(self, self.citations.close)
        self._paragraphs = sum(int(p.alive.sum()) for p in self._parts)
        total_units = sum(float(p.part.lengths[p.alive].sum()) for p in self._parts)
        self._avg_len = total_units / self._paragraphs if self._paragraphs else 1.0
        # Document numbers in canonical form, whatever the index holds (older
        # indexes stored them as written). Issuers repeat: each is folded once.
        issuers: dict[str, str] = {}
        self._doc_fields = {}
        for doc_id, meta in self._docs.items():
            fields = {}
            if meta.get("title"):
                fields["title"] = units(meta["title"])
            if meta.get("doc_number"):
                fields["doc_number"] = units(docnumber.canonical(meta["doc_number"]))
            issuer = meta.get("issuer")
            if issuer:
                folded = issuers.get(issuer)
                if folded is None:
                    folded = issuers[issuer] = units(issuer)
                fields["issuer"] = folded
            self._doc_fields[doc_id] = fields
        # Every title in doc_id order, joined, to find a word in all titles at once.
        self._doc_rank = {d: i for i, d in enumerate(self._doc_order)}
        titles = [self._doc_fields.get(d, {}).get("title", "") for d in self._doc_order]
        classes = [authority.classify(self._docs.get(d, {}).get("issuer"),
                                      self._docs.get(d, {}).get("title"))
                   for d in self._doc_order]
        self._levels = np.array([c[0] for c in classes], dtype=np.int64)
        self._level_factors = np.asarray(authority.FACTORS)[self._levels]
        self._places = frozenset(p for c in classes for p in c[1])
        self._titles = "\n".join(titles)
        # Without whitespace: a quick test that a needle is in no title at all.
        self._titles_compact = re.sub(r"\s+", "", self._titles)
        self._title_starts = np.cumsum([0] + [len(t) + 1 for t in titles[:-1]])
        self._field_cache: dict = {}
        # Recent queries whose ranking, total and facets are kept (setting cache_size).
        self._cache: OrderedDict = OrderedDict()
        self._cache_size = max(0, int(settings.resolve("cache_size")))

    def changed(self) -> bool:
        """True when a reindex committed or switched generation since this snapshot."""
        if live_generation(self.path) != self._gen:
            return True
        try:
            return self._ix.latest_generation() != self._version
        except FileNotFoundError:
            return True

    @property
    def _searcher(self):
        """This process's Whoosh searcher. A process forked after the snapshot was
        opened (the processes of ``serve``) opens its own: the parent's shares file
        positions with it. The character index's read-only maps stay shared."""
        if self._pid != os.getpid():
            with _REOPEN:
                if self._pid != os.getpid():
                    _INHERITED.append(self._own_searcher)  # the parent's: never closed here
                    self._closer.detach()
                    self._own_searcher = self._ix.searcher()
                    self._closer = weakref.finalize(self, self._own_searcher.close)
                    self._pid = os.getpid()
        return self._own_searcher

    def close(self) -> None:
        if self._pid != os.getpid():  # the parent's searcher: left to the parent
            _INHERITED.append(self._own_searcher)
            self._closer.detach()
        self._closer()
        self.citations.close()

    # -- information -------------------------------------------------------------

    def stats(self) -> dict:
        meta = self.meta
        return {
            "path": str(self.path),
            "generation": self._gen.name if self._gen != self.path else None,
            "documents": len(self._docs),
            "paragraphs": self._searcher.doc_count() - len(self._docs),
            "created": meta.get("created"),
            "updated": meta.get("updated"),
            "package_version": meta.get("package_version"),
            "whoosh_version": meta.get("whoosh_version"),
            "corpus": meta.get("corpus"),
            "settings": meta.get("settings"),
        }

    def document_ids(self) -> list[str]:
        return sorted(self._docs)

    def document(self, doc_id: str) -> DocumentView:
        meta = self._docs.get(doc_id)
        if meta is None:
            raise DocumentNotFound(f"no document {doc_id!r} in the index")
        searcher = self._searcher
        paragraphs = []
        for docnum in searcher.document_numbers(doc_id=doc_id, kind="p"):
            stored = searcher.stored_fields(docnum)
            paragraph = {"n": stored["n"], "text": stored["text"],
                         "heading": bool(stored.get("heading")), "line": stored.get("line", 0)}
            if stored.get("page") is not None:
                paragraph["page"] = stored["page"]
            paragraphs.append(paragraph)
        paragraphs.sort(key=lambda p: p["n"])
        return DocumentView(
            doc_id=doc_id, source=meta["source"], title=meta.get("title"),
            doc_number=meta.get("doc_number"), issuer=meta.get("issuer"),
            date=meta.get("date"), doc_type=meta.get("doc_type"), topic=meta.get("topic"),
            encoding=meta.get("encoding", ""), original=meta.get("original", {}),
            paragraphs=paragraphs, cites=self.citations.cites(doc_id),
            cited_by=self.citations.cited_by(doc_id),
        )

    # -- searching --------------------------------------------------------------------

    def plan(self, query: str, within: str | None = None,
             former: bool = False) -> tuple[q.ParsedQuery, Plan]:
        # proximity phrases and the refine query ride on the plan (see .refine)
        return refine.make(self, query, within, bool(former))

    def search(self, query: str, limit: int = 10, offset: int = 0, issuer: str | None = None,
               doc_type: str | None = None, date_from: str | None = None,
               date_to: str | None = None, sort: str = "relevance",
               explain: bool = False, within: str | None = None,
               former: bool = False) -> Results:
        """Search paragraphs. Bad parameters raise :class:`QueryError`; a query never does."""
        started = time.perf_counter()
        if not isinstance(limit, int) or isinstance(limit, bool) or not 0 <= limit <= MAX_LIMIT:
            raise QueryError(f"limit: expected a whole number from 0 to {MAX_LIMIT}, got {limit!r}")
        if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset <= MAX_OFFSET:
            raise QueryError(
                f"offset: expected a whole number from 0 to {MAX_OFFSET}, got {offset!r}")
        if sort not in SORTS:
            raise QueryError(f"sort: expected one of {', '.join(SORTS)}, got {sort!r}")
        filters = self._filters(issuer, doc_type, date_from, date_to, former)
        within = _check_within(within)
        query_text = query if isinstance(query, str) else ""
        parsed, plan = self.plan(query_text, within, former)
        messages = list(parsed.messages)
        if plan.ignored:
            messages.append("已忽略常见词：" + "、".join(plan.ignored))
        if plan.expanded:
            also = [n for names in plan.expanded.values() for n in names]
            messages.append("已同时检索：" + "、".join(dict.fromkeys(also)))
        if plan.excluded_expanded:
            also = [n for names in plan.excluded_expanded.values() for n in names]
            messages.append("已同时排除：" + "、".join(dict.fromkeys(also)))
        filters = self._with_query_dates(filters, parsed)
        browse = plan.empty and (filters.issuer is not None or filters.doc_type is not None
                                 or filters.date_lo is not None)

        def took() -> float:
            return round((time.perf_counter() - started) * 1000, 2)

        counted = "words" if plan.counts_words else "literal"
        if plan.empty and not browse:
            if not query_text.strip():
                messages.append("请输入检索词")
            elif not parsed.empty:
                messages.append("查询只包含常见词，请输入要查找的词")
            else:
                messages.append("查询只包含排除条件或无法识别的内容，请输入要查找的词")
            return Results(query_text, 0, took(), [], {"issuer": {}, "doc_type": {}, "year": {}},
                           offset, limit, messages, counted=counted, ignored=plan.ignored)
        key = (query_text, filters.issuer, filters.doc_type, filters.date_lo, filters.date_hi,
               sort, explain, within, bool(former))
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
        if cached is None:
            with _RANKING:
                cached = order.best(self, plan, filters, sort, RANKED_KEEP, explain)
            with self._lock:
                self._cache[key] = cached
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        if cached.total == 0 and plan.words:
            # Quotes among other words (a question) are read as emphasis when
            # nothing has every quoted phrase; a query of phrases alone stays strict.
            loose = relaxed(parsed)
            if loose is not None:
                loose_plan = refine.rebase(plan, make_plan(loose, self.segmenter, self.stopwords,
                                                           self.thesaurus, bool(former),
                                                           self.lay_terms))
                with _RANKING:
                    cached = order.best(self, loose_plan, filters, sort, RANKED_KEEP, explain)
                if cached.total:
                    plan = loose_plan
                    messages.append("没有段落包含全部引号中的短语，已按普通词语检索")
        ranked = cached.ranked
        page = offset + limit
        if page > len(ranked) and len(ranked) < cached.total:
            with _RANKING:
                ranked = order.best(self, plan, filters, sort, page, explain).ranked
        needles = self._needles(plan) + self._within_needles(plan)
        hits = []
        for docnum, score, all_words, why in ranked[offset:page]:
            with self._use:
                stored = self._searcher.stored_fields(docnum)
            meta = self._docs.get(stored["doc_id"], {})
            hits.append(Hit(
                doc_id=stored["doc_id"], paragraph=stored["n"], text=stored["text"],
                snippet=snippet(stored["text"], needles),
                score=round(float(score), 4), title=meta.get("title"),
                doc_number=meta.get("doc_number"), issuer=meta.get("issuer"),
                date=meta.get("date"), doc_type=meta.get("doc_type"),
                source=meta.get("source", ""), page=stored.get("page"), all_words=all_words,
                explain=why,
            ))
        return Results(query_text, cached.total, took(), hits, cached.facets, offset, limit,
                       messages, cached.total_all, cached.total - cached.total_all,
                       cached.facets_over, counted, plan.ignored, dict(plan.expanded))

    def _filters(self, issuer, doc_type, date_from, date_to, former: bool = False) -> Filters:
        date_from = _check_date("date_from", date_from)
        date_to = _check_date("date_to", date_to)
        for name, value in (("issuer", issuer), ("doc_type", doc_type)):
            if value is not None and not isinstance(value, str):
                raise QueryError(f"{name}: expected text, got {value!r}")
        bodies = None
        if issuer:
            bodies = self.thesaurus.issuer_lineage(self.filter_value(issuer), bool(former))
        return Filters(bodies,
                       self.filter_value(doc_type) if doc_type else None,
                       _date_int(date_from) if date_from else None,
                       _date_int(date_to) if date_to else None)

    @staticmethod
    def _with_query_dates(filters: Filters, parsed: q.ParsedQuery) -> Filters:
        """The 成文日期 range of the parameters narrowed by the query's ``date:``."""
        lo = [d for d in (filters.date_lo, parsed.date_from and _date_int(parsed.date_from)) if d]
        hi = [d for d in (filters.date_hi, parsed.date_to and _date_int(parsed.date_to)) if d]
        if not (lo or hi):
            return filters
        return Filters(filters.issuer, filters.doc_type, max(lo, default=1),
                       min(hi, default=99991231))

    def matching_paragraphs(self, query: str, issuer: str | None = None,
                            doc_type: str | None = None, date_from: str | None = None,
                            date_to: str | None = None,
                            scope: str = "any", within: str | None = None,
                            former: bool = False) -> list[tuple[str, int]]:
        """Every paragraph the query matches, as (doc_id, paragraph), in index order.

        ``scope="any"``: every match (``Results.total``); ``"all"``: the paragraphs
        with every word of the query (``Results.total_all``).
        """
        out = []
        for view, rows in self.matching_rows(query, issuer, doc_type, date_from, date_to,
                                             scope, within, former):
            docs = view.part.tables["docs"]
            codes = view.part.doc[rows].tolist()
            out.extend(zip([docs[c] for c in codes], view.part.n[rows].tolist(), strict=True))
        return out

    # -- selections for export, trends, grouping ----------------------------

    def matching_rows(self, query: str, issuer: str | None = None, doc_type: str | None = None,
                      date_from: str | None = None, date_to: str | None = None,
                      scope: str = "any", within: str | None = None,
                      former: bool = False) -> list[tuple[PartView, np.ndarray]]:
        """Every matching paragraph as (part, local rows), in index order (unranked)."""
        if scope not in ("any", "all"):
            raise QueryError(f"scope: expected 'any' or 'all', got {scope!r}")
        filters = self._filters(issuer, doc_type, date_from, date_to, former)
        parsed, plan = self.plan(query, _check_within(within), former)
        if plan.empty:
            return []
        filters = self._with_query_dates(filters, parsed)
        found = refine.post(self, Ranker(self, plan, filters, scored=False).run(), plan, filters)
        return [(r.view, r.rows[r.all_words] if scope == "all" else r.rows) for r in found]

    def _within_needles(self, plan: Plan) -> list[Needle]:
        within = getattr(plan, "within", None)
        return self._needles(within) if within is not None else []

    # -- what ranking asks of the snapshot ---------------------------------------------

    @staticmethod
    def filter_value(text: str) -> str:
        return to_simplified(clean_value(text))

    def title_docs(self, needle: str, whole_numbers: bool) -> np.ndarray:
        """Per document (in ``doc_rank`` order): whether its title contains ``needle``."""
        key = ("title-docs", needle, whole_numbers)
        cached = self._field_cache.get(key)
        if cached is not None:
            return cached
        found = np.zeros(len(self._doc_order), dtype=np.bool_)
        pattern = needle_pattern(needle, whole_numbers)
        compact = "".join(c for c in fold_chars(needle) if not c.isspace())
        if pattern is not None and len(found) and compact in self._titles_compact:
            at = [m.start() for m in pattern.finditer(self._titles)]
            if at:
                found[np.searchsorted(self._title_starts, at, side="right") - 1] = True
        self._remember(key, found)
        return found

    def doc_field_matches(self, field: str, text: str, exact: bool,
                          former: bool = False) -> list[str]:
        """Documents whose title / doc_number / issuer contains ``text`` (folded).

        A document number is compared in canonical form (any bracket style); an
        unquoted issuer that is a thesaurus name matches any of its equivalents
        (with ``former``, its predecessors' and successors' names too).
        """
        key = (field, text, exact, former)
        cached = self._field_cache.get(key)
        if cached is not None:
            return cached
        texts = [text]
        if field == "doc_number":
            texts = [docnumber.canonical_in(fold_chars(text))]
        elif field == "issuer" and not exact:
            texts += self.thesaurus.expand(text, former)
        patterns = [p for p in (needle_pattern(t, exact) for t in texts) if p is not None]
        out: list[str] = []
        for doc_id, values in self._doc_fields.items():
            value = values.get(field)
            if value and any(p.search(value) for p in patterns):
                out.append(doc_id)
        self._remember(key, out)
        return out

    def issuer_codes(self, part: Part, bodies: frozenset[str]) -> np.ndarray:
        """Codes of ``part``'s issuer column whose issuer is (or includes) one of ``bodies``."""
        key = (id(part), bodies)
        cached = self._issuer_codes.get(key)
        if cached is None:
            cached = np.array([code for code, value in enumerate(part.tables["issuer"])
                               if bodies.intersection(self.thesaurus.issuer_bodies(value))],
                              dtype=np.int64)
            with self._lock:
                if len(self._issuer_codes) > 1024:
                    self._issuer_codes.clear()
                self._issuer_codes[key] = cached
        return cached

    @functools.cached_property
    def doc_facets(self) -> dict[str, np.ndarray]:
        """Each document's facet values, by its place in doc_id order (facet counts)."""
        return doc_facets(self._parts, len(self._doc_order))

    def facet_labels(self, facet: str, value: str) -> list[str]:
        """The facet rows a column value counts for: an issuer's canonical bodies."""
        if facet == "issuer":
            return self.thesaurus.issuer_bodies(value)
        return [value]

    def _remember(self, key, value) -> None:
        with self._lock:
            if len(self._field_cache) > 1024:
                self._field_cache.clear()
            self._field_cache[key] = value

    def number_boosts(self, plan: Plan) -> np.ndarray | None:
        """Per document: the boost for a document number the query names, or None."""
        boosts = np.zeros(len(self._doc_order))
        for term in plan.terms:
            if not any(c.isdigit() for c in term.text):
                continue
            for doc_id in self.doc_field_matches("doc_number", term.text, True, plan.former):
                rank = self._doc_rank.get(doc_id)
                if rank is not None:
                    boosts[rank] += NUMBER_BOOST
        return boosts if boosts.any() else None

    def highlight_needles(self, query: str) -> list[Needle]:
        """What to mark for ``query`` in a paragraph (see :func:`indexer.search.snippets.mark`)."""
        return self._needles(self.plan(query)[1])

    def _needles(self, plan: Plan) -> list[Needle]:
        needles: list[Needle] = []
        for term in plan.terms:
            needles.append((term.text, False, tuple(plan.words[k].text for k in term.words)))
        for word in plan.words:
            for alt in word.alternatives:
                needles.append((alt, word.whole_numbers, ()))
        for clause in plan.required:
            for term in clause.terms:
                if term.field not in (None, "word"):
                    continue
                words: tuple[str, ...] = ()
                if not term.quoted and term.field is None:
                    words = tuple(w for w in self.segmenter.words(term.text) if len(w) > 1)
                needles.append((term.text, term.quoted or term.field == "word", words))
                if not term.quoted and term.field is None:
                    for name in plan.expanded.get(fold_chars(term.text), ()):
                        needles.append((name, False, ()))
        for term in plan.filters:
            if term.field == "cites":
                needles.extend(cite_search.needles(term.text))
        return needles
