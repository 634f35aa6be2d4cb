"""Segmentation check over LawRefBook: :class:`indexer.segment.Segmenter` against jieba.

``python -m bench.segmentation [--limit N]`` folds every paragraph of LawRefBook and
segments it with Python jieba (the reference, with the shipped policy terms), with
plain rjieba (the same dictionaries applied by the Segmenter) and with the Segmenter.
It counts the paragraphs whose tokens differ from jieba's, shows examples of the
differences, and measures each one's speed in MB of UTF-8 text per second (one core).
Prints a table and writes JSON to bench/results/segmentation-*.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from collections import Counter
from importlib.metadata import version
from pathlib import Path

from indexer import ReadFailure, read_corpus
from indexer.analysis import POLICY_TERMS, jieba_tokenizer
from indexer.normalize import fold_chars
from indexer.segment import Segmenter

from .lawrefbook import unpack

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def paragraphs(limit: int | None) -> list[str]:
    """Folded paragraph texts of LawRefBook, in corpus order."""
    out: list[str] = []
    for doc in read_corpus([unpack()]):
        if isinstance(doc, ReadFailure):
            continue
        out.extend(fold_chars(p.text) for p in doc.paragraphs)
        if limit is not None and len(out) >= limit:
            return out[:limit]
    return out


def timed(fn, texts: list[str]) -> tuple[list[list[tuple[int, int]]], float]:
    """``fn`` over every text, and the seconds it took."""
    start = time.perf_counter()
    out = [fn(t) for t in texts]
    return out, time.perf_counter() - start


def first_difference(text: str, a: list[tuple[int, int]], b: list[tuple[int, int]]) -> dict:
    """The smallest stretch of ``text`` where two segmentations disagree."""
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    start = a[i][0] if i < len(a) else b[i][0]
    ends_a = {e for _, e in a}
    common = sorted(e for _, e in b if e > start and e in ends_a)
    end = common[0] if common else len(text)
    return {
        "text": text[start:end],
        "jieba": [text[s:e] for s, e in a if start <= s < end],
        "other": [text[s:e] for s, e in b if start <= s < end],
    }


def diff_class(stretch: str) -> str:
    """A coarse label for a differing stretch."""
    kinds = []
    for name, chars in (("digit", "0123456789"), ("latin", "abcdefghijklmnopqrstuvwxyz"),
                        (".", "."), ("-", "-"), ("_", "_"), ("%", "%")):
        if any(c in chars for c in stretch):
            kinds.append(name)
    if any("\u4e00" <= c <= "\u9fd5" for c in stretch):
        kinds.append("han")
    return "+".join(kinds) or "other"


def compare(texts: list[str], ref: list, other: list, examples: int) -> dict:
    """Paragraphs that differ, by class, with a few examples of each class."""
    differing = 0
    classes: Counter[str] = Counter()
    shown: dict[str, list] = {}
    for text, a, b in zip(texts, ref, other, strict=True):
        if a == b:
            continue
        differing += 1
        d = first_difference(text, a, b)
        label = diff_class(d["text"])
        classes[label] += 1
        if len(shown.setdefault(label, [])) < examples:
            shown[label].append(d)
    return {"differing": differing, "classes": dict(classes.most_common()), "examples": shown}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--limit", type=int, default=None, help="first N paragraphs only")
    ap.add_argument("--examples", type=int, default=3, help="examples per class of difference")
    args = ap.parse_args(argv)

    texts = paragraphs(args.limit)
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    dicts = (str(POLICY_TERMS),)
    ref_tok = jieba_tokenizer(dicts)
    module = Segmenter()
    module.folded_spans("预热")
    raw = module._rjieba()

    def by_jieba(t: str) -> list[tuple[int, int]]:
        return [(s, e) for _, s, e in ref_tok.tokenize(t, HMM=True)]

    def by_rjieba(t: str) -> list[tuple[int, int]]:
        return [(s, e) for _, s, e in raw.tokenize(t, "default", True)]

    ref, t_jieba = timed(by_jieba, texts)
    plain, t_rjieba = timed(by_rjieba, texts)
    mod, t_module = timed(module.folded_spans, texts)
    for text, spans in zip(texts, mod, strict=True):
        assert spans == [] if not text else (spans[0][0] == 0 and spans[-1][1] == len(text))

    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "python": platform.python_version(),
        "jieba": version("jieba"),
        "rjieba": version("rjieba"),
        "module_backend": module.backend,
        "paragraphs": len(texts),
        "megabytes": round(mb, 3),
        "speed_mb_s": {"jieba": round(mb / t_jieba, 3), "rjieba": round(mb / t_rjieba, 3),
                       "module": round(mb / t_module, 3)},
        "seconds": {"jieba": round(t_jieba, 2), "rjieba": round(t_rjieba, 2),
                    "module": round(t_module, 2)},
        "rjieba_vs_jieba": compare(texts, ref, plain, args.examples),
        "module_vs_jieba": compare(texts, ref, mod, args.examples),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"segmentation-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print_table(result)
    print(f"\nwritten to {out}")
    return 0 if result["module_vs_jieba"]["differing"] == 0 else 1


def print_table(r: dict) -> None:
    print(f"paragraphs compared: {r['paragraphs']:,} ({r['megabytes']:.1f} MB of folded text)")
    print(f"{'segmenter':<12}{'MB/s':>8}{'seconds':>10}{'paragraphs differing':>24}")
    rows = (("jieba", "-"), ("rjieba", r["rjieba_vs_jieba"]["differing"]),
            ("module", r["module_vs_jieba"]["differing"]))
    for name, diff in rows:
        print(f"{name:<12}{r['speed_mb_s'][name]:>8.2f}{r['seconds'][name]:>10.1f}{diff:>24}")
    for key in ("rjieba_vs_jieba", "module_vs_jieba"):
        for label, n in r[key]["classes"].items():
            ex = r[key]["examples"][label][0]
            print(f"  {key} {label}: {n}  e.g. {ex['text']!r}: {ex['jieba']} vs {ex['other']}")


if __name__ == "__main__":
    raise SystemExit(main())
