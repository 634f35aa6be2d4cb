from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from indexer.cli import main

from .conftest import CORPUS, RENDERED, SEED


def test_inspect_json_shape():
    result = CliRunner().invoke(main, ["inspect", "--json", str(CORPUS / SEED["004"])])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == 1
    doc = json.loads(lines[0])
    assert list(doc) == ["doc_id", "source", "title", "doc_number", "issuer", "date",
                         "doc_type", "topic", "encoding", "original", "paragraphs"]
    assert {k: doc[k] for k in ("doc_id", "doc_number", "issuer", "date", "doc_type")} == {
        "doc_id": SEED["004"], "doc_number": "人社建字〔2025〕84号",
        "issuer": "人力资源社会保障部", "date": "2025-08-05", "doc_type": "答复",
    }
    assert doc["paragraphs"][0] == {"n": 1, "text": "人社建字〔2025〕84号", "heading": False,
                                    "line": 1}
    assert len(doc["paragraphs"]) == 32


def test_inspect_folder_one_line_per_document():
    result = CliRunner().invoke(main, ["inspect", "--json", str(CORPUS)])
    assert result.exit_code == 0
    ids = [json.loads(line)["doc_id"] for line in result.output.splitlines()]
    assert ids == [SEED[k] for k in sorted(SEED)] + [RENDERED[k] for k in ("html", "docx", "pdf")]


def test_inspect_reports_bad_file_and_goes_on(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\xff" * 64)
    result = subprocess.run(
        [sys.executable, "-m", "indexer", "inspect", str(bad), str(CORPUS / SEED["002"])],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0
    assert result.stderr == f"error: {bad}: binary data (NUL bytes), not a text file\n"
    assert result.stdout.startswith(f"{SEED['002']}\n  source      {CORPUS / SEED['002']}\n")


def test_inspect_exit_code_when_nothing_read(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "indexer", "inspect", str(tmp_path / "missing.txt")],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 1
    assert result.stderr == (
        f"error: {tmp_path / 'missing.txt'}: no such file or folder\n"
        "error: no document could be read\n"
    )
    assert result.stdout == ""


def test_inspect_text_output():
    result = CliRunner().invoke(main, ["inspect", str(CORPUS / SEED["003"])])
    assert result.exit_code == 0
    assert "  doc_number  国就劳发〔2025〕2号  (original 國就勞發〔2025〕2號; from label)\n" in (
        result.output)
    assert "  paragraphs  33\n" in result.output
