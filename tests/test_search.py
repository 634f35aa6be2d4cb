from __future__ import annotations

import pytest

import indexer
from indexer import QueryError

from .conftest import SEED

S = {k: v for k, v in SEED.items()}


def ids(results):
    return [(h.doc_id[:3], h.paragraph) for h in results.hits]


# query → (total, ordered top hits as (seed, paragraph)); simplified and traditional
# forms of a query must give the same answer.
SEARCH_TABLE = [
    ("稳岗返还", 3, [("002", 10), ("002", 7), ("000", 6)]),
    ("穩崗返還", 3, [("002", 10), ("002", 7), ("000", 6)]),
    # The heading 社会保障 (a whole word) before 人力资源社会保障部 (inside a word);
    # the titles have the word, but so do these paragraphs: the title adds nothing.
    ("社会保障", 14, [("000", 8), ("001", 6), ("001", 1), ("000", 1), ("000", 2)]),
    ("社會保障", 14, [("000", 8), ("001", 6), ("001", 1), ("000", 1), ("000", 2)]),
    # 人社部 is searched with 人力资源社会保障部 and 人力资源和社会保障部 (the thesaurus).
    ("人社部", 7, [("004", 31), ("000", 1), ("003", 32), ("001", 1), ("004", 26)]),
    ('"人社部"', 3, [("004", 26), ("004", 27), ("000", 19)]),  # document context
    ("新八級工", 6, [("004", 29), ("004", 28), ("003", 26), ("000", 13), ("001", 11)]),
    ("三支一扶", 3, [("003", 18), ("002", 11), ("000", 6)]),
    ("高效办成一件事", 2, [("000", 19), ("000", 18)]),
    ('"稳岗返还比例"', 1, [("000", 6)]),
    ("「穩崗返還比例」", 1, [("000", 6)]),
    ("国办发〔2024〕38号", 1, [("004", 6)]),
    ("〔2024〕38号", 1, [("004", 6)]),
    ('"38号"', 1, [("004", 6)]),
    ('"8号"', 0, []),
    ("8号", 1, [("004", 6)]),
    # Best match: both words first (2 paragraphs), then either (7 more).
    ("稳岗 扩岗", 9, [("003", 22), ("000", 6), ("003", 23), ("004", 14), ("002", 1)]),
    ("零工市场", 5, [("004", 22), ("004", 23), ("003", 25), ("001", 5), ("001", 4)]),
    ("issuer:就业促进 见习", 1, [("003", 20)]),
    ("type:答复 技能", 7, [("004", 27), ("004", 28), ("004", 26), ("004", 25), ("004", 29)]),
    ("date:2023 失业率", 1, [("001", 4)]),
    ("5000万元", 1, [("000", 6)]),
    ("12333", 2, [("000", 18), ("002", 12)]),
]


@pytest.mark.parametrize(("query", "total", "top"), SEARCH_TABLE)
def test_search_table(index, query, total, top):
    results = index.search(query, limit=5)
    assert results.total == total
    assert ids(results) == top


def test_traditional_query_finds_both_scripts(index):
    results = index.search("就業", limit=100)
    docs = sorted({h.doc_id[:3] for h in results.hits})
    assert docs == ["000", "001", "002", "003", "004"]
    hit = next(h for h in results.hits if h.doc_id.startswith("001"))
    # Results show the original text.
    assert "就業" in hit.text


def test_exclusion(index):
    with_all = index.search("就业", limit=100)
    excluded = index.search("就业 -疫情", limit=100)
    assert excluded.total == with_all.total - len(
        [h for h in with_all.hits if "疫情" in h.text])
    assert all("疫情" not in h.text for h in excluded.hits)


def test_or(index):
    either = index.search("稳岗 OR 零工市场", limit=100)
    assert either.total == 12
    folded = [indexer.normalize.fold_chars(h.text) for h in either.hits]
    assert all("稳岗" in t or "零工市场" in t for t in folded)


def test_number_field_exact(index):
    assert index.search("number:〔2025〕2号", limit=1).total == 33
    assert index.search("number:〔2025〕12号").total == 0
    assert index.search("number:84号").total == 32
    assert index.search('number:4号').total == 0


def test_filters_and_facets(index):
    # Counts checked against a brute-force scan of the folded paragraph texts.
    results = index.search("就业", limit=3)
    assert results.facets == {
        "issuer": {"人力资源社会保障部": 35, "国务院就业促进和劳动保护工作领导小组": 27},
        "doc_type": {"通知": 27, "答复": 23, "新闻发布会": 12},
        "year": {"2025": 57, "2023": 5},
    }
    assert results.total == 66
    only = index.search("就业", issuer="人力資源社會保障部", limit=100)
    assert only.total == 35
    assert {h.issuer for h in only.hits} == {"人力资源社会保障部"}
    typed = index.search("就业", doc_type="答复", limit=100)
    assert (typed.total, {h.doc_id for h in typed.hits}) == (23, {S["004"]})
    dated = index.search("就业", date_from="2023-01-01", date_to="2023-12-31", limit=100)
    assert (dated.total, {h.date for h in dated.hits}) == (5, {"2023-04-24"})


def test_sort_by_date(index):
    results = index.search("就业", sort="date", limit=100)
    dates = [h.date or "" for h in results.hits]
    assert dates == sorted(dates, reverse=True)
    assert results.hits[0].date == "2025-08-05"


def test_pagination(index):
    first = index.search("就业", limit=5)
    second = index.search("就业", limit=5, offset=5)
    both = index.search("就业", limit=10)
    assert ids(first) + ids(second) == ids(both)
    assert second.total == both.total == 66


def test_hit_fields_and_to_dict(index):
    results = index.search("国办发〔2024〕38号", limit=1)
    data = results.to_dict()
    assert list(data) == ["query", "total", "total_all", "total_partial", "counted", "took_ms",
                          "hits", "facets", "facets_over"]
    assert (data["total"], data["total_all"], data["total_partial"], data["counted"],
            data["facets_over"]) == (1, 1, 0, "literal", "all")
    hit = data["hits"][0]
    assert list(hit) == ["doc_id", "paragraph", "text", "snippet", "score", "title",
                         "doc_number", "issuer", "date", "doc_type", "source", "page",
                         "all_words"]
    assert hit["page"] is None  # a text file has no pages
    assert {k: hit[k] for k in ("doc_id", "paragraph", "title", "doc_number", "issuer", "date",
                                "doc_type")} == {
        "doc_id": S["004"], "paragraph": 6, "title": None, "doc_number": "人社建字〔2025〕84号",
        "issuer": "人力资源社会保障部", "date": "2025-08-05", "doc_type": "答复"}
    assert hit["source"].endswith("corpus/" + S["004"])
    assert "<mark>国办发〔2024〕38号</mark>" in hit["snippet"]


def test_snippet_marks_original_traditional_text(index):
    hit = index.search("稳岗返还比例").hits[0]
    assert hit.snippet.count("<mark>") == 1
    assert "<mark>稳岗返还比例</mark>" in hit.snippet
    trad = index.search("社会保障部举行").hits
    marked = [h.snippet for h in trad if h.doc_id.startswith("001")][0]
    assert marked.startswith("4月24日,人力資源<mark>社會保障部舉行</mark>2023年")


def test_empty_and_operator_only_queries(index):
    empty = index.search("")
    assert (empty.total, empty.hits, empty.messages) == (0, [], ["请输入检索词"])
    negative = index.search("-就业")
    assert negative.total == 0
    assert negative.messages == ["查询只包含排除条件或无法识别的内容，请输入要查找的词"]


def test_filter_only_browse(index):
    results = index.search("date:2023", sort="date", limit=3)
    assert results.total == 17
    assert [h.doc_id for h in results.hits] == [S["001"]] * 3


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"date_from": "2025-13-45"}, "date_from: '2025-13-45' is not a valid date (YYYY-MM-DD)"),
    ({"date_to": "yesterday"}, "date_to: 'yesterday' is not a valid date (YYYY-MM-DD)"),
    ({"limit": 1000}, "limit: expected a whole number from 0 to 100, got 1000"),
    ({"offset": -1}, "offset: expected a whole number from 0 to 10000, got -1"),
    ({"sort": "newest"}, "sort: expected one of relevance, date, got 'newest'"),
    ({"issuer": 5}, "issuer: expected text, got 5"),
])
def test_bad_parameters_raise_query_error(index, kwargs, message):
    with pytest.raises(QueryError) as info:
        index.search("就业", **kwargs)
    assert str(info.value) == message
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("query", ['"', "“", "OR OR", "-", "||", "NOT NOT", "date:", "type:",
                                  "\x00", "〔", "<script>", "a" * 5000, "issuer:\"", "😀"])
def test_malformed_queries_never_raise(index, query):
    results = index.search(query)
    assert results.total >= 0


def test_document(index):
    doc = index.document(S["003"])
    assert (doc.title is not None, doc.doc_number, doc.date, len(doc.paragraphs)) == (
        True, "国就劳发〔2025〕2号", "2025-03-06", 33)
    assert doc.paragraphs[0] == {"n": 1, "text": "國務院就業促進和勞動保護工作領導小組",
                                 "heading": False, "line": 15}
    # The shape of `policy-search inspect --json`, and what it cites and who cites it
    # (its own title, written in its paragraphs, is no citation).
    inspected = indexer.read_file(doc.source, doc.doc_id).to_dict()
    assert doc.to_dict() == {**inspected, "cites": [], "cited_by": []}
    assert doc.original["doc_number"] == "國就勞發〔2025〕2號"
    with pytest.raises(indexer.DocumentNotFound):
        index.document("../etc/passwd")


def test_stats(index):
    stats = index.stats()
    assert (stats["documents"], stats["paragraphs"], stats["generation"]) == (5, 115, "gen-000001")


def test_open_missing_index(tmp_path):
    with pytest.raises(indexer.IndexNotFound) as info:
        indexer.open_index(tmp_path / "nothing")
    assert str(info.value) == (
        f"no index at {tmp_path / 'nothing'}; run `policy-search index` to build one")


def test_warming_changes_no_answer(seed_index):
    """``Index.warm`` (what ``serve`` runs once started) prepares every part; the
    answers stay those of an index that was not warmed."""
    import indexer as _indexer

    cold = _indexer.open_index(seed_index)
    warmed = _indexer.open_index(seed_index)
    warmed.warm()
    assert all(v.part._blocks is not None for v in warmed._snap._parts)
    for query in ("稳岗返还", "就业 补贴", "人社部"):
        a, b = cold.search(query, limit=20), warmed.search(query, limit=20)
        assert [(h.doc_id, h.paragraph, h.score) for h in a.hits] == \
            [(h.doc_id, h.paragraph, h.score) for h in b.hits]
        assert (a.total, a.facets) == (b.total, b.facets)
