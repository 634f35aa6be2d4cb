"""Profiles of searching an index: where the time and the memory of the queries go.

    python -m bench.profile --index-dir bench/data/scale-10/index
    python -m bench.profile --index-dir DIR --queries FILE --top 40 --memory

Runs the query set of ``python -m bench --scale`` (``bench/data/scale-queries-….json``,
or ``--queries``) once, each query cold, under cProfile; prints the slowest queries,
the time per query group and the functions by own time and by cumulative time.
``--memory`` also traces allocations (tracemalloc) and prints, per group, the
largest peak of Python and NumPy allocations during one query.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

from bench.lawrefbook import ROOT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--queries", type=Path, default=None)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--memory", action="store_true", help="trace allocations too")
    args = parser.parse_args(argv)
    import indexer

    files = sorted(f for f in (ROOT / "bench" / "data").glob("scale-queries-*.json")
                   if not f.stem.endswith("-http"))
    source = args.queries or (files[-1] if files else None)
    if source is None:
        raise SystemExit("no query set: run `python -m bench --scale N` first or pass --queries")
    queries = json.loads(source.read_text(encoding="utf-8"))
    t = time.perf_counter()
    ix = indexer.open_index(args.index_dir)
    print(f"open: {time.perf_counter() - t:.2f} s")
    ix.search("预热")
    times: list[tuple[float, str, str, int]] = []
    peaks: dict[str, list[int]] = {}
    profile = cProfile.Profile()
    for q in queries:
        ix.clear_cache()
        if args.memory:
            tracemalloc.start()
        t = time.perf_counter()
        profile.enable()
        res = ix.search(q["q"], limit=10, issuer=q.get("issuer"), sort=q.get("sort", "relevance"),
                        date_from=q.get("date_from"))
        profile.disable()
        times.append(((time.perf_counter() - t) * 1000, q["group"], q["q"], res.total))
        if args.memory:
            peaks.setdefault(q["group"], []).append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
    for group in sorted({g for _, g, _, _ in times}):
        ms = [m for m, g, _, _ in times if g == group]
        line = f"{group}: {len(ms)} queries, median {statistics.median(ms):.1f} ms"
        if group in peaks:
            line += (f", peak allocations median {statistics.median(peaks[group]) / 1e6:.1f} MB,"
                     f" max {max(peaks[group]) / 1e6:.1f} MB")
        print(line)
    print("slowest:")
    for ms, group, text, total in sorted(times, reverse=True)[:10]:
        print(f"  {ms:8.1f} ms  {group:<9} total {total:>9}  {text[:40]}")
    stats = pstats.Stats(profile, stream=sys.stdout)
    stats.sort_stats("tottime").print_stats(args.top)
    stats.sort_stats("cumulative").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
