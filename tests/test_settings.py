from __future__ import annotations

from pathlib import Path

import pytest

from indexer import settings

README = Path(__file__).resolve().parent.parent / "README.md"


def test_every_setting_is_documented_in_readme():
    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- settings-table -->\n") + len("<!-- settings-table -->\n")
    end = text.index("<!-- /settings-table -->")
    assert text[start:end].strip() == settings.settings_table()


def test_environment_overrides_default(monkeypatch, tmp_path):
    monkeypatch.setenv("POLICY_SEARCH_INDEX", str(tmp_path))
    assert settings.resolve("index_dir") == tmp_path
    assert settings.resolve("index_dir", Path("/given")) == Path("/given")
    monkeypatch.delenv("POLICY_SEARCH_INDEX")
    assert settings.resolve("index_dir") == settings.project_root() / "var" / "index"


def test_bad_integer_setting_names_variable(monkeypatch):
    monkeypatch.setenv("POLICY_SEARCH_PORT", "eighty")
    with pytest.raises(ValueError, match="POLICY_SEARCH_PORT='eighty': expected a whole number"):
        settings.resolve("port")


def test_cache_size_zero_ranks_every_query_anew(monkeypatch, seed_index):
    """``POLICY_SEARCH_CACHE_SIZE=0`` (what the HTTP benchmark measures with) keeps no
    ranking; by default a query asked again is answered from the kept one."""
    import indexer

    with indexer.open_index(seed_index) as ix:
        first = ix.search("稳岗返还")
        assert len(ix._snap._cache) == 1
        assert ix.search("稳岗返还").total == first.total == 3
    monkeypatch.setenv("POLICY_SEARCH_CACHE_SIZE", "0")
    with indexer.open_index(seed_index) as ix:
        again = ix.search("稳岗返还")
        assert len(ix._snap._cache) == 0
        assert [(h.doc_id, h.paragraph) for h in again.hits] == \
            [(h.doc_id, h.paragraph) for h in first.hits]
