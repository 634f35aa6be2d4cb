"""LawRefBook helpers: unpack the archive, and match its laws to ``db.sqlite3``.

``python -m bench.lawrefbook dates`` measures how often the extracted date equals
the ``publish`` date in the database (laws matched by name and version date).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sqlite3
import sys
import tarfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARCHIVE = ROOT.parent / "shared" / "corpora" / "lawrefbook.tar.gz"
DATA_DIR = ROOT / "bench" / "data" / "lawrefbook"

_VERSION = re.compile(r"\((\d{4}-\d\d-\d\d)\)$")


def unpack(archive: Path = ARCHIVE, dest: Path = DATA_DIR) -> Path:
    """Unpack the archive once into an ignored folder; return the folder."""
    marker = dest / ".unpacked"
    if marker.exists():
        return dest
    if not archive.exists():
        raise SystemExit(f"{archive}: LawRefBook archive not found")
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="data")
    marker.write_text("ok\n")
    return dest


def copy_files(files: list[Path], folder: Path, dest: Path) -> Path:
    """Copy ``files`` (under ``folder``) to ``dest``, keeping their relative paths."""
    for f in files:
        target = dest / f.relative_to(folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, target)
    return dest


def expected_dates(folder: Path) -> dict[Path, str]:
    """Files whose publish date the database states unambiguously.

    A law is matched by name (with or without the 中华人民共和国 prefix). When a
    name has several versions (``name(YYYY-MM-DD).md``), only the file whose
    version date equals ``publish``, or the single unversioned file, is used.
    """
    db = sqlite3.connect(folder / "db.sqlite3")
    rows = db.execute("select name, publish from law where publish is not null").fetchall()
    by_base: dict[str, list[Path]] = {}
    for path in folder.rglob("*.md"):
        base = _VERSION.sub("", path.stem)
        by_base.setdefault(base, []).append(path)
    names = Counter(name for name, _ in rows)
    out: dict[Path, str] = {}
    for name, publish in rows:
        if names[name] > 1:
            continue
        files = by_base.get(name) or by_base.get("中华人民共和国" + name) or []
        if len(files) == 1:
            out[files[0]] = publish
        else:
            versioned = [f for f in files if _VERSION.search(f.stem)
                         and _VERSION.search(f.stem).group(1) == publish]
            if len(versioned) == 1:
                out[versioned[0]] = publish
    return out


def measure_dates(folder: Path) -> dict:
    from indexer import read_file
    from indexer.ingest import parse_document

    expected = expected_dates(folder)
    right = 0
    text_only = 0
    wrong = []
    for path, publish in sorted(expected.items()):
        doc = read_file(path)
        # The same text under a name without a version date: evidence from the text alone.
        plain = parse_document(path.read_bytes(), Path("document.md"), "document.md")
        text_only += plain.meta.date == publish
        if doc.meta.date == publish:
            right += 1
        else:
            wrong.append({"file": str(path.relative_to(folder)), "expected": publish,
                          "got": doc.meta.date})
    total = len(expected)
    return {"matched_laws": total, "date_equal": right,
            "date_equal_text_only": text_only,
            "accuracy_text_only": round(text_only / total, 4) if total else None,
            "accuracy": round(right / total, 4) if total else None, "mismatches": wrong}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("what", choices=["unpack", "dates"])
    parser.add_argument("--show", type=int, default=10, help="mismatches to print")
    args = parser.parse_args(argv)
    folder = unpack()
    if args.what == "unpack":
        print(folder)
        return 0
    result = measure_dates(folder)
    print(f"laws matched to db.sqlite3: {result['matched_laws']}")
    print(f"extracted date == publish:  {result['date_equal']} ({result['accuracy']:.1%})")
    print(f"  from the text alone:       {result['date_equal_text_only']} "
          f"({result['accuracy_text_only']:.1%})")
    for row in result["mismatches"][: args.show]:
        print(json.dumps(row, ensure_ascii=False))
    out = ROOT / "bench" / "results" / "lawrefbook-dates.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
