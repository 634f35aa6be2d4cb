"""Best match: word boundaries, stop words, partial matches, +word, word:, explain."""

from __future__ import annotations

import numpy as np
import pytest

import indexer
from indexer import charindex
from indexer.search.plan import load_stopwords, make_plan
from indexer.search.query import parse
from indexer.segment import Segmenter
from indexer.store import live_generation
from indexer.whoosh_api import FileStorage

from .conftest import open_index_of


def ids(results):
    return [(h.doc_id[:3], h.paragraph) for h in results.hits]


@pytest.fixture(scope="module")
def words_index(tmp_path_factory):
    """Three paragraphs where 人工 is a word's start, inside one, and across two."""
    root = tmp_path_factory.mktemp("words")
    corpus = root / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("发展人工智能产业。\n做好个人工作安排。\n人工成本逐年上升。\n",
                                  encoding="utf-8")
    indexer.reindex([corpus], root / "ix")
    with indexer.open_index(root / "ix") as ix:
        yield ix


def test_occurrence_across_words_ranks_below_one_inside_a_word(words_index):
    results = words_index.search("人工", explain=True)
    assert [(h.paragraph, h.all_words) for h in results.hits] == [(1, True), (3, True), (2, True)]
    kinds = [next(p for p in h.explain["parts"] if p["kind"] == "word") for h in results.hits]
    assert [(k["whole_word"], k["inside_word"], k["across_words"]) for k in kinds] == [
        (0, 1, 0), (0, 1, 0), (0, 0, 1)]
    # Found, so the literal guarantee holds; counted like any match.
    assert (results.total, results.counted) == (3, "literal")


def test_word_field_never_counts_across_words(words_index):
    results = words_index.search("word:人工")
    assert (results.total, results.counted, [h.paragraph for h in results.hits]) == (
        2, "words", [1, 3])
    assert words_index.matching_paragraphs("word:人工") == [("a.txt", 1), ("a.txt", 3)]
    assert words_index.matching_paragraphs("人工") == [("a.txt", 1), ("a.txt", 2), ("a.txt", 3)]


def test_required_word(words_index):
    results = words_index.search("+人工 产业")
    assert [(h.paragraph, h.all_words) for h in results.hits] == [(1, True), (3, False),
                                                                   (2, False)]
    assert (results.total, results.total_all, results.total_partial) == (3, 1, 2)
    assert words_index.search("+产业 人工").total == 1


def test_explain_parts_add_up_to_the_score(words_index):
    hit = words_index.search("如何发展人工智能？", explain=True).hits[0]
    assert hit.explain["score"] == hit.score
    assert [(p["kind"], p["text"]) for p in hit.explain["parts"]] == [
        ("word", "发展"), ("word", "人工智能"), ("proximity", "发展 人工智能"), ("document", "")]
    assert abs(sum(p["score"] for p in hit.explain["parts"]) - hit.score) < 1e-3
    assert (hit.explain["terms_found"], hit.explain["all_words"]) == (0, True)


def test_a_repeated_word_counts_once(title_index):
    # The plan records that 劳动合同 comes twice; the score does not weigh it twice.
    query = "劳动合同的试用期，劳动合同"
    assert [(w.text, w.qtf) for w in title_index._snap.plan(query)[1].words] == [
        ("劳动合同", 2), ("试用期", 1)]
    twice = title_index.search(query)
    once = title_index.search("劳动合同的试用期")
    assert [(h.doc_id, h.paragraph, h.score) for h in twice.hits] == [
        ("a.md", 2, 3.7076), ("a.md", 3, 3.1701), ("a.md", 1, 2.1577), ("b.md", 2, 0.9136)]
    assert [(h.doc_id, h.paragraph, h.score) for h in once.hits] == [
        (h.doc_id, h.paragraph, h.score) for h in twice.hits]


def test_stop_words_and_question_words_are_left_out():
    segmenter = Segmenter()
    stops = load_stopwords()
    plan = make_plan(parse("谁可以申请稳岗返还？"), segmenter, stops)
    assert ([w.text for w in plan.words], plan.ignored) == (["申请", "稳岗返还"], ["谁", "可以"])
    # A query of stop words alone searches them.
    plan = make_plan(parse("如何"), segmenter, stops)
    assert ([w.text for w in plan.words], plan.ignored) == (["如何"], [])
    # A document number is one word (whole numbers); so is N号.
    plan = make_plan(parse("国办发〔2024〕38号 医疗保险"), segmenter, stops)
    assert [(w.text, w.whole_numbers) for w in plan.words] == [
        ("国办发〔2024〕38号", True), ("医疗保险", False)]
    assert {"的", "了", "吗", "呢", "怎么", "如何", "什么", "哪些", "是否", "可以", "谁"} <= stops
    # Punctuation left alone after a quoted part is no term beside the words; alone, it is.
    plan = make_plan(parse("如何通过居住权制度实现“以房养老”？"), segmenter, stops)
    assert [(t.text, t.words) for t in plan.terms] == [("如何通过居住权制度实现", [0, 1, 2, 3])]
    assert [t.text for t in make_plan(parse("？"), segmenter, stops).terms] == ["？"]


def test_user_stop_words(tmp_path):
    extra = tmp_path / "stops.txt"
    extra.write_text("# ours\n申请\n", encoding="utf-8")
    plan = make_plan(parse("谁可以申请稳岗返还？"), Segmenter(), load_stopwords(str(extra)))
    assert ([w.text for w in plan.words], plan.ignored) == (["稳岗返还"], ["谁", "可以", "申请"])


# question or words → (total, all words, ordered top hits)
BEST_MATCH_TABLE = [
    ("谁可以申请稳岗返还？", (6, 0, [("002", 10), ("004", 28), ("000", 18), ("002", 7), ("001", 17)])),
    ("零工市场建设怎么样了", (27, 4, [("004", 22), ("004", 23), ("001", 5), ("001", 4), ("004", 27)])),
    ("失业保险 稳岗返还 技能培训", (16, 1, [("000", 6), ("002", 7), ("002", 14), ("002", 10),
                                        ("004", 25)])),
]


@pytest.mark.parametrize(("query", "expected"), BEST_MATCH_TABLE)
def test_best_match_table(index, query, expected):
    results = index.search(query, limit=5)
    assert (results.total, results.total_all, ids(results)) == expected
    assert results.total_partial == results.total - results.total_all


def test_facets_count_the_all_words_paragraphs(index):
    results = index.search("失业保险 稳岗返还 技能培训")
    assert (results.facets_over, sum(results.facets["year"].values())) == ("all", 1)
    assert index.search("谁可以申请稳岗返还？").facets_over == "some"


def test_quoted_emphasis_in_a_question_is_relaxed_only_when_nothing_matches(index):
    results = index.search("“稳岗返还比例”是多少")
    assert (results.total, results.messages) == (1, [])
    relaxed = index.search("“稳岗返还补贴比例”怎么算")
    assert relaxed.total > 0
    assert "没有段落包含全部引号中的短语，已按普通词语检索" in relaxed.messages
    # Phrases alone stay strict.
    assert index.search('"8号"').total == 0


def test_index_time_words_equal_query_time_words(seed_index):
    """The word-start bits stored for every seed paragraph are the segmenter's words."""
    gen = live_generation(seed_index)
    ix = FileStorage(str(gen)).open_index()
    segmenter = Segmenter()
    checked = 0
    with ix.searcher() as searcher:
        for leaf, _ in searcher.reader().leaf_readers():
            chars = charindex.CharIndex(gen / charindex.file_name(leaf.segment().segment_id()))
            for part in chars.parts:
                for row in np.flatnonzero(part.is_para):
                    text = leaf.stored_fields(part.base + int(row))["text"]
                    begin, end = int(part.starts[row]), int(part.starts[row + 1]) - 1
                    stored = part.word_start(np.arange(begin, end)).astype(np.uint8).tobytes()
                    assert stored == charindex.word_starts(text, segmenter.spans(text))
                    checked += 1
    assert checked == 115


@pytest.fixture(scope="module")
def title_index(tmp_path_factory):
    """A law whose articles on 试用期 do not all repeat its name."""
    docs = {
        "a.md": "# 中华人民共和国劳动合同法\n\n"
                "第十九条 劳动合同期限三个月以上不满一年的，试用期不得超过一个月。\n\n"
                "第二十条 劳动者在试用期的工资不得低于本单位相同岗位最低档工资。\n",
        "b.md": "# 某某条例\n\n第一条 试用期内用人单位应当为劳动者缴纳社会保险。\n",
    }
    with open_index_of(tmp_path_factory.mktemp("title"), docs) as ix:
        yield ix


def test_title_stands_in_only_for_a_word_the_paragraph_lacks(title_index):
    results = title_index.search("劳动合同 试用期", explain=True)
    got = [(h.doc_id, h.paragraph, h.explain["score"],
            [(p["kind"], p["text"], p["score"]) for p in h.explain["parts"]])
           for h in results.hits]
    # Only 第二十条 lacks 劳动合同: the title's part (TITLE_W times the word's IDF) is its
    # alone; 第十九条 and the title line score the word by their own occurrences.
    assert got == [
        ("a.md", 2, 3.7076, [("word", "劳动合同", 1.1304), ("word", "试用期", 0.4395),
                             ("document", "", 1.3962), ("authority", "法律", 0.7415)]),
        ("a.md", 3, 3.1701, [("title", "劳动合同", 0.6931), ("word", "试用期", 0.4467),
                             ("document", "", 1.3962), ("authority", "法律", 0.634)]),
        ("a.md", 1, 2.1577, [("word", "劳动合同", 0.33), ("document", "", 1.3962),
                             ("authority", "法律", 0.4315)]),
        ("b.md", 2, 0.9136, [("word", "试用期", 0.5049), ("document", "", 0.4087)])]


@pytest.fixture(scope="module")
def definition_index(tmp_path_factory):
    """Three paragraphs that use 商标的使用; the second defines it."""
    docs = {"a.txt": "商标的使用应当遵守诚实信用原则。\n"
                     "本法所称商标的使用，是指将商标用于商品上，用于识别商品来源的行为。\n"
                     "商标的使用许可应当备案，商标的使用不得欺骗公众。\n"}
    with open_index_of(tmp_path_factory.mktemp("definition"), docs) as ix:
        yield ix


def test_a_paragraph_that_defines_a_word_is_about_it(definition_index):
    results = definition_index.search("商标", explain=True)
    got = [(h.paragraph, [(p["kind"], p["text"], p["score"]) for p in h.explain["parts"]])
           for h in results.hits]
    # 本法所称商标…，是指: the definition adds the word's IDF (DEFINITION_W 1.0) and
    # lifts it above the paragraph that says 商标 twice more.
    assert got == [(2, [("word", "商标", 0.1669), ("definition", "商标", 0.1335),
                        ("document", "", 0.4947)]),
                   (3, [("word", "商标", 0.1843), ("document", "", 0.4947)]),
                   (1, [("word", "商标", 0.1553), ("document", "", 0.4947)])]
