from __future__ import annotations

import pickle

import pytest

from indexer.analysis import (
    RUN_END,
    RUN_START,
    JiebaTokenizer,
    LiteralTokenizer,
    ScriptFoldFilter,
    literal_analyzer,
    literal_bigrams,
    literal_query_terms,
    word_analyzer,
)
from indexer.normalize import fold_chars, to_simplified


def tokens(analyzer, text, **kw):
    return [(t.text, t.pos, t.startchar, t.endchar)
            for t in analyzer(text, positions=True, chars=True, **kw)]


def test_word_tokens_positions_and_offsets():
    assert tokens(word_analyzer(), "人社部将国办发〔2023〕5号") == [
        ("人社部", 0, 0, 3), ("将", 1, 3, 4), ("国办发", 2, 4, 7), ("2023", 3, 8, 12),
        ("5", 4, 13, 14), ("号", 5, 14, 15),
    ]


def test_traditional_text_segments_like_simplified_with_original_offsets():
    trad = "國辦發〔2023〕15號穩崗返還"
    assert tokens(word_analyzer(), trad) == [
        ("国办发", 0, 0, 3), ("2023", 1, 4, 8), ("15", 2, 9, 11), ("号", 3, 11, 12),
        ("稳岗返还", 4, 12, 16),
    ]
    # Offsets point into the original traditional text.
    assert trad[12:16] == "穩崗返還"


def test_policy_terms_are_single_tokens():
    words = [t[0] for t in tokens(word_analyzer(), "落实三支一扶和新八级工，建设零工市场，高效办成一件事")]
    assert words == ["落实", "三支一扶", "和", "新八级工", "建设", "零工市场", "高效办成一件事"]


def test_start_pos_start_char_keeporiginal_and_no_tokenize():
    got = [(t.text, t.pos, t.startchar, t.original)
           for t in word_analyzer()("稳岗返还", positions=True, chars=True, start_pos=10,
                                    start_char=100, keeporiginal=True)]
    assert got == [("稳岗返还", 10, 100, "稳岗返还")]
    untok = [(t.text, t.pos) for t in JiebaTokenizer()("a b", positions=True, tokenize=False)]
    assert untok == [("a b", 0)]


def test_fold_filter_latin_fullwidth():
    assert [t.text for t in (JiebaTokenizer() | ScriptFoldFilter())("ＡＢＣ與GDP")] == [
        "abc", "与", "gdp"]


def test_fold_chars_is_length_preserving():
    text = "國務院辦公廳關於印發《實施方案》的通知　ＡＢ１２"
    assert len(fold_chars(text)) == len(text)
    assert fold_chars(text) == "国务院办公厅关于印发《实施方案》的通知 ab12"
    assert to_simplified("國就勞發〔2025〕2號") == "国就劳发〔2025〕2号"


def test_literal_tokens_mark_digit_runs():
    assert list(literal_bigrams("〔23〕5号")) == [
        (0, "〔", 0, 1), (0, "〔2", 0, 2),
        (1, "2", 1, 2), (1, "23", 1, 3), (1, RUN_START + "23", 1, 3),
        (1, "23" + RUN_END, 1, 3), (1, RUN_START + "23" + RUN_END, 1, 3),
        (2, "3", 2, 3), (2, "3〕", 2, 4),
        (3, "〕", 3, 4), (3, "〕5", 3, 5), (3, "〕5" + RUN_END, 3, 5),
        (4, "5", 4, 5), (4, RUN_START + "5" + RUN_END, 4, 5), (4, "5号", 4, 6),
        (4, RUN_START + "5号", 4, 6),
        (5, "号", 5, 6),
    ]


def test_literal_skips_spaces_and_folds():
    assert [t for _, t, _, _ in literal_bigrams("穩 崗")] == ["稳", "稳岗", "岗"]


@pytest.mark.parametrize(("text", "exact", "terms"), [
    ("稳岗返还", False, ["稳岗", "岗返", "返还"]),
    ("穩崗", False, ["稳岗"]),
    ("稳", False, ["稳"]),
    ("5", False, ["5"]),
    ("5", True, [RUN_START + "5" + RUN_END]),
    ("5号", False, ["5号"]),
    ("5号", True, [RUN_START + "5号"]),
    ("15", True, [RUN_START + "15" + RUN_END]),
    ("〔2023〕5号", True, ["〔2", "20", "02", "23", "3〕", "〕5", "5号"]),
    ("  ", False, []),
])
def test_literal_query_terms(text, exact, terms):
    assert literal_query_terms(text, exact) == terms


def test_analyzers_pickle_round_trip():
    for analyzer in (word_analyzer(("extra.txt",)), literal_analyzer()):
        clone = pickle.loads(pickle.dumps(analyzer))
        assert clone == analyzer
    assert LiteralTokenizer() == pickle.loads(pickle.dumps(LiteralTokenizer()))


def test_pre_analysed_postings_equal_the_analyzers():
    from indexer.fields import AnalyzedText, literal_postings, words_postings

    text = "國務院辦公廳關於〔2023〕15號文件：稳岗返还、稳岗返还，GDP增长5.0%。"
    for analyzer, pre in ((word_analyzer(), words_postings(JiebaTokenizer(), text)),
                          (literal_analyzer(), literal_postings(text))):
        field = AnalyzedText(analyzer)
        assert sorted(pre.items) == sorted(field.index(text))
        assert sorted(field.index(pre)) == sorted(pre.items)
    decoded = AnalyzedText(word_analyzer()).format.decode_positions(
        dict((t, v) for t, _, _, v in words_postings(JiebaTokenizer(), text).items)[
            "稳岗返还".encode()])
    assert decoded == [6, 7]
