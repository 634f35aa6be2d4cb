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

import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import settings
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
from .writer import open_writer

Progress = Callable[[int, int, str], None]

#: Memory Whoosh's writer may use before flushing a segment (per run).
WRITER_LIMIT_MB = 192
#: Fewer changed files than this are parsed in the writer process itself.
PARALLEL_MIN_FILES = 16


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
    out = [{"kind": "d", "doc_id": doc.doc_id, "meta": doc_meta}]
    # Underscored values go to the character index's columns, not to Whoosh.
    shared: dict = {"kind": "p", "doc_id": doc.doc_id, "_issuer": meta.issuer or "",
                    "_doc_type": meta.doc_type or "", "_year": (meta.date or "")[:4],
                    "_date": int(meta.date.replace("-", "")) if meta.date else 0}
    for p in doc.paragraphs:
        rec = dict(shared)
        rec.update(n=p.n, heading=p.heading, line=p.line, text=p.text)
        if p.page is not None:
            rec["page"] = p.page
        out.append(rec)
    return out


@dataclass(frozen=True)
class _Job:
    path: str
    doc_id: str
    data: bytes
    digest: str


def _prepare(job: _Job) -> tuple:
    """Parse one changed file (runs in a worker process)."""
    path = Path(job.path)
    try:
        doc = parse_document(job.data, path, job.doc_id)
    except IngestError as exc:
        return ("failed", ReadFailure(exc.path, exc.reason))
    doc.content_hash = job.digest
    apply_sidecar(doc, path)
    return ("ok", doc.doc_id, _records(doc), len(doc.paragraphs))


def _prepared(jobs: Iterator[_Job], workers: int) -> Iterator[tuple]:
    """Results of :func:`_prepare` in job order, from ``workers`` processes."""
    if workers <= 1:
        for job in jobs:
            yield _prepare(job)
        return
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque = deque()
        for job in jobs:
            pending.append(pool.submit(_prepare, job))
            if len(pending) >= workers * 8:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _manifest(ix) -> dict[str, dict]:
    with ix.searcher() as searcher:
        return {searcher.stored_fields(n)["doc_id"]: searcher.stored_fields(n)["meta"]
                for n in searcher.document_numbers(kind="d")}


def reindex(paths: Iterable[str | Path], index_dir: str | Path, rebuild: bool = False,
            user_dicts: tuple[str, ...] = (), progress: Progress | None = None,
            wait: float = 0.0, workers: int | None = None) -> ReindexReport:
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
        changed: list[tuple] = []
        for source in files:
            seen.add(source.doc_id)
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
            changed.append((source, data, digest))

        if workers is None:
            workers = int(settings.resolve("workers")) or os.cpu_count() or 1
        if len(changed) < PARALLEL_MIN_FILES:
            workers = 1
        jobs = (_Job(str(src.path), src.doc_id, data, digest)
                for src, data, digest in changed)
        try:
            for done, result in enumerate(_prepared(jobs, workers), start=1):
                if progress:
                    progress(done, len(changed), changed[done - 1][0].doc_id)
                if result[0] == "failed":
                    report.failed.append(result[1])
                    continue
                _, doc_id, records, n_paragraphs = result
                if writer is None:
                    writer = open_writer(ix, WRITER_LIMIT_MB)
                if doc_id in manifest:
                    writer.delete_by_term("doc_id", doc_id)
                    report.updated.append(doc_id)
                else:
                    report.added.append(doc_id)
                for record in records:
                    writer.add_document(**record)
                report.paragraphs_written += n_paragraphs
            missing = {_id for _id in manifest if _id not in seen}
            # A file that failed to read this time keeps its indexed version.
            failed_paths = {os.path.normpath(f.path) for f in report.failed}
            for doc_id in sorted(missing):
                src = os.path.normpath(manifest[doc_id].get("source", ""))
                if src in failed_paths:
                    continue
                if writer is None:
                    writer = open_writer(ix, WRITER_LIMIT_MB)
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
