"""The speed benchmark: LawRefBook indexed and searched, against a naive baseline.

    python -m bench                 # the full corpus (3,475 laws): about 15 minutes (mostly the baseline)
    python -m bench --docs 300      # a sample
    python -m bench --smoke         # a tiny run that checks the benchmark itself works
    python -m bench --scale 10      # LawRefBook ten times over, against 1× (see bench/scale.py)

In one run it measures: a full build (seconds, MB/s, paragraphs/s, index size,
peak RSS), a reindex with nothing changed, a reindex after adding one document;
a fixed query set (single words, two words, quoted phrases, literal substrings of
1–10 characters, traditional-script forms, filters, date sort) through the Python
API, top 10 with snippets and facets: p50/p95/p99 and verbatim recall@10; the
naive baseline (jieba's ChineseAnalyzer + Whoosh defaults) on the same paragraphs
and queries; and `policy-search serve` under HTTP load from client threads at 1, 8
and 32 concurrent clients. Prints a table and writes JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench.lawrefbook import ROOT, copy_files, unpack
from bench.recall import percentile, sample_documents

RESULTS = ROOT / "bench" / "results"


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def run_child(code: str, *args: str) -> tuple[dict, int]:
    """Run Python code in a child process; return its JSON output and peak RSS (KB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         cwd=ROOT, check=False)
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return json.loads(out.stdout.strip().splitlines()[-1]), max(peak, before)


BUILD = """
import json, sys, time, indexer
t = time.perf_counter()
r = indexer.reindex([sys.argv[1]], sys.argv[2], rebuild=sys.argv[3] == "rebuild")
d = r.to_dict(); d["wall"] = time.perf_counter() - t
print(json.dumps(d))
"""

NAIVE_BUILD = """
import json, sys, time
from jieba.analyse import ChineseAnalyzer
from whoosh import index
from whoosh.fields import ID, NUMERIC, TEXT, Schema
import indexer
t = time.perf_counter()
schema = Schema(doc_id=ID(stored=True), n=NUMERIC(stored=True, sortable=True),
                issuer=ID(sortable=True), year=ID(sortable=True), date=NUMERIC(sortable=True),
                content=TEXT(analyzer=ChineseAnalyzer(), stored=True))
ix = index.create_in(sys.argv[2], schema)
w = ix.writer()
n = 0
for doc in indexer.read_corpus([sys.argv[1]]):
    if isinstance(doc, indexer.ReadFailure):
        continue
    m = doc.meta
    for p in doc.paragraphs:
        w.add_document(doc_id=doc.doc_id, n=p.n, issuer=m.issuer or "", year=(m.date or "")[:4],
                       date=int((m.date or "0").replace("-", "")), content=p.text)
        n += 1
w.commit()
print(json.dumps({"paragraphs": n, "wall": time.perf_counter() - t}))
"""


# --- queries -----------------------------------------------------------------------

def make_queries(docs: list, n_per_kind: int, seed: int) -> list[dict]:
    from opencc import OpenCC

    from indexer.analysis import JiebaTokenizer

    s2t = OpenCC("s2t")
    tok = JiebaTokenizer()
    rng = random.Random(seed)
    paras = [(d, p) for d in docs for p in d.paragraphs if len(p.text) >= 12]
    out: list[dict] = []

    def words_of(text):
        return [w for w, _, _ in tok.segment(text) if len(w) >= 2 and not w.isascii()]

    def pick():
        return rng.choice(paras)

    def substring(text, lo, hi, whole_numbers=False):
        compact = "".join(text.split())
        length = rng.randint(lo, min(hi, len(compact)))
        start = rng.randint(0, len(compact) - length)
        sub = compact[start:start + length]
        if whole_numbers:
            # A quoted phrase means whole numbers at its ends: do not cut one.
            before = compact[start - 1:start]
            after = compact[start + length:start + length + 1]
            if (sub[:1].isdigit() and before.isdigit()) or (sub[-1:].isdigit() and after.isdigit()):
                return ""
        return sub

    bad = set('"“”「」『』|:：-')
    while len([q for q in out if q["kind"] == "word"]) < n_per_kind:
        d, p = pick()
        ws = words_of(p.text)
        if ws:
            out.append({"kind": "word", "q": rng.choice(ws)})
    while len([q for q in out if q["kind"] == "two words"]) < n_per_kind:
        d, p = pick()
        ws = words_of(p.text)
        if len(ws) >= 2:
            a, b = rng.sample(ws, 2)
            out.append({"kind": "two words", "q": f"{a} {b}"})
    while len([q for q in out if q["kind"] == "phrase"]) < n_per_kind:
        d, p = pick()
        sub = substring(p.text, 4, 8, whole_numbers=True)
        if sub and not bad & set(sub):
            out.append({"kind": "phrase", "q": f'"{sub}"', "target": [d.doc_id, p.n]})
    while len([q for q in out if q["kind"] == "literal"]) < n_per_kind:
        d, p = pick()
        sub = substring(p.text, 1, 10)
        if not bad & set(sub) and sub not in ("OR", "NOT"):
            out.append({"kind": "literal", "q": sub, "target": [d.doc_id, p.n]})
    while len([q for q in out if q["kind"] == "traditional"]) < n_per_kind:
        d, p = pick()
        sub = substring(p.text, 2, 10)
        if not bad & set(sub):
            out.append({"kind": "traditional", "q": s2t.convert(sub), "target": [d.doc_id, p.n]})
    while len([q for q in out if q["kind"] == "filtered"]) < n_per_kind:
        d, p = pick()
        ws = words_of(p.text)
        if ws and d.meta.date:
            out.append({"kind": "filtered", "q": rng.choice(ws), "date_from": d.meta.date[:4]
                        + "-01-01", "issuer": d.meta.issuer})
    while len([q for q in out if q["kind"] == "date sort"]) < n_per_kind:
        d, p = pick()
        ws = words_of(p.text)
        if ws:
            out.append({"kind": "date sort", "q": rng.choice(ws), "sort": "date"})
    return out


def relevant_sets(docs: list, queries: list[dict]) -> None:
    """For each query with a target, every paragraph that contains its string verbatim.

    Found by scanning the paragraphs' folded text (spaces ignored), independently of
    any index; a quoted phrase's numbers at its ends are whole numbers. Stored in
    ``q["relevant"]`` as a set of (doc_id, paragraph).
    """
    from indexer.charindex import units

    paragraphs = [(d.doc_id, p.n, units(p.text)) for d in docs for p in d.paragraphs]
    for q in queries:
        if "target" not in q:
            continue
        quoted = q["q"].startswith('"')
        needle = units(q["q"].strip('"'))
        if quoted and (needle[:1].isdigit() or needle[-1:].isdigit()):
            pattern = re.compile((r"(?<![0-9])" if needle[:1].isdigit() else "")
                                 + re.escape(needle)
                                 + (r"(?![0-9])" if needle[-1:].isdigit() else ""))
            q["relevant"] = {(d, n) for d, n, t in paragraphs if needle in t and pattern.search(t)}
        else:
            q["relevant"] = {(d, n) for d, n, t in paragraphs if needle in t}


def _recall(top: list[tuple[str, int]], relevant: set) -> float:
    """Share of the verbatim matches in the top 10, out of as many as fit (min(10, |R|))."""
    if not relevant:
        return 1.0
    return len(set(top[:10]) & relevant) / min(10, len(relevant))


def run_queries(index_dir: Path, queries: list[dict]) -> dict:
    import indexer

    ix = indexer.open_index(index_dir)
    ix.search("预热")
    times: dict[str, list[float]] = {}
    recalls: list[float] = []
    full: list[float] = []
    known = 0
    by_kind: dict[str, list[float]] = {}
    for q in queries:
        ix.clear_cache()  # every query measured cold, as a new query
        t0 = time.perf_counter()
        res = ix.search(q["q"], limit=10, issuer=q.get("issuer"), sort=q.get("sort", "relevance"),
                        date_from=q.get("date_from"))
        for hit in res.hits:  # snippets are built in search(); touch them like a client
            len(hit.snippet)
        ms = (time.perf_counter() - t0) * 1000
        times.setdefault(q["kind"], []).append(ms)
        if "target" in q:
            top = [(h.doc_id, h.paragraph) for h in res.hits]
            recall = _recall(top, q["relevant"])
            recalls.append(recall)
            by_kind.setdefault(q["kind"], []).append(recall)
            known += tuple(q["target"]) in top
            found = set(ix.matching_paragraphs(q["q"]))
            full.append(len(found & q["relevant"]) / len(q["relevant"]))
    everything = [t for ts in times.values() for t in ts]
    return {
        "queries": len(everything),
        "p50_ms": round(statistics.median(everything), 2),
        "p95_ms": round(percentile(everything, 95), 2),
        "p99_ms": round(percentile(everything, 99), 2),
        "by_kind_p50_ms": {k: round(statistics.median(v), 2) for k, v in times.items()},
        "by_kind_p99_ms": {k: round(percentile(v, 99), 2) for k, v in times.items()},
        "recall_at_10": round(statistics.mean(recalls), 4) if recalls else None,
        "recall_full": round(statistics.mean(full), 4) if full else None,
        "recall_at_10_by_kind": {k: round(statistics.mean(v), 4) for k, v in by_kind.items()},
        "known_item_at_10": round(known / len(recalls), 4) if recalls else None,
    }


def run_naive_queries(index_dir: Path, queries: list[dict]) -> dict:
    from whoosh import index, sorting
    from whoosh.highlight import ContextFragmenter, HtmlFormatter
    from whoosh.qparser import QueryParser
    from whoosh.query import NumericRange, Term

    ix = index.open_dir(str(index_dir))
    parser = QueryParser("content", ix.schema)
    times = []
    recalls: list[float] = []
    with ix.searcher() as s:
        s.search(parser.parse("预热"), limit=10)  # load jieba before timing
        for q in queries:
            t0 = time.perf_counter()
            parsed = parser.parse(q["q"].replace('"', ""))
            flt = None
            if q.get("issuer") or q.get("date_from"):
                parts = []
                if q.get("issuer"):
                    parts.append(Term("issuer", q["issuer"]))
                if q.get("date_from"):
                    parts.append(NumericRange("date", int(q["date_from"].replace("-", "")), None))
                from whoosh.query import And
                flt = And(parts)
            sortedby = sorting.FieldFacet("date", reverse=True) if q.get("sort") == "date" else None
            facets = sorting.Facets()
            facets.add_field("issuer")
            facets.add_field("year")
            res = s.search(parsed, limit=10, filter=flt, sortedby=sortedby, groupedby=facets,
                           maptype=sorting.Count)
            res.fragmenter = ContextFragmenter(maxchars=120)
            res.formatter = HtmlFormatter(tagname="mark")
            top = []
            for hit in res:
                hit.highlights("content")
                top.append((hit["doc_id"], hit["n"]))
            len(res)
            times.append((time.perf_counter() - t0) * 1000)
            if "target" in q:
                recalls.append(_recall(top, q["relevant"]))
    return {"queries": len(times), "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(percentile(times, 95), 2), "p99_ms": round(percentile(times, 99), 2),
            "recall_at_10": round(statistics.mean(recalls), 4) if recalls else None}


# --- HTTP load -----------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_kb(pid: int, key: str = "VmHWM") -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (the server and its processes)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            todo += [int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
        except OSError:
            pass
    return out


def _pss_kb(pids: list[int]) -> dict[str, int]:
    """Proportional set sizes summed over ``pids``: each shared page counts once in all."""
    total = {"Pss": 0, "Pss_Anon": 0, "Pss_File": 0}
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                key = line.split(":", 1)[0]
                if key in total:
                    total[key] += int(line.split()[1])
        except OSError:
            pass
    return total


def http_load(index_dir: Path, queries: list[dict], clients: list[int], seconds: float) -> dict:
    port = _free_port()
    # Every request ranked anew: the query set is shorter than a run's requests, and
    # a ranking kept from an earlier request would measure the cache, not the search.
    env = dict(os.environ, POLICY_SEARCH_INDEX=str(index_dir), POLICY_SEARCH_CACHE_SIZE="0")
    proc = subprocess.Popen([sys.executable, "-m", "indexer", "serve", "--port", str(port),
                             "--threads", "8"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/api/search?q=x", timeout=5).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("server did not start") from None
                time.sleep(0.3)
        peak_pss = [0]
        sampling = threading.Event()

        def sample():  # the memory of every server process, twice a second
            while not sampling.wait(0.5):
                peak_pss[0] = max(peak_pss[0], _pss_kb(_tree(proc.pid))["Pss"])

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        urls = [base + "/api/search?" + urllib.parse.urlencode(
            {k: v for k, v in (("q", q["q"]), ("issuer", q.get("issuer")),
                               ("from", q.get("date_from")), ("sort", q.get("sort")))
             if v}) for q in queries]
        out = {}
        for n in clients:
            lat: list[float] = []
            errors = [0]
            stop = time.monotonic() + seconds
            lock = threading.Lock()

            def worker(offset: int, n=n, stop=stop, lock=lock, lat=lat, errors=errors):
                k = offset
                while time.monotonic() < stop:
                    url = urls[k % len(urls)]
                    k += n
                    t0 = time.perf_counter()
                    try:
                        with urllib.request.urlopen(url, timeout=30) as r:
                            r.read()
                            ok = r.status == 200
                    except Exception:  # noqa: BLE001 - every failure counts as an error
                        ok = False
                    ms = (time.perf_counter() - t0) * 1000
                    with lock:
                        lat.append(ms)
                        if not ok:
                            errors[0] += 1

            threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - t0
            out[str(n)] = {"requests": len(lat), "rps": round(len(lat) / elapsed, 1),
                           "p50_ms": round(statistics.median(lat), 1) if lat else None,
                           "p99_ms": round(percentile(lat, 99), 1) if lat else None,
                           "errors": errors[0]}
        sampling.set()
        sampler.join()
        pids = _tree(proc.pid)
        end = _pss_kb(pids)
        out["server_processes"] = len(pids) - 1 if len(pids) > 1 else 1
        # The largest process's peak RSS; the memory of all of them (each shared page
        # counted once), at its peak and at the end: anonymous, and pages of
        # memory-mapped files (shared, evictable).
        out["serving_rss_mb"] = round(max(_rss_kb(p) for p in pids) / 1024, 1)
        out["serving_pss_mb"] = round(max(peak_pss[0], end["Pss"]) / 1024, 1)
        out["serving_rss_anon_mb"] = round(end["Pss_Anon"] / 1024, 1)
        out["serving_rss_file_mb"] = round(end["Pss_File"] / 1024, 1)
        return out
    finally:
        proc.terminate()
        proc.wait(timeout=30)


# --- main ------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=0, help="sample this many laws (0: all)")
    parser.add_argument("--queries", type=int, default=40, help="queries per kind")
    parser.add_argument("--seconds", type=float, default=10.0, help="HTTP load per level")
    parser.add_argument("--seed", type=int, default=20251121)
    parser.add_argument("--smoke", action="store_true", help="tiny run: 20 laws, 5 queries")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive baseline")
    parser.add_argument("--scale", type=int, default=0,
                        help="copies of LawRefBook in one corpus (bench/scale.py)")
    parser.add_argument("--skip-1x", action="store_true", help="with --scale: no 1× baseline")
    parser.add_argument("--questions", type=int, default=90,
                        help="with --scale: STARD questions (of at most 40 characters)")
    parser.add_argument("--rare", type=int, default=20, help="with --scale: rare-word queries")
    parser.add_argument("--reuse", action="store_true",
                        help="with --scale: measure the index an earlier --keep left "
                             "(everything but the build)")
    parser.add_argument("--keep", action="store_true",
                        help="with --scale: keep the largest index in bench/data/scale-N/index")
    args = parser.parse_args(argv)
    if args.scale:
        from bench import scale

        if args.queries == parser.get_default("queries"):
            args.queries = 30
        return scale.main(args)
    if args.smoke:
        args.docs, args.queries, args.seconds = 20, 5, 1.0

    import indexer

    folder = unpack()
    files = sorted(folder.rglob("*.md"))
    if args.docs:
        files = sample_documents(folder, args.docs, args.seed)
    work = Path(tempfile.mkdtemp(prefix="policy-search-bench-"))
    result: dict = {"machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                                "platform": platform.platform()},
                    "documents": len(files)}
    try:
        corpus = work / "corpus"
        copy_files(files, folder, corpus)
        mb = dir_size(corpus) / 1e6
        result["megabytes"] = round(mb, 2)

        build, peak = run_child(BUILD, str(corpus), str(work / "index"), "rebuild")
        result["build"] = {"seconds": round(build["wall"], 2), "mb_per_s": round(mb / build["wall"], 3),
                           "paragraphs": build["paragraphs"],
                           "paragraphs_per_s": round(build["paragraphs"] / build["wall"], 1),
                           "index_mb": round(dir_size(work / "index") / 1e6, 1),
                           "peak_rss_mb": round(peak / 1024, 1)}
        same, _ = run_child(BUILD, str(corpus), str(work / "index"), "")
        result["reindex_unchanged_s"] = round(same["wall"], 2)
        extra = corpus / "新增" / "新增文件.md"
        extra.parent.mkdir()
        shutil.copyfile(files[0], extra)
        one, _ = run_child(BUILD, str(corpus), str(work / "index"), "")
        result["reindex_add_one_s"] = round(one["wall"], 2)
        extra.unlink()
        run_child(BUILD, str(corpus), str(work / "index"), "")

        docs = [d for d in indexer.read_corpus([corpus]) if not isinstance(d, indexer.ReadFailure)]
        queries = make_queries(docs, args.queries, args.seed)
        relevant_sets(docs, queries)
        result["search"] = run_queries(work / "index", queries)

        if not args.no_naive:
            (work / "naive").mkdir()
            naive, npeak = run_child(NAIVE_BUILD, str(corpus), str(work / "naive"))
            result["naive"] = {"build_seconds": round(naive["wall"], 2),
                               "mb_per_s": round(mb / naive["wall"], 3),
                               **run_naive_queries(work / "naive", queries)}
            result["ratios"] = {
                "build_speed": round(result["build"]["mb_per_s"] / result["naive"]["mb_per_s"], 2),
                "p99": round(result["naive"]["p99_ms"] / result["search"]["p99_ms"], 2),
                "p50": round(result["naive"]["p50_ms"] / result["search"]["p50_ms"], 2),
            }
        result["http"] = http_load(work / "index", queries, [1, 8, 32], args.seconds)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print_table(result)
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "smoke.json" if args.smoke else time.strftime("bench-%Y%m%d-%H%M%S.json")
    (RESULTS / name).write_text(json.dumps(result, ensure_ascii=False, indent=1))
    print(f"written {RESULTS / name}")
    return 0


def print_table(r: dict) -> None:
    b, s = r["build"], r["search"]
    rows = [
        ("corpus", f"{r['documents']} documents, {r['megabytes']} MB, {b['paragraphs']} paragraphs"),
        ("build", f"{b['seconds']} s, {b['mb_per_s']} MB/s, {b['paragraphs_per_s']} paragraphs/s, "
                  f"index {b['index_mb']} MB, peak RSS {b['peak_rss_mb']} MB"),
        ("reindex, nothing changed", f"{r['reindex_unchanged_s']} s"),
        ("reindex, one document added", f"{r['reindex_add_one_s']} s"),
        ("search top 10 + snippets + facets",
         f"p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms, p99 {s['p99_ms']} ms "
         f"({s['queries']} queries)"),
        ("  p50 by kind", ", ".join(f"{k} {v}" for k, v in s["by_kind_p50_ms"].items())),
        ("verbatim recall@10 / full", f"{s['recall_at_10']:.1%} / {s['recall_full']:.1%}"),
        ("  by kind", ", ".join(f"{k} {v:.1%}" for k, v in s["recall_at_10_by_kind"].items())),
        ("  source paragraph in top 10", f"{s['known_item_at_10']:.1%}"),
    ]
    if "naive" in r:
        n = r["naive"]
        rows += [
            ("naive build", f"{n['build_seconds']} s, {n['mb_per_s']} MB/s"),
            ("naive search", f"p50 {n['p50_ms']} ms, p99 {n['p99_ms']} ms, "
                             f"recall@10 {n['recall_at_10']:.1%}"),
            ("ratios (ours vs naive)", f"build speed x{r['ratios']['build_speed']}, "
                                       f"p50 x{r['ratios']['p50']}, p99 x{r['ratios']['p99']}"),
        ]
    for level, h in r["http"].items():
        if not level.isdigit():
            continue
        rows.append((f"HTTP, {level} clients", f"{h['rps']} req/s, p99 {h['p99_ms']} ms, "
                                               f"errors {h['errors']}"))
    rows.append(("serving memory (peak)", f"{r['http']['serving_pss_mb']} MB in "
                 f"{r['http']['server_processes']} processes, largest RSS "
                 f"{r['http']['serving_rss_mb']} MB"))
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")


if __name__ == "__main__":
    sys.exit(main())
