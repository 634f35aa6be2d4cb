from __future__ import annotations

import pickle

from indexer.analysis import JiebaTokenizer
from indexer.normalize import fold_chars, to_simplified


def tokens(analyzer, text, **kw):
    return [(t.text, t.pos, t.startchar, t.endchar)
            for t in analyzer(text, positions=True, chars=True, **kw)]


def test_word_tokens_positions_and_offsets():
    assert tokens(JiebaTokenizer(), "人社部将国办发〔2023〕5号") == [
        ("人社部", 0, 0, 3), ("将", 1, 3, 4), ("国办发", 2, 4, 7), ("2023", 3, 8, 12),
        ("5", 4, 13, 14), ("号", 5, 14, 15),
    ]


def test_traditional_text_segments_like_simplified_with_original_offsets():
    trad = "國辦發〔2023〕15號穩崗返還"
    assert JiebaTokenizer().segment(trad) == [
        ("国办发", 0, 3), ("2023", 4, 8), ("15", 9, 11), ("号", 11, 12), ("稳岗返还", 12, 16),
    ]
    # Whoosh tokens carry the original text.
    assert [t[0] for t in tokens(JiebaTokenizer(), trad)] == ["國辦發", "2023", "15", "號", "穩崗返還"]
    # Offsets point into the original traditional text.
    assert trad[12:16] == "穩崗返還"


def test_policy_terms_are_single_tokens():
    words = [t[0] for t in tokens(JiebaTokenizer(), "落实三支一扶和新八级工，建设零工市场，高效办成一件事")]
    assert words == ["落实", "三支一扶", "和", "新八级工", "建设", "零工市场", "高效办成一件事"]


def test_start_pos_start_char_keeporiginal_and_no_tokenize():
    got = [(t.text, t.pos, t.startchar, t.original)
           for t in JiebaTokenizer()("稳岗返还", positions=True, chars=True, start_pos=10,
                                    start_char=100, keeporiginal=True)]
    assert got == [("稳岗返还", 10, 100, "稳岗返还")]
    untok = [(t.text, t.pos) for t in JiebaTokenizer()("a b", positions=True, tokenize=False)]
    assert untok == [("a b", 0)]


def test_segmentation_folds_latin_and_fullwidth():
    assert [w for w, _, _ in JiebaTokenizer().segment("ＡＢＣ與GDP")] == ["abc", "与", "gdp"]


def test_tokenizer_pickles_and_compares_by_dictionaries():
    tok = JiebaTokenizer(("extra.txt",))
    assert pickle.loads(pickle.dumps(tok)) == tok
    assert tok != JiebaTokenizer()


def test_fold_chars_is_length_preserving():
    text = "國務院辦公廳關於印發《實施方案》的通知　ＡＢ１２"
    assert len(fold_chars(text)) == len(text)
    assert fold_chars(text) == "国务院办公厅关于印发《实施方案》的通知 ab12"
    assert to_simplified("國就勞發〔2025〕2號") == "国就劳发〔2025〕2号"


