"""What a reindex may remove, what it refuses, and what it reports (issue 10)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import indexer
from indexer.cli import main
from indexer.indexing import ReindexReport
from indexer.store import META_FILE, live_generation

from .conftest import SEED

NEW_TXT = "人社部发〔2026〕1号\n关于推进零工市场建设的通知\n新增段落。\n"
ALL = sorted(SEED.values())


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def summary(result) -> str:
    """The summary line without the index path and the seconds."""
    line = result.stdout.strip()
    assert line.count("\n") == 0
    return line.split(": ", 1)[1].rsplit("; ", 1)[0]


def ids(index_dir: Path) -> list[str]:
    with indexer.open_index(index_dir) as ix:
        return ix.document_ids()


def meta(index_dir: Path) -> dict:
    return json.loads((live_generation(index_dir) / META_FILE).read_text(encoding="utf-8"))


@pytest.fixture
def built(tmp_path, corpus_copy) -> Path:
    index_dir = tmp_path / "ix"
    result = run("index", str(corpus_copy), "--index-dir", str(index_dir))
    assert result.exit_code == 0
    assert summary(result) == ("rebuilt (no index yet); added 5, updated 0, removed 0, "
                               "unchanged 0, failed 0, warnings 0; 115 paragraphs written; "
                               "index: 5 documents, 115 paragraphs")
    return index_dir


def test_index_remembers_its_roots(built, corpus_copy):
    assert meta(built)["roots"] == [str(corpus_copy.resolve())]
    assert meta(built)["corpus"] == [str(corpus_copy.resolve())]
    with indexer.open_index(built) as ix:
        assert ix.stats()["corpus"] == [str(corpus_copy.resolve())]


def test_typo_path_is_refused_and_nothing_changes(built, corpus_copy, monkeypatch):
    monkeypatch.chdir(corpus_copy.parent)
    before = (live_generation(built) / META_FILE).read_bytes()
    result = run("index", "corpsu", "--index-dir", str(built))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == "Error: corpsu: no such file or folder; nothing was changed\n"
    assert (live_generation(built) / META_FILE).read_bytes() == before
    assert ids(built) == ALL
    with pytest.raises(indexer.ReindexRefused) as info:
        indexer.reindex(["corpsu"], built)
    assert str(info.value) == "corpsu: no such file or folder; nothing was changed"
    assert isinstance(info.value, indexer.SearchIndexError)


def test_typo_path_on_a_new_index_creates_nothing(tmp_path):
    result = run("index", str(tmp_path / "corpsu"), "--index-dir", str(tmp_path / "ix"))
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {tmp_path / 'corpsu'}: no such file or folder; "
                             "nothing was changed\n")
    assert not (tmp_path / "ix").exists()


@pytest.mark.parametrize("how", ["emptied", "missing"])
def test_empty_or_missing_root_is_refused(built, corpus_copy, how):
    shutil.rmtree(corpus_copy)
    if how == "emptied":
        corpus_copy.mkdir()  # e.g. a mount point with nothing mounted
    root = corpus_copy.resolve()
    result = run("index", "--index-dir", str(built))
    assert (result.exit_code, result.stdout) == (1, "")
    found = ("no documents found (empty or unreadable folder)" if how == "emptied"
             else "no such file or folder")
    assert result.stderr == (f"Error: {root}: {found}, but the index holds 5 documents from "
                             "it; nothing was changed (pass --allow-removals to remove them)\n")
    assert ids(built) == ALL

    allowed = run("index", "--index-dir", str(built), "--allow-removals")
    assert allowed.exit_code == 0
    assert summary(allowed) == (
        f"added 0, updated 0, removed 5 ({ALL[0]}, {ALL[1]}, {ALL[2]} and 2 more), "
        f"unchanged 0, failed 0, warnings {0 if how == 'emptied' else 1}; "
        "0 paragraphs written; index: 0 documents, 0 paragraphs")
    assert ids(built) == []
    if how == "missing":
        assert allowed.stderr == (f"warning: {root}: no such file or folder; removed from the "
                                  "index's corpus roots (5 documents removed)\n")
        assert meta(built)["roots"] == []
    else:
        assert meta(built)["roots"] == [str(root)]


def test_single_file_added_to_a_populated_index(built, corpus_copy):
    (corpus_copy / "new.txt").write_text(NEW_TXT, encoding="utf-8")
    (corpus_copy / SEED["004"]).unlink()  # gone, but outside the path given
    result = run("index", str(corpus_copy / "new.txt"), "--index-dir", str(built))
    assert (result.exit_code, result.stderr) == (0, "")
    assert summary(result) == ("added 1, updated 0, removed 0, unchanged 0, failed 0, "
                               "warnings 0; 3 paragraphs written; index: 6 documents, "
                               "118 paragraphs")
    assert ids(built) == sorted(ALL + ["new.txt"])
    assert meta(built)["roots"] == [str(corpus_copy.resolve())]
    # The id is the one a sync of the whole folder gives: the sync finds it unchanged.
    synced = run("index", "--index-dir", str(built))
    assert summary(synced) == ("added 0, updated 0, removed 1 (004_21dbe1da0bb1853e.txt), "
                               "unchanged 5, failed 0, warnings 0; 0 paragraphs written; "
                               "index: 5 documents, 86 paragraphs")


def test_removal_is_limited_to_the_paths_given(tmp_path, corpus_copy):
    sub = corpus_copy / "sub"
    sub.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (sub / name).write_text(f"{name}的正文。\n", encoding="utf-8")
    index_dir = tmp_path / "ix"
    indexer.reindex([corpus_copy], index_dir)
    (sub / "a.txt").unlink()
    (corpus_copy / SEED["000"]).unlink()
    report = indexer.reindex([sub], index_dir)
    assert (report.added, report.updated, report.removed, report.unchanged) == (
        [], [], ["sub/a.txt"], 2)
    assert ids(index_dir) == sorted(ALL + ["sub/b.txt", "sub/c.txt"])
    assert meta(index_dir)["roots"] == [str(corpus_copy.resolve())]
    report = indexer.reindex(None, index_dir)
    assert (report.removed, report.unchanged) == ([SEED["000"]], 6)


def test_path_given_twice_is_read_once(built, corpus_copy):
    (corpus_copy / "new.txt").write_text(NEW_TXT, encoding="utf-8")
    (corpus_copy / SEED["004"]).unlink()
    result = run("index", str(corpus_copy), str(corpus_copy), str(corpus_copy / "new.txt"),
                 "--index-dir", str(built))
    assert (result.exit_code, result.stderr) == (0, "")
    assert summary(result) == ("added 1, updated 0, removed 1 (004_21dbe1da0bb1853e.txt), "
                               "unchanged 4, failed 0, warnings 0; 3 paragraphs written; "
                               "index: 5 documents, 86 paragraphs")
    assert meta(built)["roots"] == [str(corpus_copy.resolve())]


def test_more_than_half_removed_needs_allow_removals(built, corpus_copy):
    for key in ("000", "001", "002"):
        (corpus_copy / SEED[key]).unlink()
    result = run("index", "--index-dir", str(built))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (f"Error: refusing to remove 3 of 5 documents (more than half the "
                             f"index at {built}); nothing was changed; pass --allow-removals "
                             "if that is intended\n")
    assert ids(built) == ALL
    with pytest.raises(indexer.ReindexRefused):
        indexer.reindex([corpus_copy], built)
    with pytest.raises(indexer.ReindexRefused):
        indexer.reindex([corpus_copy], built, rebuild=True)
    assert ids(built) == ALL

    allowed = run("index", "--index-dir", str(built), "--allow-removals")
    assert allowed.exit_code == 0
    assert summary(allowed) == (f"added 0, updated 0, removed 3 ({SEED['000']}, {SEED['001']}, "
                                f"{SEED['002']}), unchanged 2, failed 0, warnings 0; "
                                "0 paragraphs written; index: 2 documents, 65 paragraphs")
    assert ids(built) == [SEED["003"], SEED["004"]]


def test_half_is_not_more_than_half(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    for name in ("a.txt", "b.txt"):
        (corpus / name).write_text(f"{name}的正文。\n", encoding="utf-8")
    indexer.reindex([corpus], tmp_path / "ix")
    (corpus / "a.txt").unlink()
    assert indexer.reindex([corpus], tmp_path / "ix").removed == ["a.txt"]


def test_rebuild_keeps_other_roots(tmp_path, corpus_copy):
    other = tmp_path / "other"
    other.mkdir()
    (other / "x.txt").write_text("另一个目录的文件。\n", encoding="utf-8")
    index_dir = tmp_path / "ix"
    indexer.reindex([corpus_copy], index_dir)
    added = indexer.reindex([other], index_dir)
    assert (added.added, added.removed, added.unchanged) == (["x.txt"], [], 0)
    assert meta(index_dir)["roots"] == [str(corpus_copy.resolve()), str(other.resolve())]
    rebuilt = indexer.reindex([other], index_dir, rebuild=True)
    assert (rebuilt.removed, rebuilt.documents) == ([], 6)
    assert ids(index_dir) == sorted(ALL + ["x.txt"])


def test_broken_sidecar_is_a_warning(built, corpus_copy):
    side = corpus_copy / (SEED["004"][:-4] + ".meta.json")
    side.write_text('{"title": "broken', encoding="utf-8")
    result = run("index", "--index-dir", str(built))
    assert result.exit_code == 0
    warning = (f"{side}: not valid JSON (line 1, column 11: Unterminated string starting at); "
               "sidecar not applied")
    assert result.stderr == f"warning: {warning}\n"
    assert summary(result) == ("added 0, updated 1, removed 0, unchanged 4, failed 0, "
                               "warnings 1; 32 paragraphs written; index: 5 documents, "
                               "115 paragraphs")
    json_result = run("index", "--index-dir", str(built), "--json")
    assert json.loads(json_result.stdout)["warnings"] == []  # unchanged: not read again
    side.write_text('{"title": "still broken"', encoding="utf-8")
    report = indexer.reindex([corpus_copy], built)
    assert report.warnings == [f"{side}: not valid JSON (line 1, column 25: Expecting ',' "
                               "delimiter); sidecar not applied"]
    with indexer.open_index(built) as ix:
        assert ix.document(SEED["004"]).doc_number == "人社建字〔2025〕84号"  # extracted


def test_half_valid_sidecar_applies_the_valid_fields(built, corpus_copy):
    side = corpus_copy / (SEED["004"][:-4] + ".meta.json")
    side.write_text(json.dumps({"date": "2025-13-45", "issuer": 5, "title": "更正后的标题"},
                               ensure_ascii=False), encoding="utf-8")
    result = run("index", "--index-dir", str(built), "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    warnings = [
        f"{side}: field 'date': '2025-13-45' is not a valid date (YYYY-MM-DD); not applied",
        f"{side}: field 'issuer': expected a string or null, got number 5; not applied",
    ]
    assert (data["updated"], data["warnings"]) == (1, warnings)
    assert result.stderr == "".join(f"warning: {w}\n" for w in warnings)
    with indexer.open_index(built) as ix:
        doc = ix.document(SEED["004"])
        assert (doc.title, doc.date, doc.issuer) == ("更正后的标题", "2025-08-05",
                                                     "人力资源社会保障部")


def test_summary_names_few_removed_documents():
    report = ReindexReport(removed=["old.txt"], seconds=0.5)
    assert report.summary() == ("added 0, updated 0, removed 1 (old.txt), unchanged 0, "
                                "failed 0, warnings 0; 0 paragraphs written; "
                                "index: 0 documents, 0 paragraphs; 0.50 s")
    report.removed = ["a", "b", "c"]
    assert "removed 3 (a, b, c), " in report.summary()
    report.removed = ["a", "b", "c", "d", "e"]
    assert "removed 5 (a, b, c and 2 more), " in report.summary()
    assert list(report.to_dict()) == ["added", "updated", "removed", "unchanged", "failed",
                                      "warnings", "paragraphs_written", "documents",
                                      "paragraphs", "seconds", "rebuilt", "reason"]


def test_index_without_path_and_no_known_root(tmp_path, corpus_copy):
    index_dir = tmp_path / "ix"
    with pytest.raises(indexer.ReindexRefused) as info:
        indexer.reindex(None, index_dir)
    assert str(info.value) == (f"the index at {index_dir} knows no corpus folder; "
                               "give a PATH to index")
    assert not index_dir.exists() or list(index_dir.iterdir()) == [index_dir / "reindex.lock"]
