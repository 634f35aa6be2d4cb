"""Sparse matching helpers against their definitions (:mod:`indexer.search.match`)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer import charindex
from indexer.charindex import CharIndex, Row, units
from indexer.search import match, order, rank

#: (before, after) in units: 所称X, X是指, X，是指
FORMS = rank._DEFINITION_FRAMES


def _index(tmp_path, texts: list[str]) -> CharIndex:
    path = tmp_path / "seg.chars"
    charindex.write(path, [Row(True, t, i, 0, "d", "", "", "") for i, t in enumerate(texts)])
    return CharIndex(path)


def _literal_union(part, needle: str) -> list[int]:
    rows = [match.literal(part, units(before + needle + after), False)[0]
            for before, after in FORMS]
    return match.union(rows, part.rows).tolist()


def test_framed_reads_the_text_around_the_frames(tmp_path):
    texts = ["本法所称劳动者，是指", "劳动者是指", "所称 劳动者", "劳动者", "称劳动者",
             "劳动者，是", "劳动者是指劳动者", "所称劳动", "工人劳动者，是指", "是指所称"]
    (part,) = _index(tmp_path, texts).parts
    assert FORMS == [("所称", ""), ("", "是指"), ("", ",是指")]
    assert match.framed(part, "劳动者", FORMS).tolist() == [0, 1, 2, 6, 8]
    assert _literal_union(part, "劳动者") == [0, 1, 2, 6, 8]
    # Both sides at once; a frame or a needle the part lacks finds nothing.
    assert match.framed(part, "劳动者", [("所称", ",是指")]).tolist() == [0]
    assert match.framed(part, "劳动者", [("定义", "")]).tolist() == []
    assert match.framed(part, "雇员", FORMS).tolist() == []
    # A long needle.
    long = "劳动者" * 3
    (tmp_path / "long").mkdir()
    (part2,) = _index(tmp_path / "long", [f"所称{long}", f"{long}，是指", f"称{long}"]).parts
    assert match.framed(part2, long, FORMS).tolist() == [0, 1]
    # The frames' positions are kept per part.
    assert part.fixed_positions("是指").tolist() == part.positions("是指").tolist()
    assert part.fixed_positions("是指") is part.fixed_positions("是指")


@settings(max_examples=150, deadline=None, derandomize=True)
@given(texts=st.lists(st.text(alphabet="所称是指劳动者，, ", max_size=16), min_size=1,
                      max_size=8),
       needle=st.sampled_from(["劳动", "动者", "劳动者", "是指", "称劳", "劳", "所称"]),
       forms=st.sampled_from([FORMS, [("所称", ",是指")], [("称", "")], [("", "指")]]))
def test_framed_equals_the_literal_searches(tmp_path_factory, texts, needle, forms):
    """The rows found around the frames are those of a literal search of each form."""
    (part,) = _index(tmp_path_factory.mktemp("framed"), texts).parts
    expected = match.union([match.literal(part, units(b + needle + a), False)[0]
                            for b, a in forms], part.rows).tolist()
    assert match.framed(part, needle, forms).tolist() == expected


@settings(max_examples=200, deadline=None, derandomize=True)
@given(values=st.lists(st.integers(0, 70), min_size=1, max_size=60), data=st.data())
def test_kth_largest_equals_a_partition(values, data):
    """Tiers are counted rather than partitioned (values below 64); larger values
    (dates) go through ``np.partition``: the same answer either way."""
    arr = np.array(values, dtype=np.int64)
    k = data.draw(st.integers(1, len(values)))
    assert rank.kth_largest(arr, k) == int(np.partition(arr, len(arr) - k)[len(arr) - k])
    assert rank.kth_largest(arr, k) == sorted(values, reverse=True)[k - 1]


@settings(max_examples=120, deadline=None, derandomize=True)
@given(texts=st.lists(st.text(alphabet="所称是指劳动者，, ", max_size=16), min_size=1,
                      max_size=8),
       needle=st.sampled_from(["劳动", "动者", "劳动者", "是指", "称劳"]),
       other=st.sampled_from(["者是", "所称", "劳"]))
def test_framed_around_the_occurrences_is_the_same(tmp_path_factory, texts, needle, other):
    """Read around the needle's own occurrences (few), with or without positions of
    another needle among them (``check``), or looked up in the tables once they are
    built, the rows are the same."""
    (part,) = _index(tmp_path_factory.mktemp("framed-occ"), texts).parts
    expected = _literal_union(part, needle)
    occ = match.occurrences(part, needle, False)
    assert len(occ.positions) <= match.FRAMED_BY_OCCURRENCE  # read around them
    assert match.framed(part, needle, FORMS, occ).tolist() == expected
    pos = np.sort(np.concatenate([part.positions(needle).astype(np.int64),
                                  part.positions(units(other)).astype(np.int64)]),
                  kind="stable")
    flags = np.ones(len(pos), dtype=np.bool_)
    mixed = match.aggregate(part, pos, flags, ~flags, ~flags)
    assert match.framed(part, needle, FORMS, mixed, check=True).tolist() == expected
    # Once the tables for the needle's length are built, they answer instead.
    assert match.framed(part, needle, FORMS).tolist() == expected
    assert part._ids(needle) is None or all(
        part.has_kept(("frame", before or after, bool(before), len(needle)))
        for before, after in FORMS)
    assert match.framed(part, needle, FORMS, occ).tolist() == expected


def _numpy_only(mp) -> None:
    """Every compiled loop off: the NumPy code that is their reference."""
    for module in (charindex, match, rank, order):
        mp.setattr(module, "kernels", None)


@settings(max_examples=80, deadline=None, derandomize=True)
@given(rows=st.lists(st.tuples(st.text(alphabet="稳岗返就12", max_size=40),
                               st.integers(0, 2**31)), min_size=1, max_size=12),
       a=st.text(alphabet="稳岗返就12", min_size=1, max_size=3),
       b=st.text(alphabet="稳岗返就12", min_size=1, max_size=3),
       window=st.integers(0, 6))
def test_compiled_loops_equal_their_numpy_reference(tmp_path_factory, rows, a, b, window):
    """Occurrences (single units alone, longer needles classified, with and without
    the whole-number rule), proximity, the rows under headings that have a word, and
    where one word's rows sit among another's and among some of them: the same with
    the compiled loops as with NumPy."""
    built = []
    for i, (text, seed) in enumerate(rows):
        bits = np.random.default_rng(seed).integers(0, 2, len(text)).astype(np.uint8)
        built.append(Row(True, text, i, 0, "d", "", "", "", heading=bool(seed % 3 == 0),
                         wstart=bits.tobytes()))
    path = tmp_path_factory.mktemp("kernels") / "seg.chars"
    charindex.write(path, built)
    (part,) = CharIndex(path).parts

    def run():
        occ_a, occ_b = (match.occurrences(part, n, False) for n in (a, b))
        numbers = match.occurrences(part, a, True)
        near = match.near(occ_a, occ_b, window, part.rows)
        cand = match.union([occ_a.rows, occ_b.rows[::2]])
        headings = occ_b.rows[part.heading[occ_b.rows]]
        under = (np.flatnonzero(match.member(part.section[cand], headings, part.rows))
                 if match.kernels is None
                 else match.kernels.under(part.section, np.ascontiguousarray(cand), headings))
        slots = match.Slots(cand, occ_b.rows, match.SlotTable(cand, part.rows))
        keep = np.random.default_rng(len(rows)).integers(0, 2, len(cand)).astype(bool)
        kept = slots.subset(keep)
        return [x.tolist() for x in (occ_a.rows, occ_a.whole, occ_a.inside, occ_a.across,
                                     occ_a.positions, occ_a.position_rows, occ_b.rows,
                                     near, under, slots.at, slots.src, kept.at, kept.src,
                                     numbers.rows, numbers.whole, numbers.position_rows)]

    got = run()
    with pytest.MonkeyPatch.context() as mp:
        _numpy_only(mp)
        assert got == run()


def test_search_is_the_same_without_the_compiled_loops(index, monkeypatch):
    """Ordered hits, scores, totals, facets and explanations of queries that use
    every compiled loop (words long and short, proximity, headings) equal those of
    the NumPy code."""
    queries = ["稳岗返还", "失业保险 稳岗", "企业 申请 条件", "就业", "补贴的对象是什么？"]

    def run():
        index.clear_cache()
        out = []
        for q in queries:
            res = index.search(q, limit=20, explain=True)
            out.append((q, res.total, res.facets,
                        [(h.doc_id, h.paragraph, h.score, h.explain) for h in res.hits]))
        return out

    got = run()
    _numpy_only(monkeypatch)
    assert run() == got
    assert all(total for _, total, _, _ in got)


def test_warm_builds_the_definition_frame_tables(tmp_path):
    (part,) = _index(tmp_path, ["本法所称劳动者，是指", "劳动者是指", "就业"]).parts
    before = match.framed(part, units("劳动者"), FORMS)
    part._kept.clear()
    rank.warm(part)
    frames = sorted((k[1], k[2], k[3]) for k in part._kept if k[0] == "frame")
    assert frames == sorted((before_ or after, bool(before_), length)
                            for length in rank.WARM_LENGTHS for before_, after in FORMS)
    assert match.framed(part, units("劳动者"), FORMS).tolist() == before.tolist() == [0, 1]


@given(rows=st.lists(st.lists(st.integers(0, 2**16 - 1), min_size=1, max_size=8).map(tuple),
                     min_size=1, max_size=20).filter(lambda rs: len({len(r) for r in rs}) == 1))
def test_key_of_one_row_equals_the_packed_keys(rows):
    packed = match._pack(np.array(rows, dtype=np.int64))
    assert [match._key(np.array(r, dtype=np.int64)) for r in rows] == packed.tolist()


def test_ranges_lists_every_integer_of_the_ranges():
    lo, hi = np.array([0, 5, 9, 14]), np.array([2, 5, 12, 15])
    assert match.ranges(lo, hi).tolist() == [0, 1, 9, 10, 11, 14]
    assert match.ranges(np.array([3]), np.array([3])).tolist() == []


def test_doc_rows_are_the_runs_of_the_documents():
    from indexer.search.parts import PartView

    view = PartView(None, 0, np.ones(7, dtype=bool), np.array([3, 3, 0, 0, 0, 2, 5]))
    starts, ends = view.doc_rows(np.array([0, 2, 4, 5]))
    assert (starts.tolist(), ends.tolist()) == ([2, 5, 6], [5, 6, 7])
    starts, ends = view.doc_rows(np.array([3]))
    assert (starts.tolist(), ends.tolist()) == ([0], [2])
    assert [a.tolist() for a in view.doc_rows(np.array([1, 9]))] == [[], []]
    # A document whose rows are not one run: the caller looks up each row instead.
    assert PartView(None, 0, np.ones(4, dtype=bool), np.array([1, 1, 2, 1])).doc_rows(
        np.array([1])) is None


def test_search_is_the_same_without_document_runs(index, monkeypatch):
    """The candidates of documents whose title has a word, found from the documents'
    runs of rows, equal those found by looking up each candidate's document."""
    from indexer.search.parts import PartView

    queries = ["通知 企业", "就业 企业", "就业促进 失业保险"]

    def run():
        index.clear_cache()
        return [(q, res.total, res.facets,
                 [(h.doc_id, h.paragraph, h.score, h.explain) for h in res.hits])
                for q in queries for res in [index.search(q, limit=50, explain=True)]]

    got = run()
    kinds = {p["kind"] for _, _, _, hits in got for *_, why in hits for p in why["parts"]}
    assert {"title", "heading", "word"} <= kinds
    monkeypatch.setattr(PartView, "doc_rows", lambda self, ranks: None)
    assert run() == got


@settings(max_examples=60, deadline=None, derandomize=True)
@given(n=st.integers(0, 300), keep=st.integers(1, 40), seed=st.integers(0, 2**31),
       by_level=st.booleans())
def test_ranking_keys_equal_their_numpy_reference(n, keep, seed, by_level):
    """The compiled ranking keys: the ``keep`` largest, and the candidates at or above
    a key, as NumPy computes them (ties included)."""
    if charindex.kernels is None:
        pytest.skip("compiled loops not built")
    rng = np.random.default_rng(seed)
    score = rng.choice([0.0, 0.5, 1.25, 3.0], n) + rng.integers(0, 3, n) * 0.1
    docs = rng.integers(0, 7, n).astype(np.int32)
    tier = rng.integers(0, 3, n).astype(np.int32)
    every = rng.integers(0, 2, n).astype(bool)
    gain = rng.random(7)
    levels = rng.choice([1.0, 0.8, 0.7, 1.25], 7)
    context = score + gain[docs]
    final = context + context * (levels[docs] - 1.0) if by_level else context
    primary = (tier * 2 + every) * order._TIER + final
    args = (score, docs, tier, every.view(np.uint8), gain, levels, by_level)
    top = charindex.kernels.top_keys(*args, keep)
    assert sorted(top.tolist()) == sorted(primary.tolist())[-keep:]
    for kth in set(primary.tolist()[:5]):
        assert charindex.kernels.at_least(*args, kth).tolist() == \
            np.flatnonzero(primary >= kth).tolist()


@settings(max_examples=60, deadline=None, derandomize=True)
@given(values=st.lists(st.integers(-2**31, 2**31 - 1), min_size=1, max_size=200),
       data=st.data())
def test_take_equals_numpy_indexing(values, data):
    """The compiled gather (memory asked for ahead) returns ``values[at]`` for int32
    columns and byte columns alike, in the order of ``at``."""
    if charindex.kernels is None:
        pytest.skip("compiled loops not built")
    column = np.array(values, dtype=np.int32)
    at = np.array(data.draw(st.lists(st.integers(0, len(values) - 1), max_size=300)),
                  dtype=np.int64)
    assert match.take(column, at).tolist() == column[at].tolist()
    flags = column % 3 == 0
    assert charindex.kernels.take(flags.view(np.uint8), at).view(bool).tolist() == \
        flags[at].tolist()


def test_scoring_every_candidate_changes_no_ranking(index, monkeypatch):
    """A candidate whose tier keeps it below the first places gains nothing from being
    scored: the hits, scores and explanations are the same whether only the
    candidates worth scoring are scored or all of them."""
    queries = ["稳岗 返还", "失业保险 稳岗 企业", "就业 补贴 通知", "参保 医疗保险 长效机制"]

    from indexer.search import snapshot

    monkeypatch.setattr(snapshot, "RANKED_KEEP", 3)  # the seed index is small

    def run(share):
        monkeypatch.setattr(rank, "SCORE_ALL_FROM", share)
        index.clear_cache()
        return [(q, res.total, [(h.doc_id, h.paragraph, h.score, h.explain) for h in res.hits])
                for q in queries for res in [index.search(q, limit=3, explain=True)]]

    subsets = []
    original = rank.PartResult.subset
    monkeypatch.setattr(rank.PartResult, "subset",
                        lambda self, keep: subsets.append(len(self.rows)) or original(self, keep))
    never = run(2.0)  # only those worth scoring
    assert subsets  # some candidates were left unscored
    assert [len(hits) for *_, hits in never] == [3, 3, 3, 3]
    subsets.clear()
    assert run(0.0) == never
    assert subsets == []


@settings(max_examples=60, deadline=None, derandomize=True)
@given(rows=st.lists(st.tuples(st.text(alphabet="稳岗返就人的12，", max_size=40),
                               st.integers(0, 2**31)), min_size=1, max_size=12))
def test_the_table_of_single_characters_equals_filtering_their_positions(
        tmp_path_factory, rows):
    """Where a single character is a word of its own, from the table warming builds
    (stop words left out of it) and from all of the character's positions."""
    if charindex.kernels is None:
        pytest.skip("compiled loops not built")
    built = []
    for i, (text, seed) in enumerate(rows):
        bits = np.random.default_rng(seed).integers(0, 2, len(text)).astype(np.uint8)
        built.append(Row(True, text, i, 0, "d", "", "", "", wstart=bits.tobytes()))
    path = tmp_path_factory.mktemp("alone") / "seg.chars"
    charindex.write(path, built)
    (part,) = CharIndex(path).parts
    chars = "稳岗返就人的12，"

    def run():
        return [(c, match.occurrences(part, c, w).rows.tolist(),
                 match.occurrences(part, c, w).positions.tolist())
                for c in chars for w in (False, True)]

    filtered = run()
    offsets, positions, wanted = match.alone_table(part, frozenset({"的"}))
    from_table = [c for c in "稳岗返就人" if part._ids(c) is not None]
    assert sorted(chr(int(part.alphabet[u])) for u in np.flatnonzero(wanted)) == \
        sorted(from_table)
    assert run() == filtered


@settings(max_examples=80, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**31), rows=st.integers(1, 400), heads=st.integers(0, 40))
def test_rows_under_headings_equal_their_numpy_reference(seed, rows, heads):
    """The candidates whose section is one of some headings: the compiled walk from
    each heading (few headings) and over every candidate (many) equal NumPy's."""
    if charindex.kernels is None:
        pytest.skip("compiled loops not built")
    rng = np.random.default_rng(seed)
    is_para = rng.random(rows) < 0.9
    heading = rng.random(rows) < 0.15
    doc = np.cumsum(rng.random(rows) < 0.05).astype(np.int32)
    section = charindex._sections(is_para, heading & is_para, doc)
    cand = np.flatnonzero(rng.random(rows) < rng.random())
    headings = np.flatnonzero(heading & is_para)
    headings = np.sort(rng.choice(headings, min(heads, len(headings)), replace=False)) \
        if len(headings) else headings
    expected = np.flatnonzero(match.member(section[cand], headings, rows)).tolist()
    assert charindex.kernels.under(section, cand.astype(np.int64),
                                   headings.astype(np.int64)).tolist() == expected


@settings(max_examples=80, deadline=None, derandomize=True)
@given(base=st.sets(st.integers(0, 300)), others=st.lists(st.sets(st.integers(0, 300),
                                                                  max_size=12), max_size=3))
def test_union_into_equals_the_union(base, others):
    base_arr = np.array(sorted(base), dtype=np.int64)
    arrays = [np.array(sorted(o), dtype=np.int64) for o in others]
    expected = sorted(base.union(*others))
    assert match.union_into(base_arr, arrays, 301).tolist() == expected


@pytest.mark.parametrize("parts", [1, 3])
def test_only_the_rows_that_reach_the_first_places_are_chosen(parts):
    """With more candidates than places, one part or several: the rows chosen are
    those whose key is among the ``keep`` best (distinct keys here), by the compiled
    keys and by NumPy alike."""
    from types import SimpleNamespace

    rng = np.random.default_rng(parts)
    keep, n = 10, 200
    results = [SimpleNamespace(rows=np.arange(n), score=rng.permutation(n * parts)[:n] * 1.0,
                               docs=np.arange(n, dtype=np.int32),
                               tier=np.zeros(n, dtype=np.int32),
                               all_words=np.zeros(n, dtype=bool)) for _ in range(parts)]
    gain, levels = np.zeros(n), np.ones(n)

    def final(r, at):
        context = r.score[at] + gain[r.docs[at]]
        return context, context

    every = np.sort(np.concatenate([r.score for r in results]))
    expected = [np.flatnonzero(r.score >= every[-keep]).tolist() for r in results]
    got = order._best_rows(results, "relevance", keep, gain, levels, False, final)
    assert [c.tolist() for c in got] == expected
    assert sum(len(c) for c in got) == keep
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(order, "kernels", None)
        assert [c.tolist() for c in order._best_rows(results, "relevance", keep, gain, levels,
                                                      False, final)] == expected
