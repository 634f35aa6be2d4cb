"""The sparse ranking against a dense reference, over an index of several segments.

Ordered ids, scores (within float tolerance), totals and facets must be the
same (see ``tests/dense_reference.py``), however the index is cut into segments
and parts, with deletions and merged segments, and however few results are kept
per ranking (pruning decides which candidates are scored).
"""

from __future__ import annotations

import random
import shutil

import pytest

import indexer
from indexer import charindex, writer
from indexer.search import snapshot
from indexer.segment import Segmenter

from .conftest import CORPUS, SEED
from .dense_reference import reference, supported

FIXED = [
    "稳岗返还", "就业", "稳岗 就业", "谁可以申请稳岗返还？", "失业保险 稳岗 返还", "的", "人",
    '"稳岗返还"', '"就业" 技能', "穩崗返還", "人社部", "〔2024〕", "零工市场 技能培训 补贴",
    "企业 职工 培训 补贴 申领", "，", "2025年",
]


@pytest.fixture(scope="module")
def multi(tmp_path_factory):
    """The seed corpus three times over (edited copies), in small segments and parts,
    then a document deleted and others added one reindex at a time (merges)."""
    root = tmp_path_factory.mktemp("dense")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    for k, name in enumerate(("甲", "乙")):
        sub = corpus / name
        sub.mkdir()
        for i, path in enumerate(sorted(CORPUS.glob("*.txt"))):
            lines = path.read_text(encoding="utf-8").splitlines()
            rng = random.Random(k * 10 + i)
            rng.shuffle(lines)
            (sub / path.name).write_text("\n".join(lines[: len(lines) * (2 + k) // 4]) + "\n",
                                         encoding="utf-8")
    mp = pytest.MonkeyPatch()
    mp.setattr(writer, "SEGMENT_UNITS", 2500)
    mp.setattr(charindex, "PART_UNITS", 1500)
    mp.setattr(writer, "DELETED_SHARE", 0.9)  # keep the deleted rows in their segment
    index_dir = root / "ix"
    try:
        indexer.reindex([corpus], index_dir)
        (corpus / "甲" / SEED["003"]).unlink()
        indexer.reindex([corpus], index_dir)
        for i in range(6):
            (corpus / f"add{i}.txt").write_text(
                f"第{i}批稳岗返还通知\n企业稳岗返还和技能培训补贴{i}号，就业见习。\n", encoding="utf-8")
            indexer.reindex([corpus], index_dir)
    finally:
        mp.undo()
    with indexer.open_index(index_dir) as ix:
        yield ix


def _queries() -> list[str]:
    """The fixed queries and words of random seed paragraphs (seeded)."""
    rng = random.Random(13)
    segmenter = Segmenter()
    texts = [line for path in sorted(CORPUS.glob("*.txt"))
             for line in path.read_text(encoding="utf-8").splitlines() if len(line) > 8]
    out = list(FIXED)
    for _ in range(14):
        words = [w for w in segmenter.words(rng.choice(texts)) if len(w) > 1]
        if words:
            out.append(" ".join(rng.sample(words, min(len(words), rng.randint(1, 4)))))
    return out


def test_the_index_has_several_segments_and_parts(multi):
    snap = multi._snap
    segments = {view.base - view.part.base for view in snap._parts}
    assert len(segments) >= 3
    assert len(snap._parts) > len(segments)
    assert any(not view.alive[view.part.is_para].all() for view in snap._parts)


@pytest.mark.parametrize("keep", [100, 5])
@pytest.mark.parametrize("options", [{}, {"sort": "date"}, {"date_from": "2025-01-01"},
                                     {"issuer": "人力资源社会保障部"}])
def test_sparse_ranking_equals_the_dense_reference(multi, monkeypatch, keep, options):
    monkeypatch.setattr(snapshot, "RANKED_KEEP", keep)
    snap = multi._snap
    checked = 0
    for query in _queries():
        if not supported(snap.plan(query)[1]):
            continue
        multi.clear_cache()
        got = multi.search(query, limit=10, **options)
        want = reference(snap, query, limit=10, **options)
        label = (query, options)
        assert [(h.doc_id, h.paragraph) for h in got.hits] == \
            [(d, n) for d, n, _ in want["hits"]], label
        assert [h.score for h in got.hits] == pytest.approx(
            [round(s, 4) for _, _, s in want["hits"]], abs=2e-4), label
        assert (got.total, got.total_all) == (want["total"], want["total_all"]), label
        assert got.facets == want["facets"], label
        checked += 1
    assert checked >= 25
