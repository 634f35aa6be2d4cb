"""Writing the citations file of a commit, before the commit (see :mod:`.store`).

A rebuild resolves every mention. An incremental commit starts from the file
of the commit before: documents it adds, changes or removes are *changed*; a
document it leaves alone keeps its rows unless one of its mentions is looked
up by a key that the change affects (:func:`indexer.cite.resolve.affecting_keys`:
the changed documents' titles, the titles they carry, their numbers, and for
names without 《》 the ends of their titles that such a name may stop at). A
bare name's keys depend on the titles indexed (:meth:`~indexer.cite.resolve.Resolver.bare_keys`:
依照本条例 is looked up by ``b:本条例`` and ``u:条例``, so adding a 条例 changes
nothing for it), and are kept per document in ``doc_keys``: the documents
left alone with an affected key are found there, and of those only the
mentions looked up by such a key are resolved again (and their keys written
again) against all the commit's documents; the others' rows are copied. So a
document added resolves the mentions that name it, one removed unresolves
them, and the result equals resolving everything (``python -m bench.citations``
checks it on LawRefBook). A file of another :data:`~indexer.cite.store.FORMAT`
is written anew.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from ..document import Paragraph
from . import extract
from .lookup import StoredResolver
from .resolve import Doc, Resolver, affecting_keys, mention_key
from .store import FORMAT, INDEXES, NAME_RE, TABLES, Entry, file_format, file_name, load

#: Documents read back per statement when an update resolves some of their mentions again.
_BATCH = 500
_LOOKUP = ", ".join("?" * 12)


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


def resolve_all(entries: dict[str, Entry]) -> tuple[Resolver, list[tuple]]:
    """A resolver of ``entries`` and every mention of them resolved by it."""
    resolver = Resolver(e.doc for e in entries.values())
    return resolver, resolve_rows(resolver, (entries[d] for d in sorted(entries)))


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


def _key_rows(doc_id: str, keys: Iterable[str]) -> list[tuple[str, str]]:
    return [(k, doc_id) for k in keys]


def write(path: Path, entries: dict[str, Entry]) -> None:
    """Resolve every mention of ``entries`` and write the file at ``path`` (atomically)."""
    resolver, rows = resolve_all(entries)
    keys = {d: entries[d].keys(resolver) for d in sorted(entries)}
    tmp = _temporary(path)
    db = sqlite3.connect(tmp)
    try:
        db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + TABLES)
        db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       [entries[d].row(keys[d]) for d in keys])
        db.executemany(f"INSERT INTO lookup VALUES ({_LOOKUP})", [entries[d].lookup_row() for d in keys])
        db.executemany("INSERT INTO doc_keys VALUES (?, ?)",
                       sorted(r for d in keys for r in _key_rows(d, keys[d])))
        db.executemany("INSERT INTO cites VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        db.executescript(INDEXES)
    except BaseException:
        db.close()
        raise
    _finish(db, tmp, path, len(entries))


def _in_batches(db: sqlite3.Connection, sql: str, values: list, args: tuple = ()):
    """The rows of ``sql`` with ``{}`` replaced by ``?`` for each of ``values``, a batch at a time."""
    for at in range(0, len(values), _BATCH):
        batch = values[at:at + _BATCH]
        yield from db.execute(sql.format(", ".join("?" * len(batch))), (*args, *batch))


def update(previous: Path, path: Path, changed: dict[str, Entry], removed: Iterable[str]
           ) -> list[str]:
    """The file of the next commit at ``path``: ``previous`` with the documents
    ``changed`` (added or replaced) and ``removed``, and the mentions they may
    change resolved again (see the module's docstring). Returns the documents left
    alone whose mentions were resolved again (some of them)."""
    tmp = _temporary(path)
    shutil.copyfile(previous, tmp)
    db = sqlite3.connect(tmp)
    try:
        db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;")
        gone = set(removed) | set(changed)
        before = [Doc(*r) for r in _in_batches(
            db, "SELECT doc_id, title, doc_number, date, issuer FROM lookup WHERE doc_id IN ({}) "
            "ORDER BY doc_id", sorted(gone))]
        db.executemany("DELETE FROM lookup WHERE doc_id = ?", [(d,) for d in sorted(gone)])
        db.executemany(f"INSERT INTO lookup VALUES ({_LOOKUP})",
                       [changed[d].lookup_row() for d in sorted(changed)])
        resolver = StoredResolver(db, {d: e.doc for d, e in changed.items()})
        affecting = sorted(affecting_keys(resolver, before, [e.doc for e in changed.values()]))
        found = _in_batches(db, "SELECT DISTINCT doc_id FROM doc_keys WHERE key IN ({})", affecting)
        affected = sorted({d for (d,) in found} - gone)
        wanted = set(affecting)
        again, places, old_keys, new_keys = [], [], {}, {}
        for row in _in_batches(db, "SELECT doc_id, title, doc_number, date, issuer, mentions, "
                               "articles, keys FROM docs WHERE doc_id IN ({}) ORDER BY doc_id",
                               affected):
            entry = Entry.stored(row[:7])
            doc_id = entry.doc.doc_id
            old_keys[doc_id], new_keys[doc_id] = row[7].split(), entry.keys(resolver)
            # Of a document left alone, only the mentions looked up by an affected key
            # are resolved again (with any other mention whose row has the same place).
            redo = {(m.paragraph, m.end) for m in entry.mentions
                    if not wanted.isdisjoint(resolver.mention_keys(m))}
            entry.mentions = [m for m in entry.mentions if (m.paragraph, m.end) in redo]
            again.append(entry)
            places += sorted((doc_id, p, e) for p, e in redo)
        gone_keys = {r[0]: r[1].split() for r in _in_batches(
            db, "SELECT doc_id, keys FROM docs WHERE doc_id IN ({})", sorted(gone))}
        again += [changed[d] for d in sorted(changed)]
        new_rows = resolve_rows(resolver, again)
        for doc_id in sorted(changed):
            new_keys[doc_id] = changed[doc_id].keys(resolver)
        db.executemany("DELETE FROM doc_keys WHERE key = ? AND doc_id = ?",
                       [(k, d) for d, ks in sorted(gone_keys.items()) for k in ks]
                       + [(k, d) for d in affected for k in old_keys[d]])
        db.executemany("DELETE FROM docs WHERE doc_id = ?", [(d,) for d in sorted(gone)])
        db.executemany("DELETE FROM cites WHERE doc_id = ?", [(d,) for d in sorted(gone)])
        db.executemany("DELETE FROM cites WHERE doc_id = ? AND paragraph = ? AND stop = ?",
                       places)
        db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       [changed[d].row(new_keys[d]) for d in sorted(changed)])
        db.executemany("UPDATE docs SET keys = ? WHERE doc_id = ?",
                       [(" ".join(new_keys[d]), d) for d in affected])
        db.executemany("INSERT INTO doc_keys VALUES (?, ?)",
                       [r for d in sorted(new_keys) for r in _key_rows(d, new_keys[d])])
        db.executemany("INSERT INTO cites VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", new_rows)
    except BaseException:
        db.close()
        raise
    _finish(db, tmp, path, db.execute("SELECT COUNT(*) FROM lookup").fetchone()[0])
    return affected


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
    if previous.exists() and file_format(previous) == FORMAT:
        update(previous, path, changed, removed)
        return
    if previous.exists():
        entries = load(previous)
    else:
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
