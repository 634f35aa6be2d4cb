"""Sparse matching helpers against their definitions (:mod:`indexer.search.match`)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer import charindex
from indexer.charindex import CharIndex, Row, units
from indexer.search import match, rank

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


def test_framed_reads_the_forms_around_each_occurrence(tmp_path):
    texts = ["本法所称劳动者，是指", "劳动者是指", "所称 劳动者", "劳动者", "称劳动者",
             "劳动者，是", "劳动者是指劳动者", "所称劳动", "工人劳动者，是指"]
    (part,) = _index(tmp_path, texts).parts
    occ = match.occurrences(part, "劳动者", False)
    assert FORMS == [("所称", ""), ("", "是指"), ("", ",是指")]
    assert match.framed(part, occ, "劳动者", FORMS).tolist() == [0, 1, 2, 6, 8]
    assert _literal_union(part, "劳动者") == [0, 1, 2, 6, 8]
    # A form whose characters the part lacks finds nothing; no occurrence, no rows.
    assert match.framed(part, occ, "劳动者", [("定义", "")]).tolist() == []
    assert match.framed(part, match.Occ.empty(), "劳动者", FORMS).tolist() == []


def test_framed_leaves_many_occurrences_to_the_literal_search(tmp_path, monkeypatch):
    (part,) = _index(tmp_path, ["劳动者是指"] * 5).parts
    occ = match.occurrences(part, "劳动者", False)
    monkeypatch.setattr(match, "FRAMED_MAX", 4)
    assert match.framed(part, occ, "劳动者", FORMS) is None
    monkeypatch.setattr(match, "FRAMED_MAX", 5)
    assert match.framed(part, occ, "劳动者", FORMS).tolist() == [0, 1, 2, 3, 4]


@settings(max_examples=120, deadline=None, derandomize=True)
@given(texts=st.lists(st.text(alphabet="所称是指劳动者，, ", max_size=16), min_size=1,
                      max_size=8),
       needle=st.sampled_from(["劳动", "动者", "劳动者", "是指", "称劳"]),
       other=st.sampled_from(["者是", "所称", "劳"]))
def test_framed_equals_the_literal_searches(tmp_path_factory, texts, needle, other):
    """The rows found around the occurrences are those of a literal search of each
    form, with or without positions of another needle mixed in (``check``)."""
    (part,) = _index(tmp_path_factory.mktemp("framed"), texts).parts
    expected = _literal_union(part, needle)
    occ = match.occurrences(part, needle, False)
    assert match.framed(part, occ, needle, FORMS).tolist() == expected
    pos = np.concatenate([part.positions(needle).astype(np.int64),
                          part.positions(units(other)).astype(np.int64)])
    pos = np.sort(pos, kind="stable")
    flags = np.ones(len(pos), dtype=np.bool_)
    mixed = match.aggregate(part, pos, flags, ~flags, ~flags)
    assert match.framed(part, mixed, needle, FORMS, check=True).tolist() == expected


@settings(max_examples=200, deadline=None, derandomize=True)
@given(values=st.lists(st.integers(0, 70), min_size=1, max_size=60), data=st.data())
def test_kth_largest_equals_a_partition(values, data):
    """Tiers are counted rather than partitioned (values below 64); larger values
    (dates) go through ``np.partition``: the same answer either way."""
    arr = np.array(values, dtype=np.int64)
    k = data.draw(st.integers(1, len(values)))
    assert rank.kth_largest(arr, k) == int(np.partition(arr, len(arr) - k)[len(arr) - k])
    assert rank.kth_largest(arr, k) == sorted(values, reverse=True)[k - 1]
