"""The citations of one commit of the index, in a SQLite file beside Whoosh's files.

``citations-<generation>.sqlite`` describes the index as Whoosh's TOC of that
generation lists it, and is written *before* that TOC (like each segment's
character index), so a reader that sees a commit always finds its citations:

* ``docs``: every document's metadata and what extraction kept of it (its
  mentions and articles, JSON, and the keys its mentions are looked up by), so
  that the next commit resolves again, without reading unchanged files, the
  mentions that the documents it adds or removes may change;
* ``doc_keys``: those keys again, one row per key and document, to find the
  documents with a key without reading the others;
* ``lookup``: every document's metadata and what it is looked up by
  (:func:`indexer.cite.resolve.lookup_keys`, and its title key backwards), indexed,
  from which the next commit reads the documents its mentions may name
  (:class:`indexer.cite.lookup.StoredResolver`);
* ``cites``: every mention, resolved — citing document, paragraph, span,
  kind, text, the key ``cites:`` finds it under, and the document and paragraph
  it means (NULL when unresolved).

It is written by :mod:`indexer.cite.update`, once, and opened read-only
(``immutable``): SQLite opens it in microseconds and answers a document's
lists from its indexes.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from ..store import SearchIndexError
from .extract import Mention
from .resolve import Doc, Resolver, key_matches, lookup_keys, query_key

#: Bumped when the file's tables change. A reader needs ``docs`` and ``cites`` only;
#: the next commit of an index whose file has another format writes it anew
#: (:func:`indexer.cite.update.before_commit`). 4: ``doc_keys``, keys of bare names
#: that depend on the titles indexed, and ``lookup``.
FORMAT = 4
NAME_RE = re.compile(r"^citations-(\d+)\.sqlite$")
META = ("title", "doc_number", "date", "issuer")

TABLES = """
CREATE TABLE info (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE docs (doc_id TEXT PRIMARY KEY, title TEXT, doc_number TEXT, date TEXT,
                   issuer TEXT, mentions TEXT NOT NULL, articles TEXT NOT NULL,
                   keys TEXT NOT NULL);
CREATE TABLE cites (doc_id TEXT NOT NULL, paragraph INTEGER NOT NULL, start INTEGER NOT NULL,
                    stop INTEGER NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL,
                    key TEXT NOT NULL, qualifier TEXT NOT NULL, target TEXT,
                    target_paragraph INTEGER);
CREATE TABLE doc_keys (key TEXT NOT NULL, doc_id TEXT NOT NULL,
                       PRIMARY KEY (key, doc_id)) WITHOUT ROWID;
CREATE TABLE lookup (doc_id TEXT PRIMARY KEY, title TEXT, doc_number TEXT, date TEXT,
                     issuer TEXT, title_prefix TEXT NOT NULL, title_key TEXT NOT NULL,
                     carried_prefix TEXT NOT NULL, carried_key TEXT NOT NULL,
                     number_key TEXT NOT NULL, number_code TEXT NOT NULL,
                     title_end TEXT NOT NULL) WITHOUT ROWID;
"""
INDEXES = """
CREATE INDEX cites_doc ON cites (doc_id, paragraph, start);
CREATE INDEX cites_target ON cites (target, doc_id, paragraph);
CREATE INDEX cites_key ON cites (key);
CREATE INDEX lookup_title ON lookup (title_key);
CREATE INDEX lookup_carried ON lookup (carried_key);
CREATE INDEX lookup_number ON lookup (number_key);
CREATE INDEX lookup_end ON lookup (title_end);
"""


class MissingCitations(SearchIndexError, FileNotFoundError):
    """An index with documents whose commit has no citations file."""


def file_name(generation: int) -> str:
    return f"citations-{generation}.sqlite"


class LazyArticles(Mapping):
    """A document's articles (see :func:`indexer.cite.extract.articles`), decoded from
    their JSON (``raw``, or what ``fetch`` returns) when first asked for: resolution
    needs those of cited documents only."""

    def __init__(self, raw: str | None = None, fetch: Callable[[], str] | None = None):
        self.raw = raw
        self._fetch = fetch
        self._found: dict | None = None

    def _get(self) -> dict:
        if self._found is None:
            if self.raw is None and self._fetch is not None:
                self.raw = self._fetch()
            self._found = json.loads(self.raw or "{}")
        return self._found

    def __getitem__(self, key):
        return self._get()[key]

    def __iter__(self):
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


@dataclass
class Entry:
    """One document as the citations file keeps it: metadata, mentions, articles."""

    doc: Doc
    mentions: list[Mention]
    mentions_raw: str  # as JSON
    articles_raw: str

    @classmethod
    def make(cls, doc_id: str, meta: dict, mentions: str, articles: str,
             select: Callable[[list[list]], list[list]] | None = None) -> Entry:
        """A document, from its metadata and its mentions and articles as JSON
        (:func:`indexer.cite.extract.serialized`); with ``select``, only the mentions
        it returns of all of them (as lists: see :meth:`Mention.to_list`)."""
        raw = json.loads(mentions)
        if select is not None:
            raw = select(raw)
        return cls(Doc(doc_id, *(meta.get(k) for k in META), articles=LazyArticles(articles)),
                   [Mention.from_list(m) for m in raw], mentions, articles)

    @classmethod
    def stored(cls, row: tuple, select: Callable[[list[list]], list[list]] | None = None
               ) -> Entry:
        """A row of ``docs`` (``select``: see :meth:`make`)."""
        doc_id, title, number, date, issuer, mentions, articles = row
        return cls.make(doc_id, dict(zip(META, (title, number, date, issuer), strict=True)),
                        mentions, articles, select)

    def keys(self, resolver: Resolver) -> list[str]:
        """The keys its mentions are looked up by in the state of ``resolver``."""
        return sorted(set().union(*map(resolver.mention_keys, self.mentions)))

    def row(self, keys: list[str]) -> tuple:
        d = self.doc
        return (d.doc_id, d.title, d.doc_number, d.date, d.issuer, self.mentions_raw,
                self.articles_raw, " ".join(keys))

    def lookup_row(self) -> tuple:
        """Its row of ``lookup``: metadata, :func:`~indexer.cite.resolve.lookup_keys`,
        its title key written backwards (to find titles by their end)."""
        d = self.doc
        keys = lookup_keys(d)
        return (d.doc_id, d.title, d.doc_number, d.date, d.issuer, *keys, keys[1][::-1])


def file_format(path: Path) -> int | None:
    """The format of a citations file (:data:`FORMAT`), or None if it has none."""
    db = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
    try:
        row = db.execute("SELECT value FROM info WHERE name = 'format'").fetchone()
    except sqlite3.DatabaseError:
        return None
    finally:
        db.close()
    return int(row[0]) if row and str(row[0]).isdigit() else None


@dataclass(frozen=True)
class Cite:
    """A row of ``cites``."""

    doc_id: str
    paragraph: int
    start: int
    end: int
    kind: str
    text: str
    target: str | None
    target_paragraph: int | None


def load(path: Path) -> dict[str, Entry]:
    """Every document of a citations file (see :mod:`indexer.cite.update`)."""
    db = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
    try:
        return {r[0]: Entry.stored(r) for r in db.execute(
            "SELECT doc_id, title, doc_number, date, issuer, mentions, articles FROM docs")}
    finally:
        db.close()


# --- reading -----------------------------------------------------------------------

#: Connections a forked process inherited: never used or closed in it.
_INHERITED: list = []


class Citations:
    """The citations of one commit, read-only; safe to share between threads."""

    def __init__(self, path: Path | None):
        self.path = path
        self._db = None
        self._pid = os.getpid()
        if path is not None:
            self._db = self._connect(path)
        self._lock = threading.Lock()
        self._resolver: Resolver | None = None
        self._citing: dict[str, list[tuple[str, int]]] = {}

    @classmethod
    def open(cls, folder: Path, generation: int, documents: int) -> Citations:
        """The citations of Whoosh ``generation`` in ``folder`` (none for an empty index).

        Raises :class:`MissingCitations` (a FileNotFoundError: a commit may have
        replaced it while opening, and the caller retries) when an index with
        documents has no citations file."""
        path = Path(folder) / file_name(generation)
        if not path.exists():
            if documents == 0:
                return cls(None)
            raise MissingCitations(f"{path}: the citations of this commit are missing; "
                                   "run `policy-search index --rebuild`")
        return cls(path)

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{quote(str(path))}?mode=ro&immutable=1", uri=True,
                               check_same_thread=False)

    def _query(self, sql: str, args: tuple = ()) -> list[tuple]:
        if self._db is None:
            return []
        with self._lock:
            if self._pid != os.getpid():
                # A forked process (``serve``'s processes) connects anew: SQLite
                # connections must not be used across fork(). The parent's is left alone.
                _INHERITED.append(self._db)
                self._db, self._pid = self._connect(self.path), os.getpid()
            return self._db.execute(sql, args).fetchall()

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                if self._pid == os.getpid():
                    self._db.close()
                else:
                    _INHERITED.append(self._db)
                self._db = None

    def mentions(self, doc_id: str) -> list[Cite]:
        """A document's mentions in paragraph order."""
        return [Cite(*r) for r in self._query(
            "SELECT doc_id, paragraph, start, stop, kind, text, target, target_paragraph "
            "FROM cites WHERE doc_id = ? ORDER BY paragraph, start", (doc_id,))]

    def cites(self, doc_id: str) -> list[dict]:
        """What ``doc_id`` cites: ``{"text", "kind", "paragraph", "doc_id", "target_paragraph"}``."""
        return [{"text": c.text, "kind": c.kind, "paragraph": c.paragraph, "doc_id": c.target,
                 "target_paragraph": c.target_paragraph} for c in self.mentions(doc_id)]

    def cited_by(self, doc_id: str) -> list[dict]:
        """Who cites ``doc_id``: ``{"doc_id", "paragraph", "text"}`` by document and paragraph."""
        return [{"doc_id": r[0], "paragraph": r[1], "text": r[2]} for r in self._query(
            "SELECT doc_id, paragraph, text FROM cites WHERE target = ? "
            "ORDER BY doc_id, paragraph, start", (doc_id,))]

    def in_paragraphs(self, pairs: Iterable[tuple[str, int]]) -> dict[tuple[str, int], list[Cite]]:
        """The mentions of each (doc_id, paragraph), for links in snippets."""
        out: dict[tuple[str, int], list[Cite]] = {}
        for doc_id, n in set(pairs):
            rows = self._query(
                "SELECT doc_id, paragraph, start, stop, kind, text, target, target_paragraph "
                "FROM cites WHERE doc_id = ? AND paragraph = ? ORDER BY start", (doc_id, n))
            if rows:
                out[(doc_id, n)] = [Cite(*r) for r in rows]
        return out

    def resolver(self) -> Resolver:
        if self._resolver is None:
            docs = [Doc(*r) for r in self._query(
                "SELECT doc_id, title, doc_number, date, issuer FROM docs")]
            self._resolver = Resolver(docs)
        return self._resolver

    def citing(self, text: str) -> list[tuple[str, int]]:
        """The paragraphs that cite what ``text`` names (a 文号 or a title), as
        (doc_id, paragraph) in order: mentions resolved to any version of it, and
        mentions of the same number or title that are not resolved."""
        cached = self._citing.get(text)
        if cached is not None:
            return cached
        targets = self.resolver().lookup(text)
        found: set[tuple[str, int]] = set()
        for start in range(0, len(targets), 500):
            chunk = targets[start:start + 500]
            found.update(self._query(
                f"SELECT doc_id, paragraph FROM cites WHERE target IN ({','.join('?' * len(chunk))})",
                tuple(chunk)))
        kind, key, qualifier = query_key(text)
        if key:
            for doc_id, n, mkind, mqual in self._query(
                    "SELECT doc_id, paragraph, kind, qualifier FROM cites WHERE key = ?", (key,)):
                if (mkind == "number") == (kind == "number") and key_matches(kind, qualifier, mqual):
                    found.add((doc_id, n))
        out = sorted(found)
        with self._lock:
            if len(self._citing) > 256:
                self._citing.clear()
            self._citing[text] = out
        return out

    def all(self, resolved_only: bool = True) -> Iterator[Cite]:
        """Every mention (resolved ones only, by default) by citing document and paragraph."""
        where = "WHERE target IS NOT NULL " if resolved_only else ""
        yield from (Cite(*r) for r in self._query(
            "SELECT doc_id, paragraph, start, stop, kind, text, target, target_paragraph "
            f"FROM cites {where}ORDER BY doc_id, paragraph, start"))

    def counts(self) -> dict[str, int]:
        rows = self._query("SELECT kind, COUNT(*), COUNT(target) FROM cites GROUP BY kind")
        return {f"{kind}{suffix}": n for kind, total, resolved in rows
                for suffix, n in (("", total), ("_resolved", resolved))}
