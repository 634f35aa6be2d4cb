"""Build and update the index: incremental, atomic, safe to interrupt.

* New files are added, changed files (content hash over the file and its
  sidecar) replaced, deleted files removed; unchanged files are not parsed.
  A file whose size and modification time (and its sidecar's) are those
  recorded when it was read is not even read: see :func:`stat_key`. ``checksum``
  reads and hashes every file.
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
import shutil
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from . import settings
from .cite import extract as cite_extract
from .cite import update as cite_update
from .document import Document
from .ingest import (
    IngestError,
    ReadFailure,
    SourceFile,
    apply_sidecar,
    hash_bytes,
    parse_document,
    scan,
    sidecar_path,
)
from .scope import Scope, absolute, base_of, inside, known_roots, location, plan
from .segment import Segmenter
from .store import (
    IncompatibleIndex,
    ReindexFailed,
    ReindexRefused,
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
from .writer import documents, open_writer, paragraph_word_starts

Progress = Callable[[int, int, str], None]

#: Memory Whoosh's writer may use before flushing a segment (per run).
WRITER_LIMIT_MB = 192
#: Fewer changed files than this are parsed in the writer process itself.
PARALLEL_MIN_FILES = 16


#: Removed documents named in the summary line when there are at most this many.
SUMMARY_NAMES = 3


@dataclass
class ReindexReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    failed: list[ReadFailure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
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
            "warnings": list(self.warnings),
            "paragraphs_written": self.paragraphs_written, "documents": self.documents,
            "paragraphs": self.paragraphs, "seconds": round(self.seconds, 3),
            "rebuilt": self.rebuilt, "reason": self.reason,
        }

    def summary(self) -> str:
        """One line; removed documents are named, up to :data:`SUMMARY_NAMES` of them."""
        text = (f"added {len(self.added)}, updated {len(self.updated)}, "
                f"removed {len(self.removed)}{_names(self.removed)}, "
                f"unchanged {self.unchanged}, failed {len(self.failed)}, "
                f"warnings {len(self.warnings)}; {self.paragraphs_written} paragraphs written; "
                f"index: {self.documents} documents, {self.paragraphs} paragraphs; "
                f"{self.seconds:.2f} s")
        if self.rebuilt:
            text = f"rebuilt ({self.reason}); " + text
        return text


def _names(ids: list[str]) -> str:
    if not ids:
        return ""
    shown = ", ".join(ids[:SUMMARY_NAMES])
    more = len(ids) - SUMMARY_NAMES
    return f" ({shown} and {more} more)" if more > 0 else f" ({shown})"


#: A file modified this close before it was read may change again within the same
#: modification time (coarse file-system clocks): its size and time are not trusted.
RACY_NS = 2_000_000_000


def stat_key(path: Path) -> list[int]:
    """Size and modification time (ns) of a file and of its sidecar (-1, -1 if none)."""
    st = path.stat()
    side = sidecar_path(path)
    if side is None:
        return [st.st_size, st.st_mtime_ns, -1, -1]
    try:
        ss = side.stat()
    except OSError:
        return [st.st_size, st.st_mtime_ns, -2, -2]
    return [st.st_size, st.st_mtime_ns, ss.st_size, ss.st_mtime_ns]


def unchanged_by_stat(path: Path, recorded: dict) -> bool:
    """True when ``path`` (and its sidecar) have the size and time recorded when the
    indexed version was read, and were not modified just before that read."""
    key, read_ns = recorded.get("stat"), recorded.get("read_ns")
    if not key or not read_ns:
        return False
    try:
        now = stat_key(path)
    except OSError:
        return False
    return now == key and key[1] < read_ns - RACY_NS and key[3] < read_ns - RACY_NS


def _records(doc: Document, segmenter: Segmenter) -> list[dict]:
    """Whoosh records for one document: a document record and one per paragraph."""
    meta = doc.meta
    doc_meta = {
        "title": meta.title, "doc_number": meta.doc_number, "issuer": meta.issuer,
        "date": meta.date, "doc_type": meta.doc_type, "topic": meta.topic,
        "original": dict(meta.original), "source": doc.source, "encoding": doc.encoding,
        "hash": doc.content_hash, "paragraphs": len(doc.paragraphs),
    }
    # "_cites" (mentions of other documents) goes to the citations file, not to Whoosh.
    out = [{"kind": "d", "doc_id": doc.doc_id, "meta": doc_meta,
            "_cites": cite_extract.serialized(doc.paragraphs)}]
    # Underscored values go to the character index's columns, not to Whoosh.
    shared: dict = {"kind": "p", "doc_id": doc.doc_id, "_issuer": meta.issuer or "",
                    "_doc_type": meta.doc_type or "", "_year": (meta.date or "")[:4],
                    "_date": int(meta.date.replace("-", "")) if meta.date else 0}
    for p in doc.paragraphs:
        rec = dict(shared)
        rec.update(n=p.n, heading=p.heading, line=p.line, text=p.text,
                   _wstart=paragraph_word_starts(p.text, segmenter))
        if p.page is not None:
            rec["page"] = p.page
        out.append(rec)
    return out


@dataclass(frozen=True)
class _Job:
    path: str
    doc_id: str
    root: str
    user_dicts: tuple[str, ...] = ()


#: In a worker process: the pid of the reindex that started it.
_PARENT: int | None = None


def _prepare(job: _Job) -> tuple:
    """Parse one changed file (runs in a worker process)."""
    if _PARENT is not None and os.getppid() != _PARENT:
        os._exit(1)  # the reindex is gone (and PR_SET_PDEATHSIG was not available)
    path = Path(job.path)
    # Read here, not kept by the reindex since it hashed the file: memory does not
    # grow with the corpus. The hash stored is that of the bytes parsed; the size
    # and time those of the file before it was read.
    try:
        key, read_ns = stat_key(path), time.time_ns()
        data = path.read_bytes()
    except OSError as exc:
        return ("failed", ReadFailure(str(path), exc.strerror or str(exc)))
    try:
        doc = parse_document(data, path, job.doc_id)
    except IngestError as exc:
        return ("failed", ReadFailure(exc.path, exc.reason))
    doc.content_hash = hash_bytes(data, path)
    apply_sidecar(doc, path)
    records = _records(doc, Segmenter(job.user_dicts))
    records[0]["meta"]["root"] = job.root
    records[0]["meta"]["stat"], records[0]["meta"]["read_ns"] = key, read_ns
    return ("ok", doc.doc_id, records, len(doc.paragraphs), doc.warnings)


_PR_SET_PDEATHSIG = 1


def _worker_init(parent: int, lock_fd: int | None) -> None:
    """First thing in a worker: drop the reindex lock, die with the parent."""
    global _PARENT
    _PARENT = parent
    if lock_fd is not None:
        # fork() copies every descriptor, close-on-exec or not; a worker holding
        # the lock's file open would keep the lock after its parent is killed.
        try:
            os.close(lock_fd)
        except OSError:
            pass
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the parent check in _prepare still ends an orphan
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _how_it_died(processes: list) -> str:
    codes = [p.exitcode for p in processes if p.exitcode not in (None, 0)]
    # The pool terminates the surviving workers (SIGTERM) once one has died.
    first = next((c for c in codes if c != -signal.SIGTERM), codes[0] if codes else None)
    if first is None:
        return "cause unknown"
    if first < 0:
        return f"killed by signal {-first}"
    return f"exited with code {first}"


def _prepared(jobs: Iterator[_Job], workers: int, lock_fd: int | None = None) -> Iterator[tuple]:
    """Results of :func:`_prepare` in job order, from ``workers`` processes.

    Workers die with this process (whatever kills it) and never hold the
    reindex lock; a worker that dies fails the run with :class:`ReindexFailed`.
    """
    if workers <= 1:
        for job in jobs:
            yield _prepare(job)
        return
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                               initializer=_worker_init, initargs=(os.getpid(), lock_fd))
    processes: list = []
    try:
        pending: deque = deque()
        for job in jobs:
            pending.append(pool.submit(_prepare, job))
            if not processes:
                processes = list((getattr(pool, "_processes", None) or {}).values())
            while len(pending) >= workers * 8 or (pending and pending[0].done()):
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    except BrokenProcessPool:
        pool.shutdown(wait=True, cancel_futures=True)
        raise ReindexFailed(f"a worker process died ({_how_it_died(processes)}) while "
                            "reading files; previous index kept") from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _manifest(ix) -> dict[str, dict]:
    with ix.searcher() as searcher:
        return documents(searcher, Path(ix.storage.folder))


def _old_manifest(gen: Path) -> dict[str, dict]:
    """The documents of the live index, or none if it cannot be read (it is rebuilt then)."""
    try:
        return _manifest(open_whoosh(gen))
    except Exception:  # noqa: BLE001 - an unreadable old index only loses the removal guard
        return {}


def _locations(manifest: dict[str, dict], roots: list[Path], scopes: list[Scope]) -> dict[str, str]:
    """Where the indexed documents that may lie inside a scope live (see
    :func:`indexer.scope.location`): a document whose root folder neither holds a
    scope nor lies in one is left out, unread."""
    paths = [str(s.path) for s in scopes]
    near: dict[str, bool] = {}
    out = {}
    for doc_id, meta in manifest.items():
        root = meta.get("root")
        if root:
            if root not in near:
                near[root] = any(inside(p, root) or inside(root, p) for p in paths)
            if not near[root]:
                continue
        out[doc_id] = location(doc_id, meta, roots)
    return out


@dataclass
class _Scan:
    files: list[tuple[SourceFile, Scope]] = field(default_factory=list)
    failed_paths: list[Path] = field(default_factory=list)
    removable: list[Scope] = field(default_factory=list)


def _scan(scopes: list[Scope], given: set[Path], roots: list[Path], locations: dict[str, str],
          allow_removals: bool, report: ReindexReport) -> _Scan:
    """Find the files of every scope; refuse a missing or emptied one that holds documents."""
    out = _Scan()
    found: dict[str, tuple[SourceFile, Scope]] = {}
    for scope in scopes:
        held = sum(1 for loc in locations.values() if inside(loc, scope.path))
        if not scope.path.exists():
            if scope.path in given or (held and not allow_removals):
                raise ReindexRefused(
                    f"{scope.label}: no such file or folder" + (
                        f", but the index holds {held} documents from it" if held else "")
                    + "; nothing was changed" + (
                        " (pass --allow-removals to remove them)" if held else ""))
            roots.remove(scope.path)
            report.warnings.append(f"{scope.label}: no such file or folder; removed from the "
                                   f"index's corpus roots ({held} documents removed)")
            out.removable.append(scope)
            continue
        files: dict[str, SourceFile] = {}
        failures: list[ReadFailure] = []
        scan(scope.path, scope.base, files, failures)
        if not files and held and not allow_removals:
            raise ReindexRefused(
                f"{scope.label}: no documents found (empty or unreadable folder), but the index "
                f"holds {held} documents from it; nothing was changed "
                "(pass --allow-removals to remove them)")
        report.failed.extend(failures)
        out.failed_paths.extend(absolute(f.path) for f in failures)
        out.removable.append(scope)
        for doc_id, source in files.items():
            if doc_id in found:
                report.failed.append(ReadFailure(
                    str(source.path), f"duplicate document id {doc_id!r} "
                    f"(also {found[doc_id][0].path})"))
                continue
            found[doc_id] = (source, scope)
    out.files = [found[d] for d in sorted(found)]
    return out


def reindex(paths: Iterable[str | Path] | None, index_dir: str | Path, rebuild: bool = False,
            user_dicts: tuple[str, ...] = (), progress: Progress | None = None,
            wait: float = 0.0, workers: int | None = None,
            allow_removals: bool = False, checksum: bool = False) -> ReindexReport:
    """Bring the index at ``index_dir`` in line with the files under ``paths``.

    ``paths`` empty or None: every corpus root the index remembers. Otherwise new
    and changed files under ``paths`` are indexed and documents that were under
    ``paths`` and are gone are removed; other documents are untouched (see
    :mod:`indexer.scope`). Raises :class:`ReindexRefused`, before anything is
    written, for a path that does not exist, a folder that holds indexed
    documents but no file any more, or (unless ``allow_removals``) a run that
    would remove more than half of the index.

    A file whose size and modification time are unchanged since it was indexed is
    taken as unchanged without reading it; ``checksum`` reads and hashes every file.
    """
    started = time.perf_counter()
    index_dir = Path(index_dir)
    given = [str(p) for p in paths or ()]
    # Checked before the lock too, so that a mistyped path leaves nothing behind.
    missing = [g for g in given if not os.path.exists(g)]
    if missing:
        raise ReindexRefused(f"{', '.join(missing)}: no such file or folder; nothing was changed")
    user_dicts = tuple(str(Path(p).resolve()) for p in user_dicts)
    report = ReindexReport()
    # Order: the lock first (the manifest read below must not change under us), the
    # worker pool only later (in _write). Forked workers inherit the lock's
    # descriptor despite O_CLOEXEC; _worker_init closes it before anything else,
    # so the lock belongs to this process alone and dies with it.
    with reindex_lock(index_dir, wait=wait) as lock_fd:
        gen = live_generation(index_dir)
        old_meta = read_meta(gen) if gen is not None else None
        if gen is not None and not rebuild:
            try:
                check_compatible(gen, old_meta, user_dicts)
            except IncompatibleIndex as exc:
                rebuild, report.reason = True, f"settings changed: {exc}"
        if gen is None:
            rebuild, report.reason = True, "no index yet"
        elif rebuild and report.reason is None:
            report.reason = "--rebuild"
        report.rebuilt = rebuild

        manifest = _old_manifest(gen) if gen is not None else {}
        roots = known_roots(old_meta)
        if not given and not roots:
            raise ReindexRefused(f"the index at {index_dir} knows no corpus folder; "
                                 "give a PATH to index")
        scopes, roots = plan(given, roots)
        if rebuild:  # a rebuild reads every root: it must not drop documents elsewhere
            labels = {s.path: s.label for s in scopes}
            scopes = [Scope(r, base_of(r), labels.get(r, str(r))) for r in roots]
        locations = _locations(manifest, roots, scopes)
        scanned = _scan(scopes, {absolute(g) for g in given}, roots, locations, allow_removals, report)

        seen: set[str] = set()
        changed: list[tuple] = []
        for source, scope in scanned.files:
            seen.add(source.doc_id)
            old = manifest.get(source.doc_id)
            if (not rebuild and not checksum and old is not None
                    and unchanged_by_stat(source.path, old)):
                report.unchanged += 1
                continue
            try:
                data = source.path.read_bytes()
            except OSError as exc:
                report.failed.append(ReadFailure(str(source.path), exc.strerror or str(exc)))
                scanned.failed_paths.append(source.path)
                continue
            digest = hash_bytes(data, source.path)
            if not rebuild and old is not None and old.get("hash") == digest:
                report.unchanged += 1
                continue
            changed.append((source, scope))

        def kept(doc_id: str) -> bool:  # a file that failed to read keeps its indexed version
            return any(inside(locations[doc_id], f) for f in scanned.failed_paths)

        if rebuild:
            gone = [d for d in manifest if d not in seen]
        else:
            gone = [d for d in locations if d not in seen and not kept(d)
                    and any(inside(locations[d], s.path) for s in scanned.removable)]
        if manifest and len(gone) * 2 > len(manifest) and not allow_removals:
            raise ReindexRefused(
                f"refusing to remove {len(gone)} of {len(manifest)} documents (more than half "
                f"the index at {index_dir}); nothing was changed; pass --allow-removals if "
                "that is intended")

        if rebuild:
            target = new_generation(index_dir)
            ix = create_whoosh(target, user_dicts)
            meta = new_meta(user_dicts, [])
        else:
            target = gen
            ix = open_whoosh(target)
            meta = old_meta
        try:
            _write(ix, changed, {} if rebuild else manifest, [] if rebuild else sorted(gone),
                   workers, lock_fd, progress, report, user_dicts)
        except BaseException:
            if rebuild:  # never switched to: nobody reads it
                shutil.rmtree(target, ignore_errors=True)
            raise
        if rebuild:  # every document was added anew; say which ones the new index lacks
            written = set(report.added)
            report.removed = sorted(d for d in manifest if d not in written)

        with ix.searcher() as searcher:
            if manifest and not rebuild:  # the documents before, and what this run changed
                documents = len(manifest) + len(report.added) - len(report.removed)
            else:
                documents = len(list(searcher.document_numbers(kind="d")))
            report.documents = documents
            report.paragraphs = searcher.doc_count() - documents
        meta["counts"] = {"documents": report.documents, "paragraphs": report.paragraphs}
        meta["updated"] = now_iso()
        meta["roots"] = meta["corpus"] = [str(r) for r in roots]
        write_meta(target, meta)
        if rebuild:
            switch_generation(index_dir, target)
    report.seconds = time.perf_counter() - started
    return report


def _write(ix, changed: list[tuple], manifest: dict, gone: list[str], workers: int | None,
           lock_fd: int | None, progress: Progress | None, report: ReindexReport,
           user_dicts: tuple[str, ...]) -> None:
    """Parse ``changed`` files, add them, delete ``gone``: one commit, or none on failure."""
    if workers is None:
        workers = int(settings.resolve("workers")) or os.cpu_count() or 1
    if len(changed) < PARALLEL_MIN_FILES:
        workers = 1
    segmenter = Segmenter(user_dicts)
    if changed:
        # Load the dictionaries once here: forked workers share them.
        segmenter.spans("预热")
    jobs = (_Job(str(src.path), src.doc_id, str(scope.base), user_dicts)
            for src, scope in changed)
    writer = None
    extracted: dict[str, tuple] = {}  # citations of the documents written
    try:
        for done, result in enumerate(_prepared(jobs, workers, lock_fd), start=1):
            if progress:
                progress(done, len(changed), changed[done - 1][0].doc_id)
            if result[0] == "failed":
                report.failed.append(result[1])
                continue
            _, doc_id, records, n_paragraphs, warnings = result
            report.warnings.extend(warnings)
            if writer is None:
                writer = open_writer(ix, WRITER_LIMIT_MB, segmenter)
            if doc_id in manifest:
                writer.delete_by_term("doc_id", doc_id)
                report.updated.append(doc_id)
            else:
                report.added.append(doc_id)
            for record in records:
                writer.add_document(**record)
            extracted[doc_id] = (records[0]["meta"], records[0]["_cites"])
            report.paragraphs_written += n_paragraphs
        for doc_id in gone:
            if writer is None:
                writer = open_writer(ix, WRITER_LIMIT_MB, segmenter)
            writer.delete_by_term("doc_id", doc_id)
            report.removed.append(doc_id)
        if writer is not None:
            cite_update.before_commit(ix, writer.generation, extracted, gone)
            writer.commit()
            cite_update.after_commit(ix, writer.generation)
            writer = None
    except BaseException:
        if writer is not None:
            writer.cancel()
        raise
