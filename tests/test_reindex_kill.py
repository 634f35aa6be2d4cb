"""kill -9 of the reindex's main process only (not its process group), and of a worker.

The reindex runs with two worker processes (enough changed files for the pool);
each test stops the run at a known point, records the processes of the run,
kills the main one and checks that its workers go too, that the index answers as
before, that the lock is free at once and that the next reindex equals a clean
rebuild.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import indexer

from .conftest import SEED, copy_seeds

pytestmark = pytest.mark.slow

GENERATED = 30
QUERIES = ["终版标记", "稳岗", "技能培训", "就业", '"第7号文件"']

# argv: point, then the arguments of `policy-search`.
SCRIPT = r"""
import sys, time
from indexer import charindex, cli, indexing

point = sys.argv[1]


def ready():
    print("READY", flush=True)
    time.sleep(600)


if point == "parse":  # in a worker process, parsing a file
    real_records = indexing._records

    def records(doc, *args):
        if doc.doc_id == "gen05.txt":
            ready()
        return real_records(doc, *args)

    indexing._records = records
elif point == "write":  # in the main process, adding parsed documents to the writer
    real_open = indexing.open_writer

    def open_writer(ix, limitmb, *args):
        writer = real_open(ix, limitmb, *args)
        real_add, count = writer.add_document, [0]

        def add(**fields):
            count[0] += 1
            if count[0] == 40:
                ready()
            return real_add(**fields)

        writer.add_document = add
        return writer

    indexing.open_writer = open_writer
elif point == "commit":  # in the main process, writing the character index of the commit
    def write(path, rows):
        ready()

    charindex.write = write
elif point == "worker-dies":
    import os, signal
    real_records = indexing._records

    def records(doc, *args):
        if doc.doc_id == "gen05.txt":
            os.kill(os.getpid(), signal.SIGKILL)
        return real_records(doc, *args)

    indexing._records = records
cli.main(sys.argv[2:], prog_name="policy-search")
"""


def make_corpus(root: Path) -> Path:
    copy_seeds(root)
    for i in range(GENERATED):
        (root / f"gen{i:02d}.txt").write_text(
            "".join(f"第{i}号文件第{k}段：稳岗就业技能培训内容{i * 100 + k}。\n" for k in range(20)),
            encoding="utf-8")
    return root


def change_corpus(root: Path) -> None:
    for i in range(GENERATED):
        p = root / f"gen{i:02d}.txt"
        p.write_text(p.read_text(encoding="utf-8") + "终版标记：改过的文件。\n", encoding="utf-8")
    (root / "added.txt").write_text("人社部发〔2026〕9号\n终版标记：新增的文件。\n", encoding="utf-8")
    (root / SEED["004"]).unlink()


def snapshot(index_dir: Path) -> dict:
    with indexer.open_index(index_dir) as ix:
        return {q: sorted(ix.matching_paragraphs(q)) for q in QUERIES} | {
            "_docs": ix.document_ids()}


def children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            out.append(int(entry.name))
    return out


def alive(pid: int) -> bool:
    """Running or sleeping (a zombie has exited)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def open_files(pid: int) -> list[str]:
    fd_dir = Path(f"/proc/{pid}/fd")
    out = []
    for fd in fd_dir.iterdir():
        try:
            out.append(os.readlink(fd))
        except OSError:
            pass
    return out


def wait_gone(pids: list[int], limit: float = 10.0) -> list[int]:
    """The pids still alive after at most ``limit`` seconds (normally gone at once)."""
    deadline = time.monotonic() + limit
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.02)
    return [p for p in pids if alive(p)]


@pytest.fixture
def start():
    """Start the script; whatever it started is killed when the test ends."""
    started: list[tuple[subprocess.Popen, list[int]]] = []

    def run(args: list[str], point: str, env: dict) -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-c", SCRIPT, point, *args], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        started.append((proc, []))
        return proc

    def record(proc: subprocess.Popen) -> list[int]:
        pids = children(proc.pid)
        for p, known in started:
            if p is proc:
                known.extend(pids)
        return pids

    run.children = record
    yield run
    for proc, pids in started:
        for pid in [proc.pid] + pids:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        proc.wait()
        for stream in (proc.stdout, proc.stderr):
            stream.close()


@pytest.fixture
def env():
    return dict(os.environ, POLICY_SEARCH_WORKERS="2")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
@pytest.mark.parametrize("rebuild", [False, True], ids=["incremental", "rebuild"])
@pytest.mark.parametrize("point", ["parse", "write", "commit"])
def test_killed_main_process_takes_its_workers(tmp_path, env, start, point, rebuild):
    corpus = make_corpus(tmp_path / "corpus")
    index_dir = tmp_path / "ix"
    indexer.reindex([corpus], index_dir)
    before = snapshot(index_dir)
    change_corpus(corpus)
    args = ["index", "--index-dir", str(index_dir)] + (["--rebuild"] if rebuild else [])
    proc = start(args, point, env)
    assert proc.stdout.readline() == "READY\n"
    workers = start.children(proc)
    # The pool is running while files are parsed and written; gone by the commit.
    assert len(workers) == (0 if point == "commit" else 2)
    for pid in workers:
        assert [f for f in open_files(pid) if f.endswith("reindex.lock")] == []
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert wait_gone(workers) == []
    assert snapshot(index_dir) == before
    # The lock is free right away; the next run completes and equals a clean rebuild.
    report = indexer.reindex(None, index_dir)
    assert (report.removed, report.documents) == ([SEED["004"]], 5 + GENERATED)
    indexer.reindex([corpus], tmp_path / "clean")
    assert snapshot(index_dir) == snapshot(tmp_path / "clean")
    assert len([p for p in index_dir.iterdir() if p.name.startswith("gen-")]) <= 3


@pytest.mark.parametrize("rebuild", [False, True], ids=["incremental", "rebuild"])
def test_worker_killed_on_its_own_fails_the_run(tmp_path, env, start, rebuild):
    corpus = make_corpus(tmp_path / "corpus")
    index_dir = tmp_path / "ix"
    indexer.reindex([corpus], index_dir)
    before = snapshot(index_dir)
    gens = sorted(p.name for p in index_dir.iterdir())
    change_corpus(corpus)
    args = ["index", "--index-dir", str(index_dir)] + (["--rebuild"] if rebuild else [])
    proc = start(args, "worker-dies", env)
    out, err = proc.communicate(timeout=300)
    assert (proc.returncode, out) == (1, "")
    assert err == ("Error: a worker process died (killed by signal 9) while reading files; "
                   "previous index kept\n")
    assert snapshot(index_dir) == before
    assert sorted(p.name for p in index_dir.iterdir()) == gens  # no half-built generation
    report = indexer.reindex(None, index_dir)
    assert (len(report.updated), report.removed) == (GENERATED, [SEED["004"]])


def test_serve_killed_while_building_its_index(tmp_path, env, start):
    """`serve` builds a missing index with the same reindex: killing it leaves nothing."""
    from .browser_support import free_port as _free_port

    corpus = make_corpus(tmp_path / "corpus")
    index_dir = tmp_path / "ix"
    env = dict(env, POLICY_SEARCH_INDEX=str(index_dir), POLICY_SEARCH_CORPUS=str(corpus))
    proc = start(["serve", "--port", str(_free_port())], "parse", env)
    assert proc.stdout.readline() == "READY\n"
    workers = start.children(proc)
    assert len(workers) == 2
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert wait_gone(workers) == []
    with pytest.raises(indexer.IndexNotFound):
        indexer.open_index(index_dir)
    result = subprocess.run([sys.executable, "-m", "indexer", "index", "--json"], env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0
    indexer.reindex([corpus], tmp_path / "clean")
    assert snapshot(index_dir) == snapshot(tmp_path / "clean")
