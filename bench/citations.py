"""Citations on LawRefBook: mentions found, share resolved, precision, cost in build time.

    python -m bench.citations                # the full corpus (3,475 laws): a few minutes
    python -m bench.citations --docs 300     # a sample
    python -m bench.citations --reuse        # analyse the index of the last run again

It measures:

* **cost**: the corpus is built twice or more in child processes, with
  citations and with them switched off (extraction in the workers and the
  citations file stubbed out), alternating; wall time and CPU time (the build
  process and its workers) of each. Besides, on the built index, the CPU time
  of extracting every document's mentions in one process, and of resolving
  them all and writing the citations file (what every commit does);
* **mentions**: found by extraction (every kind, before resolution), kept
  (a document's own title and number and bare names that are no title are
  dropped), resolved, by kind;
* **recall on titles in the corpus**: 《…》 mentions whose title (folded, without
  punctuation, 中华人民共和国 or a version in brackets) is the title of an indexed
  document or the ``name`` of a law in ``db.sqlite3`` whose file is indexed:
  the share resolved (mentions of the citing document's own work excluded);
* **serving**: ``cites:`` searches and the document cited most, in ms; a
  reindex that adds one document and one that removes it (seconds, of which
  the citations file), each checked to give the same rows as resolving every
  mention again;
* **precision** on a sample of resolved mentions (fixed seed) judged by hand:
  ``bench/citations_judgments.json`` holds the judgments (see its ``how``);
  the sample is written to ``bench/results/citations-sample.md`` with the citing
  paragraph, the document resolved to, its other versions and the paragraph
  pointed at, for reading. Items without a judgment are listed as unjudged.

Prints a table and writes JSON to ``bench/results/citations-<time>.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from bench.lawrefbook import ROOT, copy_files, unpack
from bench.recall import sample_documents

RESULTS = ROOT / "bench" / "results"
JUDGMENTS = ROOT / "bench" / "citations_judgments.json"
WORK = ROOT / "bench" / "data" / "citations"

BUILD = """
import json, sys, time
import indexer
from indexer.cite import extract, update
if sys.argv[3] == "off":
    extract.serialized = lambda paragraphs: ("[]", "{}")
    update.before_commit = lambda *args: None
    update.after_commit = lambda *args: None
t = time.perf_counter()
r = indexer.reindex([sys.argv[1]], sys.argv[2], rebuild=True)
print(json.dumps({"wall": time.perf_counter() - t, "documents": r.documents,
                  "paragraphs": r.paragraphs}))
"""


def build(corpus: Path, index: Path, mode: str) -> dict:
    """One build in a child process: wall time, and CPU time of it and its workers."""
    shutil.rmtree(index, ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([sys.executable, "-c", BUILD, str(corpus), str(index), mode],
                         capture_output=True, text=True, cwd=ROOT, check=False)
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    data = json.loads(out.stdout.strip().splitlines()[-1])
    data["cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return data


def cost(corpus: Path, index: Path, repeat: int) -> dict:
    runs: dict[str, list[dict]] = {"off": [], "on": []}
    for _ in range(repeat):
        for mode in ("off", "on"):
            runs[mode].append(build(corpus, index, mode))
            print(f"  build with citations {mode}: {runs[mode][-1]['wall']:.1f} s wall, "
                  f"{runs[mode][-1]['cpu']:.1f} s CPU", flush=True)
    best = {mode: {"wall": min(r["wall"] for r in rs), "cpu": min(r["cpu"] for r in rs)}
            for mode, rs in runs.items()}
    return {"runs": runs, "best": best,
            "wall_share": round(best["on"]["wall"] / best["off"]["wall"] - 1, 4),
            "cpu_share": round(best["on"]["cpu"] / best["off"]["cpu"] - 1, 4)}


def direct_cost(index_dir: Path) -> tuple[dict, dict]:
    """CPU time of extracting every document, and of resolving and writing the file."""
    import indexer
    from indexer.cite import extract, store, update
    from indexer.store import live_generation, open_whoosh

    gen = live_generation(index_dir)
    ix = open_whoosh(gen)
    docs = store.load(gen / store.file_name(ix.latest_generation()))
    paragraphs = {}
    with ix.searcher() as searcher:
        for fields in searcher.all_stored_fields():
            if fields.get("kind") == "p":
                paragraphs.setdefault(fields["doc_id"], []).append(
                    indexer.Paragraph(fields["n"], fields["text"], bool(fields.get("heading"))))
    for paras in paragraphs.values():
        paras.sort(key=lambda p: p.n)
    started = time.process_time()
    for paras in paragraphs.values():
        extract.extract(paras)
    extract_cpu = time.process_time() - started
    started = time.process_time()
    update.write(WORK / "timing.sqlite", docs)
    write_cpu = time.process_time() - started
    (WORK / "timing.sqlite").unlink()
    chars = sum(len(p.text) for paras in paragraphs.values() for p in paras)
    return ({"extract_cpu": round(extract_cpu, 3), "resolve_and_write_cpu": round(write_cpu, 3),
             "characters": chars}, docs)


def incremental(corpus: Path, index_dir: Path) -> dict:
    """A reindex that adds one document and one that removes it again: the seconds of
    each, and of writing the citations file within them (every commit resolves anew)."""
    import indexer
    from indexer.cite import store, update
    from indexer.store import live_generation, open_whoosh

    spent: list[float] = []
    real = update.before_commit

    def timed(*args):
        started = time.perf_counter()
        real(*args)
        spent.append(time.perf_counter() - started)

    def same_as_resolving_everything() -> bool:
        gen = live_generation(index_dir)
        path = gen / store.file_name(open_whoosh(gen).latest_generation())
        db = sqlite3.connect(path)
        try:
            kept = sorted(db.execute("SELECT * FROM cites").fetchall())
            keys = sorted(db.execute("SELECT key, doc_id FROM doc_keys").fetchall())
        finally:
            db.close()
        entries = store.load(path)
        resolver, rows = update.resolve_all(entries)
        again = sorted((k, d) for d, e in entries.items() for k in e.keys(resolver))
        return kept == sorted(rows) and keys == again

    update.before_commit = timed
    same = []
    extra = corpus / "bench-citations-extra.md"
    try:
        extra.write_text("# 测试文件\n\n第一条 依照《中华人民共和国民法典》第五百条的规定。\n",
                         encoding="utf-8")
        started = time.perf_counter()
        indexer.reindex([corpus], index_dir)
        added = time.perf_counter() - started
        same.append(same_as_resolving_everything())
        extra.unlink()
        started = time.perf_counter()
        indexer.reindex([corpus], index_dir)
        removed = time.perf_counter() - started
        same.append(same_as_resolving_everything())
    finally:
        update.before_commit = real
        extra.unlink(missing_ok=True)
    return {"add_one_seconds": round(added, 3), "remove_one_seconds": round(removed, 3),
            "citations_file_seconds": [round(x, 3) for x in spent],
            "same_as_resolving_everything": same}


def queries(index_dir: Path) -> dict:
    """Milliseconds of ``cites:`` searches and of the document with the most citers."""
    import indexer

    out = {}
    with indexer.open_index(index_dir) as ix:
        for q in ("cites:民法典", "cites:刑法", "cites:中华人民共和国行政诉讼法 赔偿",
                  "cites:法释〔2020〕26号"):
            ix.clear_cache()
            started = time.perf_counter()
            total = ix.search(q).total
            out[q] = {"total": total, "ms": round((time.perf_counter() - started) * 1000, 1)}
        view = ix.citations()
        counts = Counter(c.target for c in view.edges())
        top, n = counts.most_common(1)[0]
        started = time.perf_counter()
        doc = ix.document(top)
        out["document with the most citing mentions"] = {
            "doc_id": top, "cited_by": len(doc.cited_by),
            "ms": round((time.perf_counter() - started) * 1000, 1)}
    return out


def _db_names(folder: Path, indexed: set[str]) -> set[str]:
    """Normalized ``name`` of every law in db.sqlite3 whose file is indexed."""
    from indexer.cite.keys import word_key

    db = sqlite3.connect(folder / "db.sqlite3")
    names = set()
    stems = {Path(d).stem.split("(")[0] for d in indexed}
    for (name,) in db.execute("SELECT name FROM law"):
        if name in stems or ("中华人民共和国" + name) in stems:
            names.add(word_key(name))
    return names


def analyse(docs: dict, folder: Path) -> tuple[dict, list]:
    """Counts, recall on in-corpus titles; every resolved mention, for the sample."""
    from indexer.cite.keys import version_year, word_key
    from indexer.cite.resolve import Resolver

    resolver = Resolver(e.doc for e in docs.values())
    titles = {word_key(e.doc.title) for e in docs.values() if e.doc.title}
    titles |= _db_names(folder, set(docs))
    found, kept, resolved, own = Counter(), Counter(), Counter(), Counter()
    in_corpus = in_corpus_resolved = 0
    missed: Counter = Counter()
    rows = []
    for doc_id in sorted(docs):
        entry = docs[doc_id]
        for m in entry.mentions:
            found[m.kind] += 1
            r = resolver.resolve(m, entry.doc)
            written = m.kind == "title" and m.text.startswith("《")
            if r is None:
                own[m.kind] += 1
                continue
            kind = "bare" if m.kind == "bare" else r.kind
            kept[kind] += 1
            if r.doc_id is not None:
                resolved[kind] += 1
                rows.append((doc_id, m, r))
            if written and word_key(version_year(m.title)[0]) in titles:
                in_corpus += 1
                if r.doc_id is not None:
                    in_corpus_resolved += 1
                else:
                    missed[m.title] += 1
    counts = {
        "documents": len(docs),
        "found": dict(found), "found_total": sum(found.values()),
        "own_or_unnamed_dropped": dict(own),
        "kept": dict(kept), "kept_total": sum(kept.values()),
        "resolved": dict(resolved), "resolved_total": sum(resolved.values()),
        "resolved_share": round(sum(resolved.values()) / max(1, sum(kept.values())), 4),
        "titles_in_corpus": in_corpus, "titles_in_corpus_resolved": in_corpus_resolved,
        "titles_in_corpus_share": round(in_corpus_resolved / max(1, in_corpus), 4),
        "titles_in_corpus_missed": missed.most_common(20),
    }
    return counts, rows


def _paragraphs(index_dir: Path, doc_ids: set[str]) -> dict[str, dict[int, str]]:
    import indexer

    with indexer.open_index(index_dir) as ix:
        return {d: {p["n"]: p["text"] for p in ix.document(d).paragraphs} for d in doc_ids}


def sample(rows: list, docs: dict, index_dir: Path, n: int, seed: int) -> list[dict]:
    """``n`` resolved mentions (fixed seed), with what a reader needs to judge them."""
    from indexer.cite.resolve import Resolver

    resolver = Resolver(e.doc for e in docs.values())
    picked = random.Random(seed).sample(rows, min(n, len(rows)))
    texts = _paragraphs(index_dir, {d for d, _, _ in picked} | {r.doc_id for _, _, r in picked})
    out = []
    for doc_id, m, r in picked:
        work = resolver.work[r.doc_id]
        versions = sorted((docs[d].doc.date or "", d) for d, w in resolver.work.items() if w == work)
        out.append({
            "key": f"{doc_id}#{m.paragraph}@{r.start}", "mention": r.text, "kind": r.kind,
            "citing": doc_id, "citing_date": docs[doc_id].doc.date, "paragraph": m.paragraph,
            "context": texts[doc_id][m.paragraph], "resolved": r.doc_id,
            "resolved_title": docs[r.doc_id].doc.title, "resolved_date": docs[r.doc_id].doc.date,
            "versions": [f"{date or '—'} {d}" for date, d in versions],
            "target_paragraph": r.paragraph,
            "target_text": texts[r.doc_id].get(r.paragraph) if r.paragraph else None,
        })
    return out


def precision(items: list[dict]) -> dict:
    """Precision on the judged sample: of the documents, of the paragraphs pointed at, of both."""
    judged = json.loads(JUDGMENTS.read_text(encoding="utf-8")) if JUDGMENTS.exists() else {}
    by_key = {j["key"]: j for j in judged.get("items", [])}
    found: list[dict] = []
    unjudged = []
    for item in items:
        j = by_key.get(item["key"])
        if j is None or j["resolved"] != item["resolved"] or \
                j.get("target_paragraph") != item["target_paragraph"]:
            unjudged.append(item["key"])
        else:
            found.append(j)
    paragraphs = [j for j in found if j["paragraph"] is not None]

    def share(right: int, of: int) -> float | None:
        return round(right / of, 4) if of else None

    right = sum(1 for j in found if j["correct"])
    return {"sample": len(items), "judged": len(found), "correct": right,
            "precision": share(right, len(found)),
            "documents_correct": sum(1 for j in found if j["document"]),
            "precision_documents": share(sum(1 for j in found if j["document"]), len(found)),
            "with_paragraph": len(paragraphs),
            "paragraphs_correct": sum(1 for j in paragraphs if j["paragraph"]),
            "precision_paragraphs": share(sum(1 for j in paragraphs if j["paragraph"]),
                                          len(paragraphs)),
            "versions": dict(Counter(j["version"] for j in found)),
            "errors": [{"key": j["key"], "mention": j["mention"], "note": j["note"]}
                       for j in found if not j["correct"]],
            "unjudged": unjudged, "how": judged.get("how")}


def write_sample(items: list[dict], path: Path) -> None:
    lines = ["# Citations: a sample of resolved mentions to judge by hand", ""]
    for k, it in enumerate(items, start=1):
        resolved_date = it["resolved_date"] or "undated"
        lines += [f"## {k}. `{it['key']}`", "",
                  f"- mention ({it['kind']}): **{it['mention']}**",
                  f"- citing: {it['citing']} ({it['citing_date'] or 'undated'}), paragraph {it['paragraph']}",
                  f"- resolved: {it['resolved']} — {it['resolved_title']} ({resolved_date})",
                  f"- versions of that work: {'; '.join(it['versions'])}",
                  f"- target paragraph: {it['target_paragraph']}: {it['target_text'] or ''}", "",
                  "> " + it["context"].replace("\n", " "), ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=0, help="sample this many laws (0: all)")
    parser.add_argument("--seed", type=int, default=16, help="seed of the law and mention samples")
    parser.add_argument("--repeat", type=int, default=2, help="builds with and without citations")
    parser.add_argument("--sample", type=int, default=100, help="resolved mentions to judge")
    parser.add_argument("--reuse", action="store_true", help="analyse the last run's index again")
    args = parser.parse_args(argv)
    folder = unpack()
    corpus, index_dir = WORK / "corpus", WORK / "index"
    result: dict = {"argv": argv if argv is not None else sys.argv[1:]}
    if not args.reuse:
        shutil.rmtree(WORK, ignore_errors=True)
        files = sorted(folder.rglob("*.md")) if not args.docs else \
            sample_documents(folder, args.docs, args.seed)
        copy_files(files, folder, corpus)
        print(f"building {len(files)} laws, {args.repeat}× with and without citations", flush=True)
        result["cost"] = cost(corpus, index_dir, args.repeat)
    direct, docs = direct_cost(index_dir)
    result["direct"] = direct
    if "cost" in result:
        off = result["cost"]["best"]["off"]
        direct["share_of_build_cpu"] = round(
            (direct["extract_cpu"] + direct["resolve_and_write_cpu"]) / off["cpu"], 4)
    counts, rows = analyse(docs, folder)
    result["mentions"] = counts
    result["queries"] = queries(index_dir)
    result["incremental"] = incremental(corpus, index_dir)
    items = sample(rows, docs, index_dir, args.sample, args.seed)
    write_sample(items, RESULTS / "citations-sample.md")
    result["precision"] = precision(items)
    _print(result)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"citations-{time.strftime('%Y%m%d-%H%M%S')}.json"
    result["sample_items"] = items
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\nwritten: {out.relative_to(ROOT)} and bench/results/citations-sample.md")
    return 0


def _print(result: dict) -> None:
    m, p = result["mentions"], result["precision"]
    rows = [("documents", m["documents"]),
            ("mentions found (all kinds, before resolution)", m["found_total"]),
            ("  of which a document's own, or bare names that are no title", sum(
                m["own_or_unnamed_dropped"].values())),
            ("mentions kept", m["kept_total"]),
            ("  by kind (kept / resolved)", ", ".join(
                f"{k} {m['kept'][k]}/{m['resolved'].get(k, 0)}" for k in sorted(m["kept"]))),
            ("resolved", f"{m['resolved_total']} ({m['resolved_share']:.1%})"),
            ("《…》 titles in the corpus: resolved", f"{m['titles_in_corpus_resolved']} of "
             f"{m['titles_in_corpus']} ({m['titles_in_corpus_share']:.1%})"),
            ("precision, hand-checked sample: document and paragraph",
             f"{p['correct']} of {p['judged']} ({p['precision']:.1%})" if p["judged"]
             else f"not judged ({len(p['unjudged'])} unjudged)"),
            ("  the document", f"{p['documents_correct']} of {p['judged']}"),
            ("  the paragraph, when one is given", f"{p['paragraphs_correct']} of {p['with_paragraph']}"),
            ("extraction CPU, one process", f"{result['direct']['extract_cpu']} s"),
            ("resolution + citations file CPU", f"{result['direct']['resolve_and_write_cpu']} s")]
    inc = result["incremental"]
    rows += [("reindex, one document added / removed", f"{inc['add_one_seconds']} s / "
              f"{inc['remove_one_seconds']} s (citations file: "
              f"{' s, '.join(str(x) for x in inc['citations_file_seconds'])} s)"),
             ("  the same rows as resolving everything",
              " / ".join(str(x) for x in inc["same_as_resolving_everything"]))]
    rows += [(f"  {q}", f"{v['total']} paragraphs, {v['ms']} ms") for q, v in result["queries"].items()
             if q.startswith("cites:")]
    top = result["queries"]["document with the most citing mentions"]
    rows += [("document() with the most citers", f"{top['doc_id']}: {top['cited_by']} citing "
              f"mentions, {top['ms']} ms")]
    if "cost" in result:
        c = result["cost"]
        rows += [("build wall, off / on (best)", f"{c['best']['off']['wall']:.1f} s / "
                  f"{c['best']['on']['wall']:.1f} s ({c['wall_share']:+.1%})"),
                 ("build CPU, off / on (best)", f"{c['best']['off']['cpu']:.1f} s / "
                  f"{c['best']['on']['cpu']:.1f} s ({c['cpu_share']:+.1%})"),
                 ("extraction + resolution as share of build CPU",
                  f"{result['direct']['share_of_build_cpu']:.1%}")]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    if p["unjudged"]:
        print(f"{len(p['unjudged'])} sample items have no judgment in {JUDGMENTS.name}")


if __name__ == "__main__":
    sys.exit(main())
