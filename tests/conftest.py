from __future__ import annotations

import shutil
from importlib.metadata import version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

SEED = {
    "000": "000_0b484173757658b0.txt",
    "001": "001_1c423fb17c70a0e3.txt",
    "002": "002_9f90c5e4af5465fc.txt",
    "003": "003_ddc8f8c163e5a837.txt",
    "004": "004_21dbe1da0bb1853e.txt",
}


def pytest_report_header(config):
    names = ["jieba", "opencc-python-reimplemented", "whoosh-reloaded", "flask"]
    return "versions: " + ", ".join(f"{n} {version(n)}" for n in names)


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of the default corpus."""
    dest = tmp_path / "corpus"
    shutil.copytree(CORPUS, dest)
    return dest


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory) -> Path:
    """An index of the default corpus, built once per test session."""
    import indexer

    index_dir = tmp_path_factory.mktemp("seed-index")
    report = indexer.reindex([CORPUS], index_dir)
    assert (report.documents, report.paragraphs) == (5, 115)
    return index_dir


@pytest.fixture(scope="session")
def index(seed_index):
    import indexer

    with indexer.open_index(seed_index) as ix:
        yield ix
