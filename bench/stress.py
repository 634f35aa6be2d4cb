"""Stress: HTTP load and in-process readers while the corpus changes and is reindexed.

    python -m bench.stress --docs 300 --requests 4000 --clients 32 --rounds 3

A LawRefBook sample is indexed and served by `policy-search serve`. Client threads
send searches and document requests while, `--rounds` times, documents are added,
changed and removed and a reindex runs in another process; in-process reader
threads search the same index meanwhile. Reports status counts (no 5xx, no
connection errors allowed), p99 latency and reader errors; exit code 1 on any.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.__main__ import _free_port
from bench.lawrefbook import copy_files, unpack
from bench.recall import percentile, sample_documents

QUERIES = ["人民政府", "第一条", '"县级以上人民政府"', "行政处罚 -罚款", "条例 OR 办法",
           "date:2010.. 管理", "國務院", "的", "稳岗返还", "issuer:国务院 规定"]
REINDEX = "import sys, indexer; indexer.reindex([sys.argv[1]], sys.argv[2])"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    import indexer

    folder = unpack()
    files = sample_documents(folder, args.docs, args.seed)
    work = Path(tempfile.mkdtemp(prefix="policy-search-stress-"))
    rng = random.Random(args.seed)
    corpus = work / "corpus"
    copy_files(files, folder, corpus)
    index_dir = work / "index"
    print(indexer.reindex([corpus], index_dir).summary())
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "indexer", "serve", "--port", str(port)],
                            env={"POLICY_SEARCH_INDEX": str(index_dir), "PATH": "/usr/bin:/bin"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(base + "/api/search?q=x", timeout=2).read()
            break
        except OSError:
            time.sleep(0.2)
    ids = indexer.open_index(index_dir).document_ids()
    paths = ["/api/search?q=" + urllib.parse.quote(q) for q in QUERIES]
    paths += ["/?q=" + urllib.parse.quote(q) for q in QUERIES[:3]]
    paths += ["/api/documents/" + urllib.parse.quote(d) for d in ids[:20]]

    statuses: Counter = Counter()
    latencies: list[float] = []
    lock = threading.Lock()
    reader_errors: list[str] = []
    stop = threading.Event()

    def get(i: int) -> None:
        t0 = time.perf_counter()
        try:
            with urllib.request.urlopen(base + paths[i % len(paths)], timeout=120) as r:
                r.read()
                status = r.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError:
            status = -1
        with lock:
            statuses[status] += 1
            latencies.append((time.perf_counter() - t0) * 1000)

    def reader(k: int) -> None:
        ix = indexer.open_index(index_dir)
        r = random.Random(k)
        while not stop.is_set():
            try:
                ix.refresh()
                ix.search(r.choice(QUERIES), limit=10)
            except Exception as exc:  # noqa: BLE001 - every exception is a finding
                reader_errors.append(f"{type(exc).__name__}: {exc}")

    def churn() -> None:
        for round_ in range(args.rounds):
            time.sleep(1.0)
            docs = sorted(corpus.rglob("*.md"))
            rng.choice(docs).unlink()
            changed = rng.choice(docs[1:])
            if changed.exists():
                changed.write_text(changed.read_text(encoding="utf-8") + f"\n压力测试第{round_}轮。\n",
                                   encoding="utf-8")
            shutil.copyfile(rng.choice(files), corpus / f"added-{round_}.md")
            subprocess.run([sys.executable, "-c", REINDEX, str(corpus), str(index_dir)], check=True)

    readers = [threading.Thread(target=reader, args=(k,)) for k in range(2)]
    for t in readers:
        t.start()
    churner = threading.Thread(target=churn)
    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            churner.start()
            list(pool.map(get, range(args.requests)))
        churner.join()
    finally:
        stop.set()
        for t in readers:
            t.join()
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    elapsed = time.perf_counter() - started
    print(f"{args.requests} requests, {args.clients} clients, {args.rounds} reindexes "
          f"in {elapsed:.1f} s: {args.requests / elapsed:.0f} req/s")
    print("statuses:", dict(sorted(statuses.items())))
    print(f"latency p50 {statistics.median(latencies):.1f} ms, p99 {percentile(latencies, 99):.1f} ms")
    print(f"in-process reader errors: {len(reader_errors)}", *reader_errors[:5], sep="\n  ")
    bad = sum(n for s, n in statuses.items() if s >= 500 or s < 0)
    return 1 if bad or reader_errors else 0


if __name__ == "__main__":
    sys.exit(main())
