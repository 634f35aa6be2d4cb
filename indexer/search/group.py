"""Results by document (同篇), and one paragraph with its neighbours.

:func:`search_documents` ranks every matching paragraph as :meth:`Index.search`
does, then groups them by document in that order: a document's place is the
place of its best paragraph, ``matches`` counts its matching paragraphs, and
``hits`` holds its best ``per_doc`` paragraphs (in the shape of a search hit).
Paging (``limit``, ``offset``) counts documents. Totals, facets and messages are
those of the paragraph search (its ``hits`` are left empty).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .api import _RANKING, MAX_LIMIT, Hit, QueryError, Results
from .order import best
from .snippets import snippet

MAX_PER_DOC = 10
MAX_NEIGHBOURS = 10


@dataclass
class DocumentGroup:
    doc_id: str
    title: str | None
    doc_number: str | None
    issuer: str | None
    date: str | None
    doc_type: str | None
    matches: int
    hits: list[Hit] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"doc_id": self.doc_id, "title": self.title, "doc_number": self.doc_number,
                "issuer": self.issuer, "date": self.date, "doc_type": self.doc_type,
                "matches": self.matches, "hits": [h.to_dict() for h in self.hits]}


@dataclass
class GroupedResults:
    """One page of documents; ``results`` carries the totals, facets and messages."""

    results: Results
    total_documents: int
    documents: list[DocumentGroup]

    def to_dict(self) -> dict:
        out = self.results.to_dict()
        out["group"] = "document"
        out["total_documents"] = self.total_documents
        out["documents"] = [d.to_dict() for d in self.documents]
        return out


def _check_int(name: str, value, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise QueryError(f"{name}: expected a whole number from {low} to {high}, got {value!r}")
    return value


def make_hit(snap, docnum: int, score: float, all_words: bool, needles) -> Hit:
    """A search hit for Whoosh document ``docnum`` (stored fields read under the lock)."""
    with snap._use:
        stored = snap._searcher.stored_fields(docnum)
    meta = snap._docs.get(stored["doc_id"], {})
    return Hit(doc_id=stored["doc_id"], paragraph=stored["n"], text=stored["text"],
               snippet=snippet(stored["text"], needles), score=round(float(score), 4),
               title=meta.get("title"), doc_number=meta.get("doc_number"),
               issuer=meta.get("issuer"), date=meta.get("date"), doc_type=meta.get("doc_type"),
               source=meta.get("source", ""), page=stored.get("page"), all_words=all_words)


def doc_ids_of(snap, docnums: np.ndarray) -> list[str]:
    """The document id of each Whoosh docnum (from the character index, no stored fields)."""
    views = snap._parts
    if not len(docnums) or not views:
        return []
    bases = np.array([v.base for v in views])
    which = np.searchsorted(bases, docnums, side="right") - 1
    out = []
    for d, w in zip(docnums.tolist(), which.tolist(), strict=True):
        view = views[w]
        out.append(snap._doc_order[int(view.doc_rank[d - view.base])])
    return out


def search_documents(snap, query: str, limit: int = 10, offset: int = 0,
                     issuer: str | None = None, doc_type: str | None = None,
                     date_from: str | None = None, date_to: str | None = None,
                     sort: str = "relevance", within: str | None = None,
                     per_doc: int = 3, former: bool = False) -> GroupedResults:
    _check_int("limit", limit, 0, MAX_LIMIT)
    _check_int("offset", offset, 0, 10_000)
    _check_int("per_doc", per_doc, 1, MAX_PER_DOC)
    base = snap.search(query, limit=0, offset=0, issuer=issuer, doc_type=doc_type,
                       date_from=date_from, date_to=date_to, sort=sort, within=within,
                       former=former)
    if base.total == 0:
        return GroupedResults(base, 0, [])
    filters = snap._filters(issuer, doc_type, date_from, date_to, former)
    parsed, plan = snap.plan(query, within, former)
    filters = snap._with_query_dates(filters, parsed)
    with _RANKING:
        ranked = best(snap, plan, filters, sort, base.total).ranked
    docnums = np.array([r[0] for r in ranked], dtype=np.int64)
    order: list[str] = []
    members: dict[str, list[int]] = {}
    for i, doc_id in enumerate(doc_ids_of(snap, docnums)):
        if doc_id not in members:
            members[doc_id] = []
            order.append(doc_id)
        members[doc_id].append(i)
    needles = snap._needles(plan) + snap._within_needles(plan)
    documents = []
    for doc_id in order[offset:offset + limit]:
        meta = snap._docs.get(doc_id, {})
        hits = [make_hit(snap, *ranked[i][:3], needles) for i in members[doc_id][:per_doc]]
        documents.append(DocumentGroup(doc_id, meta.get("title"), meta.get("doc_number"),
                                       meta.get("issuer"), meta.get("date"),
                                       meta.get("doc_type"), len(members[doc_id]), hits))
    base.offset, base.limit = offset, limit
    return GroupedResults(base, len(order), documents)


def paragraph(snap, doc_id: str, n: int, neighbours: int = 1) -> dict:
    """Paragraph ``n`` of ``doc_id`` with its document's metadata and up to
    ``neighbours`` paragraphs before and after it. Raises DocumentNotFound, QueryError."""
    _check_int("neighbours", neighbours, 0, MAX_NEIGHBOURS)
    if not isinstance(n, int) or isinstance(n, bool):
        raise QueryError(f"paragraph: expected a whole number, got {n!r}")
    doc = snap.document(doc_id)
    at = next((i for i, p in enumerate(doc.paragraphs) if p["n"] == n), None)
    if at is None:
        raise QueryError(f"paragraph: {doc_id!r} has no paragraph {n} "
                         f"(it has {len(doc.paragraphs)})")
    return {"doc_id": doc.doc_id, "title": doc.title, "doc_number": doc.doc_number,
            "issuer": doc.issuer, "date": doc.date, "doc_type": doc.doc_type,
            "source": doc.source, "paragraph": doc.paragraphs[at],
            "before": doc.paragraphs[max(0, at - neighbours):at],
            "after": doc.paragraphs[at + 1:at + 1 + neighbours]}
