"""The one module that imports Whoosh.

The rest of the package imports Whoosh names from here, so switching between
Whoosh distributions (``whoosh-reloaded``, ``whoosh3``) stays a one-line change.
"""

from __future__ import annotations

import whoosh
from whoosh import index as windex
from whoosh import query as wq
from whoosh import sorting
from whoosh.analysis import Filter, Token, Tokenizer
from whoosh.codec.whoosh3 import W3Codec
from whoosh.fields import BOOLEAN, ID, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile, StructFile
from whoosh.formats import Positions
from whoosh.index import LockError
from whoosh.scoring import BM25F
from whoosh.searching import Searcher
from whoosh.system import pack_uint
from whoosh.writing import PostingPool, SegmentWriter

VERSION = whoosh.versionstring()

__all__ = [
    "BM25F", "BOOLEAN", "ID", "NUMERIC", "STORED", "TEXT", "VERSION", "BufferFile",
    "FileStorage", "Filter", "StructFile",
    "LockError", "Positions", "PostingPool", "Schema", "Searcher", "SegmentWriter", "Token",
    "Tokenizer", "W3Codec", "pack_uint", "sorting", "windex", "wq",
]
