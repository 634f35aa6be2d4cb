"""The citations of one commit of the index, in a SQLite file beside Whoosh's files.

``citations-<generation>.sqlite`` describes the index as Whoosh's TOC of that
generation lists it, and is written *before* that TOC (like each segment's
character index), so a reader that sees a commit always finds its citations:

* ``docs``: every document's metadata and what extraction kept of it (its
  mentions and articles, JSON), so that the next commit re-resolves every
  mention without reading unchanged documents again;
* ``cites``: every mention, resolved — citing document, paragraph, span,
  kind, text, the key ``cites:`` finds it under, and the document and paragraph
  it means (NULL when unresolved).

Every commit resolves every mention again, against the documents of that
commit: a document added or removed changes who cites whom, and a mention that
names a document indexed later becomes resolved. The file is written once and
opened read-only (``immutable``); SQLite opens it in microseconds and answers a
document's lists from its indexes.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from ..document import Paragraph
from ..store import SearchIndexError
from . import extract
from .extract import Mention
from .resolve import Doc, Resolver, key_matches, mention_key, query_key

#: Bumped when the file's tables change (the index's SCHEMA_VERSION follows).
FORMAT = 1
_NAME_RE = re.compile(r"^citations-(\d+)\.sqlite$")
META = ("title", "doc_number", "date", "issuer")

_TABLES = """
CREATE TABLE info (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE docs (doc_id TEXT PRIMARY KEY, title TEXT, doc_number TEXT, date TEXT,
                   issuer TEXT, extract TEXT NOT NULL);
CREATE TABLE cites (doc_id TEXT NOT NULL, paragraph INTEGER NOT NULL, start INTEGER NOT NULL,
                    stop INTEGER NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL,
                    key TEXT NOT NULL, qualifier TEXT NOT NULL, target TEXT,
                    target_paragraph INTEGER);
"""
_INDEXES = """
CREATE INDEX cites_doc ON cites (doc_id, paragraph, start);
CREATE INDEX cites_target ON cites (target, doc_id, paragraph);
CREATE INDEX cites_key ON cites (key);
"""


class MissingCitations(SearchIndexError, FileNotFoundError):
    """An index with documents whose commit has no citations file."""


def file_name(generation: int) -> str:
    return f"citations-{generation}.sqlite"


@dataclass
class Entry:
    """One document as the citations file keeps it."""

    doc: Doc
    mentions: list[Mention]
    raw: str  # the extraction, as JSON

    @classmethod
    def make(cls, doc_id: str, meta: dict, extracted: dict) -> Entry:
        doc = Doc(doc_id, *(meta.get(k) for k in META), articles=extracted.get("articles", {}))
        return cls(doc, [Mention.from_list(m) for m in extracted.get("mentions", [])],
                   json.dumps(extracted, ensure_ascii=False, separators=(",", ":")))


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


# --- writing (by the reindex, before its commit) ---------------------------------

def load(path: Path) -> dict[str, Entry]:
    """Every document of a citations file, as :func:`write` takes them."""
    db = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT doc_id, title, doc_number, date, issuer, extract FROM docs")
        return {r[0]: Entry.make(r[0], dict(zip(META, r[1:5], strict=True)), json.loads(r[5]))
                for r in rows}
    finally:
        db.close()


def _from_whoosh(ix) -> dict[str, Entry]:
    """Every document of the committed index, extracted again from its stored paragraphs
    (an index whose citations file is missing)."""
    metas: dict[str, dict] = {}
    paragraphs: dict[str, list[Paragraph]] = defaultdict(list)
    with ix.searcher() as searcher:
        for fields in searcher.all_stored_fields():
            if fields.get("kind") == "d":
                metas[fields["doc_id"]] = fields.get("meta") or {}
            else:
                paragraphs[fields["doc_id"]].append(
                    Paragraph(fields["n"], fields["text"], bool(fields.get("heading"))))
    out = {}
    for doc_id, meta in metas.items():
        paras = sorted(paragraphs.get(doc_id, []), key=lambda p: p.n)
        out[doc_id] = Entry.make(doc_id, meta, extract.extract(paras))
    return out


def resolve_all(entries: dict[str, Entry]) -> list[tuple]:
    """Every mention of ``entries`` resolved against them: the rows of ``cites``."""
    resolver = Resolver(e.doc for e in entries.values())
    rows = []
    for doc_id in sorted(entries):
        entry = entries[doc_id]
        for m in entry.mentions:
            found = resolver.resolve(m, entry.doc)
            if found is None:
                continue
            key, qualifier = mention_key(m, found)
            rows.append((doc_id, m.paragraph, found.start, m.end, found.kind, found.text, key,
                         qualifier, found.doc_id, found.paragraph))
    return rows


def write(path: Path, entries: dict[str, Entry]) -> None:
    """Resolve and write the citations file of ``entries`` at ``path`` (atomically)."""
    rows = resolve_all(entries)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    try:
        db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + _TABLES)
        db.executemany("INSERT INTO info VALUES (?, ?)",
                       [("format", str(FORMAT)), ("documents", str(len(entries))),
                        ("mentions", str(len(rows)))])
        db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?)",
                       [(d, e.doc.title, e.doc.doc_number, e.doc.date, e.doc.issuer, e.raw)
                        for d, e in sorted(entries.items())])
        db.executemany("INSERT INTO cites VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        db.executescript(_INDEXES)
        db.commit()
    finally:
        db.close()
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def before_commit(ix, generation: int, extracted: dict[str, tuple[dict, dict]],
                  removed: Iterable[str]) -> None:
    """Write the citations of the commit of Whoosh ``generation``, about to be made.

    ``extracted``: the documents added or replaced, as (meta, extraction);
    ``removed``: the documents deleted. The other documents come from the
    citations file of the commit before (or, if it is missing, from the index).
    """
    folder = Path(ix.storage.folder)
    previous = folder / file_name(generation - 1)
    if previous.exists():
        entries = load(previous)
    elif ix.doc_count():
        entries = _from_whoosh(ix)
    else:
        entries = {}
    for doc_id in removed:
        entries.pop(doc_id, None)
    for doc_id, (meta, data) in extracted.items():
        entries[doc_id] = Entry.make(doc_id, meta, data)
    write(folder / file_name(generation), entries)


def after_commit(ix, generation: int) -> None:
    """Remove the citations files of other commits (as Whoosh removes their TOCs)."""
    folder = Path(ix.storage.folder)
    for path in folder.iterdir():
        m = _NAME_RE.match(path.name)
        stale = (m is not None and int(m.group(1)) != generation) or (
            path.name.startswith("citations-") and path.name.endswith(".tmp"))
        if stale:
            path.unlink(missing_ok=True)


# --- reading -----------------------------------------------------------------------

class Citations:
    """The citations of one commit, read-only; safe to share between threads."""

    def __init__(self, path: Path | None):
        self.path = path
        self._db = None
        if path is not None:
            self._db = sqlite3.connect(f"file:{quote(str(path))}?mode=ro&immutable=1", uri=True,
                                       check_same_thread=False)
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

    def _query(self, sql: str, args: tuple = ()) -> list[tuple]:
        if self._db is None:
            return []
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
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
