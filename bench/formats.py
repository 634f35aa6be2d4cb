"""Format benchmark: reading speed per format, and reading's share of a build.

    python -m bench.formats [--sample 300] [--repeat 3]

A sample of LawRefBook laws (every k-th file, deterministic) is rendered once
to HTML, DOCX and PDF (bench/data/formats/, by bench/render.py). For each
format beside the original ``.md``:

* a build in one process (``workers=1``: read, segment, write, one file after
  another), with the time spent in ``parse_document`` (reading: decoding, the
  format's reader, metadata, clean-up) clocked inside that build. Reading's
  share is that time over the build's: what the build would save if reading
  cost nothing. MB/s of reading = UTF-8 bytes of the paragraphs read per
  second of reading;
* a build with a worker per core (the default), its time and MB/s of text.

Each is run ``--repeat`` times; the fastest run counts (the machine is
shared). Prints a table and writes JSON to bench/results/formats-*.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

from bench.lawrefbook import unpack
from bench.render import Source, render_docx, render_html, render_pdf

ROOT = Path(__file__).resolve().parent.parent
#: Rendered laws, by their position among the laws; the version changes with bench/render.py's
#: output (2: a space at a line break hangs at the line's end).
DATA = ROOT / "bench" / "data" / "formats" / "v2"
RESULTS = ROOT / "bench" / "results"
FORMATS = (".md", ".html", ".docx", ".pdf")


def sample_laws(n: int) -> list[tuple[int, Path]]:
    """Every k-th law of more than 2,000 bytes, ``n`` of them, with its position."""
    folder = unpack()
    files = sorted(p for p in folder.rglob("*.md") if p.stat().st_size > 2000)
    step = max(1, len(files) // n)
    return list(enumerate(files))[::step][:n]


def render_sample(laws: list[tuple[int, Path]]) -> dict[str, list[Path]]:
    """Render each law to every format once (kept under bench/data/formats/)."""
    from indexer import read_file

    out: dict[str, list[Path]] = {f: [] for f in FORMATS}
    for position, path in laws:
        stem = f"{position:05d}"
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


def _build(files: list[Path], workers: int) -> dict:
    """One build of ``files`` (copied into a fresh folder) into a fresh index; with
    ``workers=1`` the time spent reading (``parse_document``) is clocked inside it."""
    import indexer
    from indexer import indexing

    real = indexing.parse_document
    clock = {"read_s": 0.0, "count_s": 0.0, "text_bytes": 0, "paragraphs": 0}

    def timed(data, path, doc_id):
        start = time.perf_counter()
        doc = real(data, path, doc_id)  # an IngestError is a failure the build reports
        counted = time.perf_counter()
        clock["read_s"] += counted - start
        clock["paragraphs"] += len(doc.paragraphs)
        clock["text_bytes"] += sum(len(p.text.encode("utf-8")) for p in doc.paragraphs)
        clock["count_s"] += time.perf_counter() - counted  # not the build's: taken off below
        return doc

    work = Path(tempfile.mkdtemp(prefix="bench-formats-"))
    corpus, index_dir = work / "corpus", work / "ix"
    corpus.mkdir()
    for path in files:  # the sample alone (the cache may hold other samples' files)
        shutil.copyfile(path, corpus / path.name)
    if workers == 1:  # worker processes would clock into their own copies
        indexing.parse_document = timed
    try:
        start = time.perf_counter()
        report = indexer.reindex([corpus], index_dir, workers=workers)
        build_s = time.perf_counter() - start - clock["count_s"]
    finally:
        indexing.parse_document = real
        shutil.rmtree(work, ignore_errors=True)
    return {"build_s": build_s, "documents": report.documents, "failed": len(report.failed),
            "paragraphs_indexed": report.paragraphs, **clock}


def measure(fmt: str, files: list[Path], repeat: int, workers: int) -> dict:
    sequential = [_build(files, 1) for _ in range(repeat)]
    parallel = [_build(files, workers) for _ in range(repeat)]
    best = min(sequential, key=lambda r: r["build_s"])
    fastest = min(r["build_s"] for r in parallel)
    text_mb = best["text_bytes"] / 1e6
    return {"format": fmt, "files": len(files),
            "file_mb": round(sum(p.stat().st_size for p in files) / 1e6, 2),
            "text_mb": round(text_mb, 2), "paragraphs": best["paragraphs"],
            "failures": best["failed"], "indexed_docs": best["documents"],
            "read_s": round(best["read_s"], 2), "read_mb_s": round(text_mb / best["read_s"], 2),
            "build_1_worker_s": round(best["build_s"], 2),
            "read_share_of_build": round(best["read_s"] / best["build_s"], 3),
            "read_shares_all_runs": [round(r["read_s"] / r["build_s"], 3) for r in sequential],
            "build_s": round(fastest, 2), "build_workers": workers,
            "build_mb_s": round(text_mb / fastest, 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=int, default=300, help="number of laws (default 300)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each build; the fastest counts (default 3)")
    parser.add_argument("--label", default="", help="a note kept in the JSON (which code ran)")
    parser.add_argument("--formats", default=",".join(FORMATS),
                        help=f"comma-separated subset of {','.join(FORMATS)}")
    args = parser.parse_args(argv)
    formats = [f if f.startswith(".") else "." + f for f in args.formats.split(",")]
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        parser.error(f"--formats: unknown {', '.join(unknown)}; expected some of {', '.join(FORMATS)}")
    workers = os.cpu_count() or 1
    files = render_sample(sample_laws(args.sample))
    _build(files[".md"][:3], 1)  # warm-up: jieba's dictionaries, imports
    load_before = os.getloadavg()
    rows = [measure(fmt, files[fmt], args.repeat, workers) for fmt in formats]
    load_after = os.getloadavg()
    print(f"{'format':7} {'files':>5} {'file MB':>8} {'text MB':>8} {'read s':>7} {'read MB/s':>9} "
          f"{'build s (1 proc)':>16} {'read share':>10} {f'build s ({workers} workers)':>18} "
          f"{'build MB/s':>10}")
    for r in rows:
        print(f"{r['format']:7} {r['files']:>5} {r['file_mb']:>8} {r['text_mb']:>8} {r['read_s']:>7} "
              f"{r['read_mb_s']:>9} {r['build_1_worker_s']:>16} {r['read_share_of_build']:>10.1%} "
              f"{r['build_s']:>18} {r['build_mb_s']:>10}")
    print(f"load average before / after: {load_before[0]:.2f} / {load_after[0]:.2f} "
          f"({workers} cores)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / time.strftime("formats-%Y%m%d-%H%M%S.json")
    machine = {"cores": workers, "python": platform.python_version(), "platform": platform.platform(),
               "load_average_before": [round(x, 2) for x in load_before],
               "load_average_after": [round(x, 2) for x in load_after]}
    out.write_text(json.dumps({"label": args.label, "sample": args.sample, "repeat": args.repeat,
                               "machine": machine,
                               "rows": rows}, ensure_ascii=False, indent=1))
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
