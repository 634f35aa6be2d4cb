"""`policy-search serve` with several processes: forked after the index is opened,
each reads with its own Whoosh searcher and SQLite connection, a dead one is
replaced, SIGTERM stops them all."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

import indexer

from .browser_support import free_port
from .conftest import SEED, copy_seeds


def _children(pid: int) -> list[int]:
    path = f"/proc/{pid}/task/{pid}/children"
    with open(path) as fh:
        return sorted(int(p) for p in fh.read().split())


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _wait(predicate, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_a_forked_process_reads_with_its_own_searcher(seed_index):
    with indexer.open_index(seed_index) as ix:
        snap = ix._snap
        expected = {"doc": ix.document(SEED["004"]).to_dict(),
                    "hits": [(h.doc_id, h.paragraph) for h in ix.search("稳岗", limit=5).hits]}
        parent_searcher = snap._searcher
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: answers through the pipe, never returns into pytest
            try:
                got = {"doc": ix.document(SEED["004"]).to_dict(),
                       "hits": [(h.doc_id, h.paragraph) for h in ix.search("稳岗", limit=5).hits],
                       "own_searcher": snap._searcher is not parent_searcher,
                       "own_db": snap.citations._pid == os.getpid()}
                os.write(write, json.dumps(got, ensure_ascii=False).encode())
            finally:
                os._exit(0)
        os.close(write)
        with os.fdopen(read, "rb") as fh:
            got = json.loads(fh.read())
        os.waitpid(pid, 0)
        assert (got.pop("own_searcher"), got.pop("own_db")) == (True, True)
        assert got == json.loads(json.dumps(expected, ensure_ascii=False))
        # The parent still reads with its own.
        assert snap._searcher is parent_searcher
        assert ix.document(SEED["004"]).to_dict() == expected["doc"]


def _get(url: str) -> tuple[int, dict]:
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.status, json.loads(r.read())


def test_serve_with_two_processes(tmp_path):
    index_dir = tmp_path / "index"
    indexer.reindex([copy_seeds(tmp_path / "corpus")], index_dir)
    with indexer.open_index(index_dir) as ix:
        doc = json.loads(json.dumps(ix.document(SEED["004"]).to_dict(), ensure_ascii=False))
        found = ix.search("稳岗", limit=10)
        hits = [[h.doc_id, h.paragraph] for h in found.hits]
    port = free_port()
    log_path = tmp_path / "serve.log"
    env = dict(os.environ, POLICY_SEARCH_INDEX=str(index_dir))
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "indexer", "serve", "--port", str(port),
                                 "--processes", "2", "--threads", "2"],
                                env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    urls = [f"{base}/api/documents/{urllib.parse.quote(SEED['004'])}",
            f"{base}/api/search?q={urllib.parse.quote('稳岗')}"] * 8

    def check_all():
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(_get, urls))
        for (status, body), url in zip(answers, urls, strict=True):
            assert status == 200
            if "/api/documents/" in url:
                assert body == doc
            else:
                assert (body["total"], [[h["doc_id"], h["paragraph"]] for h in body["hits"]]) \
                    == (found.total, hits)

    try:
        _wait(lambda: len(_children(proc.pid)) == 2 and "2 server processes" in
              log_path.read_text())
        first = _children(proc.pid)
        _wait(lambda: log_path.read_text().count("Serving on") == 2)
        check_all()
        os.kill(first[0], signal.SIGKILL)
        _wait(lambda: f"server process {first[0]} was killed by signal 9; starting another"
              in log_path.read_text())
        now = _wait(lambda: (lambda c: c if len(c) == 2 and first[0] not in c else None)(
            _children(proc.pid)))
        assert first[1] in now
        check_all()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert [p for p in now if _alive(p)] == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_serve_on_a_port_in_use(seed_index):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        env = dict(os.environ, POLICY_SEARCH_INDEX=str(seed_index))
        result = subprocess.run([sys.executable, "-m", "indexer", "serve", "--port", str(port)],
                                env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == \
        f"Error: cannot listen on 127.0.0.1:{port}: Address already in use"


@pytest.mark.parametrize("value", ["-1", "two"])
def test_serve_with_a_bad_number_of_processes(seed_index, value):
    env = dict(os.environ, POLICY_SEARCH_INDEX=str(seed_index),
               POLICY_SEARCH_SERVER_PROCESSES=value)
    result = subprocess.run([sys.executable, "-m", "indexer", "serve", "--port",
                             str(free_port())], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == {
        "-1": "Error: POLICY_SEARCH_SERVER_PROCESSES=-1: expected 0 or more",
        "two": "Error: POLICY_SEARCH_SERVER_PROCESSES='two': expected a whole number"}[value]


def test_ranking_slots_bound_the_rankings_at_once():
    import threading

    from indexer.search.snapshot import RankingSlots

    slots = RankingSlots(1)
    running, most, lock = [0], [0], threading.Lock()

    def rank():
        with slots:
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            time.sleep(0.02)
            with lock:
                running[0] -= 1

    threads = [threading.Thread(target=rank) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == 1
    # A resize while a ranking runs: that ranking gives back the slot it took.
    with slots:
        slots.resize(3)
    assert slots.size == 3
    with slots, slots, slots:
        pass
    assert RankingSlots(0).size == 1


def test_killing_the_server_takes_its_processes(seed_index, tmp_path):
    port = free_port()
    env = dict(os.environ, POLICY_SEARCH_INDEX=str(seed_index))
    with open(tmp_path / "serve.log", "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "indexer", "serve", "--port", str(port),
                                 "--processes", "2", "--threads", "2"],
                                env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        children = _wait(lambda: (lambda c: c if len(c) == 2 else None)(_children(proc.pid)))
        _wait(lambda: (tmp_path / "serve.log").read_text().count("Serving on") == 2)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        _wait(lambda: not any(_alive(p) for p in children))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
