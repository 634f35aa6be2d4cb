"""The literal-match guarantee, as a property.

Any substring of any paragraph (seeds and a LawRefBook sample), typed as a query in
simplified or traditional script, finds that paragraph; when few paragraphs contain
it, the paragraph is in the top 10 (literal matches outrank segmented ones).
"""

from __future__ import annotations

import functools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opencc import OpenCC

import indexer
from indexer.normalize import fold_chars

from .conftest import CORPUS, FIXTURES

_S2T = OpenCC("s2t")
QUOTE_CHARS = '"“”「」『』'



@pytest.fixture(scope="module")
def literal_index(tmp_path_factory):
    index_dir = tmp_path_factory.mktemp("literal-index")
    indexer.reindex([CORPUS, FIXTURES / "lawrefbook"], index_dir)
    with indexer.open_index(index_dir) as ix:
        yield ix


@functools.lru_cache(maxsize=1)
def _paragraphs() -> list[tuple[str, int, str]]:
    out = []
    for root in (CORPUS, FIXTURES / "lawrefbook"):
        for doc in indexer.read_corpus([root]):
            out.extend((doc.doc_id, p.n, p.text) for p in doc.paragraphs)
    return out


def _folded_count(needle: str) -> int:
    folded = "".join(fold_chars(needle).split())
    return sum(folded in "".join(fold_chars(t).split()) for _, _, t in _paragraphs())


@st.composite
def substrings(draw):
    paras = _paragraphs()
    doc_id, n, text = paras[draw(st.integers(0, len(paras) - 1))]
    length = draw(st.integers(1, 10))
    start = draw(st.integers(0, max(0, len(text) - length)))
    sub = text[start:start + length]
    # Neighbours in the text with spaces removed ("202 5" is the number 2025).
    before = "".join(text[:start].split())[-1:]
    after = "".join(text[start + length:].split())[:1]
    core = "".join(sub.split())
    cut_number = bool(core) and (
        (core[0].isascii() and core[0].isdigit() and before.isascii() and before.isdigit())
        or (core[-1].isascii() and core[-1].isdigit() and after.isascii() and after.isdigit()))
    script = draw(st.sampled_from(["original", "traditional", "simplified"]))
    if script == "traditional":
        sub = _S2T.convert(sub)
    elif script == "simplified":
        sub = fold_chars(sub)
    return doc_id, n, sub, cut_number


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=substrings())
def test_any_substring_finds_its_paragraph(literal_index, case):
    doc_id, n, sub, cut_number = case
    query = " ".join(sub.split())
    if not query or any(c in query for c in QUOTE_CHARS):
        return
    # A quoted number is a whole number: a substring cut from inside one is not.
    if cut_number:
        assert (doc_id, n) not in literal_index.matching_paragraphs(f'"{query}"') or (
            _folded_count(query) > 1)
        return
    quoted = f'"{query}"'
    assert (doc_id, n) in literal_index.matching_paragraphs(quoted), (quoted, doc_id, n)
    results = literal_index.search(quoted, limit=10)
    if _folded_count(query) <= 10:
        assert (doc_id, n) in [(h.doc_id, h.paragraph) for h in results.hits]


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=substrings())
def test_unquoted_substring_ranks_literal_first(literal_index, case):
    doc_id, n, sub, _ = case
    words = sub.split()
    if len(words) != 1 or len(sub) < 4 or any(c in sub for c in '"“”「」『』|-:：'):
        return
    if sub in ("OR", "NOT"):
        return
    assert (doc_id, n) in literal_index.matching_paragraphs(sub)
    if _folded_count(sub) <= 10:
        results = literal_index.search(sub, limit=10)
        assert (doc_id, n) in [(h.doc_id, h.paragraph) for h in results.hits]
