from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import indexer
from indexer.store import META_FILE, IndexBusy, live_generation, reindex_lock

from .conftest import CORPUS, SEED


def test_incremental_add_change_delete(tmp_path, corpus_copy):
    index_dir = tmp_path / "ix"
    first = indexer.reindex([corpus_copy], index_dir)
    assert (len(first.added), first.unchanged, first.documents, first.paragraphs) == (5, 0, 5, 115)
    assert first.rebuilt and first.reason == "no index yet"

    again = indexer.reindex([corpus_copy], index_dir)
    assert (again.added, again.updated, again.removed, again.unchanged) == ([], [], [], 5)
    assert again.paragraphs_written == 0 and not again.rebuilt

    (corpus_copy / "new.txt").write_text("人社部发〔2026〕1号\n关于推进零工市场建设的通知\n新增段落。\n",
                                         encoding="utf-8")
    path = corpus_copy / SEED["002"]
    path.write_text(path.read_text(encoding="utf-8") + "\n追加的一段：数字人社。\n", encoding="utf-8")
    (corpus_copy / SEED["004"]).unlink()
    report = indexer.reindex([corpus_copy], index_dir)
    assert (report.added, report.updated, report.removed, report.unchanged) == (
        ["new.txt"], [SEED["002"]], [SEED["004"]], 3)
    assert (report.documents, report.paragraphs) == (5, 115 - 32 + 1 + 3)
    with indexer.open_index(index_dir) as ix:
        assert ix.document_ids() == sorted([SEED["000"], SEED["001"], SEED["002"], SEED["003"],
                                            "new.txt"])
        assert [(h.doc_id, h.paragraph) for h in ix.search("追加的一段").hits] == [(SEED["002"], 15)]
        assert ix.search("人社建字〔2025〕84号").total == 0
        assert ix.search("新增段落").hits[0].doc_number == "人社部发〔2026〕1号"


def _answers(ix) -> list:
    out = []
    for query in ("稳岗", "就业 -疫情", '"2号"', "零工市场 OR 技能", "issuer:人力资源社会保障部 就业"):
        res = ix.search(query, limit=20)
        out.append((query, res.total, [(h.doc_id, h.paragraph, h.score) for h in res.hits],
                    res.facets))
    return out


def test_merged_segments_answer_like_a_rebuild(tmp_path, corpus_copy):
    """Many small commits make Whoosh merge segments; the merged segment's
    character index is read back from stored fields, deletions included."""
    index_dir = tmp_path / "ix"
    indexer.reindex([corpus_copy], index_dir)
    for i in range(8):
        (corpus_copy / f"add{i}.txt").write_text(f"第{i}批：稳岗就业技能培训{i}号。\n", encoding="utf-8")
        if i == 3:
            (corpus_copy / SEED["001"]).unlink()
        indexer.reindex([corpus_copy], index_dir)
    gen = live_generation(index_dir)
    toc_segments = indexer.store.open_whoosh(gen)._read_toc().segments
    assert len(toc_segments) < 9  # merged
    assert sorted(p.name for p in gen.glob("*.chars")) == sorted(
        s.segment_id() + ".chars" for s in toc_segments)
    fresh = tmp_path / "fresh"
    indexer.reindex([corpus_copy], fresh)
    with indexer.open_index(index_dir) as merged, indexer.open_index(fresh) as rebuilt:
        assert _answers(merged) == _answers(rebuilt)
        assert [(h.doc_id, h.paragraph) for h in merged.search('"技能培训7号"').hits] == [
            ("add7.txt", 1)]


def test_sidecar_change_updates_document(tmp_path, corpus_copy):
    index_dir = tmp_path / "ix"
    indexer.reindex([corpus_copy], index_dir)
    (corpus_copy / (SEED["002"][:-4] + ".meta.json")).write_text(
        json.dumps({"title": "2020年上半年人社工作进展", "date": "2020-07-01"}), encoding="utf-8")
    report = indexer.reindex([corpus_copy], index_dir)
    assert report.updated == [SEED["002"]]
    with indexer.open_index(index_dir) as ix:
        doc = ix.document(SEED["002"])
        assert (doc.title, doc.date) == ("2020年上半年人社工作进展", "2020-07-01")


def test_unreadable_file_keeps_previous_version(tmp_path, corpus_copy):
    index_dir = tmp_path / "ix"
    indexer.reindex([corpus_copy], index_dir)
    (corpus_copy / SEED["001"]).write_bytes(b"\x00\xff" * 100)
    report = indexer.reindex([corpus_copy], index_dir)
    assert [f.reason for f in report.failed] == ["binary data (NUL bytes), not a text file"]
    assert report.removed == [] and report.documents == 5
    with indexer.open_index(index_dir) as ix:
        assert ix.search("一季度").total > 0


def test_rebuild_switches_generation(tmp_path, corpus_copy):
    index_dir = tmp_path / "ix"
    indexer.reindex([corpus_copy], index_dir)
    with indexer.open_index(index_dir) as old:
        report = indexer.reindex([corpus_copy], index_dir, rebuild=True)
        assert report.rebuilt and report.reason == "--rebuild"
        assert live_generation(index_dir).name == "gen-000002"
        # The reader opened before the rebuild still answers.
        assert old.search("稳岗返还").total == 3
        assert old.refresh() is True
        assert old.stats()["generation"] == "gen-000002"
    assert sorted(p.name for p in index_dir.iterdir() if p.name.startswith("gen-")) == [
        "gen-000001", "gen-000002"]


def test_settings_mismatch_message(tmp_path, corpus_copy):
    index_dir = tmp_path / "ix"
    indexer.reindex([corpus_copy], index_dir)
    gen = live_generation(index_dir)
    meta = json.loads((gen / META_FILE).read_text())
    meta["settings"]["analysis"]["jieba"] = "0.39"
    (gen / META_FILE).write_text(json.dumps(meta))
    with pytest.raises(indexer.IncompatibleIndex) as info:
        indexer.open_index(index_dir)
    assert str(info.value) == (
        f"index at {gen} was built with other settings: jieba '0.39' (now '0.42.1'). "
        "Run `policy-search index --rebuild` to rebuild it.")
    report = indexer.reindex([corpus_copy], index_dir)
    assert report.rebuilt and report.reason.startswith("settings changed: ")
    assert indexer.open_index(index_dir).stats()["documents"] == 5


def test_user_dictionary_changes_settings(tmp_path, corpus_copy):
    extra = tmp_path / "terms.txt"
    extra.write_text("基础就业人员\n", encoding="utf-8")
    index_dir = tmp_path / "ix"
    indexer.reindex([corpus_copy], index_dir, user_dicts=(str(extra),))
    with indexer.open_index(index_dir) as ix:
        assert ix.search("基础就业人员").total == 3
    extra.write_text("基础就业人员\n共同关爱\n", encoding="utf-8")
    with pytest.raises(indexer.IncompatibleIndex, match="user_dict_hashes"):
        indexer.open_index(index_dir)


def test_second_reindex_is_refused_while_one_runs(tmp_path, corpus_copy):
    index_dir = tmp_path / "ix"
    with reindex_lock(index_dir):
        with pytest.raises(IndexBusy) as info:
            indexer.reindex([corpus_copy], index_dir)
    assert str(info.value) == (
        f"another reindex is running on {index_dir} (pid {os.getpid()}); "
        "wait for it to finish or pass --wait SECONDS")
    # Released: the next run goes through.
    assert indexer.reindex([corpus_copy], index_dir).documents == 5


KILL_SCRIPT = """
import sys, indexer
import importlib
r = importlib.import_module("indexer.indexing")
calls = 0
real = r._records
def slow(*args):
    global calls
    calls += 1
    if calls == int(sys.argv[3]):
        print("READY", flush=True)
        import time; time.sleep(60)
    return real(*args)
r._records = slow
indexer.reindex([sys.argv[1]], sys.argv[2], rebuild=sys.argv[4] == "rebuild")
"""


@pytest.mark.parametrize("rebuild", [False, True])
def test_killed_reindex_leaves_previous_index(tmp_path, corpus_copy, rebuild):
    index_dir = tmp_path / "ix"
    indexer.reindex([corpus_copy], index_dir)
    before = indexer.open_index(index_dir).search("就业", limit=100).to_dict()
    # Change everything, then kill the reindex in the middle of writing.
    for name in SEED.values():
        p = corpus_copy / name
        p.write_text(p.read_text(encoding="utf-8").replace("就业", "就職") + "\n终版标记。\n",
                     encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(corpus_copy), str(index_dir),
                             "3", "rebuild" if rebuild else ""], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "READY"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    with indexer.open_index(index_dir) as ix:
        after = ix.search("就业", limit=100).to_dict()
        assert ix.search("终版标记").total == 0
    before.pop("took_ms"), after.pop("took_ms")
    assert after == before
    # The lock left by the killed process is free, and the next run completes.
    report = indexer.reindex([corpus_copy], index_dir)
    assert (len(report.updated), report.documents) == (5, 5)
    with indexer.open_index(index_dir) as ix:
        assert ix.search("终版标记").total == 5
        assert ix.search("就业").total == 32  # the traditional 就業 of seeds 001 and 003 is left


def test_cli_index_and_search(tmp_path, corpus_copy):
    env = dict(os.environ, POLICY_SEARCH_INDEX=str(tmp_path / "ix"),
               POLICY_SEARCH_CORPUS=str(corpus_copy))
    run = [sys.executable, "-m", "indexer"]
    out = subprocess.run(run + ["index", "--json"], env=env, capture_output=True, text=True,
                         check=True)
    summary = json.loads(out.stdout)
    assert {k: summary[k] for k in ("added", "updated", "removed", "unchanged", "documents",
                                    "paragraphs", "rebuilt")} == {
        "added": 5, "updated": 0, "removed": 0, "unchanged": 0, "documents": 5,
        "paragraphs": 115, "rebuilt": True}
    res = subprocess.run(run + ["search", "穩崗返還", "--json", "--limit", "2"], env=env,
                         capture_output=True, text=True, check=True)
    data = json.loads(res.stdout)
    assert (data["query"], data["total"], [h["paragraph"] for h in data["hits"]]) == (
        "穩崗返還", 3, [10, 7])
    bad = subprocess.run(run + ["search", "x", "--from", "2025-13-45"], env=env,
                         capture_output=True, text=True)
    assert bad.returncode == 2
    assert bad.stderr.endswith("Error: date_from: '2025-13-45' is not a valid date (YYYY-MM-DD)\n")
    show = subprocess.run(run + ["show", SEED["004"], "--json"], env=env, capture_output=True,
                          text=True, check=True)
    assert json.loads(show.stdout)["doc_number"] == "人社建字〔2025〕84号"
    missing = subprocess.run(run + ["search", "x", "--index-dir", str(tmp_path / "none")],
                             env=env, capture_output=True, text=True)
    assert missing.returncode == 1
    assert missing.stderr == (f"Error: no index at {tmp_path / 'none'}; "
                              "run `policy-search index` to build one\n")


def test_progress_callback_counts_files(tmp_path):
    seen = []
    indexer.reindex([CORPUS], tmp_path / "ix", progress=lambda d, t, n: seen.append((d, t)))
    assert seen == [(i, 8) for i in range(1, 9)]  # the default corpus: seeds and renderings
    assert Path(tmp_path / "ix" / "current").is_symlink()
