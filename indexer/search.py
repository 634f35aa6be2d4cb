"""Searching an index: the typed Python API behind the CLI and the web UI."""

from __future__ import annotations

import datetime as _dt
import os
import threading
import time
import weakref
from collections import Counter, OrderedDict
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from . import charindex
from . import query as q
from .analysis import JiebaTokenizer
from .charindex import CharIndex, Part
from .normalize import clean_value, fold_chars, to_simplified
from .snippets import Needle, needle_pattern, snippet
from .store import (
    IndexNotFound,
    SearchIndexError,
    check_compatible,
    live_generation,
    open_whoosh,
    read_meta,
)

MAX_LIMIT = 100
#: Ranked results kept per cached query (ten pages of ten); deeper pages re-rank.
RANKED_KEEP = 100
#: Recent queries whose ranking, total and facets are kept.
CACHE_SIZE = 256
MAX_OFFSET = 10_000
SORTS = ("relevance", "date")

# Ranking: a literal match of a query term outranks a segmented (word) match;
# a literal match of the whole query, a title or a document-number match add more.
LITERAL_BOOST = 4.0
WHOLE_QUERY_BOOST = 3.0
TITLE_BOOST = 2.0
NUMBER_BOOST = 3.0


class QueryError(ValueError):
    """A bad search parameter (filter value, limit, sort); the message names it."""


class DocumentNotFound(LookupError):
    pass


@dataclass
class Hit:
    doc_id: str
    paragraph: int
    text: str
    snippet: str
    score: float
    title: str | None
    doc_number: str | None
    issuer: str | None
    date: str | None
    doc_type: str | None
    source: str
    #: the page the paragraph is on (PDF), else ``None``
    page: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Results:
    query: str
    total: int
    took_ms: float
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    offset: int = 0
    limit: int = 10
    messages: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The JSON shape shared by ``policy-search search --json`` and ``/api/search``."""
        out = {
            "query": self.query,
            "total": self.total,
            "took_ms": self.took_ms,
            "hits": [h.to_dict() for h in self.hits],
            "facets": self.facets,
        }
        if self.messages:
            out["messages"] = list(self.messages)
        return out


@dataclass
class DocumentView:
    """A whole document from the index: metadata and every paragraph."""

    doc_id: str
    source: str
    title: str | None
    doc_number: str | None
    issuer: str | None
    date: str | None
    doc_type: str | None
    topic: str | None
    encoding: str
    original: dict[str, str]
    paragraphs: list[dict]

    def to_dict(self) -> dict:
        """The shape of ``policy-search inspect --json`` (and ``/api/documents/<id>``)."""
        data = asdict(self)
        order = ["doc_id", "source", "title", "doc_number", "issuer", "date", "doc_type",
                 "topic", "encoding", "original", "paragraphs"]
        return {k: data[k] for k in order}


def _check_date(name: str, value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise QueryError(f"{name}: expected a date YYYY-MM-DD, got {value!r}")
    try:
        return _dt.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise QueryError(f"{name}: {value!r} is not a valid date (YYYY-MM-DD)") from None


def _date_int(iso: str) -> int:
    return int(iso.replace("-", ""))


# BM25 over literal occurrences, per paragraph (lengths in units).
K1 = 1.2
B = 0.75
#: Tiers (query terms found literally) dominate scores, which stay far below this.
_TIER = 1e4
# Dense per-row arrays of a query node: 5 bytes a row per needle, not 17.
_SCORE = np.float32
_TIERS = np.int8
#: Rankings computed at once: more than one per core only adds memory (each holds
#: per-row arrays of the whole index), not speed.
_RANKING = threading.BoundedSemaphore(max(2, os.cpu_count() or 2))


@dataclass
class _PartView:
    """A part of a segment's character index, placed in the index."""

    part: Part
    base: int  # Whoosh docnum of the part's first row
    alive: np.ndarray  # paragraphs not deleted
    doc_rank: np.ndarray  # per row: its document's place in doc_id order


@dataclass
class _Matched:
    """The matching rows of one part, with what ranking needs."""

    view: _PartView
    rows: np.ndarray
    score: np.ndarray | None = None  # when scored
    tier: np.ndarray | None = None


@dataclass
class _Node:
    """A query node over every part: which rows match, their scores and tiers."""

    mask: list[np.ndarray]
    score: list[np.ndarray]
    tier: list[np.ndarray]


class _Evaluator:
    """Evaluates query nodes for one search, computing each needle once."""

    def __init__(self, snap: _Snapshot):
        self.snap = snap
        self.parts = snap._parts
        self._literals: dict[tuple[str, bool], _Node] = {}

    def _none(self) -> _Node:
        return _Node([np.zeros(v.part.rows, dtype=np.bool_) for v in self.parts],
                     [np.zeros(v.part.rows, dtype=_SCORE) for v in self.parts],
                     [np.zeros(v.part.rows, dtype=_TIERS) for v in self.parts])

    def literal(self, text: str, exact: bool) -> _Node:
        """Paragraphs containing ``text`` (folded, spaces ignored), BM25-scored, tier 1."""
        needle = charindex.units(text)
        key = (needle, exact)
        node = self._literals.get(key)
        if node is not None:
            return node
        if not needle:
            node = self._none()
        else:
            tfs = [v.part.term_frequencies(needle, exact) for v in self.parts]
            df = sum(int(np.count_nonzero(tf[v.alive])) for tf, v in zip(tfs, self.parts, strict=True))
            total = max(self.snap._paragraphs, 1)
            idf = float(np.log(1.0 + (total - df + 0.5) / (df + 0.5)))
            node = _Node([], [], [])
            for tf, v in zip(tfs, self.parts, strict=True):
                present = tf > 0
                score = np.zeros(v.part.rows, dtype=_SCORE)
                norm = K1 * (1.0 - B + B * v.part.lengths[present] / self.snap._avg_len)
                hits = tf[present]
                score[present] = idf * hits * (K1 + 1.0) / (hits + norm)
                node.mask.append(present)
                node.score.append(score)
                node.tier.append(present.astype(_TIERS))
        self._literals[key] = node
        return node

    def _docs(self, doc_ids: list[str]) -> _Node:
        node = self._none()
        wanted = set(doc_ids)
        for i, v in enumerate(self.parts):
            codes = [c for c, d in enumerate(v.part.tables["docs"]) if d in wanted]
            if codes:
                node.mask[i] = np.isin(v.part.doc, codes)
        return node

    def _doc_type(self, value: str) -> _Node:
        node = self._none()
        for i, v in enumerate(self.parts):
            node.mask[i] = v.part.doc_type == v.part.code("doc_type", value)
        return node

    def node(self, node: q.Term | q.Any_) -> _Node:
        if isinstance(node, q.Any_):
            subs = [self.node(t) for t in node.terms]
            return _Node([np.logical_or.reduce([s.mask[i] for s in subs]) for i in range(len(self.parts))],
                         [sum(s.score[i] for s in subs) for i in range(len(self.parts))],
                         [sum(s.tier[i] for s in subs) for i in range(len(self.parts))])
        return self._term(node)

    def _term(self, term: q.Term) -> _Node:
        snap = self.snap
        if term.field in ("issuer", "number", "title"):
            name = {"issuer": "issuer", "number": "doc_number", "title": "title"}[term.field]
            exact = term.field == "number" or term.quoted
            return self._docs(snap._doc_field_matches(name, term.text, exact))
        if term.field == "type":
            return self._doc_type(to_simplified(clean_value(term.text)))
        literal = self.literal(term.text, term.quoted)
        if term.quoted:
            return literal
        words = list(dict.fromkeys(w for w, _, _ in snap._tokenizer.segment(term.text)))
        # Single characters (的, 和, 及 …) add nothing to "all of its words, apart".
        words = [w for w in words if len(w) > 1]
        boosted = _Node(literal.mask, [LITERAL_BOOST * s for s in literal.score], literal.tier)
        if len(words) <= 1:
            # At most one word of two or more characters: the term itself, found
            # literally, is the match.
            return boosted
        # Otherwise also every paragraph with all of its words, apart.
        # Words match as written: a number among them is a whole number.
        parts = [self.literal(w, True) for w in words]
        out = _Node([], [], boosted.tier)
        for i in range(len(self.parts)):
            together = np.logical_and.reduce([p.mask[i] for p in parts])
            apart = np.where(together, sum(p.score[i] for p in parts), 0.0)
            out.mask.append(boosted.mask[i] | together)
            out.score.append(boosted.score[i] + apart)
        return out


class _Snapshot:
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
        self._tokenizer = JiebaTokenizer(tuple(meta.get("user_dicts", [])))
        self._tokenizer.segment("预热")  # load jieba's dictionary now, not on the first query
        # One Whoosh searcher per snapshot, used under self._use: Whoosh readers
        # share file positions. Matching and ranking use the character index.
        self._searcher = ix.searcher()
        # Closed with close(), or when the last search on a replaced snapshot ends.
        self._closer = weakref.finalize(self, self._searcher.close)
        self._docs = self._load_documents(self._searcher)
        self._parts = self._load_parts(gen, self._searcher)
        self._paragraphs = sum(int(p.alive.sum()) for p in self._parts)
        units = sum(float(p.part.lengths[p.alive].sum()) for p in self._parts)
        self._avg_len = units / self._paragraphs if self._paragraphs else 1.0
        self._doc_fields = {
            doc_id: {name: "".join(fold_chars(meta[name]).split())
                     for name in ("title", "doc_number", "issuer") if meta.get(name)}
            for doc_id, meta in self._docs.items()
        }
        self._field_cache: dict = {}
        self._cache: OrderedDict = OrderedDict()

    def _load_documents(self, searcher) -> dict[str, dict]:
        docs = {}
        for docnum in searcher.document_numbers(kind="d"):
            stored = searcher.stored_fields(docnum)
            docs[stored["doc_id"]] = stored["meta"]
        return docs

    @staticmethod
    def _load_parts(gen: Path, searcher) -> list[_PartView]:
        """Each segment's character index, with Whoosh's deletions applied."""
        placed = []
        for leaf, offset in searcher.reader().leaf_readers():
            segment = leaf.segment()
            chars = CharIndex(gen / charindex.file_name(segment.segment_id()))
            if chars.rows != leaf.doc_count_all():
                raise SearchIndexError(
                    f"{chars.path}: {chars.rows} rows for a segment of "
                    f"{leaf.doc_count_all()} documents; run `policy-search index --rebuild`")
            deleted = np.fromiter(segment.deleted_docs(), dtype=np.int64) \
                if segment.has_deletions() else np.zeros(0, dtype=np.int64)
            for part in chars.parts:
                alive = np.array(part.is_para, dtype=np.bool_)
                local = deleted[(deleted >= part.base) & (deleted < part.base + part.rows)]
                alive[local - part.base] = False
                placed.append((part, offset + part.base, alive))
        rank = {d: i for i, d in enumerate(sorted({d for p, _, _ in placed for d in p.tables["docs"]}))}
        views = []
        for part, base, alive in placed:
            by_code = np.array([rank[d] for d in part.tables["docs"]] + [-1], dtype=np.int64)
            views.append(_PartView(part, base, alive, by_code[part.doc]))
        return views

    def changed(self) -> bool:
        """True when a reindex committed or switched generation since this snapshot."""
        if live_generation(self.path) != self._gen:
            return True
        try:
            return self._ix.latest_generation() != self._version
        except FileNotFoundError:
            return True

    def close(self) -> None:
        self._closer()

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
            paragraphs=paragraphs,
        )

    # -- searching --------------------------------------------------------------------

    def search(self, query: str, limit: int = 10, offset: int = 0, issuer: str | None = None,
               doc_type: str | None = None, date_from: str | None = None,
               date_to: str | None = None, sort: str = "relevance") -> Results:
        """Search paragraphs. Bad parameters raise :class:`QueryError`; a query never does."""
        started = time.perf_counter()
        if not isinstance(limit, int) or isinstance(limit, bool) or not 0 <= limit <= MAX_LIMIT:
            raise QueryError(f"limit: expected a whole number from 0 to {MAX_LIMIT}, got {limit!r}")
        if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset <= MAX_OFFSET:
            raise QueryError(
                f"offset: expected a whole number from 0 to {MAX_OFFSET}, got {offset!r}")
        if sort not in SORTS:
            raise QueryError(f"sort: expected one of {', '.join(SORTS)}, got {sort!r}")
        date_from = _check_date("date_from", date_from)
        date_to = _check_date("date_to", date_to)
        for name, value in (("issuer", issuer), ("doc_type", doc_type)):
            if value is not None and not isinstance(value, str):
                raise QueryError(f"{name}: expected text, got {value!r}")

        parsed = q.parse(query if isinstance(query, str) else "")
        messages = list(parsed.messages)
        query_text = query if isinstance(query, str) else ""
        browse = parsed.empty and bool(issuer or doc_type or date_from or date_to
                                       or parsed.date_from or parsed.date_to)
        if parsed.empty and not browse:
            messages.append("请输入检索词" if not query_text.strip() else
                            "查询只包含排除条件或无法识别的内容，请输入要查找的词")
            return Results(query_text, 0, round((time.perf_counter() - started) * 1000, 2),
                           [], {"issuer": {}, "doc_type": {}, "year": {}}, offset, limit,
                           messages)
        key = (query_text, issuer, doc_type, date_from, date_to, sort, self._epoch)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
        if cached is None:
            with _RANKING:
                cached = self._rank(parsed, issuer, doc_type, date_from, date_to, sort)
            with self._lock:
                self._cache[key] = cached
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        ranked, total, facet_counts = cached
        page = offset + limit
        if page > len(ranked) and len(ranked) < total:
            with _RANKING:
                ranked = self._rank(parsed, issuer, doc_type, date_from, date_to, sort, page)[0]
        needles = self._needles(parsed)
        hits = []
        for docnum, score in ranked[offset:page]:
            with self._use:
                stored = self._searcher.stored_fields(docnum)
            meta = self._docs.get(stored["doc_id"], {})
            hits.append(Hit(
                doc_id=stored["doc_id"], paragraph=stored["n"], text=stored["text"],
                snippet=snippet(stored["text"], needles),
                score=round(float(score), 4), title=meta.get("title"),
                doc_number=meta.get("doc_number"), issuer=meta.get("issuer"),
                date=meta.get("date"), doc_type=meta.get("doc_type"),
                source=meta.get("source", ""), page=stored.get("page"),
            ))
        took = round((time.perf_counter() - started) * 1000, 2)
        return Results(query_text, total, took, hits, facet_counts, offset, limit, messages)

    def _rank(self, parsed: q.ParsedQuery, issuer, doc_type, date_from, date_to, sort: str,
              keep: int = RANKED_KEEP) -> tuple[list[tuple[int, float]], int, dict]:
        """All matches at once: the best ``keep`` (docnum, score), the total, the facets."""
        matched = self._match(parsed, issuer, doc_type, date_from, date_to, scored=True)

        def gather(values) -> np.ndarray:
            return np.concatenate([values(m) for m in matched]) if matched else np.zeros(0)

        docnums = gather(lambda m: m.view.base + m.rows)
        tier = gather(lambda m: m.tier)
        score = gather(lambda m: m.score)
        date = gather(lambda m: m.view.part.date[m.rows])
        n = gather(lambda m: m.view.part.n[m.rows])
        doc = gather(lambda m: m.view.doc_rank[m.rows])
        total = len(docnums)
        # Sort keys, most significant last (np.lexsort); equal paragraphs in
        # document id and paragraph order, however the segments are laid out.
        if sort == "date":
            primary = date.astype(np.float64)
            keys = (n, doc, -score, -tier, -date)
        else:
            # A paragraph with more query terms found literally comes first.
            primary = tier * _TIER + score
            keys = (n, doc, -date, -score, -tier)
        chosen = np.arange(total)
        if total > keep:
            kth = np.partition(primary, total - keep)[total - keep]
            chosen = np.flatnonzero(primary >= kth)
        order = chosen[np.lexsort(tuple(k[chosen] for k in keys))][:keep]
        ranked = [(int(docnums[i]), float(score[i])) for i in order]
        return ranked, total, self._facets(matched)

    def _facets(self, matched: list[_Matched]) -> dict[str, dict[str, int]]:
        out = {}
        for name in ("issuer", "doc_type", "year"):
            counts: Counter = Counter()
            for m in matched:
                codes = getattr(m.view.part, name)[m.rows]
                codes = codes[codes >= 0]
                if not len(codes):
                    continue
                table = m.view.part.tables[name]
                for code, count in enumerate(np.bincount(codes, minlength=len(table)).tolist()):
                    if count:
                        counts[table[code]] += count
            out[name] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        return out

    def matching_paragraphs(self, query: str, issuer: str | None = None,
                            doc_type: str | None = None, date_from: str | None = None,
                            date_to: str | None = None) -> list[tuple[str, int]]:
        """Every paragraph the query matches, as (doc_id, paragraph), in index order.

        The whole result set, unranked: for exports and for checking recall.
        """
        parsed = q.parse(query if isinstance(query, str) else "")
        if parsed.empty:
            return []
        date_from = _check_date("date_from", date_from)
        date_to = _check_date("date_to", date_to)
        out = []
        for m in self._match(parsed, issuer, doc_type, date_from, date_to, scored=False):
            docs = m.view.part.tables["docs"]
            codes = m.view.part.doc[m.rows].tolist()
            out.extend(zip([docs[c] for c in codes], m.view.part.n[m.rows].tolist(), strict=True))
        return out

    # -- matching and scoring ----------------------------------------------------------

    def _match(self, parsed: q.ParsedQuery, issuer, doc_type, date_from, date_to,
               scored: bool) -> list[_Matched]:
        """The paragraphs ``parsed`` matches under the filters, part by part."""
        ev = _Evaluator(self)
        bounds = self._date_bounds(parsed, date_from, date_to)
        issuer_value = to_simplified(clean_value(issuer)) if issuer else None
        type_value = to_simplified(clean_value(doc_type)) if doc_type else None
        nodes = [ev.node(node) for node in parsed.must]
        excluded = [ev.node(term) for term in parsed.must_not]
        whole = None
        texts = [t.text for t in parsed.positive_terms() if t.field is None]
        if scored and len(texts) >= 2:
            whole = ev.literal("".join(texts), False)
        doc_boosts = self._doc_boosts(parsed) if scored else {}
        out = []
        for i, view in enumerate(self._parts):
            part = view.part
            mask = view.alive.copy()
            if issuer_value is not None:
                mask &= part.issuer == part.code("issuer", issuer_value)
            if type_value is not None:
                mask &= part.doc_type == part.code("doc_type", type_value)
            if bounds is not None:
                mask &= (part.date >= bounds[0]) & (part.date <= bounds[1])
            for node in nodes:
                mask &= node.mask[i]
            for node in excluded:
                mask &= ~node.mask[i]
            rows = np.flatnonzero(mask)
            if not len(rows):
                continue
            m = _Matched(view, rows)
            if scored:
                score = np.zeros(len(rows))
                tier = np.zeros(len(rows), dtype=np.int64)
                for node in nodes:
                    score += node.score[i][rows]
                    tier += node.tier[i][rows]
                if whole is not None:
                    score += WHOLE_QUERY_BOOST * whole.score[i][rows]
                if doc_boosts:
                    table = part.tables["docs"]
                    by_code = np.array([doc_boosts.get(d, 0.0) for d in table] + [0.0])
                    score += by_code[part.doc[rows]]
                m.score, m.tier = score, tier
            out.append(m)
        return out

    @staticmethod
    def _date_bounds(parsed: q.ParsedQuery, date_from, date_to) -> tuple[int, int] | None:
        """The 成文日期 range as yyyymmdd integers, applied to the date column in Python.

        (Whoosh's NumericRange unions many range terms and was the slowest part of
        a filtered query.)
        """
        lo = max(filter(None, [date_from, parsed.date_from]), default=None)
        hi = min(filter(None, [date_to, parsed.date_to]), default=None)
        if not (lo or hi):
            return None
        return (_date_int(lo) if lo else 1, _date_int(hi) if hi else 99991231)

    # -- query terms ------------------------------------------------------------------

    def _doc_field_matches(self, field: str, text: str, exact: bool) -> list[str]:
        """Documents whose title / doc_number / issuer contains ``text`` (folded)."""
        key = (field, text, exact)
        cached = self._field_cache.get(key)
        if cached is not None:
            return cached
        pattern = needle_pattern(text, exact)
        out: list[str] = []
        if pattern is not None:
            for doc_id, values in self._doc_fields.items():
                value = values.get(field)
                if value and pattern.search(value):
                    out.append(doc_id)
        if len(self._field_cache) > 512:
            self._field_cache.clear()
        self._field_cache[key] = out
        return out

    def _doc_boosts(self, parsed: q.ParsedQuery) -> dict[str, float]:
        """Score added to every paragraph of a document whose title / number matches."""
        boosts: dict[str, float] = {}
        for term in parsed.positive_terms():
            if term.field is not None:
                continue
            for doc_id in self._doc_field_matches("title", term.text, False):
                boosts[doc_id] = boosts.get(doc_id, 0.0) + TITLE_BOOST
            if any(c.isdigit() for c in term.text):
                for doc_id in self._doc_field_matches("doc_number", term.text, True):
                    boosts[doc_id] = boosts.get(doc_id, 0.0) + NUMBER_BOOST
        return boosts

    def highlight_needles(self, query: str) -> list[Needle]:
        """What to mark for ``query`` in a paragraph (see :func:`indexer.snippets.mark`)."""
        return self._needles(q.parse(query))

    def _needles(self, parsed: q.ParsedQuery) -> list[Needle]:
        needles: list[Needle] = []
        for term in parsed.positive_terms():
            if term.field is not None:
                continue
            words: tuple[str, ...] = ()
            if not term.quoted:
                words = tuple(w for w, _, _ in self._tokenizer.segment(term.text) if len(w) > 1)
            needles.append((term.text, term.quoted, words))
        return needles


class Index:
    """An open, read-only index; safe to share between threads.

    Every call works on one consistent snapshot; :meth:`refresh` swaps in a new
    snapshot after a reindex (calls already running finish on the old one).
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._snap = _Snapshot(self.path, 1)

    @property
    def meta(self) -> dict:
        return self._snap.meta

    def refresh(self) -> bool:
        """Reopen if a reindex committed or switched generation. Returns True if reopened."""
        if not self._snap.changed():
            return False
        with self._lock:
            if not self._snap.changed():
                return False
            self._snap = _Snapshot(self.path, self._snap._epoch + 1)
        return True

    def search(self, query: str, limit: int = 10, offset: int = 0, issuer: str | None = None,
               doc_type: str | None = None, date_from: str | None = None,
               date_to: str | None = None, sort: str = "relevance") -> Results:
        """Search paragraphs. Bad parameters raise :class:`QueryError`; a query never does."""
        # Matching and ranking work on read-only arrays; the snapshot takes its
        # Whoosh lock only to read stored paragraphs.
        return self._snap.search(query, limit=limit, offset=offset, issuer=issuer,
                                 doc_type=doc_type, date_from=date_from, date_to=date_to,
                                 sort=sort)

    def matching_paragraphs(self, query: str, issuer: str | None = None,
                            doc_type: str | None = None, date_from: str | None = None,
                            date_to: str | None = None) -> list[tuple[str, int]]:
        """Every paragraph the query matches, as (doc_id, paragraph), unranked."""
        return self._snap.matching_paragraphs(query, issuer, doc_type, date_from, date_to)

    def document(self, doc_id: str) -> DocumentView:
        """A whole document: metadata and every paragraph. Raises DocumentNotFound."""
        snap = self._snap
        with snap._use:
            return snap.document(doc_id)

    def document_ids(self) -> list[str]:
        return self._snap.document_ids()

    def highlight_needles(self, query: str) -> list[Needle]:
        return self._snap.highlight_needles(query)

    def stats(self) -> dict:
        snap = self._snap
        with snap._use:
            return snap.stats()

    def clear_cache(self) -> None:
        """Forget cached rankings (benchmarks measure every query cold)."""
        with self._snap._lock:
            self._snap._cache.clear()

    def close(self) -> None:
        self._snap.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def open_index(path: str | Path) -> Index:
    """Open the index at ``path`` (clear error if missing or built with other settings)."""
    return Index(path)
