"""Ranking quality on LawRefBook: STARD questions and known-item search.

    python -m bench.quality                  # everything: 515 questions, 300 known items
    python -m bench.quality --questions 100 --known 100 --skip-baselines
    python -m bench.quality --smoke          # ~200 laws, 30 questions, 30 known items

Measured through the public API only (``indexer.reindex``, ``open_index``,
``Index.search``, ``read_corpus``), so it keeps working while ranking changes.

1. STARD (``../shared/corpora/stard-dev.json``): real legal questions from
   non-lawyers, each with the statute articles that answer it. An article is mapped
   to the index's paragraphs by text: each of its paragraphs (separated by blank
   lines) is folded (``fold_chars``), stripped of whitespace and of a leading
   ``第…条`` label, and compared for equality with every index paragraph treated the
   same way; every equal paragraph, in any version of any law, belongs to the article.
   A ranked list finds an article at rank r when its hit at rank r is one of the
   article's paragraphs. Questions with no mapped article are left out.
   Metrics: R@10, R@100 (mean share of a question's articles found in the top k),
   Hit@10 (share of questions with an article in the top 10), MRR@10 (1 / rank of
   the first hit that is any of its articles, 0 beyond 10), zero-result rate, and
   latency (p50/p95/p99 of ``search(question, limit=100)``).
2. Known items: N paragraphs (fixed seed; at least 20 characters and 3 distinct jieba
   words of 2+ characters); the query is the paragraph's three words of 2+
   characters with the highest IDF over the index's paragraphs (ties: the earlier
   word), space-separated in their order in the paragraph. A hit is correct when its
   text equals the paragraph's (folded, whitespace removed). MRR@10.

Systems: ours; BM25 with ``bm25s`` over jieba words (``jieba.lcut``, punctuation-only
tokens dropped, no stop words; defaults k1 1.5, b 0.75, method "lucene", and
Anserini's passage defaults k1 0.9, b 0.4); the naive jieba ``ChineseAnalyzer`` +
Whoosh defaults index of ``python -m bench``. The baselines need the ``bench`` extra
(``pip install -e '.[bench]'``). The tokenized corpus and the naive index are cached
under ``bench/data/`` and rebuilt when the paragraph set changes.

Prints a table; writes ``bench/results/quality-YYYYMMDD-HHMMSS.json`` (``quality-smoke.json``
with ``--smoke``) and, beside it, ``…-details.jsonl`` with one line per query for
error analysis.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import pickle
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

from bench.lawrefbook import ROOT, copy_files, unpack
from bench.recall import percentile

RESULTS = ROOT / "bench" / "results"
DATA = ROOT / "bench" / "data"
STARD = ROOT.parent / "shared" / "corpora" / "stard-dev.json"
DEFAULT_INDEX = DATA / "index-full"

_LABEL = re.compile(r"^第[零一二三四五六七八九十百千万〇两0-9]+条(之[零一二三四五六七八九十0-9]+)?")
_BLANK_LINE = re.compile(r"\n\s*\n")


# --- text ------------------------------------------------------------------------------

def compact(text: str) -> str:
    """Folded (traditional → simplified, full-width → half-width, lowercase), no whitespace."""
    from indexer.normalize import fold_chars

    return "".join(fold_chars(text).split())


def article_key(text: str) -> str:
    """``compact`` without a leading ``第…条`` label: how articles are matched to paragraphs."""
    return _LABEL.sub("", compact(text))


def _is_punct(token: str) -> bool:
    return all(c.isspace() or unicodedata.category(c)[0] in "PZC" for c in token)


def tokenize(text: str) -> list[str]:
    """jieba default mode (HMM on), tokens that are only punctuation or whitespace dropped."""
    import jieba

    return [t for t in jieba.lcut(text) if not _is_punct(t)]


# --- corpus ----------------------------------------------------------------------------

def load_paragraphs(folder: Path) -> list[tuple[str, int, str]]:
    """Exactly the paragraphs the index holds: (doc_id, paragraph number, text)."""
    import indexer

    return [(d.doc_id, p.n, p.text) for d in indexer.read_corpus([folder])
            if not isinstance(d, indexer.ReadFailure) for p in d.paragraphs]


def corpus_key(paras: list[tuple[str, int, str]]) -> str:
    h = hashlib.sha1()
    for doc_id, n, text in paras:
        h.update(f"{doc_id}\x00{n}\x00{text}\x01".encode())
    return h.hexdigest()


def tokenized_corpus(paras: list[tuple[str, int, str]], key: str, cache: Path) -> list[list[str]]:
    """Every paragraph tokenized; cached as a vocabulary and token ids, keyed by the paragraph set."""
    import numpy as np

    if cache.exists():
        try:
            with cache.open("rb") as f:
                stored = pickle.load(f)
            if stored["key"] == key:
                vocab, ids, offsets = stored["vocab"], stored["ids"], stored["offsets"]
                return [[vocab[i] for i in ids[offsets[k]:offsets[k + 1]].tolist()]
                        for k in range(len(offsets) - 1)]
        except Exception:  # noqa: BLE001 - a broken cache is rebuilt
            pass
    import jieba

    jieba.initialize()
    vocab_ids: dict[str, int] = {}
    tokens: list[list[str]] = []
    for _, _, text in paras:
        toks = tokenize(text)
        for t in toks:
            vocab_ids.setdefault(t, len(vocab_ids))
        tokens.append(toks)
    vocab = list(vocab_ids)
    tokens = [[vocab[vocab_ids[t]] for t in toks] for toks in tokens]  # share the strings
    offsets = np.zeros(len(tokens) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(t) for t in tokens])
    ids = np.fromiter((vocab_ids[t] for toks in tokens for t in toks), dtype=np.int32,
                      count=int(offsets[-1]))
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp")
    with tmp.open("wb") as f:
        pickle.dump({"key": key, "vocab": vocab, "ids": ids, "offsets": offsets}, f, protocol=4)
    tmp.replace(cache)
    return tokens


# --- STARD -----------------------------------------------------------------------------

def load_questions(path: Path = STARD) -> list[dict]:
    if not path.exists():
        raise SystemExit(f"{path}: STARD questions not found")
    return json.loads(path.read_text(encoding="utf-8"))


def article_paragraphs(text: str) -> list[str]:
    return [p for p in _BLANK_LINE.split(text) if p.strip()]


def map_questions(questions: list[dict], paras: list[tuple[str, int, str]]) -> tuple[list[dict], dict]:
    """Each question's articles as sets of paragraph indexes; the mapping's coverage."""
    by_key: dict[str, list[int]] = {}
    for i, (_, _, text) in enumerate(paras):
        by_key.setdefault(article_key(text), []).append(i)
    out = []
    articles = mapped_articles = all_paragraphs = 0
    sizes = []
    for q in questions:
        arts = {}
        for name, text in q["相关法规"].items():
            articles += 1
            pieces = article_paragraphs(text)
            found = [by_key.get(article_key(p), []) for p in pieces]
            idx = {i for f in found for i in f}
            if idx:
                mapped_articles += 1
                all_paragraphs += all(found)
                arts[name] = idx
                sizes.append(len(idx))
        out.append({"query_id": q.get("query_id"), "question": q["问题"], "articles": arts})
    coverage = {
        "questions": len(questions),
        "questions_mapped": sum(1 for q in out if q["articles"]),
        "questions_excluded": sum(1 for q in out if not q["articles"]),
        "articles": articles,
        "articles_mapped": mapped_articles,
        "articles_every_paragraph_mapped": all_paragraphs,
        "paragraphs_per_article_median": statistics.median(sizes) if sizes else 0,
        "paragraphs_per_article_max": max(sizes) if sizes else 0,
    }
    return out, coverage


def first_ranks(ranked: list[int], articles: dict[str, set[int]]) -> dict[str, int]:
    """Rank (1-based) at which each article is first found; absent articles left out."""
    ranks = {}
    for name, idx in articles.items():
        for r, i in enumerate(ranked, 1):
            if i in idx:
                ranks[name] = r
                break
    return ranks


def stard_metrics(runs: list[list[int]], mapped: list[dict], times: list[float] | None) -> dict:
    r10, r100, hit10, mrr, zero = [], [], [], [], []
    for ranked, q in zip(runs, mapped, strict=True):
        arts = q["articles"]
        ranks = first_ranks(ranked, arts)
        r10.append(sum(1 for r in ranks.values() if r <= 10) / len(arts))
        r100.append(sum(1 for r in ranks.values() if r <= 100) / len(arts))
        best = min(ranks.values(), default=None)
        hit10.append(1.0 if best is not None and best <= 10 else 0.0)
        mrr.append(1.0 / best if best is not None and best <= 10 else 0.0)
        zero.append(0.0 if ranked else 1.0)
    n = len(runs)
    out = {"questions": n,
           "R@10": round(sum(r10) / n, 4) if n else None,
           "R@100": round(sum(r100) / n, 4) if n else None,
           "Hit@10": round(sum(hit10) / n, 4) if n else None,
           "MRR@10": round(sum(mrr) / n, 4) if n else None,
           "zero_result_rate": round(sum(zero) / n, 4) if n else None}
    if times:
        out.update(latency(times))
    return out


def latency(times: list[float]) -> dict:
    return {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(percentile(times, 95), 2),
            "p99_ms": round(percentile(times, 99), 2)}


# --- known items -----------------------------------------------------------------------

def known_items(paras: list[tuple[str, int, str]], tokens: list[list[str]], n: int,
                seed: int) -> list[dict]:
    df: dict[str, int] = {}
    for toks in tokens:
        for t in set(toks):
            df[t] = df.get(t, 0) + 1
    total = len(paras)
    by_text: dict[str, list[int]] = {}
    for i, (_, _, text) in enumerate(paras):
        by_text.setdefault(compact(text), []).append(i)
    order = list(range(total))
    random.Random(seed).shuffle(order)
    out = []
    for i in order:
        if len(out) >= n:
            break
        text = paras[i][2]
        if len(text) < 20:
            continue
        words: list[str] = []
        for t in tokens[i]:
            if len(t) >= 2 and t not in words:
                words.append(t)
        if len(words) < 3:
            continue
        # highest IDF = lowest document frequency; ties go to the earlier word
        best = sorted(range(len(words)), key=lambda k: (df[words[k]], k))[:3]
        query = " ".join(words[k] for k in sorted(best))
        out.append({"source": i, "query": query,
                    "idf": [round(math.log(total / df[words[k]]), 3) for k in sorted(best)],
                    "relevant": set(by_text[compact(text)])})
    return out


def known_metrics(runs: list[list[int]], items: list[dict], times: list[float] | None) -> dict:
    rr, at10, zero = [], [], []
    for ranked, item in zip(runs, items, strict=True):
        rank = next((r for r, i in enumerate(ranked[:10], 1) if i in item["relevant"]), None)
        rr.append(1.0 / rank if rank else 0.0)
        at10.append(1.0 if rank else 0.0)
        zero.append(0.0 if ranked else 1.0)
    n = len(runs)
    out = {"queries": n, "MRR@10": round(sum(rr) / n, 4) if n else None,
           "Hit@10": round(sum(at10) / n, 4) if n else None,
           "zero_result_rate": round(sum(zero) / n, 4) if n else None}
    if times:
        out.update(latency(times))
    return out


# --- systems ---------------------------------------------------------------------------

class Ours:
    name = "ours"

    def __init__(self, index_dir: Path, positions: dict[tuple[str, int], int]):
        import indexer

        self.ix = indexer.open_index(index_dir)
        self.positions = positions
        self.ix.search("预热")

    def search(self, text: str, k: int = 100) -> tuple[list[int], list[tuple]]:
        clear = getattr(self.ix, "clear_cache", None)
        if clear:
            clear()  # every query measured cold, as a new query
        res = self.ix.search(text, limit=k)
        ranked = [self.positions.get((h.doc_id, h.paragraph), -1) for h in res.hits]
        return ranked, [(h.doc_id, h.paragraph, h.text[:40]) for h in res.hits[:5]]

    def close(self):
        close = getattr(self.ix, "close", None)
        if close:
            close()


class BM25:
    def __init__(self, tokens: list[list[str]], k1: float, b: float, name: str):
        import bm25s

        self.name = name
        self.retriever = bm25s.BM25(k1=k1, b=b, method="lucene")
        self.retriever.index(tokens, show_progress=False)
        self.vocab = self.retriever.vocab_dict

    def search(self, text: str, k: int = 100) -> list[int]:
        import numpy as np

        ids = [self.vocab[t] for t in tokenize(text) if t in self.vocab]
        if not ids:
            return []
        scores = self.retriever.get_scores_from_ids(ids)
        k = min(k, int((scores > 0).sum()))
        if k == 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.lexsort((top, -scores[top]))]  # by score, ties by paragraph order
        return top.tolist()


class Naive:
    """jieba's ChineseAnalyzer + Whoosh defaults, built by ``python -m bench``'s code."""

    name = "naive"

    def __init__(self, folder: Path, index_dir: Path, key: str,
                 positions: dict[tuple[str, int], int]):
        from whoosh import index
        from whoosh.qparser import QueryParser

        from bench.__main__ import NAIVE_BUILD, run_child

        stamp = index_dir / ".corpus-key"
        if not (stamp.exists() and stamp.read_text() == key):
            shutil.rmtree(index_dir, ignore_errors=True)
            index_dir.mkdir(parents=True)
            run_child(NAIVE_BUILD, str(folder), str(index_dir))
            stamp.write_text(key)
        self.ix = index.open_dir(str(index_dir))
        self.parser = QueryParser("content", self.ix.schema)
        self.searcher = self.ix.searcher()
        self.positions = positions

    def search(self, text: str, k: int = 100) -> list[int]:
        try:
            parsed = self.parser.parse(text.replace('"', ""))
            res = self.searcher.search(parsed, limit=k)
        except Exception:  # noqa: BLE001 - an unparsable query finds nothing
            return []
        return [self.positions.get((h["doc_id"], h["n"]), -1) for h in res]

    def close(self):
        self.searcher.close()


def timed(fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    return out, (time.perf_counter() - t0) * 1000


# --- smoke sample ----------------------------------------------------------------------

def smoke_files(folder: Path, questions: list[dict], n_docs: int, seed: int) -> list[Path]:
    """``n_docs`` laws: every law holding an article of ``questions``, the rest small ones at random."""
    needles = {article_key(p) for q in questions for text in q["相关法规"].values()
               for p in article_paragraphs(text)[:1]}
    files = sorted(folder.rglob("*.md"))
    needed = []
    for f in files:
        text = compact(f.read_text(encoding="utf-8", errors="replace"))
        if any(n in text for n in needles):
            needed.append(f)
    # the rest from the smallest quarter of the laws, so that the naive baseline's build
    # (a few hundred paragraphs a second) stays short
    chosen = set(needed)
    rest = sorted((f for f in files if f not in chosen), key=lambda f: (f.stat().st_size, f))
    rest = sorted(rest[:max(n_docs, len(rest) // 4)])
    rng = random.Random(seed)
    extra = rng.sample(rest, max(0, min(len(rest), n_docs - len(needed))))
    return sorted(needed + extra)


# --- main ------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-dir", type=Path, default=DEFAULT_INDEX,
                        help="index of all of LawRefBook (built if missing)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the index first")
    parser.add_argument("--questions", type=int, default=0, help="first N STARD questions (0: all)")
    parser.add_argument("--known", type=int, default=300, help="known-item queries")
    parser.add_argument("--seed", type=int, default=20251121)
    parser.add_argument("--skip-baselines", action="store_true", help="only ours")
    parser.add_argument("--smoke", action="store_true",
                        help="~200 laws (all that hold the articles of the first 30 questions), "
                             "30 questions, 30 known items")
    args = parser.parse_args(argv)

    import indexer

    phases: dict[str, float] = {}
    t_all = time.perf_counter()
    questions = load_questions()
    folder = unpack()
    work = None
    t = time.perf_counter()
    if args.smoke:
        args.questions, args.known = 30, 30
        work = Path(tempfile.mkdtemp(prefix="policy-search-quality-"))
        files = smoke_files(folder, questions[:30], 200, args.seed)
        corpus = copy_files(files, folder, work / "corpus")
        index_dir = work / "index"
        indexer.reindex([corpus], index_dir)
        tag = "smoke"
    else:
        corpus = folder
        index_dir = args.index_dir
        rebuild = args.rebuild
        if not rebuild:
            try:  # missing, or built by another version (ranking being rewritten): rebuild
                indexer.open_index(index_dir).close()
            except (indexer.IndexNotFound, indexer.IncompatibleIndex):
                rebuild = True
        if rebuild:
            indexer.reindex([corpus], index_dir, rebuild=True)
        tag = "full" if index_dir == DEFAULT_INDEX else hashlib.sha1(
            str(index_dir.resolve()).encode()).hexdigest()[:10]
    phases["index_s"] = time.perf_counter() - t
    if args.questions:
        questions = questions[:args.questions]

    try:
        result = run(args, questions, corpus, index_dir, tag, phases)
    finally:
        if work:
            shutil.rmtree(work, ignore_errors=True)
    phases["total_s"] = time.perf_counter() - t_all
    result["phases_s"] = {k: round(v, 1) for k, v in phases.items()}

    print_table(result)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = "quality-smoke" if args.smoke else time.strftime("quality-%Y%m%d-%H%M%S")
    details = result.pop("_details")
    (RESULTS / f"{stem}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1))
    with (RESULTS / f"{stem}-details.jsonl").open("w", encoding="utf-8") as f:
        for row in details:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"written {RESULTS / (stem + '.json')} and {stem}-details.jsonl")
    return 0


def run(args, questions, corpus, index_dir, tag, phases) -> dict:
    t = time.perf_counter()
    paras = load_paragraphs(corpus)
    key = corpus_key(paras)
    positions = {(d, n): i for i, (d, n, _) in enumerate(paras)}
    phases["read_corpus_s"] = time.perf_counter() - t

    t = time.perf_counter()
    mapped, coverage = map_questions(questions, paras)
    evaluated = [q for q in mapped if q["articles"]]
    phases["map_articles_s"] = time.perf_counter() - t

    t = time.perf_counter()
    tokens = tokenized_corpus(paras, key, DATA / f"quality-tokens-{tag}.pkl")
    phases["tokenize_s"] = time.perf_counter() - t
    items = known_items(paras, tokens, args.known, args.seed)

    systems: list = []
    t = time.perf_counter()
    ours = Ours(index_dir, positions)
    systems.append(ours)
    if not args.skip_baselines:
        systems.append(BM25(tokens, 1.5, 0.75, "bm25s"))
        systems.append(BM25(tokens, 0.9, 0.4, "bm25s-k0.9-b0.4"))
        phases["bm25s_index_s"] = time.perf_counter() - t
        t = time.perf_counter()
        naive_dir = DATA / f"quality-naive-{tag}"  # kept while the paragraph set is the same
        systems.append(Naive(corpus, naive_dir, key, positions))
        phases["naive_index_s"] = time.perf_counter() - t
    del tokens

    stard: dict = {}
    known: dict = {}
    details: list[dict] = []
    t = time.perf_counter()
    stard_runs: dict[str, list] = {s.name: [] for s in systems}
    stard_times: dict[str, list] = {s.name: [] for s in systems}
    for q in evaluated:
        row = {"set": "stard", "query_id": q["query_id"], "query": q["question"],
               "articles": {a: len(i) for a, i in q["articles"].items()}}
        for s in systems:
            if s is ours:
                (ranked, top5), ms = timed(s.search, q["question"])
                row["ours_top5"] = top5
            else:
                ranked, ms = timed(s.search, q["question"])
            stard_runs[s.name].append(ranked)
            stard_times[s.name].append(ms)
            ranks = first_ranks(ranked, q["articles"])
            row[f"rank_{s.name}"] = min(ranks.values(), default=None)
        details.append(row)
    for s in systems:
        stard[s.name] = stard_metrics(stard_runs[s.name], evaluated, stard_times[s.name])
    phases["stard_queries_s"] = time.perf_counter() - t

    t = time.perf_counter()
    known_runs: dict[str, list] = {s.name: [] for s in systems}
    known_times: dict[str, list] = {s.name: [] for s in systems}
    for item in items:
        d, n, text = paras[item["source"]]
        row = {"set": "known", "query": item["query"], "source": [d, n, text[:40]],
               "duplicates": len(item["relevant"])}
        for s in systems:
            if s is ours:
                (ranked, top5), ms = timed(s.search, item["query"])
                row["ours_top5"] = top5
            else:
                ranked, ms = timed(s.search, item["query"])
            known_runs[s.name].append(ranked)
            known_times[s.name].append(ms)
            row[f"rank_{s.name}"] = next((r for r, i in enumerate(ranked, 1)
                                          if i in item["relevant"]), None)
        details.append(row)
    for s in systems:
        known[s.name] = known_metrics(known_runs[s.name], items, known_times[s.name])
    phases["known_queries_s"] = time.perf_counter() - t
    for s in systems:
        if hasattr(s, "close"):
            s.close()

    return {"corpus": {"documents": len({d for d, _, _ in paras}), "paragraphs": len(paras),
                       "smoke": bool(args.smoke)},
            "seed": args.seed,
            "mapping": coverage,
            "stard": stard,
            "known_item": known,
            "_details": details}


def print_table(r: dict) -> None:
    c, m = r["corpus"], r["mapping"]
    print(f"corpus: {c['documents']} documents, {c['paragraphs']} paragraphs")
    print(f"STARD: {m['questions']} questions, {m['questions_mapped']} with a mapped article "
          f"({m['questions_excluded']} excluded); {m['articles_mapped']}/{m['articles']} articles "
          f"mapped ({m['articles_every_paragraph_mapped']} with every paragraph), "
          f"paragraphs per article median {m['paragraphs_per_article_median']}, "
          f"max {m['paragraphs_per_article_max']}")
    cols = ["R@10", "R@100", "Hit@10", "MRR@10", "zero_result_rate", "p50_ms", "p95_ms", "p99_ms"]
    head = f"{'STARD':<18}" + "".join(f"{h:>10}" for h in ["R@10", "R@100", "Hit@10", "MRR@10",
                                                             "zero", "p50 ms", "p95 ms", "p99 ms"])
    print(head)
    for name, row in r["stard"].items():
        print(f"{name:<18}" + "".join(f"{row.get(k, ''):>10}" for k in cols))
    print(f"{'known item':<18}" + "".join(f"{h:>10}" for h in ["MRR@10", "Hit@10", "zero",
                                                                 "p50 ms", "p95 ms", "p99 ms"]))
    for name, row in r["known_item"].items():
        print(f"{name:<18}" + "".join(f"{row.get(k, ''):>10}" for k in
                                      ["MRR@10", "Hit@10", "zero_result_rate", "p50_ms", "p95_ms",
                                       "p99_ms"]))
    print("phases (s): " + ", ".join(f"{k[:-2]} {v}" for k, v in r["phases_s"].items()))


if __name__ == "__main__":
    sys.exit(main())
