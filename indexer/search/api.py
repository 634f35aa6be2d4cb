"""Searching an index: the typed Python API behind the CLI and the web UI.

:class:`Index` is the entry point; each call runs on one
:class:`~indexer.search.snapshot.Snapshot` of the index.
"""

from __future__ import annotations

import threading
from pathlib import Path

from . import rank
from .order import DOCUMENT_W
from .results import DocumentNotFound, DocumentView, Hit, QueryError, Results
from .snapshot import _RANKING, MAX_LIMIT, MAX_OFFSET, RANKED_KEEP, SORTS, Snapshot
from .snippets import Needle

__all__ = ["DOCUMENT_W", "MAX_LIMIT", "MAX_OFFSET", "RANKED_KEEP", "SORTS", "_RANKING",
           "DocumentNotFound", "DocumentView", "Hit", "Index", "QueryError", "Results",
           "Snapshot", "open_index"]


class Index:
    """An open, read-only index; safe to share between threads.

    Every call works on one consistent snapshot; :meth:`refresh` swaps in a new
    snapshot after a reindex (calls already running finish on the old one).
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._snap = Snapshot(self.path, 1)

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
            self._snap = Snapshot(self.path, self._snap._epoch + 1)
        return True

    def search(self, query: str, limit: int = 10, offset: int = 0, issuer: str | None = None,
               doc_type: str | None = None, date_from: str | None = None,
               date_to: str | None = None, sort: str = "relevance",
               explain: bool = False, within: str | None = None,
               former: bool = False) -> Results:
        """Search paragraphs. Bad parameters raise :class:`QueryError`; a query never does.

        With ``explain`` every hit carries how its score was made. ``within`` is a
        refine query (在结果中检索): only paragraphs that match it too are kept. A name
        in the thesaurus is searched with its equivalents (``Results.expanded``); with
        ``former`` also with its predecessors and successors, in the query and in the
        issuer filters.
        """
        # Matching and ranking work on read-only arrays; the snapshot takes its
        # Whoosh lock only to read stored paragraphs.
        return self._snap.search(query, limit=limit, offset=offset, issuer=issuer,
                                 doc_type=doc_type, date_from=date_from, date_to=date_to,
                                 sort=sort, explain=explain, within=within, former=former)

    def matching_paragraphs(self, query: str, issuer: str | None = None,
                            doc_type: str | None = None, date_from: str | None = None,
                            date_to: str | None = None,
                            scope: str = "any", within: str | None = None,
                            former: bool = False) -> list[tuple[str, int]]:
        """Every paragraph the query matches, as (doc_id, paragraph), unranked.

        ``scope="any"`` counts like ``Results.total``, ``"all"`` like ``Results.total_all``.
        """
        return self._snap.matching_paragraphs(query, issuer, doc_type, date_from, date_to, scope,
                                              within, former)

    # -- documents, trends, export, paragraphs (see group.py, trends.py, export.py)

    def search_documents(self, query: str, limit: int = 10, offset: int = 0, **kwargs):
        """Results grouped by document (同篇): see :func:`indexer.search.group.search_documents`."""
        from .group import search_documents
        return search_documents(self._snap, query, limit=limit, offset=offset, **kwargs)

    def trends(self, query: str, by: str = "year", **kwargs) -> dict:
        """Matching paragraphs and documents per year: see :func:`indexer.search.trends.trends`."""
        from .trends import trends
        return trends(self._snap, query, by=by, **kwargs)

    def export_rows(self, query: str, **kwargs):
        """Every matching paragraph with its document's metadata, in index order, as dicts
        read in batches: see :func:`indexer.export.rows`."""
        from ..export import rows
        return rows(self._snap, query, **kwargs)

    def paragraph(self, doc_id: str, n: int, neighbours: int = 1) -> dict:
        """One paragraph with up to ``neighbours`` paragraphs before and after it."""
        from .group import paragraph
        snap = self._snap
        with snap._use:
            return paragraph(snap, doc_id, n, neighbours)

    def document(self, doc_id: str) -> DocumentView:
        """A whole document: metadata and every paragraph. Raises DocumentNotFound."""
        snap = self._snap
        with snap._use:
            return snap.document(doc_id)

    def document_ids(self) -> list[str]:
        return self._snap.document_ids()

    def citations(self):
        """Who cites whom: mentions with their spans, the graph as CSV or GraphML
        (a :class:`indexer.cite.graph.CitationView` of the current snapshot)."""
        from ..cite.graph import CitationView
        return CitationView(self._snap)

    def highlight_needles(self, query: str) -> list[Needle]:
        return self._snap.highlight_needles(query)

    def stats(self) -> dict:
        snap = self._snap
        with snap._use:
            return snap.stats()

    def warm(self) -> None:
        """Prepare the open snapshot for its first queries (see
        :meth:`indexer.charindex.Part.warm`): what a server does once it has started,
        so that its first searches are as fast as later ones. Opening does not, so
        that a one-off search from the command line stays quick."""
        for view in self._snap._parts:
            view.part.warm()
            rank.warm(view.part, self._snap.stopwords)
        self._snap.doc_facets  # noqa: B018 - built now, not by the first query

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
