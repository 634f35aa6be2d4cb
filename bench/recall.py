"""Verbatim recall on LawRefBook: policy-search against jieba's ChineseAnalyzer.

A query is a 4–10 character string copied from a random paragraph (half of them
converted to traditional script). Recall@10: the paragraph is among the first 10
hits; full recall: it is anywhere in the result set. Both systems index the same
paragraphs and answer the same queries in the same run.

    python -m bench.recall --docs 600 --queries 400
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.lawrefbook import ROOT, copy_files, unpack

RESULTS = ROOT / "bench" / "results"


def sample_documents(folder: Path, n_docs: int, seed: int) -> list[Path]:
    files = sorted(folder.rglob("*.md"))
    rng = random.Random(seed)
    return sorted(rng.sample(files, min(n_docs, len(files))))


def make_queries(paragraphs: list[tuple[str, int, str]], n: int, seed: int) -> list[dict]:
    from opencc import OpenCC

    s2t = OpenCC("s2t")
    rng = random.Random(seed)
    queries = []
    while len(queries) < n:
        doc_id, para, text = rng.choice(paragraphs)
        compact = "".join(text.split())
        if len(compact) < 4:
            continue
        length = rng.randint(4, min(10, len(compact)))
        start = rng.randint(0, len(compact) - length)
        sub = compact[start:start + length]
        if any(c in sub for c in '"“”「」『』|:：') or sub.startswith("-"):
            continue
        script = "traditional" if len(queries) % 2 else "simplified"
        query = s2t.convert(sub) if script == "traditional" else sub
        queries.append({"query": query, "doc_id": doc_id, "paragraph": para, "script": script})
    return queries


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def run_ours(docs_dir: Path, work: Path, queries: list[dict]) -> dict:
    import indexer

    started = time.perf_counter()
    report = indexer.reindex([docs_dir], work / "ours")
    build = time.perf_counter() - started
    at10 = full = 0
    times = []
    with indexer.open_index(work / "ours") as ix:
        ix.search("预热")
        for q in queries:
            target = (q["doc_id"], q["paragraph"])
            t0 = time.perf_counter()
            results = ix.search(q["query"], limit=10)
            times.append((time.perf_counter() - t0) * 1000)
            at10 += target in [(h.doc_id, h.paragraph) for h in results.hits]
            full += target in ix.matching_paragraphs(q["query"])
    return {"build_s": round(build, 2), "paragraphs": report.paragraphs,
            "recall_at_10": at10 / len(queries), "recall_full": full / len(queries),
            "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(percentile(times, 95), 2), "p99_ms": round(percentile(times, 99), 2)}


def run_naive(paragraphs: list[tuple[str, int, str]], work: Path, queries: list[dict]) -> dict:
    from jieba.analyse import ChineseAnalyzer
    from whoosh import index as windex
    from whoosh.fields import ID, NUMERIC, TEXT, Schema
    from whoosh.highlight import ContextFragmenter, HtmlFormatter
    from whoosh.qparser import QueryParser

    schema = Schema(doc_id=ID(stored=True), n=NUMERIC(stored=True),
                    content=TEXT(analyzer=ChineseAnalyzer(), stored=True))
    path = work / "naive"
    path.mkdir()
    started = time.perf_counter()
    ix = windex.create_in(str(path), schema)
    writer = ix.writer()
    for doc_id, n, text in paragraphs:
        writer.add_document(doc_id=doc_id, n=n, content=text)
    writer.commit()
    build = time.perf_counter() - started
    parser = QueryParser("content", schema)
    at10 = full = 0
    times = []
    with ix.searcher() as searcher:
        for q in queries:
            target = (q["doc_id"], q["paragraph"])
            t0 = time.perf_counter()
            parsed = parser.parse(q["query"])
            results = searcher.search(parsed, limit=10)
            results.fragmenter = ContextFragmenter(maxchars=120)
            results.formatter = HtmlFormatter(tagname="mark")
            top = []
            for hit in results:
                hit.highlights("content")
                top.append((hit["doc_id"], hit["n"]))
            times.append((time.perf_counter() - t0) * 1000)
            at10 += target in top
            everything = searcher.search(parsed, limit=None)
            full += target in {(h["doc_id"], h["n"]) for h in everything}
    return {"build_s": round(build, 2), "paragraphs": len(paragraphs),
            "recall_at_10": at10 / len(queries), "recall_full": full / len(queries),
            "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(percentile(times, 95), 2), "p99_ms": round(percentile(times, 99), 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=600, help="LawRefBook documents to sample")
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--seed", type=int, default=20251121)
    args = parser.parse_args(argv)

    import indexer

    folder = unpack()
    files = sample_documents(folder, args.docs, args.seed)
    work = Path(tempfile.mkdtemp(prefix="policy-search-recall-"))
    try:
        docs_dir = work / "docs"
        copy_files(files, folder, docs_dir)
        paragraphs = [(d.doc_id, p.n, p.text) for d in indexer.read_corpus([docs_dir])
                      if not isinstance(d, indexer.ReadFailure) for p in d.paragraphs]
        queries = make_queries(paragraphs, args.queries, args.seed)
        ours = run_ours(docs_dir, work, queries)
        naive = run_naive(paragraphs, work, queries)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    result = {"documents": len(files), "paragraphs": len(paragraphs),
              "queries": len(queries), "seed": args.seed, "policy_search": ours,
              "naive_chinese_analyzer": naive}
    print(f"{len(files)} documents, {len(paragraphs)} paragraphs, {len(queries)} queries "
          "(4-10 characters copied from a paragraph; half in traditional script)")
    print(f"{'':<24}{'recall@10':>10}{'full recall':>13}{'p50 ms':>9}{'p95 ms':>9}"
          f"{'build s':>9}")
    for name, row in (("policy-search", ours), ("jieba ChineseAnalyzer", naive)):
        print(f"{name:<24}{row['recall_at_10']:>10.1%}{row['recall_full']:>13.1%}"
              f"{row['p50_ms']:>9}{row['p95_ms']:>9}{row['build_s']:>9}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "recall.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
