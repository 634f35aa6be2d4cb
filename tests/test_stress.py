"""Slower robustness tests (marker ``slow``; `.ci/run` runs them too).

Reads during a reindex, kill -9 at random points, the largest hostile files,
and HTTP load with a reindex in the middle.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import indexer

from .conftest import CORPUS, FIXTURES, SEED

pytestmark = pytest.mark.slow

QUERIES = ["就业", "稳岗返还", "社会保障", "第一条", '"县级以上人民政府"', "条例 -湿地",
           "国务院 OR 最高人民法院", "date:2020.. 保护", "終版標記", "人民"]
REINDEX = "import sys, indexer; indexer.reindex([sys.argv[1]], sys.argv[2], workers=int(sys.argv[3]))"


def build_corpus(root: Path) -> Path:
    shutil.copytree(CORPUS, root)
    shutil.copytree(FIXTURES / "lawrefbook", root / "laws")
    return root


def change_corpus(root: Path) -> None:
    """Add, change and remove documents."""
    (root / "added.txt").write_text("人社部发〔2026〕9号\n终版标记：新增的文件。\n", encoding="utf-8")
    p = root / SEED["002"]
    p.write_text(p.read_text(encoding="utf-8") + "\n终版标记：改过的文件。\n", encoding="utf-8")
    (root / SEED["004"]).unlink()
    law = next((root / "laws").glob("劳动合同法*"))
    law.unlink()


def snapshot(index_dir: Path) -> dict:
    with indexer.open_index(index_dir) as ix:
        return {q: sorted(ix.matching_paragraphs(q)) for q in QUERIES} | {
            "_docs": ix.document_ids()}


def test_reads_during_reindex_see_old_or_new(tmp_path):
    corpus = build_corpus(tmp_path / "corpus")
    index_dir = tmp_path / "ix"
    indexer.reindex([corpus], index_dir)
    old = snapshot(index_dir)
    changed = tmp_path / "changed"
    shutil.copytree(corpus, changed)
    change_corpus(changed)
    indexer.reindex([changed], tmp_path / "clean")
    new = snapshot(tmp_path / "clean")
    assert old != new

    shared = indexer.open_index(index_dir)
    errors: list[str] = []
    seen = {"old": 0, "new": 0}
    stop = threading.Event()

    def reader(k: int):
        rng = random.Random(k)
        while not stop.is_set():
            try:
                shared.refresh()
                q = rng.choice(QUERIES)
                got = sorted(shared.matching_paragraphs(q))
                total = shared.search(q, limit=3).total
                if got == old[q] and total == len(old[q]):
                    seen["old"] += 1
                elif got == new[q] and total == len(new[q]):
                    seen["new"] += 1
                elif total not in (len(old[q]), len(new[q])):
                    errors.append(f"{q}: total {total} is neither old nor new")
            except Exception as exc:  # noqa: BLE001 - any exception is a failure here
                errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=reader, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    # Reindex the changed corpus into the live index from another process.
    shutil.rmtree(corpus)
    shutil.copytree(changed, corpus)
    subprocess.run([sys.executable, "-c", REINDEX, str(corpus), str(index_dir), "2"], check=True)
    time.sleep(1.5)
    stop.set()
    for t in threads:
        t.join()
    assert errors == []
    assert seen["old"] > 0 and seen["new"] > 0
    assert snapshot(index_dir) == new
    shared.close()


@pytest.mark.parametrize("round_", range(12))
def test_kill_at_random_points(tmp_path, round_):
    """kill -9 the reindex somewhere in reading, parsing, writing or committing."""
    corpus = build_corpus(tmp_path / "corpus")
    index_dir = tmp_path / "ix"
    indexer.reindex([corpus], index_dir)
    before = snapshot(index_dir)
    change_corpus(corpus)
    rebuild = round_ % 3 == 2
    code = REINDEX.replace("workers=int(sys.argv[3])",
                           "workers=int(sys.argv[3]), rebuild=sys.argv[4] == 'r'")
    # Delays spread over a run of about 1-3 s, from start-up to commit.
    delay = [0.05, 0.3, 0.6, 0.9, 1.2, 1.5, 1.8, 2.1, 2.4, 0.15, 0.75, 1.35][round_]
    proc = subprocess.Popen([sys.executable, "-c", code, str(corpus), str(index_dir),
                             str(1 + round_ % 2), "r" if rebuild else "-"])
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    after = snapshot(index_dir)
    finished = after != before
    if finished:  # the run committed before the kill: it must be the whole new state
        indexer.reindex([corpus], tmp_path / "clean")
        assert after == snapshot(tmp_path / "clean")
    else:
        assert after == before
    # The lock of the killed process is free; the next run equals a clean rebuild.
    indexer.reindex([corpus], index_dir, wait=5)
    if not (tmp_path / "clean").exists():
        indexer.reindex([corpus], tmp_path / "clean")
    assert snapshot(index_dir) == snapshot(tmp_path / "clean")


def test_ten_megabyte_line_and_hundred_thousand_paragraphs(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "one-line.txt").write_text("开头" + "稳就业政策落实。" * 1_250_000 + "结尾标记\n",
                                         encoding="utf-8")
    (corpus / "many.txt").write_text("".join(f"第{i}段，内容编号{i}。\n" for i in range(100_000)),
                                     encoding="utf-8")
    report = indexer.reindex([corpus], tmp_path / "ix")
    assert report.failed == []
    assert report.added == ["many.txt", "one-line.txt"]
    with indexer.open_index(tmp_path / "ix") as ix:
        assert [h.doc_id for h in ix.search("结尾标记").hits] == ["one-line.txt"]
        assert [(h.doc_id, h.paragraph) for h in ix.search('"内容编号99999"').hits] == [
            ("many.txt", 100_000)]
        assert ix.stats()["paragraphs"] == 100_000 + report.paragraphs - 100_000


def _serve(index_dir: Path, port: int):
    env = dict(os.environ, POLICY_SEARCH_INDEX=str(index_dir))
    proc = subprocess.Popen([sys.executable, "-m", "indexer", "serve", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q=x", timeout=2).read()
            return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("server did not start") from None
            time.sleep(0.2)


def test_http_load_with_reindex_in_the_middle(tmp_path):
    from .browser_support import free_port as _free_port

    corpus = build_corpus(tmp_path / "corpus")
    index_dir = tmp_path / "ix"
    indexer.reindex([corpus], index_dir)
    port = _free_port()
    proc = _serve(index_dir, port)
    base = f"http://127.0.0.1:{port}"
    paths = ["/api/search?q=" + urllib.request.quote(q) for q in QUERIES] + [
        "/?q=%E5%B0%B1%E4%B8%9A", f"/documents/{urllib.request.quote(SEED['003'])}?q=x",
        "/api/search?q=x&size=999", "/api/documents/missing.txt"]
    statuses: list[int] = []

    def get(i: int) -> int:
        try:
            with urllib.request.urlopen(base + paths[i % len(paths)], timeout=60) as r:
                return r.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            return -1

    try:
        change_corpus(corpus)
        reindexer = threading.Thread(target=lambda: subprocess.run(
            [sys.executable, "-c", REINDEX, str(corpus), str(index_dir), "1"], check=True))
        with ThreadPoolExecutor(max_workers=32) as pool:
            futures = [pool.submit(get, i) for i in range(2000)]
            time.sleep(0.3)
            reindexer.start()
            statuses = [f.result() for f in futures]
        reindexer.join()
        # After the reindex the server answers from the new index, without a restart.
        time.sleep(1.5)
        with urllib.request.urlopen(base + "/api/search?q=" + urllib.request.quote("终版标记")) as r:
            assert b'"total":2' in r.read()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert len(statuses) == 2000
    assert sorted(set(statuses)) == [200, 400, 404]
    assert all(s < 500 and s > 0 for s in statuses)


def test_benchmark_smoke_mode():
    """`python -m bench --smoke` runs end to end (build, reindex, queries, HTTP)."""
    from bench.lawrefbook import ARCHIVE

    if not ARCHIVE.exists():
        pytest.skip(f"{ARCHIVE} not present")
    out = subprocess.run([sys.executable, "-m", "bench", "--smoke", "--no-naive"],
                         capture_output=True, text=True, timeout=600, check=True)
    lines = out.stdout.splitlines()
    assert lines[0].startswith("corpus                            ")
    assert "20 documents" in lines[0]
    assert any(line.startswith("HTTP, 32 clients") and line.endswith("errors 0") for line in lines)
    from webui.server import default_processes

    memory = [line for line in lines if line.startswith("serving memory (peak)")]
    assert len(memory) == 1
    assert re.fullmatch(r"serving memory \(peak\) +[\d.]+ MB in (\d+) processes, largest RSS "
                        r"[\d.]+ MB", memory[0]).group(1) == str(default_processes())
    assert lines[-1].endswith("bench/results/smoke.json")
