"""Format benchmark: reading speed per format, and reading's share of a build.

    python -m bench.formats [--sample 300]

A sample of LawRefBook laws (every k-th file, deterministic) is rendered once
to HTML, DOCX and PDF (bench/data/formats/, by bench/render.py). For each
format beside the original ``.md``: MB/s of paragraph text read (UTF-8 bytes of
the paragraphs per second of ``parse_document``), then a full index build of
the same files, and what share of the build time reading takes. Prints a table
and writes JSON to bench/results/formats-*.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from bench.lawrefbook import unpack
from bench.render import Source, render_docx, render_html, render_pdf

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data" / "formats"
RESULTS = ROOT / "bench" / "results"
FORMATS = (".md", ".html", ".docx", ".pdf")


def sample_laws(n: int) -> list[Path]:
    folder = unpack()
    files = sorted(p for p in folder.rglob("*.md") if p.stat().st_size > 2000)
    step = max(1, len(files) // n)
    return files[::step][:n]


def render_sample(files: list[Path]) -> dict[str, list[Path]]:
    """Render each law to every format once (kept under bench/data/formats/)."""
    from indexer import read_file

    out: dict[str, list[Path]] = {f: [] for f in FORMATS}
    for k, path in enumerate(files):
        stem = f"{k:04d}"
        targets = {f: DATA / f.lstrip(".") / (stem + f) for f in FORMATS}
        if not all(t.exists() for t in targets.values()):
            doc = read_file(path)
            src = Source(title=doc.meta.title or path.stem,
                         paragraphs=[(p.text, p.heading) for p in doc.paragraphs])
            for fmt, target in targets.items():
                target.parent.mkdir(parents=True, exist_ok=True)
                if not target.exists():
                    target.write_bytes(_render(fmt, path, src))
        for fmt, target in targets.items():
            out[fmt].append(target)
    return out


def _render(fmt: str, path: Path, src: Source) -> bytes:
    if fmt == ".md":
        return path.read_bytes()
    return {".html": render_html, ".docx": render_docx, ".pdf": render_pdf}[fmt](src)


def measure(fmt: str, files: list[Path]) -> dict:
    import indexer
    from indexer.ingest import IngestError, parse_document

    blobs = [(p, p.read_bytes()) for p in files]
    text_bytes = paragraphs = failures = 0
    start = time.perf_counter()
    for path, data in blobs:
        try:
            doc = parse_document(data, path, path.name)
        except IngestError:
            failures += 1
            continue
        paragraphs += len(doc.paragraphs)
        text_bytes += sum(len(p.text.encode("utf-8")) for p in doc.paragraphs)
    read_s = time.perf_counter() - start
    index_dir = Path(tempfile.mkdtemp(prefix="bench-formats-"))
    try:
        start = time.perf_counter()
        report = indexer.reindex([files[0].parent], index_dir)
        build_s = time.perf_counter() - start
    finally:
        shutil.rmtree(index_dir, ignore_errors=True)
    return {"format": fmt, "files": len(files), "file_mb": round(sum(len(d) for _, d in blobs) / 1e6, 2),
            "text_mb": round(text_bytes / 1e6, 2), "paragraphs": paragraphs, "failures": failures,
            "read_s": round(read_s, 2), "read_mb_s": round(text_bytes / 1e6 / read_s, 2),
            "build_s": round(build_s, 2), "indexed_docs": report.documents,
            "read_share_of_build": round(read_s / build_s, 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=int, default=300, help="number of laws (default 300)")
    args = parser.parse_args(argv)
    files = render_sample(sample_laws(args.sample))
    rows = [measure(fmt, files[fmt]) for fmt in FORMATS]
    print(f"{'format':7} {'files':>5} {'file MB':>8} {'text MB':>8} {'read s':>7} {'MB/s':>6} "
          f"{'build s':>8} {'read share':>10}")
    for r in rows:
        print(f"{r['format']:7} {r['files']:>5} {r['file_mb']:>8} {r['text_mb']:>8} {r['read_s']:>7} "
              f"{r['read_mb_s']:>6} {r['build_s']:>8} {r['read_share_of_build']:>10.1%}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / time.strftime("formats-%Y%m%d-%H%M%S.json")
    out.write_text(json.dumps({"sample": args.sample, "rows": rows}, ensure_ascii=False, indent=1))
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
