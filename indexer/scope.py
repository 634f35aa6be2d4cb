"""Which files a reindex reads, and which indexed documents it may remove.

An index remembers its *roots* (``meta.json``, key ``roots``): the corpus
folders it mirrors (or single files), as absolute resolved paths. A document's
id is its path relative to its root folder (a single-file root: the file's
folder, so the id is the file name), and each document stores that folder
(``meta["root"]``): the document lives at ``root / doc_id``.

A reindex works on *scopes*:

* no PATH: every root is a scope, so the whole index is synced;
* a PATH inside a known root (or equal to it): a scope inside that root, ids
  relative to the root, so ``index corpus/new.txt`` adds ``new.txt`` exactly as
  a sync of ``corpus`` would;
* any other PATH becomes a new root (a folder, or a single file).

Files under a scope are added or updated; a document is removed only if it
lives inside a scope and its file is gone. Documents elsewhere are untouched.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Scope:
    path: Path   # what is scanned: a folder or one file (absolute, resolved)
    base: Path   # the folder document ids are relative to
    label: str   # the path as the user gave it, for messages


def absolute(path: str | Path) -> Path:
    return Path(os.path.abspath(os.path.expanduser(str(path)))).resolve()


def inside(path: Path | str, top: Path) -> bool:
    """``path`` is ``top`` or lies under it (compared as text: called for every
    document of the index)."""
    here, there = str(path), str(top)
    return here == there or here.startswith(there.rstrip(os.sep) + os.sep)


def base_of(root: Path) -> Path:
    """The folder ids are relative to: the root itself, or a single file's folder."""
    return root.parent if root.is_file() else root


def known_roots(meta: dict | None) -> list[Path]:
    """The roots an index remembers (``corpus`` for indexes built before ``roots``)."""
    if not meta:
        return []
    listed = meta.get("roots")
    if listed is None:
        listed = meta.get("corpus") or []
    return _unique([absolute(p) for p in listed])


def location(doc_id: str, meta: dict, roots: list[Path]) -> str:
    """Where an indexed document's file lives (or lived), as an absolute path's text
    (see :func:`inside`; built for every document of the index)."""
    if meta.get("root"):
        return os.path.join(meta["root"], doc_id)
    # Indexed before documents stored their root: its source path, else the only root.
    source = meta.get("source")
    if source:
        return str(absolute(source))
    return str((base_of(roots[0]) if roots else Path.cwd()) / doc_id)


def _owner(path: Path, roots: Iterable[Path]) -> Path | None:
    owners = [r for r in roots if inside(path, r)]
    return max(owners, key=lambda r: len(r.parts)) if owners else None


def _unique(paths: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p not in out:
            out.append(p)
    return out


def plan(given: list[str], roots: list[Path]) -> tuple[list[Scope], list[Path]]:
    """The scopes for the paths ``given`` (none: every root), and the roots to remember.

    A given folder that is no root and in none becomes a root, replacing the
    roots inside it; a path given twice, or inside another given path, is one scope.
    """
    if not given:
        return [Scope(r, base_of(r), str(r)) for r in roots], list(roots)
    new_roots = list(roots)
    resolved = [(label, absolute(label)) for label in given]
    for _, path in sorted(resolved, key=lambda item: len(item[1].parts)):
        if _owner(path, new_roots) is None:
            if path.is_dir():
                new_roots = [r for r in new_roots if not inside(r, path)]
            new_roots.append(path)
    scopes: list[Scope] = []
    for label, path in sorted(resolved, key=lambda item: len(item[1].parts)):
        if any(inside(path, s.path) for s in scopes):
            continue
        owner = _owner(path, new_roots)
        scopes.append(Scope(path, base_of(owner), label))
    order = {label: i for i, (label, _) in enumerate(resolved)}
    scopes.sort(key=lambda s: order[s.label])
    return scopes, new_roots
