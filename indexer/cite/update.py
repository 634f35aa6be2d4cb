"""Writing the citations file of a commit, before the commit (see :mod:`.store`).

A rebuild resolves every mention. An incremental commit starts from the file
of the commit before: documents it adds, changes or removes are *changed*; a
document it leaves alone keeps its rows unless one of its mentions is looked
up by a key a changed document has (:func:`indexer.cite.resolve.mention_keys`,
:func:`~indexer.cite.resolve.doc_keys`: its title, the title it carries, its
number, the last characters of its title for bare names). Those documents and
the changed ones are resolved again against all the commit's documents (of the
former, only the mentions looked up by such a key); the others' rows are copied.
So a document added resolves the mentions that name it, one removed unresolves
them, and the result equals resolving everything
(``python -m bench.citations`` checks it on LawRefBook).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from ..document import Paragraph
from . import extract
from .resolve import Doc, Resolver, doc_keys, keys_of, mention_key
from .store import FORMAT, INDEXES, NAME_RE, TABLES, Entry, LazyArticles, file_name

#: Documents read back per statement when an update resolves some of their mentions again.
_BATCH = 500


def from_whoosh(ix) -> dict[str, Entry]:
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
        out[doc_id] = Entry.make(doc_id, meta, *extract.serialized(paras))
    return out


def resolve_rows(resolver: Resolver, entries: Iterable[Entry]) -> list[tuple]:
    """The ``cites`` rows of ``entries``' mentions, resolved by ``resolver``."""
    rows = []
    for entry in entries:
        for m in entry.mentions:
            found = resolver.resolve(m, entry.doc)
            if found is None:
                continue
            key, qualifier = mention_key(m, found)
            rows.append((entry.doc.doc_id, m.paragraph, found.start, m.end, found.kind,
                         found.text, key, qualifier, found.doc_id, found.paragraph))
    return rows


def resolve_all(entries: dict[str, Entry]) -> list[tuple]:
    """Every mention of ``entries`` resolved against them."""
    resolver = Resolver(e.doc for e in entries.values())
    return resolve_rows(resolver, (entries[d] for d in sorted(entries)))


def _finish(db: sqlite3.Connection, tmp: Path, path: Path, documents: int) -> None:
    mentions = db.execute("SELECT COUNT(*) FROM cites").fetchone()[0]
    db.execute("DELETE FROM info")
    db.executemany("INSERT INTO info VALUES (?, ?)", [
        ("format", str(FORMAT)), ("documents", str(documents)), ("mentions", str(mentions))])
    db.commit()
    db.close()
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _temporary(path: Path) -> Path:
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    return tmp


def write(path: Path, entries: dict[str, Entry]) -> None:
    """Resolve every mention of ``entries`` and write the file at ``path`` (atomically)."""
    rows = resolve_all(entries)
    tmp = _temporary(path)
    db = sqlite3.connect(tmp)
    try:
        db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + TABLES)
        db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       [entries[d].row() for d in sorted(entries)])
        db.executemany("INSERT INTO cites VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        db.executescript(INDEXES)
    except BaseException:
        db.close()
        raise
    _finish(db, tmp, path, len(entries))


def update(previous: Path, path: Path, changed: dict[str, Entry], removed: Iterable[str]) -> None:
    """The file of the next commit at ``path``: ``previous`` with the documents
    ``changed`` (added or replaced) and ``removed``, and the mentions they may
    change resolved again (see the module's docstring)."""
    source = sqlite3.connect(f"file:{quote(str(previous))}?mode=ro", uri=True)
    try:
        rows = source.execute(
            "SELECT doc_id, title, doc_number, date, issuer, articles, keys FROM docs").fetchall()
    finally:
        source.close()
    docs = {r[0]: Doc(*r[:5], articles=LazyArticles(r[5])) for r in rows}
    keys = {r[0]: set(r[6].split()) for r in rows}
    gone = set(removed) | set(changed)
    affecting: set[str] = set()
    for doc_id in gone:
        if doc_id in docs:
            affecting |= doc_keys(docs.pop(doc_id))
    for doc_id, entry in changed.items():
        docs[doc_id] = entry.doc
        affecting |= doc_keys(entry.doc)
    affected = sorted(d for d, k in keys.items() if d not in gone and k & affecting)
    resolver = Resolver(docs.values())
    tmp = _temporary(path)
    shutil.copyfile(previous, tmp)
    db = sqlite3.connect(tmp)
    try:
        db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;")
        # Of a document left alone, only the mentions looked up by an affecting key
        # are resolved again (with any other mention whose row has the same place).
        def affecting_only(raw: list[list]) -> list[list]:
            # [paragraph, start, end, kind, text, title, number, …]
            redo = {(m[0], m[2]) for m in raw if keys_of(m[3], m[5], m[6]) & affecting}
            return [m for m in raw if (m[0], m[2]) in redo]

        again, places = [], []
        for at in range(0, len(affected), _BATCH):
            batch = affected[at:at + _BATCH]
            found = db.execute(
                "SELECT doc_id, title, doc_number, date, issuer, mentions, articles FROM docs "
                f"WHERE doc_id IN ({', '.join('?' * len(batch))}) ORDER BY doc_id", batch)
            for row in found:
                entry = Entry.stored(row, affecting_only)
                again.append(entry)
                places += sorted({(entry.doc.doc_id, m.paragraph, m.end) for m in entry.mentions})
        again += [changed[d] for d in sorted(changed)]
        new_rows = resolve_rows(resolver, again)
        db.executemany("DELETE FROM docs WHERE doc_id = ?", [(d,) for d in sorted(gone)])
        db.executemany("DELETE FROM cites WHERE doc_id = ?", [(d,) for d in sorted(gone)])
        db.executemany("DELETE FROM cites WHERE doc_id = ? AND paragraph = ? AND stop = ?",
                       places)
        db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       [changed[d].row() for d in sorted(changed)])
        db.executemany("INSERT INTO cites VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", new_rows)
    except BaseException:
        db.close()
        raise
    _finish(db, tmp, path, len(docs))


def before_commit(ix, generation: int, extracted: dict[str, tuple[dict, tuple[str, str]]],
                  removed: Iterable[str]) -> None:
    """Write the citations of the commit of Whoosh ``generation``, about to be made.

    ``extracted``: the documents added or replaced, as (meta, (mentions, articles)),
    the JSON texts of :func:`indexer.cite.extract.serialized`;
    ``removed``: the documents deleted. The others come from the citations file of
    the commit before (or, if it is missing, from the index's stored paragraphs).
    """
    folder = Path(ix.storage.folder)
    previous = folder / file_name(generation - 1)
    path = folder / file_name(generation)
    changed = {d: Entry.make(d, meta, *data) for d, (meta, data) in extracted.items()}
    if previous.exists():
        update(previous, path, changed, removed)
        return
    entries = from_whoosh(ix) if ix.doc_count() else {}
    for doc_id in removed:
        entries.pop(doc_id, None)
    entries.update(changed)
    write(path, entries)


def after_commit(ix, generation: int) -> None:
    """Remove the citations files of other commits (as Whoosh removes their TOCs)."""
    folder = Path(ix.storage.folder)
    for path in folder.iterdir():
        m = NAME_RE.match(path.name)
        stale = (m is not None and int(m.group(1)) != generation) or (
            path.name.startswith("citations-") and path.name.endswith(".tmp"))
        if stale:
            path.unlink(missing_ok=True)
