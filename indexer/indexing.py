"""Build and update the index: incremental, atomic, safe to interrupt.

* New files are added, changed files (content hash over the file and its
  sidecar) replaced, deleted files removed; unchanged files are not parsed.
* Everything is written in one Whoosh commit, so an interrupted run leaves the
  previous index untouched and searchable. A rebuild writes a new generation
  and switches to it atomically (see :mod:`indexer.store`).
* A file that cannot be read is reported and skipped; if an older version of it
  is indexed, that version stays.
* One reindex at a time: a second one waits (``wait`` seconds) or raises
  :class:`~indexer.store.IndexBusy`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .document import Document
from .ingest import (
    IngestError,
    ReadFailure,
    apply_sidecar,
    find_files,
    hash_bytes,
    parse_document,
)
from .store import (
    IncompatibleIndex,
    check_compatible,
    create_whoosh,
    live_generation,
    new_generation,
    new_meta,
    now_iso,
    open_whoosh,
    read_meta,
    reindex_lock,
    switch_generation,
    write_meta,
)

Progress = Callable[[int, int, str], None]

#: Memory Whoosh's writer may use before flushing a segment (per run).
WRITER_LIMIT_MB = 256


@dataclass
class ReindexReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    failed: list[ReadFailure] = field(default_factory=list)
    paragraphs_written: int = 0
    documents: int = 0
    paragraphs: int = 0
    seconds: float = 0.0
    rebuilt: bool = False
    reason: str | None = None

    def to_dict(self) -> dict:
        return {
            "added": len(self.added), "updated": len(self.updated),
            "removed": len(self.removed), "unchanged": self.unchanged,
            "failed": [{"path": f.path, "reason": f.reason} for f in self.failed],
            "paragraphs_written": self.paragraphs_written, "documents": self.documents,
            "paragraphs": self.paragraphs, "seconds": round(self.seconds, 3),
            "rebuilt": self.rebuilt, "reason": self.reason,
        }

    def summary(self) -> str:
        text = (f"added {len(self.added)}, updated {len(self.updated)}, "
                f"removed {len(self.removed)}, unchanged {self.unchanged}, "
                f"failed {len(self.failed)}; {self.paragraphs_written} paragraphs written; "
                f"index: {self.documents} documents, {self.paragraphs} paragraphs; "
                f"{self.seconds:.2f} s")
        if self.rebuilt:
            text = f"rebuilt ({self.reason}); " + text
        return text


def _records(doc: Document) -> list[dict]:
    """Whoosh records for one document: a document record and one per paragraph."""
    meta = doc.meta
    doc_meta = {
        "title": meta.title, "doc_number": meta.doc_number, "issuer": meta.issuer,
        "date": meta.date, "doc_type": meta.doc_type, "topic": meta.topic,
        "original": dict(meta.original), "source": doc.source, "encoding": doc.encoding,
        "hash": doc.content_hash, "paragraphs": len(doc.paragraphs),
    }
    out = [{"key": "d:" + doc.doc_id, "kind": "d", "doc_id": doc.doc_id, "meta": doc_meta}]
    shared: dict = {"kind": "p", "doc_id": doc.doc_id}
    if meta.title:
        shared["title_lit"] = meta.title
    if meta.doc_number:
        shared["number_lit"] = meta.doc_number
    if meta.issuer:
        shared["issuer_lit"] = meta.issuer
        shared["issuer"] = meta.issuer
    if meta.doc_type:
        shared["doc_type"] = meta.doc_type
    if meta.date:
        shared["year"] = meta.date[:4]
        shared["date"] = int(meta.date.replace("-", ""))
    else:
        shared["date"] = 0
    for p in doc.paragraphs:
        rec = dict(shared)
        rec.update(key=f"p:{doc.doc_id}#{p.n}", n=p.n, heading=p.heading, line=p.line, text=p.text,
                   words=p.text, lit=p.text)
        out.append(rec)
    return out


def _manifest(ix) -> dict[str, dict]:
    with ix.searcher() as searcher:
        return {searcher.stored_fields(n)["doc_id"]: searcher.stored_fields(n)["meta"]
                for n in searcher.document_numbers(kind="d")}


def reindex(paths: Iterable[str | Path], index_dir: str | Path, rebuild: bool = False,
            user_dicts: tuple[str, ...] = (), progress: Progress | None = None,
            wait: float = 0.0) -> ReindexReport:
    """Bring the index at ``index_dir`` in line with the files under ``paths``."""
    started = time.perf_counter()
    index_dir = Path(index_dir)
    paths = [Path(p) for p in paths]
    user_dicts = tuple(str(Path(p).resolve()) for p in user_dicts)
    report = ReindexReport()
    with reindex_lock(index_dir, wait=wait):
        gen = live_generation(index_dir)
        if gen is not None and not rebuild:
            try:
                check_compatible(gen, read_meta(gen), user_dicts)
            except IncompatibleIndex as exc:
                rebuild, report.reason = True, f"settings changed: {exc}"
        if gen is None:
            rebuild, report.reason = True, "no index yet"
        elif rebuild and report.reason is None:
            report.reason = "--rebuild"
        report.rebuilt = rebuild

        if rebuild:
            target = new_generation(index_dir)
            ix = create_whoosh(target, user_dicts)
            meta = new_meta(user_dicts, [str(p) for p in paths])
            manifest: dict[str, dict] = {}
        else:
            target = gen
            ix = open_whoosh(target)
            meta = read_meta(target)
            manifest = _manifest(ix)

        files, failures = find_files(paths)
        report.failed.extend(failures)
        seen: set[str] = set()
        writer = None
        total = len(files)
        try:
            for done, source in enumerate(files, start=1):
                seen.add(source.doc_id)
                if progress:
                    progress(done, total, source.doc_id)
                try:
                    data = source.path.read_bytes()
                except OSError as exc:
                    report.failed.append(ReadFailure(str(source.path), exc.strerror or str(exc)))
                    continue
                digest = hash_bytes(data, source.path)
                old = manifest.get(source.doc_id)
                if old is not None and old.get("hash") == digest:
                    report.unchanged += 1
                    continue
                try:
                    doc = parse_document(data, source.path, source.doc_id)
                except IngestError as exc:
                    report.failed.append(ReadFailure(exc.path, exc.reason))
                    continue
                doc.content_hash = digest
                apply_sidecar(doc, source.path)
                if writer is None:
                    writer = ix.writer(limitmb=WRITER_LIMIT_MB)
                if old is not None:
                    writer.delete_by_term("doc_id", source.doc_id)
                    report.updated.append(source.doc_id)
                else:
                    report.added.append(source.doc_id)
                for record in _records(doc):
                    writer.add_document(**record)
                report.paragraphs_written += len(doc.paragraphs)
            failed_ids = {_id for _id in manifest if _id not in seen}
            # A file that failed to read this time keeps its indexed version.
            failed_paths = {os.path.normpath(f.path) for f in report.failed}
            for doc_id in sorted(failed_ids):
                src = os.path.normpath(manifest[doc_id].get("source", ""))
                if src in failed_paths:
                    continue
                if writer is None:
                    writer = ix.writer(limitmb=WRITER_LIMIT_MB)
                writer.delete_by_term("doc_id", doc_id)
                report.removed.append(doc_id)
            if writer is not None:
                writer.commit()
                writer = None
        except BaseException:
            if writer is not None:
                writer.cancel()
            raise

        with ix.searcher() as searcher:
            documents = len(list(searcher.document_numbers(kind="d")))
            report.documents = documents
            report.paragraphs = searcher.doc_count() - documents
        meta["counts"] = {"documents": report.documents, "paragraphs": report.paragraphs}
        meta["updated"] = now_iso()
        meta["corpus"] = [str(p) for p in paths]
        write_meta(target, meta)
        if rebuild:
            switch_generation(index_dir, target)
    report.seconds = time.perf_counter() - started
    return report
