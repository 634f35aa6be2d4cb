"""The scale benchmark: LawRefBook copied N times into one corpus, indexed and searched.

    python -m bench --scale 10              # 1× and 10× in one run: about 25 minutes
    python -m bench --scale 10 --skip-1x    # 10× only
    python -m bench --scale 2 --smoke       # a tiny run that checks the mode works
    python -m bench --scale 10 --skip-1x --reuse  # the index kept by --keep, not rebuilt

The corpus is ``bench/data/scale-N/corpus/copy-00/…`` to ``copy-NN/…``: every
LawRefBook law hard-linked (copied where links are not possible) under one
folder per copy, so each copy's documents have their own ids. For each scale
(1× as the baseline of the same run, then N×) it measures, each step in a child
process: a full build (seconds, MB/s, peak RSS of the builder and its workers),
opening the index (seconds, RSS), a mixed query set — keyword queries (the kinds
of ``python -m bench``), rare words (one paragraph at 1×) and STARD questions of
at most 40 characters — top 10 with snippets and facets, each query cold (no
cached ranking; the index warmed once after opening, as a server does, and the
time that takes): p50/p95/p99 per group and the searching process's peak RSS; a reindex with
nothing changed and one after adding a document; ``policy-search serve`` under
HTTP load from 1 and 8 clients (every request ranked: the server keeps no rankings)
and its peak RSS. A document is added twice: by syncing the corpus folder (every file
read and hashed) and by indexing the new file's path alone. Prints a table; writes
``bench/results/scale-N-YYYYMMDD-HHMMSS.json``. ``--keep`` leaves the N× index
in ``bench/data/scale-N/index`` (for profiling).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.lawrefbook import ROOT, unpack
from bench.recall import percentile

RESULTS = ROOT / "bench" / "results"
DATA = ROOT / "bench" / "data"
STARD = ROOT.parent / "shared" / "corpora" / "stard-dev.json"
#: Questions longer than this are left out (as in BENCHMARKS.md's question latency).
QUESTION_CHARS = 40


def make_corpus(folder: Path, files: list[Path], copies: int, dest: Path) -> Path:
    """``dest/copy-KK/<relative path>`` for every file and copy; reused when complete."""
    marker = dest / f".complete-{copies}-{len(files)}"
    if marker.exists():
        return dest
    shutil.rmtree(dest, ignore_errors=True)
    for k in range(copies):
        for f in files:
            target = dest / f"copy-{k:02d}" / f.relative_to(folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(f, target)
            except OSError:
                shutil.copyfile(f, target)
    marker.write_text("ok\n")
    return dest


def corpus_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*.md"))


def _child(step: str, *args: str) -> dict:
    """Run ``step`` of this module in a fresh process; its JSON result."""
    out = subprocess.run([sys.executable, "-m", "bench.scale", step, *args], capture_output=True,
                         text=True, cwd=ROOT, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{step} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _status_kb(key: str, pid: str = "self") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


# --- steps run in child processes ------------------------------------------------------

def step_build(corpus: str, index_dir: str, rebuild: str) -> dict:
    import resource

    import indexer

    t = time.perf_counter()
    report = indexer.reindex([corpus], index_dir, rebuild=rebuild == "rebuild")
    wall = time.perf_counter() - t
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"wall": wall, "paragraphs": report.paragraphs, "documents": report.documents,
            "added": len(report.added), "peak_rss_mb": round(max(own, workers) / 1024, 1),
            "writer_rss_mb": round(own / 1024, 1), "worker_rss_mb": round(workers / 1024, 1)}


def step_open(index_dir: str) -> dict:
    import indexer

    before = _status_kb("VmRSS")
    t = time.perf_counter()
    ix = indexer.open_index(index_dir)
    seconds = time.perf_counter() - t
    stats = ix.stats()
    return {"seconds": seconds, "rss_mb": round(_status_kb("VmRSS") / 1024, 1),
            "rss_added_mb": round((_status_kb("VmRSS") - before) / 1024, 1),
            "documents": stats["documents"], "paragraphs": stats["paragraphs"]}


def step_queries(index_dir: str, queries_file: str) -> dict:
    import indexer

    queries = json.loads(Path(queries_file).read_text(encoding="utf-8"))
    ix = indexer.open_index(index_dir)
    # As `policy-search serve` does once it has started (Index.warm), then one query.
    t = time.perf_counter()
    ix.warm()
    warm_s = time.perf_counter() - t
    ix.search("预热")
    times: dict[str, list[float]] = {}
    totals = []
    for q in queries:
        ix.clear_cache()  # every query cold
        t0 = time.perf_counter()
        res = ix.search(q["q"], limit=10, issuer=q.get("issuer"), sort=q.get("sort", "relevance"),
                        date_from=q.get("date_from"))
        for hit in res.hits:
            len(hit.snippet)
        ms = (time.perf_counter() - t0) * 1000
        times.setdefault(q["group"], []).append(ms)
        times.setdefault("kind:" + q["kind"], []).append(ms)
        totals.append(res.total)
    out: dict = {"groups": {}, "kinds": {}}
    everything = [t for g, ts in times.items() if not g.startswith("kind:") for t in ts]
    times["all"] = everything
    for name, ts in times.items():
        summary = {"n": len(ts), "p50_ms": round(statistics.median(ts), 2),
                   "p95_ms": round(percentile(ts, 95), 2), "p99_ms": round(percentile(ts, 99), 2),
                   "max_ms": round(max(ts), 2)}
        if name.startswith("kind:"):
            out["kinds"][name[5:]] = summary
        else:
            out["groups"][name] = summary
    out["rss_mb"] = round(_status_kb("VmHWM") / 1024, 1)
    out["warm_s"] = round(warm_s, 2)
    out["totals"] = totals
    return out


def step_http(index_dir: str, queries_file: str, seconds: str) -> dict:
    from bench.__main__ import http_load

    queries = json.loads(Path(queries_file).read_text(encoding="utf-8"))
    return http_load(Path(index_dir), queries, [1, 8], float(seconds))


STEPS = {"_build": step_build, "_open": step_open, "_queries": step_queries, "_http": step_http}


# --- queries ----------------------------------------------------------------------------

def make_query_set(folder: Path, files: list[Path], per_kind: int, questions: int, rare: int,
                   seed: int) -> list[dict]:
    """Keyword queries, rare words and STARD questions, each tagged with its group."""
    import indexer
    from bench.__main__ import make_queries
    from indexer.analysis import JiebaTokenizer
    from indexer.charindex import units

    docs = [d for d in indexer.read_corpus(files) if not isinstance(d, indexer.ReadFailure)]
    out = [dict(q, group="keyword") for q in make_queries(docs, per_kind, seed)]
    for q in out:
        q.pop("target", None)
    # Rare words: a word of three or more characters found once in the corpus (at 1×).
    joined = "\n".join(units(p.text) for d in docs for p in d.paragraphs)
    rng = random.Random(seed)
    tok = JiebaTokenizer()
    chosen: list[str] = []
    tries = 0
    while len(chosen) < rare and tries < rare * 200:
        tries += 1
        d = rng.choice(docs)
        if not d.paragraphs:
            continue
        p = rng.choice(d.paragraphs)
        words = [w for w, _, _ in tok.segment(p.text) if len(w) >= 3 and not w.isascii()]
        if not words:
            continue
        word = rng.choice(words)
        needle = units(word)
        at = joined.find(needle)
        if word in chosen or at < 0 or joined.find(needle, at + 1) >= 0:
            continue
        chosen.append(word)
    out += [{"group": "rare", "kind": "rare word", "q": w} for w in chosen]
    if questions:
        raw = json.loads(STARD.read_text(encoding="utf-8"))
        short = [q["问题"] for q in raw if len(q["问题"]) <= QUESTION_CHARS]
        out += [{"group": "questions", "kind": "question", "q": q} for q in short[:questions]]
    return out


# --- one scale ----------------------------------------------------------------------------

def run_scale(copies: int, folder: Path, files: list[Path], queries_file: Path,
              seconds: float, keep: bool, reuse: bool = False) -> dict:
    base = DATA / f"scale-{copies}"
    corpus = make_corpus(folder, files, copies, base / "corpus")
    index_dir = base / "index"
    reuse = reuse and index_dir.is_dir()
    if not reuse:
        shutil.rmtree(index_dir, ignore_errors=True)
    mb = corpus_bytes(corpus) / 1e6
    r: dict = {"copies": copies, "files": len(files) * copies, "megabytes": round(mb, 1)}
    try:
        if reuse:  # the index kept by an earlier run (--keep): everything but the build
            r["reused_index"] = True
        else:
            b = _child("_build", str(corpus), str(index_dir), "rebuild")
            r["build"] = {"seconds": round(b["wall"], 1), "mb_per_s": round(mb / b["wall"], 3),
                          "paragraphs": b["paragraphs"], "peak_rss_mb": b["peak_rss_mb"],
                          "writer_rss_mb": b["writer_rss_mb"],
                          "worker_rss_mb": b["worker_rss_mb"],
                          "index_mb": round(sum(f.stat().st_size for f in index_dir.rglob("*")
                                                if f.is_file()) / 1e6, 1)}
            print(f"{copies}x build: {r['build']}", file=sys.stderr, flush=True)
        opened = [_child("_open", str(index_dir)) for _ in range(3)]
        r["open"] = {"seconds": round(statistics.median(o["seconds"] for o in opened), 2),
                     "rss_mb": opened[-1]["rss_mb"], "rss_added_mb": opened[-1]["rss_added_mb"]}
        r["search"] = _child("_queries", str(index_dir), str(queries_file))
        print(f"{copies}x search: {r['search']['groups']}", file=sys.stderr, flush=True)
        same = _child("_build", str(corpus), str(index_dir), "")
        r["reindex_unchanged_s"] = round(same["wall"], 2)
        extra = corpus / "新增" / "新增文件.md"
        extra.parent.mkdir(exist_ok=True)
        shutil.copyfile(files[0], extra)
        try:  # the folder synced (every file read and hashed), then the file alone
            r["reindex_add_one_s"] = round(_child("_build", str(corpus), str(index_dir),
                                                  "")["wall"], 2)
            extra.unlink()
            _child("_build", str(corpus), str(index_dir), "")
            shutil.copyfile(files[0], extra)
            r["index_one_file_s"] = round(_child("_build", str(extra), str(index_dir),
                                                 "")["wall"], 2)
        finally:
            extra.unlink()
            extra.parent.rmdir()
        r["reindex_remove_one_s"] = round(_child("_build", str(corpus), str(index_dir),
                                                 "")["wall"], 2)
        http_queries = [q for q in json.loads(queries_file.read_text(encoding="utf-8"))]
        hq = queries_file.with_name(queries_file.stem + "-http.json")
        hq.write_text(json.dumps(http_queries, ensure_ascii=False), encoding="utf-8")
        r["http"] = _child("_http", str(index_dir), str(hq), str(seconds))
    finally:
        if not keep and not reuse:
            shutil.rmtree(index_dir, ignore_errors=True)
    return r


def main(args) -> int:
    folder = unpack()
    files = sorted(folder.rglob("*.md"))
    if args.smoke:
        from bench.recall import sample_documents

        files = sample_documents(folder, 20, args.seed)
        per_kind, questions, rare, seconds = 2, 4, 4, 1.0
    else:
        per_kind, questions, rare, seconds = args.queries, args.questions, args.rare, args.seconds
    DATA.mkdir(parents=True, exist_ok=True)
    queries_file = DATA / (f"scale-queries-{len(files)}-{per_kind}-{questions}-{rare}-"
                           f"{args.seed}.json")
    if queries_file.exists():  # the same corpus and parameters make the same queries
        queries = json.loads(queries_file.read_text(encoding="utf-8"))
    else:
        queries = make_query_set(folder, files, per_kind, questions, rare, args.seed)
        queries_file.write_text(json.dumps(queries, ensure_ascii=False), encoding="utf-8")
    result: dict = {"machine": {"cores": os.cpu_count(), "python": sys.version.split()[0]},
                    "queries": len(queries), "scales": {}}
    scales = ([] if args.skip_1x or args.scale == 1 else [1]) + [args.scale]
    for copies in scales:
        result["scales"][str(copies)] = run_scale(copies, folder, files, queries_file, seconds,
                                                  keep=args.keep and copies == args.scale,
                                                  reuse=args.reuse and copies == args.scale)
    print_table(result)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = "smoke" if args.smoke else time.strftime("%Y%m%d-%H%M%S")
    out = RESULTS / f"scale-{args.scale}-{stamp}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    print(f"written {out}")
    return 0


def print_table(result: dict) -> None:
    scales = result["scales"]
    names = list(scales)

    def row(label, fn):
        cells = []
        for n in names:
            try:
                cells.append(fn(scales[n]))
            except KeyError:
                cells.append("-")
        return [label, *cells]

    def lat(group):
        return lambda s: (f"p50 {s['search']['groups'][group]['p50_ms']} / "
                          f"p99 {s['search']['groups'][group]['p99_ms']} ms")

    rows = [
        ["", *[f"{n}×" for n in names]],
        row("corpus", lambda s: f"{s['files']} files, {s['megabytes']} MB, "
                                f"{s['build']['paragraphs']} paragraphs"),
        row("full build", lambda s: f"{s['build']['seconds']} s, {s['build']['mb_per_s']} MB/s"),
        row("build peak RSS", lambda s: f"{s['build']['peak_rss_mb']} MB"),
        row("index size", lambda s: f"{s['build']['index_mb']} MB"),
        row("open", lambda s: f"{s['open']['seconds']} s, RSS {s['open']['rss_mb']} MB"),
        row("keyword queries", lat("keyword")),
        row("rare words", lat("rare")),
        row("questions", lat("questions")),
        row("all queries", lat("all")),
        row("warming the opened index", lambda s: f"{s['search'].get('warm_s', '—')} s"),
        row("searching process peak RSS", lambda s: f"{s['search']['rss_mb']} MB"),
        row("reindex, nothing changed", lambda s: f"{s['reindex_unchanged_s']} s"),
        row("reindex, one document added", lambda s: f"{s['reindex_add_one_s']} s"),
        row("index one new file (its path)", lambda s: f"{s['index_one_file_s']} s"),
        row("HTTP, 1 client", lambda s: f"{s['http']['1']['rps']} req/s"),
        row("HTTP, 8 clients", lambda s: f"{s['http']['8']['rps']} req/s, "
                                         f"p99 {s['http']['8']['p99_ms']} ms, "
                                         f"errors {s['http']['8']['errors']}"),
        row("serving memory, peak", lambda s: f"{s['http']['serving_pss_mb']} MB in "
                                               f"{s['http']['server_processes']} processes"),
        row("  largest process's peak RSS", lambda s: f"{s['http']['serving_rss_mb']} MB"),
        row("  at the end: anonymous / mapped files",
            lambda s: f"{s['http']['serving_rss_anon_mb']} / {s['http']['serving_rss_file_mb']} MB"),
    ]
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)))


if __name__ == "__main__":
    step = sys.argv[1]
    print(json.dumps(STEPS[step](*sys.argv[2:])))
