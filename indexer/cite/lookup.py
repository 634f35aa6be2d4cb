"""A :class:`~indexer.cite.resolve.Resolver` that reads the documents it needs from the
``lookup`` table of a citations file (see :mod:`.store`), rather than holding them all.

A commit that adds or removes a few documents resolves a few mentions: reading
and arranging every document of the index for them would cost more than the
rest of the commit. Each title, number, title end and document asked for is one
indexed query, answered once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from functools import partial

from .keys import word_key
from .resolve import Doc, Resolver
from .store import LazyArticles

#: The last character that can follow an end of a title key written backwards.
_LAST = "\U0010ffff"


class _Asked:
    """A mapping read-only, each value computed when first asked for (None: no such key)."""

    def __init__(self, compute: Callable[[str], object]):
        self._compute = compute
        self._found: dict[str, object] = {}

    def get(self, key: str, default=None):
        if key not in self._found:
            self._found[key] = self._compute(key)
        found = self._found[key]
        return default if found is None else found

    def __getitem__(self, key: str):
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found


class StoredResolver(Resolver):
    """The documents of the ``lookup`` table of ``db`` (a citations file open for
    writing, the table already as the commit leaves it), with ``docs`` (by id) as
    they are given instead: the documents the commit adds, whose articles are not
    written yet."""

    def __init__(self, db: sqlite3.Connection, docs: Mapping[str, Doc]):
        super().__init__(())
        self._db = db
        self._given = dict(docs)
        self._rows = _Asked(self._row)
        self.docs = _Asked(self._doc)
        self.work = _Asked(self._work)
        self._titles = _Asked(partial(self._listed, "title_prefix", "title_key"))
        self._carried = _Asked(partial(self._listed, "carried_prefix", "carried_key"))
        self._numbers = _Asked(partial(self._listed, "number_code", "number_key"))
        self._ends: dict[tuple[str, int], set[str]] = {}

    def _listed(self, first: str, column: str, key: str) -> list[tuple[str, str]]:
        if not key:
            return []
        return self._db.execute(f"SELECT {first}, doc_id FROM lookup WHERE {column} = ? "
                                "ORDER BY doc_id", (key,)).fetchall()

    def _row(self, doc_id: str) -> tuple | None:
        return self._db.execute("SELECT doc_id, title, doc_number, date, issuer, title_prefix, "
                                "title_key FROM lookup WHERE doc_id = ?", (doc_id,)).fetchone()

    def _doc(self, doc_id: str) -> Doc | None:
        if doc_id in self._given:
            return self._given[doc_id]
        row = self._rows.get(doc_id)
        if row is None:
            return None
        return Doc(*row[:5], articles=LazyArticles(fetch=partial(self._articles, doc_id)))

    def _articles(self, doc_id: str) -> str:
        return self._db.execute("SELECT articles FROM docs WHERE doc_id = ?", (doc_id,)).fetchone()[0]

    def _work(self, doc_id: str) -> tuple[str, str] | None:
        row = self._rows.get(doc_id)
        if row is None:
            return None
        prefix, key = row[5], row[6]
        if not key:
            return ("\0", doc_id)  # untitled: a work of its own
        issuer = prefix or word_key(row[4] or "")
        return (issuer, key) if key.startswith("关于") else ("", key)

    def _ending(self, end: str, at_most: int) -> set[str]:
        if len(end) < 2:
            return set()
        found = self._ends.get((end, at_most))
        if found is None:
            backwards = end[::-1]
            found = {k for (k,) in self._db.execute(
                "SELECT DISTINCT title_key FROM lookup WHERE title_end >= ? AND title_end < ? "
                "LIMIT ?", (backwards, backwards + _LAST, at_most))}
            self._ends[(end, at_most)] = found
        return found
