"""Read files and folders into :class:`~indexer.document.Document` objects.

A file that cannot be read becomes a :class:`ReadFailure` (path and reason);
the other files go on.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..document import META_FIELDS, Block, Document, Paragraph
from ..normalize import clean_value, fold_chars, to_simplified
from .metadata import canonical_number, extract, parse_date
from .readers import reader_for, supported
from .readers.common import ReaderError, max_bytes, numbered_heading

SIDECAR_SUFFIX = ".meta.json"
#: Files larger than this are refused (a policy document is rarely over 5 MB);
#: per-format limits are in :data:`indexer.ingest.readers.common.MAX_BYTES`.
MAX_FILE_BYTES = 128 * 1024 * 1024
#: Longer paragraphs (a whole file on one line) are split at sentence ends.
MAX_PARAGRAPH_CHARS = 4000


class IngestError(Exception):
    """A file could not be read; ``str()`` names the file and the reason."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class ReadFailure:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class SourceFile:
    """A file found in a corpus: its path and its stable document id."""

    path: Path
    doc_id: str


# --- finding files ---------------------------------------------------------

def doc_id_for(path: Path, root: Path) -> str:
    """Stable id: the POSIX path relative to the corpus root, NFC-normalized."""
    rel = path.relative_to(root) if path != root else Path(path.name)
    return unicodedata.normalize("NFC", rel.as_posix())


def find_files(paths: Iterable[str | Path]) -> tuple[list[SourceFile], list[ReadFailure]]:
    """All readable-format files under ``paths`` (files or folders), sorted by id.

    A folder's documents get ids relative to it, a file's id is its name.
    Hidden files and folders are skipped; symlinked folders are followed once
    (a loop is reported, not followed forever).
    """
    found: dict[str, SourceFile] = {}
    failures: list[ReadFailure] = []
    for given in paths:
        top = Path(given)
        if not top.exists():
            failures.append(ReadFailure(str(top), "no such file or folder"))
            continue
        scan(top, top.parent if top.is_file() else top, found, failures)
    return sorted(found.values(), key=lambda s: s.doc_id), failures


def scan(top: Path, base: Path, found: dict[str, SourceFile],
         failures: list[ReadFailure]) -> None:
    """Add the files under ``top`` (a file or a folder) to ``found``, ids relative to ``base``.

    A folder that cannot be listed is a failure, like a file that cannot be read.
    """
    if top.is_file():
        if supported(top):
            found.setdefault(doc_id_for(top, base), SourceFile(top, doc_id_for(top, base)))
        else:
            failures.append(ReadFailure(str(top), f"unsupported format {top.suffix!r}"))
        return
    seen_dirs: set[str] = set()

    def unlistable(exc: OSError) -> None:
        failures.append(ReadFailure(str(exc.filename or top), exc.strerror or str(exc)))

    for dirpath, dirnames, filenames in os.walk(top, followlinks=True, onerror=unlistable):
        real = os.path.realpath(dirpath)
        if real in seen_dirs:
            failures.append(ReadFailure(dirpath, "symlink loop, not followed"))
            dirnames[:] = []
            continue
        seen_dirs.add(real)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or name.endswith(SIDECAR_SUFFIX):
                continue
            path = Path(dirpath) / name
            if not supported(path):
                continue
            try:
                mode = path.stat().st_mode
            except OSError as exc:
                failures.append(ReadFailure(str(path), exc.strerror or str(exc)))
                continue
            if not stat.S_ISREG(mode):
                failures.append(ReadFailure(str(path), "not a regular file"))
                continue
            doc_id = doc_id_for(path, base)
            if doc_id in found:
                failures.append(ReadFailure(str(path), f"duplicate document id {doc_id!r}"))
                continue
            found[doc_id] = SourceFile(path, doc_id)


def sidecar_path(path: Path) -> Path | None:
    for candidate in (path.with_suffix(SIDECAR_SUFFIX), path.with_name(path.name + SIDECAR_SUFFIX)):
        if candidate.is_file():
            return candidate
    return None


# --- reading one file ------------------------------------------------------

def _is_txt_heading(text: str) -> bool:
    return numbered_heading(text)


def split_long(text: str, limit: int = MAX_PARAGRAPH_CHARS) -> list[str]:
    """Split a paragraph longer than ``limit`` at sentence ends (else hard) into pieces."""
    if len(text) <= limit:
        return [text]
    pieces = []
    while len(text) > limit:
        cut = max(text.rfind(ch, limit // 2, limit) for ch in "。！？；!?;\n")
        cut = cut + 1 if cut > 0 else limit
        pieces.append(text[:cut])
        text = text[cut:]
    if text:
        pieces.append(text)
    return pieces


def _dedupe_runs(blocks: list[tuple[int, Block]], min_run: int = 3) -> list[tuple[int, Block]]:
    """Drop a run of ``min_run``+ blocks that repeats an earlier run verbatim.

    A body pasted twice is kept once; a line legitimately repeated on its own
    (a signature that echoes the header) is kept.
    """
    keys = [re.sub(r"\s+", "", fold_chars(b.text)) for _, b in blocks]
    first_at: dict[str, list[int]] = {}
    keep = [True] * len(blocks)
    i = 0
    while i < len(blocks):
        best = 0
        for j in first_at.get(keys[i], []):
            run = 0
            while i + run < len(blocks) and j + run < i and keys[j + run] == keys[i + run]:
                run += 1
            best = max(best, run)
        if best >= min_run:
            for k in range(i, i + best):
                keep[k] = False
            i += best
            continue
        first_at.setdefault(keys[i], []).append(i)
        i += 1
    return [b for b, k in zip(blocks, keep, strict=True) if k]


def apply_sidecar(doc: Document, path: Path) -> None:
    """Apply ``name.meta.json``: each valid field overrides the extracted one.

    Whatever is not applied is a warning on ``doc`` naming the sidecar and why:
    a file that is not valid JSON (line and column), an unknown field, a value
    of the wrong type, a date that is not a date.
    """
    side = sidecar_path(path)
    if side is None:
        return
    try:
        data = json.loads(side.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        doc.warnings.append(f"{side}: not valid JSON (line {exc.lineno}, column {exc.colno}: "
                            f"{exc.msg}); sidecar not applied")
        return
    except UnicodeDecodeError as exc:
        doc.warnings.append(f"{side}: not UTF-8 (byte {exc.start}); sidecar not applied")
        return
    except OSError as exc:
        doc.warnings.append(f"{side}: cannot be read ({exc.strerror or exc}); "
                            "sidecar not applied")
        return
    if not isinstance(data, dict):
        doc.warnings.append(f"{side}: expected a JSON object, got {_json_type(data)}; "
                            "sidecar not applied")
        return
    for key, value in data.items():
        if key not in META_FIELDS:
            doc.warnings.append(f"{side}: unknown field {key!r}; not applied")
            continue
        if value is not None and not isinstance(value, str):
            doc.warnings.append(f"{side}: field {key!r}: expected a string or null, got "
                                f"{_json_type(value)} {json.dumps(value, ensure_ascii=False)}"
                                "; not applied")
            continue
        if key == "date" and value is not None:
            iso = parse_date(value)
            if iso is None:
                doc.warnings.append(f"{side}: field 'date': {value!r} is not a valid date "
                                    "(YYYY-MM-DD); not applied")
                continue
            value = iso
        meta = doc.meta
        meta.original.pop(key, None)
        if value is not None and key in ("issuer", "doc_number", "doc_type", "topic"):
            original = clean_value(value)
            value = to_simplified(original)
            if value != original:
                meta.original[key] = original
        setattr(meta, key, value)
        meta.evidence[key] = "sidecar"
        if key == "doc_number":
            canonical_number(meta)


def _json_type(value: object) -> str:
    names = {bool: "boolean", int: "number", float: "number", list: "array", dict: "object",
             str: "string", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def hash_bytes(data: bytes, path: Path) -> str:
    """SHA-256 over a file's bytes and its sidecar: what decides "changed" on reindex."""
    digest = hashlib.sha256(data)
    side = sidecar_path(path)
    if side is not None:
        digest.update(b"\0sidecar\0")
        try:
            digest.update(side.read_bytes())
        except OSError:
            digest.update(b"\0unreadable\0")
    return digest.hexdigest()


def parse_document(data: bytes, path: Path, doc_id: str) -> Document:
    """Turn file bytes into a document. Raises :class:`IngestError`."""
    reader = reader_for(path)
    if reader is None:
        raise IngestError(str(path), f"unsupported format {path.suffix!r}")
    try:
        result = reader(data, path)
    except ReaderError as exc:
        raise IngestError(str(path), str(exc)) from None
    except (ValueError, KeyError, IndexError, TypeError, AttributeError, OSError,
            RecursionError) as exc:  # a library choking on a damaged file
        raise IngestError(str(path), f"damaged file ({type(exc).__name__}: {exc})") from None
    blocks = result.blocks
    extraction = extract(blocks, path.stem, result.evidence)
    kept = [(i, b) for i, b in enumerate(blocks) if i not in extraction.consumed]
    kept = _dedupe_runs(kept)
    # Markdown marks its headings; elsewhere a numbered line (一、…, 第一章) is one too.
    is_txt = path.suffix.lower() not in (".md", ".markdown")
    warnings = [f"{path}: {w}" for w in result.warnings]
    paragraphs = []
    for _, b in kept:
        heading = b.heading or (is_txt and _is_txt_heading(b.text))
        pieces = split_long(b.text)
        if len(pieces) > 1:
            warnings.append(f"{path}: line {b.line}: paragraph of {len(b.text)} characters "
                            f"split into {len(pieces)}")
        for piece in pieces:
            paragraphs.append(Paragraph(len(paragraphs) + 1, piece, heading, b.line, b.page))
    if not paragraphs:
        warnings.append(f"{path}: no text")
    return Document(
        doc_id=doc_id,
        source=str(path),
        encoding=result.encoding,
        meta=extraction.meta,
        paragraphs=paragraphs,
        warnings=warnings,
    )


def read_file(path: str | Path, doc_id: str | None = None) -> Document:
    """Read one file into a :class:`Document`. Raises :class:`IngestError`."""
    path = Path(path)
    try:
        size = path.stat().st_size
        limit = min(MAX_FILE_BYTES, max_bytes(path.suffix))
        if size > limit:
            raise IngestError(str(path), f"file too large ({size} bytes; limit {limit})")
        data = path.read_bytes()
    except IsADirectoryError:
        raise IngestError(str(path), "is a folder") from None
    except OSError as exc:
        raise IngestError(str(path), exc.strerror or str(exc)) from None
    doc = parse_document(data, path, doc_id or path.name)
    doc.content_hash = hash_bytes(data, path)
    apply_sidecar(doc, path)
    return doc


def read_corpus(paths: Iterable[str | Path]) -> Iterator[Document | ReadFailure]:
    """Read every supported file under ``paths``; failures are yielded, not raised."""
    files, failures = find_files(paths)
    yield from failures
    for source in files:
        try:
            yield read_file(source.path, source.doc_id)
        except IngestError as exc:
            yield ReadFailure(exc.path, exc.reason)
