"""Trends: matching paragraphs and documents per year (成文日期), optionally stacked.

Counts every matching paragraph (``scope="any"``, as ``Results.total`` and the
export): ``paragraphs`` per year, and ``documents``: the distinct documents
among them. With ``by="issuer"`` or ``by="doc_type"`` each year also lists its
``stacks`` (the same counts per 发文机关 or 公文种类; a document without one is
under ``null``). Years ascend; paragraphs of undated documents are counted in
``undated``.

    {"by": "year", "buckets": [{"key": "2025", "paragraphs": 12, "documents": 3}],
     "undated": {"paragraphs": 0, "documents": 0}}
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from .api import QueryError

BY = ("year", "issuer", "doc_type")


def trends(snap, query: str, by: str = "year", issuer: str | None = None,
           doc_type: str | None = None, date_from: str | None = None,
           date_to: str | None = None, within: str | None = None, former: bool = False) -> dict:
    if by not in BY:
        raise QueryError(f"by: expected one of {', '.join(BY)}, got {by!r}")
    found = snap.matching_rows(query, issuer, doc_type, date_from, date_to, "any", within, former)
    years, docs, groups = [], [], []
    for view, rows in found:
        part = view.part
        table = part.tables["year"]
        codes = part.year[rows]
        years.extend(table[c] if c >= 0 else None for c in codes.tolist())
        docs.append(view.doc_rank[rows])
        if by != "year":
            gtable = part.tables[by]
            groups.extend(gtable[c] if c >= 0 else None for c in getattr(part, by)[rows].tolist())
    doc_ranks = np.concatenate(docs).tolist() if docs else []
    paragraphs: dict = defaultdict(int)
    documents: dict = defaultdict(set)
    stack_p: dict = defaultdict(lambda: defaultdict(int))
    stack_d: dict = defaultdict(lambda: defaultdict(set))
    for i, (year, doc) in enumerate(zip(years, doc_ranks, strict=True)):
        paragraphs[year] += 1
        documents[year].add(doc)
        if by != "year":
            stack_p[year][groups[i]] += 1
            stack_d[year][groups[i]].add(doc)
    buckets = []
    for year in sorted(y for y in paragraphs if y is not None):
        bucket = {"key": year, "paragraphs": paragraphs[year], "documents": len(documents[year])}
        if by != "year":
            keys = sorted(stack_p[year], key=lambda k: (-stack_p[year][k], k is None, k or ""))
            bucket["stacks"] = [{"key": k, "paragraphs": stack_p[year][k],
                                 "documents": len(stack_d[year][k])} for k in keys]
        buckets.append(bucket)
    return {"by": by, "buckets": buckets,
            "undated": {"paragraphs": paragraphs.get(None, 0),
                        "documents": len(documents.get(None, ()))}}
