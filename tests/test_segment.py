from __future__ import annotations

import functools
import pickle
from pathlib import Path

import jieba
import pytest

from indexer import ReadFailure, read_corpus
from indexer.analysis import POLICY_TERMS, JiebaTokenizer, jieba_tokenizer
from indexer.normalize import fold_chars
from indexer.segment import Segmenter, rjieba

from .conftest import CORPUS, FIXTURES

BACKENDS = ["jieba"] + (["rjieba"] if rjieba is not None else [])

TRICKY = {
    "稳岗返还": ["稳岗返还"],
    "落实三支一扶和新八级工，建设零工市场，高效办成一件事": [
        "落实", "三支一扶", "和", "新八级工", ",", "建设", "零工市场", ",", "高效办成一件事"],
    "穩崗返還": ["稳岗返还"],
    "国办发〔2024〕38号": ["国办发", "〔", "2024", "〕", "38", "号"],
    "5.2.5": ["5.2", ".", "5"],
    "按第5.2.5条执行": ["按", "第", "5.2", ".", "5", "条", "执行"],
    "GB/T 2260-2007": ["gb", "/", "t", " ", "2260", "-", "2007"],
    "2024年12月31日": ["2024", "年", "12", "月", "31", "日"],
    "第十二条": ["第十二条"],
    "拨打12333咨询": ["拨打", "12333", "咨询"],
    "COVID-19疫情": ["covid", "-", "19", "疫情"],
    "增长100%": ["增长", "100%"],
    "提高12.5%": ["提高", "12.5%"],
    "0.10g地震": ["0.10", "g", "地震"],
    "2020-2035年": ["2020", "-", "2035", "年"],
    "github.com": ["github", ".", "com"],
    "ｖ1.0.2版": ["v1.0", ".", "2", "版"],
    "a_b-c.d": ["a", "_", "b", "-", "c", ".", "d"],
    "中国㐀人民": ["中国", "㐀", "人民"],
    "第一行\r\n第二行": ["第一行", "\r\n", "第二行"],
    "": [],
}


def reference(text: str, dicts: tuple[str, ...] = ()) -> list[tuple[int, int]]:
    tok = jieba_tokenizer((str(POLICY_TERMS),) + dicts)
    return [(s, e) for _, s, e in tok.tokenize(fold_chars(text), HMM=True)]


@functools.lru_cache(maxsize=1)
def corpus_paragraphs() -> list[str]:
    files = sorted(CORPUS.glob("*.txt")) + sorted((FIXTURES / "lawrefbook").glob("*.md"))
    out = []
    for doc in read_corpus(files):
        assert not isinstance(doc, ReadFailure)
        out.extend(p.text for p in doc.paragraphs)
    return out


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("text", list(TRICKY))
def test_tricky_strings(backend, text):
    seg = Segmenter(backend=backend)
    spans = seg.spans(text)
    folded = fold_chars(text)
    assert [folded[s:e] for s, e in spans] == TRICKY[text]
    assert spans == reference(text)


@pytest.mark.parametrize("backend", BACKENDS)
def test_spans_cover_text_and_words_match_jieba_tokenizer(backend):
    seg = Segmenter(backend=backend)
    text = "人社部将国办发〔2023〕5号，GB/T 2260-2007与5.2.5 落实稳岗返还。"
    spans = seg.spans(text)
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert all(a[1] == b[0] and a[0] < a[1] for a, b in zip(spans, spans[1:], strict=False))
    assert seg.words(text) == [w for w, _, _ in JiebaTokenizer().segment(text)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_seed_and_lawrefbook_fixture_paragraphs_match_jieba(backend):
    seg = Segmenter(backend=backend)
    paragraphs = corpus_paragraphs()
    assert len(paragraphs) > 500
    differing = [p for p in paragraphs if seg.spans(p) != reference(p)]
    assert differing == []


@pytest.mark.skipif(rjieba is None, reason="rjieba not installed")
def test_rjieba_dictionary_has_every_jieba_word_with_its_frequency():
    engine = rjieba.Jieba()
    missing, wrong = [], []
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as fh:
        for line in fh:
            word, freq = line.split(" ")[:2]
            if not engine.has_word(word):
                missing.append(word)
            elif engine.cut(word, False) == [word] and engine.suggest_freq(word) - int(freq) not in (0, 1):
                wrong.append(word)
    assert missing == [] and wrong == []


def test_user_dictionary_changes_both_backends_identically(tmp_path):
    text = "推进灵活用工保障金和零碳园区试点，完善稳岗返还"
    before = reference(text)
    # New words without and with a frequency, a deletion, words already in jieba's dictionary.
    for content, changes in (("灵活用工保障金\n零碳园区 n\n", True),
                             ("灵活用工保障金 5\n零碳园区 3000 n\n", True),
                             ("稳岗返还 0\n灵活用工保障金 100000\n", True),
                             ("园区试点\n试点\n完善 5\n", True)):
        path = tmp_path / f"dict{abs(hash(content))}.txt"
        path.write_text("\ufeff" + content, encoding="utf-8")
        dicts = (str(path),)
        expected = reference(text, dicts)
        for backend in BACKENDS:
            seg = Segmenter(dicts, backend=backend)
            assert seg.spans(text) == expected, (content, backend)
            for p in corpus_paragraphs()[:300]:
                assert seg.spans(p) == reference(p, dicts), (content, backend, p)
        assert (expected != before) == changes, content


@pytest.mark.parametrize("backend", BACKENDS)
def test_pickle_round_trip(backend, tmp_path):
    path = tmp_path / "user.txt"
    path.write_text("零碳园区\n", encoding="utf-8")
    seg = Segmenter((str(path),), backend=backend)
    seg.spans("建设零碳园区")
    data = pickle.dumps(seg)
    assert len(data) < 500
    copy = pickle.loads(data)
    assert copy == seg and copy.backend == backend and copy.user_dicts == (str(path),)
    assert copy._engine is None
    assert copy.spans("建设零碳园区") == seg.spans("建设零碳园区") == reference("建设零碳园区", (str(path),))
    assert copy.words("建设零碳园区") == ["建设", "零碳园区"]
