from __future__ import annotations

import shutil
from importlib.metadata import version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

#: The five seed texts of the default corpus: the search tests' tables are over these.
SEED = {
    "000": "000_0b484173757658b0.txt",
    "001": "001_1c423fb17c70a0e3.txt",
    "002": "002_9f90c5e4af5465fc.txt",
    "003": "003_ddc8f8c163e5a837.txt",
    "004": "004_21dbe1da0bb1853e.txt",
}
#: The default corpus's documents in the other formats: seeds rendered by
#: ``python -m bench.render corpus`` (they repeat seed texts, so the seed tables leave them out).
RENDERED = {
    "html": "005_seed003.html",
    "docx": "006_seed004.docx",
    "pdf": "007_seed000.pdf",
}


def pytest_report_header(config):
    names = ["jieba", "opencc-python-reimplemented", "whoosh-reloaded", "flask"]
    return "versions: " + ", ".join(f"{n} {version(n)}" for n in names)


def copy_seeds(dest: Path) -> Path:
    """Copy the five seed texts of the default corpus into ``dest`` (a folder named
    ``corpus``, so sources end in ``corpus/<name>`` as in the default corpus)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in SEED.values():
        shutil.copyfile(CORPUS / name, dest / name)
    return dest


def open_index_of(root: Path, docs: dict[str, str]):
    """Write ``docs`` (file name → text) to ``root/corpus``, index them into
    ``root/index`` and open that index (a context manager)."""
    import indexer

    corpus = root / "corpus"
    corpus.mkdir()
    for name, text in docs.items():
        (corpus / name).write_text(text, encoding="utf-8")
    indexer.reindex([corpus], root / "index")
    return indexer.open_index(root / "index")


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of the seed texts."""
    return copy_seeds(tmp_path / "corpus")


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory) -> Path:
    """An index of the five seed texts, built once per test session."""
    import indexer

    root = tmp_path_factory.mktemp("seed-index")
    report = indexer.reindex([copy_seeds(root / "corpus")], root / "ix")
    assert (report.documents, report.paragraphs) == (5, 115)
    return root / "ix"


@pytest.fixture(scope="session")
def index(seed_index):
    import indexer

    with indexer.open_index(seed_index) as ix:
        yield ix


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (see :mod:`tests.browser_support`), one per test module."""
    from .browser_support import chromium

    with chromium() as b:
        yield b
