"""The parts of an opened index: each segment's character index placed in the index.

A :class:`PartView` is one part of a segment's character index with its place
(the Whoosh docnum of its first row), the paragraphs Whoosh has not deleted, and
each row's document rank (its document's place in doc_id order, what the
per-document arrays of a snapshot are indexed by).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import charindex
from ..charindex import CharIndex, Part
from ..store import SearchIndexError

#: The per-document columns counted as facets.
FACETS = ("issuer", "doc_type", "year")


@dataclass
class PartView:
    """A part of a segment's character index, placed in the index."""

    part: Part
    base: int  # Whoosh docnum of the part's first row
    alive: np.ndarray  # paragraphs not deleted
    doc_rank: np.ndarray  # per row: its document's place in doc_id order
    #: per facet column: every value of the index (one list, shared by all parts) …
    facet_values: dict[str, list[str]] = field(default_factory=dict)
    #: … and the place in it of each of this part's codes
    facet_codes: dict[str, np.ndarray] = field(default_factory=dict)
    _runs: tuple | None = field(default=None, repr=False)
    #: per document code of the part: the document's place in doc_id order
    doc_rank_of_code: np.ndarray | None = None

    def doc_rows(self, ranks: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """Where the rows of the documents ``ranks`` (ascending places in doc_id
        order) lie in this part: ascending, disjoint ranges ``[starts, ends)``. None
        when a document's rows are not one run (then ``doc_rank`` tells)."""
        runs = self._runs
        if runs is None:
            runs = self._runs = _doc_runs(self.doc_rank)
        if runs == ():
            return None
        ranks_sorted, starts, ends = runs
        at = np.searchsorted(ranks_sorted, ranks)
        found = at < len(ranks_sorted)
        at = at[found]
        at = at[ranks_sorted[at] == ranks[found]]
        s = starts[at]
        order = np.argsort(s)  # row order: the ranges ascend with it
        return s[order], ends[at][order]


def _doc_runs(doc_rank: np.ndarray) -> tuple:
    """Each document's run of rows, ordered by its rank: (ranks, starts, ends), or ()
    when some document's rows are not contiguous."""
    n = len(doc_rank)
    if not n:
        z = np.zeros(0, dtype=np.int64)
        return z, z, z
    starts = np.flatnonzero(np.concatenate(([True], doc_rank[1:] != doc_rank[:-1])))
    ranks = doc_rank[starts].astype(np.int64)
    order = np.argsort(ranks, kind="stable")
    ranks = ranks[order]
    if (ranks[1:] == ranks[:-1]).any():
        return ()
    ends = np.append(starts[1:], n)
    return ranks, starts[order].astype(np.int64), ends[order].astype(np.int64)


def load_parts(gen: Path, searcher) -> tuple[list[PartView], list[str], dict]:
    """Each segment's character index, with Whoosh's deletions applied, the
    document ids of every part in order (what ``PartView.doc_rank`` counts),
    and the character indexes by segment id."""
    placed = []
    opened = {}
    for leaf, offset in searcher.reader().leaf_readers():
        segment = leaf.segment()
        if segment is None:  # an index without segments (every document removed)
            continue
        chars = CharIndex(gen / charindex.file_name(segment.segment_id()))
        opened[segment.segment_id()] = chars
        if chars.rows != leaf.doc_count_all():
            raise SearchIndexError(
                f"{chars.path}: {chars.rows} rows for a segment of "
                f"{leaf.doc_count_all()} documents; run `policy-search index --rebuild`")
        deleted = np.fromiter(segment.deleted_docs(), dtype=np.int64) \
            if segment.has_deletions() else np.zeros(0, dtype=np.int64)
        for part in chars.parts:
            alive = np.array(part.is_para, dtype=np.bool_)
            local = deleted[(deleted >= part.base) & (deleted < part.base + part.rows)]
            alive[local - part.base] = False
            placed.append((part, offset + part.base, alive))
    order = sorted({d for p, _, _ in placed for d in p.tables["docs"]})
    rank = {d: i for i, d in enumerate(order)}
    values = {name: sorted({v for part, _, _ in placed for v in part.tables[name]})
              for name in FACETS}
    places = {name: {v: i for i, v in enumerate(vs)} for name, vs in values.items()}
    views = []
    for part, base, alive in placed:
        by_code = np.array([rank[d] for d in part.tables["docs"]] + [-1], dtype=np.int32)
        codes = {name: np.array([places[name][v] for v in part.tables[name]], dtype=np.int64)
                 for name in FACETS}
        views.append(PartView(part, base, alive, by_code[part.doc], values, codes,
                              doc_rank_of_code=by_code[:-1]))
    return views, order, opened


def doc_facets(views: list[PartView], documents: int) -> dict[str, np.ndarray]:
    """Per facet column: each document's value (its place in the index-wide list of
    values, -1 for none), by the document's place in doc_id order."""
    out = {}
    for name in FACETS:
        codes = np.full(documents, -1, dtype=np.int64)
        for view in views:
            part = view.part
            local = np.asarray(part.doc_column(name)).astype(np.int64)
            ranks = view.doc_rank_of_code[:len(local)]
            known = (local >= 0) & (ranks >= 0)
            codes[ranks[known]] = view.facet_codes[name][local[known]]
        out[name] = codes
    return out
