"""policy-search: full-text search over Chinese government policy documents."""

from __future__ import annotations

from .document import META_FIELDS, Document, Metadata, Paragraph
from .ingest import IngestError, ReadFailure, find_files, read_corpus, read_file

__version__ = "0.1.0"

__all__ = [
    "META_FIELDS",
    "Document",
    "IngestError",
    "Metadata",
    "Paragraph",
    "ReadFailure",
    "__version__",
    "find_files",
    "read_corpus",
    "read_file",
]
