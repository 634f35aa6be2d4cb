"""`python -m bench.quality --smoke` runs end to end and writes sane JSON (marker ``slow``)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def test_quality_smoke():
    from bench.lawrefbook import ARCHIVE
    from bench.quality import STARD

    if not SHARED.is_dir() or not ARCHIVE.exists() or not STARD.exists():
        pytest.skip(f"{SHARED}: LawRefBook or STARD not present")
    baselines = importlib.util.find_spec("bm25s") is not None
    cmd = [sys.executable, "-m", "bench.quality", "--smoke"]
    if not baselines:
        cmd.append("--skip-baselines")
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=ROOT, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    result_path = ROOT / "bench" / "results" / "quality-smoke.json"
    assert str(result_path.name) in out.stdout
    r = json.loads(result_path.read_text(encoding="utf-8"))

    assert set(r) >= {"corpus", "seed", "mapping", "stard", "known_item", "phases_s"}
    assert r["corpus"]["smoke"] is True
    assert 190 <= r["corpus"]["documents"] <= 200
    m = r["mapping"]
    # the smoke sample holds every law with an article of the first 30 questions
    assert m["questions"] == 30
    assert m["questions_mapped"] == 30
    assert m["questions_excluded"] == 0
    assert m["articles_mapped"] == m["articles"] > 30

    systems = {"ours", "bm25s", "bm25s-k0.9-b0.4", "naive"} if baselines else {"ours"}
    assert set(r["stard"]) == systems
    assert set(r["known_item"]) == systems
    for name, row in r["stard"].items():
        assert row["questions"] == 30, name
        for k in ("R@10", "R@100", "Hit@10", "MRR@10", "zero_result_rate"):
            assert 0.0 <= row[k] <= 1.0, (name, k)
        assert row["R@10"] <= row["R@100"]
        assert row["MRR@10"] <= row["Hit@10"]
        assert 0 <= row["p50_ms"] <= row["p95_ms"] <= row["p99_ms"]
    for name, row in r["known_item"].items():
        assert row["queries"] == 30, name
        for k in ("MRR@10", "Hit@10", "zero_result_rate"):
            assert 0.0 <= row[k] <= 1.0, (name, k)
    # a paragraph's three rarest words find it: every system does well here
    assert r["known_item"]["ours"]["Hit@10"] >= 0.5

    details = (ROOT / "bench" / "results" / "quality-smoke-details.jsonl").read_text(encoding="utf-8")
    rows = [json.loads(line) for line in details.splitlines()]
    assert len(rows) == 60
    assert {"query", "ours_top5", "rank_ours"} <= set(rows[0])
    if baselines:
        assert {"rank_bm25s", "rank_naive"} <= set(rows[0])
