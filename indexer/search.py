"""Searching an index: the typed Python API behind the CLI and the web UI."""

from __future__ import annotations

import datetime as _dt
import heapq
import threading
import time
from collections import Counter, OrderedDict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import query as q
from .analysis import JiebaTokenizer, literal_query_terms
from .normalize import clean_value, fold_chars, to_simplified
from .snippets import Needle, needle_pattern, snippet
from .store import (
    IndexNotFound,
    check_compatible,
    live_generation,
    open_whoosh,
    read_meta,
)
from .whoosh_api import wq

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


def _int_date(value: int) -> str | None:
    if not value:
        return None
    s = f"{value:08d}"
    return f"{s[:4]}-{s[4:6]}-{s[6:]}"


class _Snapshot:
    """One opened state of the index: a Whoosh generation and what was read from it.

    Never changes after it is built; :class:`Index` swaps in a new one on refresh,
    so a search that started on a snapshot finishes on it.
    """

    def __init__(self, path: Path, epoch: int):
        self.path = path
        self._lock = threading.Lock()
        self._use = threading.RLock()
        self._epoch = epoch
        self._open()

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
        # One searcher per snapshot, used under self._use: Whoosh readers share file
        # positions and each costs memory; under the GIL more would not search faster.
        self._searcher = ix.searcher()
        self._docs = self._load_documents(self._searcher)
        self._load_columns(self._searcher)
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

    def _load_columns(self, searcher) -> None:
        """Per-paragraph facet values and dates, read once per open index."""
        reader = searcher.reader()
        self._columns = {}
        for name in ("issuer", "doc_type", "year", "date", "n", "doc_id"):
            if reader.has_column(name):
                self._columns[name] = list(reader.column_reader(name))
            else:
                self._columns[name] = []

    def _facets(self, docnums: list[int]) -> dict[str, dict[str, int]]:
        out = {}
        for name in ("issuer", "doc_type", "year"):
            values = self._columns[name]
            counts = Counter(values[d] for d in docnums if d < len(values))
            counts.pop("", None)
            counts.pop(None, None)
            out[name] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        return out

    def changed(self) -> bool:
        """True when a reindex committed or switched generation since this snapshot."""
        if live_generation(self.path) != self._gen:
            return True
        try:
            return self._ix.latest_generation() != self._version
        except FileNotFoundError:
            return True

    def close(self) -> None:
        self._searcher.close()

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
            paragraphs.append({"n": stored["n"], "text": stored["text"],
                               "heading": bool(stored.get("heading")),
                               "line": stored.get("line", 0)})
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
            cached = self._rank(parsed, issuer, doc_type, date_from, date_to, sort)
            with self._lock:
                self._cache[key] = cached
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        ranked, total, facet_counts = cached
        page = offset + limit
        if page > len(ranked) and len(ranked) < total:
            ranked = self._rank(parsed, issuer, doc_type, date_from, date_to, sort, page)[0]
        searcher = self._searcher
        needles = self._needles(parsed)
        hits = []
        for docnum, score in ranked[offset:page]:
            stored = searcher.stored_fields(docnum)
            meta = self._docs.get(stored["doc_id"], {})
            hits.append(Hit(
                doc_id=stored["doc_id"], paragraph=stored["n"], text=stored["text"],
                snippet=snippet(stored["text"], needles),
                score=round(float(score), 4), title=meta.get("title"),
                doc_number=meta.get("doc_number"), issuer=meta.get("issuer"),
                date=meta.get("date"), doc_type=meta.get("doc_type"),
                source=meta.get("source", ""),
            ))
        took = round((time.perf_counter() - started) * 1000, 2)
        return Results(query_text, total, took, hits, facet_counts, offset, limit, messages)

    def _rank(self, parsed: q.ParsedQuery, issuer, doc_type, date_from, date_to, sort: str,
              keep: int = RANKED_KEEP) -> tuple[list[tuple[int, float]], int, dict]:
        """All matches in one pass: the best ``keep`` (docnum, score), the total, the facets."""
        searcher = self._searcher
        full = self._build(parsed, searcher,
                           self._filters(parsed, issuer, doc_type, date_from, date_to))
        # optimize=False: Whoosh's block-quality skipping changes some scores.
        results = searcher.search(full, limit=None, optimize=False)
        items = list(results.items())
        date_of = self._columns["date"]
        bounds = self._date_bounds(parsed, date_from, date_to)
        if bounds is not None:
            lo, hi = bounds
            items = [item for item in items if lo <= date_of[item[0]] <= hi]
        doc_boosts = self._doc_boosts(parsed)
        if doc_boosts:
            doc_of = self._columns["doc_id"]
            items = [(docnum, score + doc_boosts.get(doc_of[docnum], 0.0))
                     for docnum, score in items]
        n_of = self._columns["n"]
        if sort == "date":
            def order(item):
                return (-date_of[item[0]], -item[1], n_of[item[0]])
        else:
            def order(item):
                # Ties by date, newest first, then paragraph order.
                return (-item[1], -date_of[item[0]], n_of[item[0]])
        ranked = heapq.nsmallest(keep, items, key=order)
        return ranked, len(items), self._facets([docnum for docnum, _ in items])

    def matching_paragraphs(self, query: str, issuer: str | None = None,
                            doc_type: str | None = None, date_from: str | None = None,
                            date_to: str | None = None) -> list[tuple[str, int]]:
        """Every paragraph the query matches, as (doc_id, paragraph), in index order.

        The whole result set, unranked: for exports and for checking recall.
        """
        parsed = q.parse(query if isinstance(query, str) else "")
        if parsed.empty:
            return []
        searcher = self._searcher
        date_from = _check_date("date_from", date_from)
        date_to = _check_date("date_to", date_to)
        full = self._build(parsed, searcher, self._filters(
            parsed, issuer, doc_type, date_from, date_to))
        bounds = self._date_bounds(parsed, date_from, date_to)
        date_of = self._columns["date"]
        out = []
        for docnum in full.docs(searcher):
            if bounds is not None and not bounds[0] <= date_of[docnum] <= bounds[1]:
                continue
            stored = searcher.stored_fields(docnum)
            out.append((stored["doc_id"], stored["n"]))
        return out

    def _filters(self, parsed: q.ParsedQuery, issuer, doc_type, date_from, date_to) -> list:
        filters = [wq.Term("kind", "p")]
        if issuer:
            filters.append(wq.Term("issuer", to_simplified(clean_value(issuer))))
        if doc_type:
            filters.append(wq.Term("doc_type", to_simplified(clean_value(doc_type))))
        return filters

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

    # -- query building ----------------------------------------------------------------

    def _literal(self, fieldname: str, text: str, exact: bool, searcher):
        terms = literal_query_terms(text, exact)
        if not terms:
            return wq.NullQuery
        if len(terms) > 1:
            return wq.Phrase(fieldname, terms)
        return wq.Term(fieldname, terms[0])

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

    def _docs_query(self, doc_ids: list[str]):
        if not doc_ids:
            return wq.NullQuery
        return wq.Or([wq.Term("doc_id", d) for d in doc_ids])

    def _term_query(self, term: q.Term, searcher):
        if term.field in ("issuer", "number", "title"):
            field = {"issuer": "issuer", "number": "doc_number", "title": "title"}[term.field]
            exact = term.field == "number" or term.quoted
            return self._docs_query(self._doc_field_matches(field, term.text, exact))
        if term.field == "type":
            return wq.Term("doc_type", to_simplified(clean_value(term.text)))
        literal = self._literal("lit", term.text, term.quoted, searcher)
        if term.quoted:
            return literal
        segmented = [w for w, _, _ in self._tokenizer.segment(term.text)]
        if len(segmented) <= 1:
            # One word (or none): every paragraph that has it has the term literally.
            return _boosted(literal, LITERAL_BOOST)
        words = wq.And([wq.Term("words", w) for w in segmented])
        return wq.Or([_boosted(literal, LITERAL_BOOST), words])

    def _build(self, parsed: q.ParsedQuery, searcher, filters: list | None = None):
        """The Whoosh query: required terms and filters, then optional boosts, then exclusions.

        Boosts wrap the filtered query (not the other way round): Whoosh's
        AndMaybe inside an intersection skips its optional clause for some
        documents, which made equal paragraphs score unequally.
        """
        filters = filters or []
        if parsed.empty:
            # Filters only: every paragraph they allow.
            main = wq.And(filters) if filters else wq.Every()
        else:
            required = []
            for node in parsed.must:
                if isinstance(node, q.Any_):
                    required.append(wq.Or([self._term_query(t, searcher) for t in node.terms]))
                else:
                    required.append(self._term_query(node, searcher))
            parts = required + filters
            main = wq.And(parts) if len(parts) > 1 else parts[0]
            boosts = self._boosts(parsed, searcher)
            if boosts:
                main = wq.AndMaybe(main, wq.Or(boosts))
        for term in parsed.must_not:
            main = wq.AndNot(main, self._term_query(term, searcher))
        return main

    def _boosts(self, parsed: q.ParsedQuery, searcher) -> list:
        """Optional clauses: the whole query found literally."""
        texts = [t.text for t in parsed.positive_terms() if t.field is None]
        if len(texts) < 2:
            return []
        whole = self._literal("lit", "".join(texts), False, searcher)
        return [] if whole is wq.NullQuery else [_boosted(whole, WHOLE_QUERY_BOOST)]

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


def _boosted(query, boost: float):
    if query is wq.NullQuery:
        return query
    query = query.copy() if hasattr(query, "copy") else query
    query.boost = boost
    return query


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
        snap = self._snap
        with snap._use:
            return snap.search(query, limit=limit, offset=offset, issuer=issuer,
                               doc_type=doc_type, date_from=date_from, date_to=date_to,
                               sort=sort)

    def matching_paragraphs(self, query: str, issuer: str | None = None,
                            doc_type: str | None = None, date_from: str | None = None,
                            date_to: str | None = None) -> list[tuple[str, int]]:
        """Every paragraph the query matches, as (doc_id, paragraph), unranked."""
        snap = self._snap
        with snap._use:
            return snap.matching_paragraphs(query, issuer, doc_type, date_from, date_to)

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
