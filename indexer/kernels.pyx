# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Compiled loops over a needle's occurrences (built by ``pip install``).

Each function does in one pass, without the GIL, what :mod:`indexer.search.match`
and :meth:`indexer.charindex.Part.row_of` otherwise do in several NumPy passes;
those passes stay as the reference the tests compare these with, and as the
fallback when this module is not built.
"""

import numpy as np

from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t, uint32_t


cdef extern from *:
    """
    #define PREFETCH(address) __builtin_prefetch(address)
    """
    void PREFETCH(const void* address) noexcept nogil

# How many items ahead the loops over positions and rows ask for the memory they will
# read (the items are far apart: each read is a cache miss otherwise).
cdef enum:
    AHEAD = 16


cdef inline int _bit(const uint8_t[::1] w, int64_t q) noexcept nogil:
    """Whether a word starts at unit ``q`` (bytes past the end read as the last one)."""
    cdef int64_t b = q >> 3
    if b >= w.shape[0]:
        b = w.shape[0] - 1
    return (w[b] >> (7 - (q & 7))) & 1


def row_of(const int64_t[::1] pos, const int64_t[::1] starts, const uint32_t[::1] blocks,
           int bits):
    """The row of each unit position (any order): the row at its block, then steps
    forward over the row starts."""
    cdef Py_ssize_t n = pos.shape[0], i
    out = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] rows = out
    cdef int64_t p, r
    with nogil:
        for i in range(n):
            if i + AHEAD < n:
                PREFETCH(&starts[blocks[pos[i + AHEAD] >> bits] + 1])
            p = pos[i]
            r = blocks[p >> bits]
            while starts[r + 1] <= p:
                r += 1
            rows[i] = r
    return out


ctypedef fused item_t:
    uint8_t
    int32_t


def take(const item_t[::1] values, const int64_t[::1] at):
    """``values[at]``, asking for each item's memory ahead of reading it."""
    cdef Py_ssize_t n = at.shape[0], i
    out_arr = np.empty(n, dtype=np.uint8 if item_t is uint8_t else np.int32)
    cdef item_t[::1] out = out_arr
    with nogil:
        for i in range(n):
            if i + AHEAD < n:
                PREFETCH(&values[at[i + AHEAD]])
            out[i] = values[at[i]]
    return out_arr


def occurrences(const int64_t[::1] pos, const int64_t[::1] starts,
                const uint32_t[::1] blocks, int bits, const uint8_t[::1] wstart,
                int length):
    """For positions of a needle of ``length`` units (ascending): the rows that have
    it, per row its whole-word, inside-a-word and across-words occurrences, and the
    row of every position; in one pass (the per-row arrays are cut from buffers of
    one entry per position, whose pages past the rows are never touched)."""
    cdef Py_ssize_t n = pos.shape[0], i, k = -1
    position_rows = np.empty(n, dtype=np.int64)
    rows_out = np.empty(n, dtype=np.int64)
    whole_out = np.empty(n, dtype=np.int32)
    inside_out = np.empty(n, dtype=np.int32)
    across_out = np.empty(n, dtype=np.int32)
    cdef int64_t[::1] prow = position_rows, rows = rows_out
    cdef int32_t[::1] whole = whole_out, inside = inside_out, across = across_out
    cdef int64_t p, r = 0, b, last = -1
    cdef int j, inner
    cdef int64_t q
    with nogil:
        for i in range(n):
            if i + AHEAD < n:
                q = pos[i + AHEAD]
                PREFETCH(&wstart[min(q >> 3, wstart.shape[0] - 1)])
                PREFETCH(&starts[blocks[q >> bits] + 1])
            p = pos[i]
            b = blocks[p >> bits]
            if b > r:
                r = b
            while starts[r + 1] <= p:
                r += 1
            prow[i] = r
            if r != last:
                k += 1
                rows[k] = r
                whole[k] = 0
                inside[k] = 0
                across[k] = 0
                last = r
            if _bit(wstart, p) and _bit(wstart, p + length):
                whole[k] += 1
                continue
            inner = 0
            for j in range(1, length):
                if _bit(wstart, p + j):
                    inner = 1
                    break
            if inner:
                across[k] += 1
            else:
                inside[k] += 1
    k += 1
    return rows_out[:k], whole_out[:k], inside_out[:k], across_out[:k], position_rows


def near(const int64_t[::1] pa, const int64_t[::1] ra, const int64_t[::1] pb,
         const int64_t[::1] rb, int64_t window):
    """Rows (ascending, unique) where a position of ``pb`` lies within ``window`` units
    of one of ``pa`` in the same row (both ascending, with their rows ``ra``,
    ``rb``): one walk over both."""
    cdef Py_ssize_t na = pa.shape[0], nb = pb.shape[0], i, j = 0, k = 0
    out_arr = np.empty(na, dtype=np.int64)
    cdef int64_t[::1] out = out_arr
    cdef int64_t p, r
    cdef bint hit
    with nogil:
        for i in range(na):
            p = pa[i]
            r = ra[i]
            if k and out[k - 1] == r:
                continue
            while j < nb and pb[j] < p:
                j += 1
            hit = j < nb and pb[j] - p <= window and rb[j] == r
            if not hit and j > 0:
                hit = p - pb[j - 1] <= window and rb[j - 1] == r
            if hit:
                out[k] = r
                k += 1
    return out_arr[:k].copy()


def word_bm25(const int64_t[::1] at, const int64_t[::1] src, const int32_t[::1] whole,
              const int32_t[::1] inside, const int32_t[::1] across, discount,
              double weight, const double[::1] norm, double k1, double w_inside,
              double w_across):
    """BM25 of a word at candidates ``at`` from its occurrence counts at ``src``:
    ``weight * tf * (k1 + 1) / (tf + norm[at])``, ``tf`` weighting each occurrence
    by how it meets the words, less ``discount`` (or None)."""
    cdef Py_ssize_t n = at.shape[0], i
    out_arr = np.empty(n, dtype=np.float64)
    cdef double[::1] out = out_arr
    cdef const double[::1] disc
    cdef bint has_discount = discount is not None
    cdef double tf
    cdef int64_t s
    if has_discount:
        disc = discount
    with nogil:
        for i in range(n):
            s = src[i]
            tf = whole[s] + w_inside * inside[s] + w_across * across[s]
            if has_discount:
                tf = tf - disc[s]
            out[i] = weight * tf * (k1 + 1.0) / (tf + norm[at[i]])
    return out_arr


ctypedef fused position_t:
    uint32_t
    int64_t


def alone(const position_t[::1] pos, const uint8_t[::1] wstart):
    """The positions (int64, in their order) of single units that are a word of their
    own: a word starts at them and right after them."""
    cdef Py_ssize_t n = pos.shape[0], i, k = 0
    out_arr = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] out = out_arr
    cdef int64_t p
    with nogil:
        for i in range(n):
            if i + AHEAD < n:
                PREFETCH(&wstart[min(<int64_t>pos[i + AHEAD] >> 3, wstart.shape[0] - 1)])
            p = pos[i]
            if _bit(wstart, p) and _bit(wstart, p + 1):
                out[k] = p
                k += 1
    return out_arr[:k].copy()


def under(const int32_t[::1] section, const int64_t[::1] cand,
          const int64_t[::1] headings):
    """Indices of the rows ``cand`` (ascending) whose ``section`` is one of
    ``headings`` (ascending). The sections of a part's paragraphs ascend with their
    rows (-1: no heading), so a heading's rows follow it: with few headings, each is
    looked up among the candidates and its rows walked until a later section; with
    many, one walk over all candidates."""
    cdef Py_ssize_t n = cand.shape[0], m = headings.shape[0], i, j = 0, k = 0, lo, hi, mid
    out_arr = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] out = out_arr
    cdef int64_t s, h
    with nogil:
        if m * 32 < n:
            i = 0
            for j in range(m):
                h = headings[j]
                lo = i
                hi = n
                while lo < hi:  # the first candidate after the heading's row
                    mid = (lo + hi) // 2
                    if cand[mid] <= h:
                        lo = mid + 1
                    else:
                        hi = mid
                i = lo
                while i < n:
                    s = section[cand[i]]
                    if s == h:
                        out[k] = i
                        k += 1
                    elif s > h:
                        break
                    i += 1
        else:
            for i in range(n):
                if i + AHEAD < n:
                    PREFETCH(&section[cand[i + AHEAD]])
                s = section[cand[i]]
                if s < 0:
                    continue
                while j > 0 and headings[j - 1] >= s:
                    j -= 1
                while j < m and headings[j] < s:
                    j += 1
                if j < m and headings[j] == s:
                    out[k] = i
                    k += 1
    return out_arr[:k].copy()


def compact(const int64_t[::1] at, const int64_t[::1] src, const int64_t[::1] slot_of):
    """Slots among candidates after some are dropped: ``slot_of`` gives each old slot
    its new one, -1 when dropped; the new slots of ``at`` that stay, and their
    ``src``."""
    cdef Py_ssize_t n = at.shape[0], i, k = 0
    at_arr = np.empty(n, dtype=np.int64)
    src_arr = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] out_at = at_arr, out_src = src_arr
    cdef int64_t s
    with nogil:
        for i in range(n):
            s = slot_of[at[i]]
            if s >= 0:
                out_at[k] = s
                out_src[k] = src[i]
                k += 1
    if k < n:
        return at_arr[:k].copy(), src_arr[:k].copy()
    return at_arr, src_arr


def doc_sums(const double[::1] score, const int32_t[::1] docs, double[::1] sums):
    """``sums[docs[i]] += score[i]`` in turn (``np.bincount``'s sums, added to ``sums``)."""
    cdef Py_ssize_t n = score.shape[0], i
    with nogil:
        for i in range(n):
            sums[docs[i]] += score[i]


cdef inline double _key(double s, int32_t d, int32_t tier, uint8_t every,
                        const double[::1] gain, const double[::1] level,
                        bint by_level) noexcept nogil:
    """Ranking key of one candidate: tiers first, then the score with its document's
    context and level (as :func:`indexer.search.order.best` computes it)."""
    cdef double c = s + gain[d]
    if by_level:
        c = c + c * (level[d] - 1.0)
    return <double>(tier * 2 + every) * 1e6 + c


cdef void _sift_down(double* heap, Py_ssize_t size) noexcept nogil:
    cdef Py_ssize_t i = 0, child
    cdef double v = heap[0]
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and heap[child + 1] < heap[child]:
            child += 1
        if heap[child] >= v:
            break
        heap[i] = heap[child]
        i = child
    heap[i] = v


def top_keys(const double[::1] score, const int32_t[::1] docs, const int32_t[::1] tier,
             const uint8_t[::1] every, const double[::1] gain, const double[::1] level,
             bint by_level, Py_ssize_t keep):
    """The ``keep`` largest ranking keys of the candidates (all of them when fewer), in
    no order: a heap of ``keep`` over one pass, no key per candidate kept."""
    cdef Py_ssize_t n = score.shape[0], i, size = 0, j, parent
    out = np.empty(min(n, keep), dtype=np.float64)
    cdef double[::1] heap = out
    cdef double v
    if keep <= 0:
        return out[:0]
    with nogil:
        for i in range(n):
            v = _key(score[i], docs[i], tier[i], every[i], gain, level, by_level)
            if size < keep:  # sift up
                j = size
                size += 1
                while j > 0:
                    parent = (j - 1) // 2
                    if heap[parent] <= v:
                        break
                    heap[j] = heap[parent]
                    j = parent
                heap[j] = v
            elif v > heap[0]:
                heap[0] = v
                _sift_down(&heap[0], size)
    return out


def at_least(const double[::1] score, const int32_t[::1] docs, const int32_t[::1] tier,
             const uint8_t[::1] every, const double[::1] gain, const double[::1] level,
             bint by_level, double kth):
    """Indices (ascending) of the candidates whose ranking key is at least ``kth``."""
    cdef Py_ssize_t n = score.shape[0], i, k = 0
    out_arr = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] out = out_arr
    with nogil:
        for i in range(n):
            if _key(score[i], docs[i], tier[i], every[i], gain, level, by_level) >= kth:
                out[k] = i
                k += 1
    return out_arr[:k].copy()


def bm25_norm(const int32_t[::1] lengths, const int64_t[::1] cand, double k1, double b,
              double avg):
    """BM25's length normalisation of the candidates ``cand``:
    ``k1 * (1 - b + b * lengths[cand] / avg)``, as NumPy evaluates it."""
    cdef Py_ssize_t n = cand.shape[0], i
    out_arr = np.empty(n, dtype=np.float64)
    cdef double[::1] out = out_arr
    cdef double base = 1.0 - b
    with nogil:
        for i in range(n):
            if i + AHEAD < n:
                PREFETCH(&lengths[cand[i + AHEAD]])
            out[i] = k1 * (base + b * <double>lengths[cand[i]] / avg)
    return out_arr


ctypedef fused unit_t:
    uint16_t
    uint32_t


def alone_table(const unit_t[::1] units, const uint8_t[::1] wstart,
                const uint8_t[::1] wanted):
    """For each unit id marked in ``wanted``: the positions (ascending) where that unit
    is a word of its own, as :func:`alone` finds them among all of its positions.
    Returns per-id offsets (int64, one more than ``wanted``) into the positions
    (uint32)."""
    cdef Py_ssize_t n = units.shape[0], m = wanted.shape[0], p
    counts_arr = np.zeros(m + 1, dtype=np.int64)
    cdef int64_t[::1] counts = counts_arr
    cdef Py_ssize_t u
    with nogil:
        for p in range(n):
            u = units[p]
            if u < m and wanted[u] and _bit(wstart, p) and _bit(wstart, p + 1):
                counts[u + 1] += 1
    offsets_arr = np.cumsum(counts_arr)
    positions_arr = np.empty(offsets_arr[m], dtype=np.uint32)
    fill_arr = offsets_arr[:m].copy()
    cdef int64_t[::1] fill = fill_arr
    cdef uint32_t[::1] positions = positions_arr
    with nogil:
        for p in range(n):
            u = units[p]
            if u < m and wanted[u] and _bit(wstart, p) and _bit(wstart, p + 1):
                positions[fill[u]] = <uint32_t>p
                fill[u] += 1
    return offsets_arr, positions_arr
