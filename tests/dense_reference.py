"""A dense reference of the ranking: every row of every part, one array each.

Written as directly as the formula in :mod:`indexer.search.rank` reads, with none
of the sparse machinery (candidate lists, slots, unions, pruning, facets over
matched rows): per part, each word's weighted term frequency is a dense array
over all rows, candidates are a mask, scores are computed for every row, the
document context sums every candidate, and the order is one ``lexsort`` of all
candidates. It reads the same occurrences (``expand.word_occurrences``,
``Part.term_frequencies``, ``match.near``) and the same constants.

Supported plans: free words and terms (questions, phrases, names, numbers),
quoted required phrases, issuer and date filters, relevance or date order.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from indexer.charindex import units
from indexer.search import expand, match
from indexer.search import rank as R
from indexer.search.order import DOCUMENT_W


def supported(plan) -> bool:
    return (not plan.filters and not plan.excluded and not getattr(plan, "near", None)
            and getattr(plan, "within", None) is None
            and all(len(c.terms) == 1 and c.terms[0].quoted and c.terms[0].field is None
                    for c in plan.required))


def _dense(size: int, rows: np.ndarray, values=None, dtype=np.float64) -> np.ndarray:
    out = np.zeros(size, dtype=dtype)
    out[rows] = 1 if values is None else values
    return out


def reference(snap, query: str, issuer: str | None = None, date_from: str | None = None,
              sort: str = "relevance", limit: int = 20) -> dict:
    parsed, plan = snap.plan(query)
    if not supported(plan):
        raise ValueError(f"the dense reference does not support {query!r}")
    filters = snap._with_query_dates(snap._filters(issuer, None, date_from, None), parsed)
    views = snap._parts
    total_paragraphs = max(snap._paragraphs, 1)
    parts = []
    for v in views:
        part, size = v.part, v.part.rows
        words = []
        for w in plan.words:
            occ = expand.word_occurrences(part, w)
            whole, inside, across = (_dense(size, occ.rows, c) for c in
                                     (occ.whole, occ.inside, occ.across))
            tf = whole + match.W_INSIDE * inside + match.W_ACROSS * across
            if occ.discount is not None:
                tf = tf - _dense(size, occ.rows, occ.discount)
            words.append((occ, tf, _dense(size, occ.rows, dtype=np.bool_), (whole + inside) > 0))
        terms = [part.term_frequencies(t.needle) for t in plan.terms]
        req = [part.term_frequencies(units(c.terms[0].text), True) for c in plan.required]
        parts.append((v, words, terms, req))

    def df(mask_of) -> int:
        return sum(int(np.count_nonzero(v.alive & mask_of(p))) for p in parts for v in [p[0]])

    word_idf = []
    for k in range(len(plan.words)):
        strong = df(lambda p, k=k: p[1][k][3])
        word_idf.append(R.idf(strong or df(lambda p, k=k: p[1][k][2]), total_paragraphs))
    term_idf = {t: R.idf(df(lambda p, t=t: p[2][t] > 0), total_paragraphs)
                for t, term in enumerate(plan.terms) if not term.words}
    req_idf = [R.idf(df(lambda p, k=k: p[3][k] > 0), total_paragraphs)
               for k in range(len(plan.required))]
    title_docs = [expand.title_docs(snap, w) for w in plan.words]
    term_title = [snap.title_docs(t.needle, False) for t in plan.terms]
    boosts = snap.number_boosts(plan)

    rows_out = []
    for v, words, terms, req in parts:
        part, size = v.part, v.part.rows
        if plan.required:
            cand = np.ones(size, dtype=np.bool_)
            for q in req:
                cand &= q > 0
        else:
            cand = np.zeros(size, dtype=np.bool_)
            for _, _, has, _ in words:
                cand |= has
            for t in terms:
                cand |= t > 0
        cand &= v.alive
        if filters.issuer is not None:
            cand &= np.isin(part.issuer, snap.issuer_codes(part, filters.issuer))
        if filters.date_lo is not None:
            cand &= (part.date >= filters.date_lo) & (part.date <= filters.date_hi)
        doc_rank = v.doc_rank
        section = part.section.astype(np.int64)
        norm = R.K1 * (1.0 - R.B + R.B * part.lengths / snap._avg_len)

        def bm25(tf, weight, norm=norm):
            return weight * tf * (R.K1 + 1.0) / (tf + norm)

        score = np.zeros(size)
        found_words = []
        in_heading = []
        for k, (_, _, has, _) in enumerate(words):
            heading_has = has & part.heading
            under = (section >= 0) & heading_has[np.maximum(section, 0)]
            in_heading.append(under)
            found_words.append(has | title_docs[k][doc_rank] | under)
        tier = np.zeros(size, dtype=np.int64)
        for t, term in enumerate(plan.terms):
            simple = (len(term.words) == 1 and plan.words[term.words[0]].needle == term.needle
                      and len(term.needle) > 1)
            found = found_words[term.words[0]] if simple else \
                (terms[t] > 0) | term_title[t][doc_rank]
            tier += found
            for k in term.words:
                found_words[k] = found_words[k] | found
        all_words = np.ones(size, dtype=np.bool_)
        for found in found_words:
            all_words &= found
        for k, (_, tf, has, _) in enumerate(words):
            weight = word_idf[k]
            score += bm25(tf, weight)
            score += np.where(title_docs[k][doc_rank] & ~has, R.TITLE_W * weight, 0.0)
            score += np.where(in_heading[k] & ~title_docs[k][doc_rank], R.HEADING_W * weight, 0.0)
        for t, term in enumerate(plan.terms):
            simple = (len(term.words) == 1 and plan.words[term.words[0]].needle == term.needle
                      and len(term.needle) > 1)
            if simple:
                continue
            if term.words:
                score += np.where(terms[t] > 0, R.PHRASE_W * sum(word_idf[k] for k in term.words),
                                  0.0)
            else:
                score += bm25(terms[t].astype(np.float64), term_idf.get(t, 0.0))
        for k in range(len(plan.words) - 1):
            close = match.near(words[k][0], words[k + 1][0],
                               len(plan.words[k].needle) + R.PROXIMITY_WINDOW)
            bonus = R.PROXIMITY_W * min(word_idf[k], word_idf[k + 1])
            score += np.where(_dense(size, close, dtype=np.bool_), bonus, 0.0)
        for k, word in enumerate(plan.words):
            if len(word.needle) < 2 or word.whole_numbers:
                continue
            defines = np.zeros(size, dtype=np.bool_)
            for form in R.DEFINITION_FORMS:
                defines |= part.term_frequencies(units(form.format(word.needle))) > 0
            score += np.where(defines, R.DEFINITION_W * word_idf[k], 0.0)
        if plan.whole:
            whole = part.term_frequencies(units(plan.whole)) > 0
            score += np.where(whole, R.WHOLE_W * sum(word_idf), 0.0)
        for k, q in enumerate(req):
            score += bm25(q.astype(np.float64), req_idf[k])
        if boosts is not None:
            score += boosts[np.maximum(doc_rank, 0)]
        for i in np.flatnonzero(cand).tolist():
            rows_out.append((part.tables["docs"][part.doc[i]], int(part.n[i]), int(doc_rank[i]),
                             int(part.date[i]), int(tier[i]), bool(all_words[i]),
                             float(score[i]), part, i))

    doc = np.array([r[2] for r in rows_out], dtype=np.int64)
    score = np.array([r[6] for r in rows_out])
    if len(rows_out):
        score = score + DOCUMENT_W * np.log1p(np.bincount(doc, weights=score)[doc])
    tier = np.array([r[4] for r in rows_out], dtype=np.int64)
    all_words = np.array([r[5] for r in rows_out], dtype=np.int64)
    date = np.array([r[3] for r in rows_out], dtype=np.int64)
    n = np.array([r[1] for r in rows_out], dtype=np.int64)
    if sort == "date":
        keys = (n, doc, -score, -tier, -date, -all_words)
    else:
        keys = (n, doc, -date, -score, -all_words, -tier)
    order = np.lexsort(keys)[:limit] if len(rows_out) else []
    over = "all" if all_words.any() else "some"
    facets = {}
    for name in ("issuer", "doc_type", "year"):
        counts: Counter = Counter()
        for r, aw in zip(rows_out, all_words, strict=True):
            if over == "all" and not aw:
                continue
            part, i = r[7], r[8]
            code = int(getattr(part, name)[i])
            if code >= 0:
                for label in snap.facet_labels(name, part.tables[name][code]):
                    counts[label] += 1
        facets[name] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return {"hits": [(rows_out[i][0], rows_out[i][1], float(score[i])) for i in order],
            "total": len(rows_out), "total_all": int(all_words.sum()), "facets": facets}
