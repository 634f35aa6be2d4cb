"""The index on disk: schema, generations, ``meta.json``, locking.

Layout of an index directory::

    index_dir/
      current -> gen-000002     symlink to the live generation
      gen-000002/               Whoosh files + meta.json
      reindex.lock              held (flock) by a running reindex, never by its workers

A rebuild writes a new generation and switches ``current`` atomically; an
incremental reindex commits into the live generation in one Whoosh commit.
Either way a reader sees the old index or the new one, never a half-written one.
"""

from __future__ import annotations

import datetime as _dt
import errno
import fcntl
import json
import os
import re
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

from . import __version__
from .analysis import analysis_settings
from .whoosh_api import (
    ID,
    STORED,
    VERSION,
    FileStorage,
    Schema,
    windex,
)

#: Bumped whenever the schema or the meaning of a field changes.
SCHEMA_VERSION = 9  # 9: citations files; 8: character index written part by part, with
# the document records; 7: word boundaries in the character index; pages (PDF)
META_FILE = "meta.json"
CURRENT = "current"
LOCK_FILE = "reindex.lock"
_GEN_RE = re.compile(r"^gen-(\d{6})$")


class SearchIndexError(Exception):
    """Base class of errors about the index on disk."""


class IndexNotFound(SearchIndexError):
    pass


class IncompatibleIndex(SearchIndexError):
    pass


class IndexBusy(SearchIndexError):
    pass


class ReindexRefused(SearchIndexError):
    """A reindex that looks like an accident (a missing path, an emptied folder,
    removing more than half the index) was refused before anything was written."""


class ReindexFailed(SearchIndexError):
    """A reindex failed part-way (e.g. a worker process died); the previous index stays."""


def build_schema(user_dicts: tuple[str, ...] = ()) -> Schema:
    """Whoosh holds documents, paragraphs and metadata; text is in the character index."""
    return Schema(
        kind=ID(stored=True),
        doc_id=ID(stored=True),
        n=STORED(),
        heading=STORED(),
        line=STORED(),
        page=STORED(),
        text=STORED(),
        meta=STORED(),
    )


def settings_fingerprint(user_dicts: tuple[str, ...] = ()) -> dict:
    return {"schema": SCHEMA_VERSION, "analysis": analysis_settings(user_dicts)}


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


# --- generations -------------------------------------------------------------

def generations(index_dir: Path) -> list[Path]:
    if not index_dir.is_dir():
        return []
    gens = [p for p in index_dir.iterdir() if _GEN_RE.match(p.name) and p.is_dir()]
    return sorted(gens)


def live_generation(index_dir: Path) -> Path | None:
    """The generation ``current`` points to, or ``index_dir`` itself if it is one."""
    link = index_dir / CURRENT
    if link.is_symlink() or link.exists():
        target = (index_dir / os.readlink(link)) if link.is_symlink() else link
        if (target / META_FILE).is_file():
            return target
    if (index_dir / META_FILE).is_file():
        return index_dir
    return None


def new_generation(index_dir: Path) -> Path:
    index_dir.mkdir(parents=True, exist_ok=True)
    numbers = [int(_GEN_RE.match(p.name).group(1)) for p in generations(index_dir)]
    gen = index_dir / f"gen-{(max(numbers) + 1 if numbers else 1):06d}"
    gen.mkdir()
    return gen


def switch_generation(index_dir: Path, gen: Path) -> None:
    """Point ``current`` at ``gen`` atomically, then drop all but the previous generation."""
    tmp = index_dir / f".current-{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(gen.name, tmp)
    os.replace(tmp, index_dir / CURRENT)
    _fsync_dir(index_dir)
    # Readers that opened the previous generation keep working; older ones go.
    gens = generations(index_dir)
    live = gens.index(gen) if gen in gens else len(gens) - 1
    for old in gens[: max(0, live - 1)]:
        shutil.rmtree(old, ignore_errors=True)
    for stray in gens[live + 1:]:
        shutil.rmtree(stray, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def create_whoosh(gen: Path, user_dicts: tuple[str, ...] = ()):
    return windex.create_in(str(gen), build_schema(user_dicts))


def open_whoosh(gen: Path, retries: int = 5):
    """Open a Whoosh index, retrying the race with a concurrent commit."""
    for attempt in range(retries):
        try:
            return FileStorage(str(gen)).open_index()
        except (FileNotFoundError, windex.EmptyIndexError):
            if attempt == retries - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


# --- meta.json ---------------------------------------------------------------

def read_meta(gen: Path) -> dict:
    with open(gen / META_FILE, encoding="utf-8") as fh:
        return json.load(fh)


def write_meta(gen: Path, meta: dict) -> None:
    tmp = gen / (META_FILE + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(meta, fh, ensure_ascii=False, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, gen / META_FILE)


def new_meta(user_dicts: tuple[str, ...], corpus: list[str]) -> dict:
    """``roots``: the corpus folders (or single files) the index mirrors, absolute;
    ``corpus`` holds the same list for tools that read the older key."""
    return {
        "package": "policy-search",
        "package_version": __version__,
        "whoosh_version": VERSION,
        "settings": settings_fingerprint(user_dicts),
        "user_dicts": list(user_dicts),
        "corpus": corpus,
        "roots": corpus,
        "created": now_iso(),
        "updated": None,
        "counts": {"documents": 0, "paragraphs": 0},
    }


def check_compatible(gen: Path, meta: dict, user_dicts: tuple[str, ...] | None = None) -> None:
    """Raise :class:`IncompatibleIndex` saying what differs and what to run."""
    dicts = tuple(meta.get("user_dicts", [])) if user_dicts is None else user_dicts
    try:
        expected = settings_fingerprint(dicts)
    except OSError as exc:
        raise IncompatibleIndex(
            f"index at {gen} uses a user dictionary that cannot be read ({exc}); "
            "run `policy-search index --rebuild`"
        ) from None
    found = meta.get("settings", {})
    if found == expected:
        return
    diffs = []
    if found.get("schema") != expected["schema"]:
        diffs.append(f"schema {found.get('schema')} (this version needs {expected['schema']})")
    fa, ea = found.get("analysis", {}), expected["analysis"]
    for key in sorted(set(fa) | set(ea)):
        if fa.get(key) != ea.get(key):
            diffs.append(f"{key} {fa.get(key)!r} (now {ea.get(key)!r})")
    raise IncompatibleIndex(
        f"index at {gen} was built with other settings: {'; '.join(diffs)}. "
        "Run `policy-search index --rebuild` to rebuild it."
    )


# --- locking -------------------------------------------------------------------

@contextmanager
def reindex_lock(index_dir: Path, wait: float = 0.0):
    """Hold the reindex lock (yields its file descriptor).

    A ``flock`` lock belongs to the open file, so the kernel releases it when the
    last descriptor of that file closes: when the holder exits, however it dies.
    The descriptor is close-on-exec (no program started by the holder keeps it);
    forked worker processes inherit it regardless and must close it first thing
    (see ``indexing._worker_init``), or a worker outliving its parent would hold
    the lock.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    holder = _read_holder(path)
                    raise IndexBusy(
                        f"another reindex is running on {index_dir}{holder}; "
                        "wait for it to finish or pass --wait SECONDS"
                    ) from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield fd
    finally:
        os.close(fd)


def _read_holder(path: Path) -> str:
    try:
        pid = path.read_text().strip()
    except OSError:
        return ""
    return f" (pid {pid})" if pid else ""
