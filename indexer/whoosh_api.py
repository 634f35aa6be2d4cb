"""The one module that imports Whoosh.

The rest of the package imports Whoosh names from here, so switching between
Whoosh distributions (``whoosh-reloaded``, ``whoosh3``) stays a one-line change.
"""

from __future__ import annotations

import whoosh
from whoosh import index as windex
from whoosh import query as wq
from whoosh.analysis import Token, Tokenizer
from whoosh.codec.whoosh3 import W3Codec
from whoosh.fields import ID, STORED, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError
from whoosh.reading import SegmentReader
from whoosh.writing import PostingPool, SegmentWriter

VERSION = whoosh.versionstring()

__all__ = [
    "ID", "STORED", "VERSION", "FileStorage",
    "LockError", "PostingPool", "Schema", "SegmentReader", "SegmentWriter",
    "Token", "Tokenizer", "W3Codec", "windex", "wq",
]
