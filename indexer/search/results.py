"""What a search returns: hits, results, documents, and the errors of the API."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


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
    #: False when the paragraph has only some of the query's words
    all_words: bool = True
    #: with ``explain=True``: how the score was made (see :func:`indexer.search.rank.explain`)
    explain: dict | None = None

    def to_dict(self) -> dict:
        data = asdict(self)
        if self.explain is None:
            del data["explain"]
        return data


@dataclass
class Results:
    """One page of results.

    ``total`` counts every matching paragraph: ``total_all`` of them have every
    word of the query (in the text, the title or the heading they stand under),
    ``total_partial`` only some. ``facets`` count the all-words paragraphs when
    there are any (``facets_over == "all"``), else every match (``"some"``).
    ``counted`` is ``"words"`` when a ``word:`` clause counts words only (none across words),
    else ``"literal"`` (every occurrence of the text).
    """

    query: str
    total: int
    took_ms: float
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    offset: int = 0
    limit: int = 10
    messages: list[str] = field(default_factory=list)
    total_all: int = 0
    total_partial: int = 0
    facets_over: str = "all"
    counted: str = "literal"
    ignored: list[str] = field(default_factory=list)
    #: names typed -> the equivalent names searched with them (the thesaurus)
    expanded: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The JSON shape shared by ``policy-search search --json`` and ``/api/search``."""
        out = {
            "query": self.query,
            "total": self.total,
            "total_all": self.total_all,
            "total_partial": self.total_partial,
            "counted": self.counted,
            "took_ms": self.took_ms,
            "hits": [h.to_dict() for h in self.hits],
            "facets": self.facets,
            "facets_over": self.facets_over,
        }
        if self.ignored:
            out["ignored"] = list(self.ignored)
        if self.expanded:
            out["expanded"] = {k: list(v) for k, v in self.expanded.items()}
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
    #: what it cites: ``{"text", "kind", "paragraph", "doc_id", "target_paragraph"}``
    #: (``doc_id``/``target_paragraph`` None when not resolved; see :mod:`indexer.cite`)
    cites: list[dict] = field(default_factory=list)
    #: who cites it: ``{"doc_id", "paragraph", "text"}``
    cited_by: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The shape of ``policy-search inspect --json`` plus ``cites`` and ``cited_by``
        (``/api/documents/<id>``)."""
        data = asdict(self)
        order = ["doc_id", "source", "title", "doc_number", "issuer", "date", "doc_type",
                 "topic", "encoding", "original", "paragraphs", "cites", "cited_by"]
        return {k: data[k] for k in order}
