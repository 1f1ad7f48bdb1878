"""Compiled kernels of generation's hot path over the sorted context index (numba, compiled on first use and
cached on disk): per-work counts of (context, symbol) for credit, the sum of per-context count vectors, and
the context walk. Each one does the same integer work (or the same float additions in the same order) as the
numpy/Python code it replaces, so counts, credits and probabilities stay bitwise equal.

Layout as in ctxkernels.py: `T` symbol ids with a separator (-1) before each work, `SA` positions sorted by
history; a context of order n is a range [lo, hi) of SA; `starts[k]`/`lengths[k]` a work's span in T,
`alive[k]` whether it counts.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def root_work_counts(T, starts, lengths, alive, n_codes):  # pragma: no cover - compiled
    """Per symbol id s, the (work index ascending, count) pairs of its occurrences in the live works:
    (widx, cnt, bounds) with symbol s at widx[bounds[s]:bounds[s + 1]] — what np.unique over
    symbol * works + work gives, by a counting sort over the works in order."""
    n_works = len(starts)
    per_sym = np.zeros(n_codes + 1, dtype=np.int64)
    last = np.full(n_codes, -1, dtype=np.int64)
    for k in range(n_works):  # distinct (symbol, work) pairs per symbol
        if not alive[k]:
            continue
        a = starts[k]
        for p in range(a, a + lengths[k]):
            s = T[p]
            if last[s] != k:
                last[s] = k
                per_sym[s + 1] += 1
    bounds = np.cumsum(per_sym)
    fill = bounds[:-1].copy()
    widx = np.empty(bounds[-1], dtype=np.int64)
    cnt = np.zeros(bounds[-1], dtype=np.int64)
    last[:] = -1
    for k in range(n_works):
        if not alive[k]:
            continue
        a = starts[k]
        for p in range(a, a + lengths[k]):
            s = T[p]
            if last[s] != k:
                last[s] = k
                widx[fill[s]] = k
                fill[s] += 1
            cnt[fill[s] - 1] += 1
    return widx, cnt, bounds


@njit(cache=True, nogil=True)
def range_work_counts(T, SA, starts, alive, check_alive, los, his, syms):  # pragma: no cover - compiled
    """For each query (SA range [lo, hi), symbol id): the works holding the symbol after that context, as
    (work index ascending, count) pairs, flat with offsets: query i at out[offsets[i]:offsets[i + 1]]."""
    nq = len(los)
    total = 0
    for i in range(nq):
        total += his[i] - los[i]
    widx = np.empty(total, dtype=np.int64)
    cnt = np.empty(total, dtype=np.int64)
    offsets = np.zeros(nq + 1, dtype=np.int64)
    at = 0
    n_works = len(starts)
    for i in range(nq):
        sym = syms[i]
        first = at
        for k in range(los[i], his[i]):
            p = SA[k]
            if T[p] != sym:
                continue
            a, b = 0, n_works  # the work: the last start <= p
            while a < b:
                mid = (a + b) >> 1
                if starts[mid] <= p:
                    a = mid + 1
                else:
                    b = mid
            w = a - 1
            if check_alive and not alive[w]:
                continue
            widx[at] = w
            at += 1
        found = widx[first:at]
        found.sort()
        out = first
        j = first
        while j < at:
            w = widx[j]
            e = j
            while e < at and widx[e] == w:
                e += 1
            widx[out] = w
            cnt[out] = e - j
            out += 1
            j = e
        at = out
        offsets[i + 1] = at
    return widx[:at].copy(), cnt[:at].copy(), offsets


@njit(cache=True, nogil=True)
def combine_vectors(width, cols, counts, offsets, bases, coefs):  # pragma: no cover - compiled
    """sum over i of coefs[i] * (count vector of base bases[i]), dense over `width` works: the additions of
    np.bincount(concatenated cols, concatenated counts * coef) in the same order."""
    out = np.zeros(width)
    for i in range(len(bases)):
        b = bases[i]
        c = coefs[i]
        for k in range(offsets[b], offsets[b + 1]):
            out[cols[k]] += counts[k] * c
    return out
