"""The one module that imports Whoosh.

The rest of the package imports Whoosh names from here, so switching between
Whoosh distributions (``whoosh-reloaded``, ``whoosh3``) stays a one-line change.
"""

from __future__ import annotations

import heapq
from array import array

import whoosh
from whoosh import columns
from whoosh import index as windex
from whoosh import query as wq
from whoosh.analysis import IDTokenizer, Token, Tokenizer
from whoosh.codec.whoosh3 import W3Codec, W3PerDocReader, W3PerDocWriter
from whoosh.fields import ID, STORED, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.formats import Existence
from whoosh.index import LockError
from whoosh.reading import SegmentReader
from whoosh.writing import PostingPool, SegmentWriter

VERSION = whoosh.versionstring()

#: Stored fields in zlib's format at level 0 (stored, not deflated). Whoosh compresses
#: each paragraph's fields on its own at level 3: 24 µs for 15% off some 200 bytes,
#: about a sixth of the index writer's time; level 0 costs 2 µs, and Whoosh's reader
#: (``zlib.decompress``) reads both.
STORED_UNCOMPRESSED = columns.PickleColumn(columns.CompressedBytesColumn(level=0))


class _PerDocWriter(W3PerDocWriter):
    def _create_column(self, fieldname, column):
        super()._create_column(fieldname,
                               STORED_UNCOMPRESSED if fieldname == "_stored" else column)


class _PerDocReader(W3PerDocReader):
    def _cached_reader(self, fieldname, column):
        # A column the segment lacks is remembered too (Whoosh asks the file system
        # again each time: twice per paragraph while a segment's postings are written).
        if fieldname not in self._readers:
            self._readers[fieldname] = super()._cached_reader(fieldname, column)
        return self._readers[fieldname]


class FastCodec(W3Codec):
    """Whoosh's codec with the stored fields written at zlib level 0, and a reader
    that remembers a missing column.

    Segments written with it name it (pickled) in the index's table of contents:
    its module and name must stay as they are for those indexes to open."""

    def per_document_writer(self, storage, segment):
        return _PerDocWriter(self, storage, segment)

    def per_document_reader(self, storage, segment):
        return _PerDocReader(storage, segment)



class MemoryPool:
    """Whoosh's posting pool (``PostingPool``) kept in memory, for a schema whose
    postings are few: each paragraph's ID terms.

    Whoosh's pool holds postings as Python tuples and, past a million of them (a
    segment of 600,000 paragraphs), sorts them into run files on disk and merges
    the runs when the segment is written: a sixth of the writer's time at ten times
    LawRefBook. Here a posting of a field's usual weight and no value is one number
    in its term's array; any other posting is kept as Whoosh's tuple. The order of
    :meth:`iter_postings` is Whoosh's: field, term, document number, weight, value.
    """

    def __init__(self):
        self.fieldnames: set[str] = set()
        self._docs: dict[tuple[str, bytes], array] = {}
        self._weight: dict[str, float] = {}
        self._other: list[tuple] = []

    def add(self, item: tuple) -> None:
        """Adds a posting ``(fieldname, tbytes, docnum, weight, vbytes)``."""
        fieldname, tbytes, docnum, weight, vbytes = item
        self.fieldnames.add(fieldname)
        if vbytes == b"" and self._weight.setdefault(fieldname, weight) == weight:
            docs = self._docs.get((fieldname, tbytes))
            if docs is None:
                docs = self._docs[(fieldname, tbytes)] = array("q")
            docs.append(docnum)
        else:
            self._other.append(item)

    def iter_postings(self):
        plain = ((name, term, docnum, self._weight[name], b"")
                 for (name, term), docs in sorted(self._docs.items())
                 for docnum in sorted(docs))
        if not self._other:
            return plain
        return heapq.merge(plain, sorted(self._other))

    def save(self) -> None:
        """Nothing to save: the postings stay in memory."""

    def cleanup(self) -> None:
        self._docs, self._other = {}, []


__all__ = [
    "ID", "STORED", "VERSION", "FileStorage",
    "LockError", "MemoryPool", "PostingPool", "Schema", "SegmentReader", "SegmentWriter",
    "Token", "Tokenizer", "W3Codec", "FastCodec", "Existence", "IDTokenizer", "windex",
    "wq",
]
