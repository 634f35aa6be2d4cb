"""The character index: exact positions, whole numbers, parts, files."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer import charindex
from indexer.charindex import CharIndex, Row, units


def para(text: str, n: int = 1, doc_id: str = "d", **kw) -> Row:
    return Row(True, text, n, kw.get("date", 0), doc_id, kw.get("issuer", ""),
               kw.get("doc_type", ""), kw.get("year", ""))


def build(tmp_path, rows, name="seg.chars") -> CharIndex:
    path = tmp_path / name
    charindex.write(path, rows)
    return CharIndex(path)


def test_units_fold_and_drop_spaces_controls_private_use():
    assert units("穩 崗\t返還\u3000ＡＢ１\x07\ue000c") == "稳岗返还ab1c"


def test_positions_and_frequencies(tmp_path):
    ix = build(tmp_path, [Row(False, doc_id="a"), para("稳岗返还，稳岗扩岗", 1, "a"),
                          para("穩崗", 2, "a"), para("", 3, "a")])
    (part,) = ix.parts
    # Rows: the document record (empty), then paragraphs; units of each then a separator.
    assert part.starts.tolist() == [0, 1, 11, 14, 15]
    assert part.positions("稳岗").tolist() == [1, 6, 11]
    # One character: positions grouped by the bigram that starts there.
    assert sorted(part.positions("岗").tolist()) == [2, 7, 9, 12]
    assert part.term_frequencies("稳岗").tolist() == [0, 2, 1, 0]
    assert part.term_frequencies("稳岗返还").tolist() == [0, 1, 0, 0]
    assert part.term_frequencies("岗稳").tolist() == [0, 0, 0, 0]  # not across rows
    assert part.term_frequencies("扩").tolist() == [0, 1, 0, 0]
    assert part.term_frequencies("无").tolist() == [0, 0, 0, 0]  # not in the alphabet
    assert part.is_para.tolist() == [False, True, True, True]


def test_whole_numbers(tmp_path):
    ix = build(tmp_path, [para("国办发〔2023〕15号", 1), para("第5号令", 2), para("5", 3),
                          para("25 5号", 4)])
    (part,) = ix.parts
    assert part.term_frequencies("5号").tolist() == [1, 1, 0, 1]
    assert part.term_frequencies("5号", whole_numbers=True).tolist() == [0, 1, 0, 0]
    assert part.term_frequencies("5", whole_numbers=True).tolist() == [0, 1, 1, 0]
    assert part.term_frequencies("2023", whole_numbers=True).tolist() == [1, 0, 0, 0]
    assert part.term_frequencies("202", whole_numbers=True).tolist() == [0, 0, 0, 0]
    # Spaces are not units: "25 5号" is the number 255.
    assert part.term_frequencies("255号", whole_numbers=True).tolist() == [0, 0, 0, 1]


def test_columns_and_tables(tmp_path):
    ix = build(tmp_path, [Row(False, doc_id="a"),
                          para("甲", 1, "a", date=20250306, issuer="国务院", doc_type="通知",
                               year="2025"),
                          Row(False, doc_id="b"), para("乙", 1, "b")])
    (part,) = ix.parts
    assert part.tables == {"docs": ["a", "b"], "issuer": ["国务院"], "doc_type": ["通知"],
                           "year": ["2025"]}
    assert part.doc.tolist() == [0, 0, 1, 1]
    assert part.issuer.tolist() == [-1, 0, -1, -1]
    assert part.date.tolist() == [0, 20250306, 0, 0]
    assert part.code("issuer", "国务院") == 0
    assert part.code("issuer", "人社部") == -2


def test_parts_split_rows_and_keep_row_numbers(tmp_path, monkeypatch):
    monkeypatch.setattr(charindex, "PART_UNITS", 8)
    rows = [para(t, i) for i, t in enumerate(["稳岗返还", "扩岗", "稳岗", "零工市场", "岗"])]
    ix = build(tmp_path, rows)
    assert [(p.base, p.rows) for p in ix.parts] == [(0, 2), (2, 2), (4, 1)]
    found = [(p.base + r) for p in ix.parts
             for r in np.flatnonzero(p.term_frequencies("岗")).tolist()]
    assert found == [0, 1, 2, 4]


def test_not_a_character_index(tmp_path):
    bad = tmp_path / "x.chars"
    bad.write_bytes(b"nonsense")
    with pytest.raises(ValueError, match="not a character index file"):
        CharIndex(bad)


texts = st.lists(st.text(alphabet="稳岗返还12 5号", max_size=12), min_size=1, max_size=6)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(rows=texts, needle=st.text(alphabet="稳岗返还125号", min_size=1, max_size=4),
       whole=st.booleans())
def test_frequencies_equal_a_scan(tmp_path_factory, rows, needle, whole):
    ix = build(tmp_path_factory.mktemp("prop"), [para(t, i) for i, t in enumerate(rows)])
    got = np.zeros(len(rows), dtype=np.int64)
    for part in ix.parts:
        got[part.base:part.base + part.rows] += part.term_frequencies(needle, whole)
    pattern = re.escape(needle)
    if whole and needle[0].isdigit():
        pattern = r"(?<![0-9])" + pattern
    if whole and needle[-1].isdigit():
        pattern += r"(?![0-9])"
    expected = [len(re.findall(f"(?=({pattern}))", units(t))) for t in rows]
    assert got.tolist() == expected


def _doc(doc_id: str, texts: list[str], **kw) -> list[Row]:
    rows = [Row(False, doc_id=doc_id, meta={"title": doc_id})]
    for n, text in enumerate(texts, start=1):
        rows.append(Row(True, text, n, kw.get("date", 0), doc_id, kw.get("issuer", ""), "", "",
                        heading=text.startswith("第"), wstart=bytes([1]) * len(units(text))))
    return rows


def _arrays(ix: CharIndex) -> list[dict]:
    return [{name: np.asarray(getattr(p, name)).tolist() for name in
             ("alphabet", "units", "starts", "keys", "offsets", "order", "wstart", "is_para",
              "heading", "section", "n", "date", "doc", "issuer", "doc_type", "year")}
            | {"base": p.base, "tables": p.tables} for p in ix.parts]


def test_merge_equals_writing_the_rows_kept(tmp_path, monkeypatch):
    """A merged index (deleted rows left out) is the index of the rows kept, written anew."""
    monkeypatch.setattr(charindex, "PART_UNITS", 24)
    a = _doc("a", ["第一章", "稳岗返还", "扩岗"], issuer="国务院") + _doc("b", ["零工市场"], date=2025)
    b = _doc("c", ["第二章 技能", "稳岗"]) + _doc("d", ["岗位补贴发放"], issuer="人社部")
    charindex.write(tmp_path / "a.chars", a)
    charindex.write(tmp_path / "b.chars", b)
    deleted_a = [4, 5]  # document b (its record and paragraph)
    charindex.merge(tmp_path / "m.chars", [(CharIndex(tmp_path / "a.chars"), deleted_a),
                                           (CharIndex(tmp_path / "b.chars"), [])])
    kept = [r for i, r in enumerate(a) if i not in deleted_a] + b
    charindex.write(tmp_path / "w.chars", kept)
    merged, written = CharIndex(tmp_path / "m.chars"), CharIndex(tmp_path / "w.chars")
    assert len(merged.parts) > 1
    assert _arrays(merged) == _arrays(written)
    assert merged.docs == written.docs == [[0, "a", {"title": "a"}], [4, "c", {"title": "c"}],
                                           [7, "d", {"title": "d"}]]


def test_parts_end_at_a_document_when_one_fits(tmp_path, monkeypatch):
    monkeypatch.setattr(charindex, "PART_UNITS", 16)
    rows = _doc("a", ["稳岗返还", "扩岗"]) + _doc("b", ["零工市场建设"]) + _doc("c", ["岗"])
    ix = build(tmp_path, rows)
    assert [(p.base, p.rows) for p in ix.parts] == [(0, 3), (3, 4)]
    assert [p.tables["docs"] for p in ix.parts] == [["a"], ["b", "c"]]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(rows=st.lists(st.tuples(st.text(alphabet="稳岗返还就业", max_size=90),
                               st.integers(0, 2**31)), min_size=1, max_size=12))
def test_rows_and_word_boundaries_of_positions(tmp_path_factory, rows):
    """``row_of`` equals a binary search over the row starts (rows long and short,
    several in one block of the row table); ``boundaries`` equals reading each
    unit's word-start bit."""
    built = []
    for i, (text, seed) in enumerate(rows):
        bits = np.random.default_rng(seed).integers(0, 2, len(text)).astype(np.uint8)
        built.append(Row(True, text, i, 0, "d", "", "", "", wstart=bits.tobytes()))
    ix = build(tmp_path_factory.mktemp("rows"), built)
    (part,) = ix.parts
    every = np.arange(int(part.starts[-1]) - 1)
    expected = np.searchsorted(part.starts, every, side="right") - 1
    assert part.row_of(every).tolist() == expected.tolist()
    assert part.row_of(every[::-1]).tolist() == expected[::-1].tolist()
    assert part._row_of(every[::-1], part._row_table()).tolist() == expected[::-1].tolist()
    for length in (1, 2, 3, 8, 9):
        pos = every[every + length < int(part.starts[-1])]
        start, inner, end = part.boundaries(pos, length)
        assert start.tolist() == part.word_start(pos).tolist()
        assert end.tolist() == part.word_start(pos + length).tolist()
        between = np.zeros(len(pos), dtype=np.bool_)
        for k in range(1, length):
            between |= part.word_start(pos + k)
        assert inner.tolist() == between.tolist()


def test_the_compiled_loops_are_built():
    """``pip install`` builds indexer/kernels.pyx; without it every query takes the
    slower NumPy path."""
    assert charindex.kernels is not None


@settings(max_examples=60, deadline=None, derandomize=True)
@given(rows=st.lists(st.tuples(st.text(alphabet="稳岗返还就业", max_size=60),
                               st.integers(0, 2**31)), min_size=1, max_size=10),
       needle=st.text(alphabet="稳岗返还就业", min_size=2, max_size=10))
def test_occurrences_equal_their_numpy_reference(tmp_path_factory, rows, needle):
    """The compiled pass of :func:`match.occurrences` gives what classifying the
    positions and counting them per row with arrays gives (needles long and short,
    random word boundaries)."""
    from indexer.search import match

    built = []
    for i, (text, seed) in enumerate(rows):
        bits = np.random.default_rng(seed).integers(0, 2, len(text)).astype(np.uint8)
        built.append(Row(True, text, i, 0, "d", "", "", "", wstart=bits.tobytes()))
    (part,) = build(tmp_path_factory.mktemp("occ"), built).parts
    got = match.occurrences(part, needle, False)
    ref = match.aggregate(part, *match.classify(part, needle, False))
    for name in ("rows", "whole", "inside", "across", "positions", "position_rows"):
        assert getattr(got, name).tolist() == getattr(ref, name).tolist(), name
        assert getattr(got, name).dtype == getattr(ref, name).dtype, name
    texts = [t for t, _ in rows]
    assert got.rows.tolist() == [i for i, t in enumerate(texts) if needle in t]


def test_row_table_steps_over_many_short_rows(tmp_path):
    # 40 one-unit rows (two units each with the separator) in the first blocks.
    ix = build(tmp_path, [para("稳", i) for i in range(40)] + [para("岗" * 70, 40)])
    (part,) = ix.parts
    assert part.row_of(np.array([0, 1, 2, 33, 63, 79, 80, 81, 150])).tolist() == \
        [0, 0, 1, 16, 31, 39, 40, 40, 40]


def _word_starts_by_numpy(text: str, spans) -> bytes:
    """The word-start bytes computed with arrays (the definition :func:`word_starts`
    keeps in plain Python)."""
    folded = charindex.fold_chars(text)
    pairs = np.array(spans, dtype=np.int64).reshape(-1, 2)
    pairs = pairs[pairs[:, 1] > pairs[:, 0]]
    keep = np.array([not charindex._DROP_RE.fullmatch(c) for c in folded], dtype=np.bool_)
    before = np.concatenate(([0], np.cumsum(keep))).astype(np.int64)
    has_unit = before[pairs[:, 1]] > before[pairs[:, 0]]
    out = np.zeros(int(before[-1]), dtype=np.uint8)
    out[before[pairs[has_unit, 0]]] = 1
    return out.tobytes()


@settings(max_examples=200, deadline=None, derandomize=True)
@given(text=st.text(alphabet="稳岗返還 \t\u3000Ａ１\x07\ue000", max_size=30), data=st.data())
def test_word_starts_equal_the_array_definition(text, data):
    cuts = sorted(set(data.draw(st.lists(st.integers(0, len(text)), max_size=12))))
    bounds = [0, *cuts, len(text)]
    spans = [(a, b) for a, b in zip(bounds, bounds[1:], strict=False)]
    spans += data.draw(st.lists(st.tuples(st.integers(0, len(text)), st.integers(0, len(text))),
                                max_size=3))
    expected = _word_starts_by_numpy(text, spans)
    assert charindex.word_starts(text, spans) == expected
    assert charindex.word_starts(charindex.fold_chars(text), spans, folded=True) == expected
    assert len(expected) == len(units(text))


def test_warm_builds_what_queries_build_on_first_use(tmp_path):
    ix = build(tmp_path, [Row(False, doc_id="a"), para("稳岗返还", 1, "a", issuer="人社部"),
                          para("就业", 2, "a", issuer="人社部")])
    (part,) = ix.parts
    assert part._blocks is None and part._doc_columns == {}
    part.warm()
    assert part._blocks is not None
    assert sorted(part._doc_columns) == ["doc_type", "issuer", "year"]
    assert part.row_of(np.array([0, 1, 5, 6])).tolist() == [0, 1, 1, 2]
    assert part.doc_column("issuer").tolist() == [part.code("issuer", "人社部")]
