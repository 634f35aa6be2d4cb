"""policy-search: full-text search over Chinese government policy documents.

    import indexer
    index = indexer.open_index("var/index")
    results = index.search("稳岗返还", limit=10)
    for hit in results.hits:
        print(hit.doc_id, hit.paragraph, hit.snippet)
"""

from __future__ import annotations

__version__ = "0.1.0"

from .document import META_FIELDS, Document, Metadata, Paragraph  # noqa: E402
from .indexing import ReindexReport, reindex  # noqa: E402
from .ingest import IngestError, ReadFailure, find_files, read_corpus, read_file  # noqa: E402
from .search import (  # noqa: E402
    DocumentNotFound,
    DocumentView,
    Hit,
    Index,
    QueryError,
    Results,
    open_index,
)
from .store import (  # noqa: E402
    IncompatibleIndex,
    IndexBusy,
    IndexNotFound,
    ReindexFailed,
    ReindexRefused,
    SearchIndexError,
)

__all__ = [
    "META_FIELDS",
    "Document",
    "DocumentNotFound",
    "DocumentView",
    "Hit",
    "IncompatibleIndex",
    "Index",
    "IndexBusy",
    "IndexNotFound",
    "IngestError",
    "Metadata",
    "Paragraph",
    "QueryError",
    "ReadFailure",
    "ReindexFailed",
    "ReindexRefused",
    "ReindexReport",
    "Results",
    "SearchIndexError",
    "__version__",
    "find_files",
    "open_index",
    "read_corpus",
    "read_file",
    "reindex",
]
