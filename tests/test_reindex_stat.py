"""Reindex skips reading files whose size and modification time are unchanged."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

import indexer
from indexer.indexing import RACY_NS, stat_key, unchanged_by_stat

from .conftest import SEED

PAST_NS = time.time_ns() - 3600 * 1_000_000_000


def _age(path: Path, ns: int = PAST_NS) -> None:
    os.utime(path, ns=(ns, ns))


def _same_size_edit(path: Path, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` (same length in bytes) keeping the file's times."""
    st = path.stat()
    text = path.read_text(encoding="utf-8")
    assert len(old.encode()) == len(new.encode()) and old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size


@pytest.fixture()
def aged_index(tmp_path, corpus_copy) -> Path:
    """An index of the seed copy whose files were last modified an hour ago."""
    for f in corpus_copy.iterdir():
        _age(f)
    indexer.reindex([corpus_copy], tmp_path / "ix")
    return tmp_path / "ix"


def test_stat_key_of_a_file_and_its_sidecar(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("一段。\n", encoding="utf-8")
    _age(f)
    assert stat_key(f) == [len("一段。\n".encode()), PAST_NS, -1, -1]
    side = tmp_path / "a.meta.json"
    side.write_text("{}", encoding="utf-8")
    _age(side, PAST_NS + 5)
    assert stat_key(f) == [len("一段。\n".encode()), PAST_NS, 2, PAST_NS + 5]


def test_unchanged_by_stat_needs_a_read_well_after_the_last_change(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("一段。\n", encoding="utf-8")
    _age(f)
    key = stat_key(f)
    assert unchanged_by_stat(f, {"stat": key, "read_ns": PAST_NS + RACY_NS + 1})
    # Read within RACY_NS of its modification: the time is not trusted.
    assert not unchanged_by_stat(f, {"stat": key, "read_ns": PAST_NS + RACY_NS})
    assert not unchanged_by_stat(f, {"stat": [key[0] + 1, *key[1:]], "read_ns": time.time_ns()})
    assert not unchanged_by_stat(f, {"hash": "x"})  # indexed before times were recorded
    assert not unchanged_by_stat(tmp_path / "gone.txt", {"stat": key, "read_ns": time.time_ns()})


def test_reindex_trusts_size_and_time_and_checksum_reads_everything(aged_index, corpus_copy):
    index_dir = aged_index
    path = corpus_copy / SEED["002"]
    _same_size_edit(path, "好差评", "好坏评")
    # Size and time as recorded: not read, so the edit is not seen.
    again = indexer.reindex([corpus_copy], index_dir)
    assert (again.added, again.updated, again.unchanged) == ([], [], 5)
    # --checksum reads and hashes every file.
    checked = indexer.reindex([corpus_copy], index_dir, checksum=True)
    assert (checked.updated, checked.unchanged) == ([SEED["002"]], 4)
    with indexer.open_index(index_dir) as ix:
        assert [(h.doc_id, h.paragraph) for h in ix.search('"好坏评"').hits] == [(SEED["002"], 12)]


def test_touched_file_is_hashed_and_kept(aged_index, corpus_copy):
    index_dir = aged_index
    _age(corpus_copy / SEED["001"], PAST_NS + 10**9)
    report = indexer.reindex([corpus_copy], index_dir)
    assert (report.updated, report.unchanged) == ([], 5)


def test_recently_modified_file_is_hashed(tmp_path, corpus_copy):
    index_dir = tmp_path / "ix"
    indexer.reindex([corpus_copy], index_dir)  # files written just now: times not trusted
    _same_size_edit(corpus_copy / SEED["002"], "好差评", "好坏评")
    report = indexer.reindex([corpus_copy], index_dir)
    assert (report.updated, report.unchanged) == ([SEED["002"]], 4)


def test_new_sidecar_is_seen(aged_index, corpus_copy):
    index_dir = aged_index
    side = corpus_copy / (SEED["002"][:-4] + ".meta.json")
    side.write_text(json.dumps({"doc_number": "测试〔2026〕1号"}, ensure_ascii=False),
                    encoding="utf-8")
    _age(side)
    report = indexer.reindex([corpus_copy], index_dir)
    assert (report.updated, report.unchanged) == ([SEED["002"]], 4)


def test_cli_checksum_flag(aged_index, corpus_copy):
    from click.testing import CliRunner

    from indexer.cli import main

    index_dir = aged_index
    _same_size_edit(corpus_copy / SEED["002"], "好差评", "好坏评")
    runner = CliRunner()
    plain = runner.invoke(main, ["index", "--index-dir", str(index_dir), "--json"])
    assert plain.exit_code == 0, plain.output
    assert json.loads(plain.output)["updated"] == 0
    checked = runner.invoke(main, ["index", "--index-dir", str(index_dir), "--checksum", "--json"])
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.output)["updated"] == 1
