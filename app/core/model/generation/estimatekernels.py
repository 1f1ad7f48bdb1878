"""Compiled kernels of the estimates (numba, compiled on first use and cached on disk): the count rows of a
walk's contexts, in the sorted context index (`index_counts`) or in the piece so far (`piece_counts`, the
short-term model without a trie), and IDyOM's interpolated mixture over such rows (`mixture`). Each one does
the same integer work (or the same float additions in the same order) as the Python code it replaces, so
counts and probabilities stay bitwise equal; blendkernels.py compiles them into its per-note steps.

Layout as in genkernels.py: `T` symbol ids with a separator (-1) before each work, `SA` positions sorted by
history; a context of order n is a range [lo, hi) of SA, its handle lo << 36 | hi << 8 | n.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from app.core.model.generation.blaspreload import preload_cython_blas

# As genkernels.py does, before numba loads any of the model's kernels: its BLAS (blendkernels.rel_entropy's
# `@`) from scipy's cython_blas alone (blaspreload.py). blendkernels imports this module before its kernels.
preload_cython_blas()


@njit(cache=True, nogil=True)
def mixture(counts, top, size, escape, exclusion):  # pragma: no cover - compiled
    """IDyOM's interpolated mixture from the selected order `top` down to 0 over count rows restricted to the
    alphabet (counts[n, j]: symbol j after the order-n context): (q + uniform, coefs, uniform) — the
    arithmetic of predict.estimate_tables in the same order (each q[j] gets one addition per order, so the
    order of symbols within an order does not matter)."""
    q = np.zeros(size)
    coefs = np.zeros(top + 1)
    seen = np.zeros(size, dtype=np.bool_)
    esc = 1.0
    root_types = 0
    for n in range(top, -1, -1):
        ntypes = 0
        ones = 0
        state = 0
        for j in range(size):
            c = counts[n, j]
            if c:
                ntypes += 1
                if c == 1:
                    ones += 1
                if not (exclusion and n < top and seen[j]):
                    state += c
        types = 1 + ones if escape == 1 else ntypes
        if n == 0:
            root_types = ntypes
        denom = state + (1 if escape == 2 else types)
        weight = state / denom if denom else 0.0
        if state:
            a = esc * weight / state
            coefs[n] = a
            for j in range(size):
                c = counts[n, j]
                if c:
                    q[j] += a * c
        esc *= 1.0 - weight
        if n and exclusion:
            for j in range(size):
                if counts[n, j]:
                    seen[j] = True
    rest = size + 1 - (root_types if exclusion else 1)
    uniform = esc / rest if rest > 0 else 0.0
    for j in range(size):
        q[j] += uniform
    return q, coefs, uniform


@njit(cache=True, nogil=True)
def piece_counts(hist, top, cap, values):  # pragma: no cover - compiled
    """The short-term model without a trie: PPM*'s state walk over the piece's own history hist[:top] (the
    context of the next event is its last symbols) cut at the first deterministic context, and per order
    0..m the counts of each alphabet value (sorted `values`) after it — what ContextTrie.state_walk and its
    count tables give (a context of order n occurs at event j when j >= n and the n symbols before j match)."""
    size = len(values)
    counts = np.zeros((min(top, cap) + 1, size), dtype=np.int64)
    if top == 0:
        return counts[:0]
    match = np.arange(top)
    m = top
    order = 0
    while True:
        first = hist[match[0]]
        same = True
        for i in range(m):
            s = hist[match[i]]
            if s != first:
                same = False
            j = np.searchsorted(values, s)
            if j < size and values[j] == s:
                counts[order, j] += 1
        if same or order == min(top, cap):
            return counts[:order + 1]
        n = order + 1
        sym = hist[top - n]
        k = 0
        for i in range(m):
            p = match[i]
            if p >= n and hist[p - n] == sym:
                match[k] = p
                k += 1
        if k == 0:
            return counts[:order + 1]
        m = k
        order = n


@njit(cache=True, nogil=True)
def index_counts(T, SA, handles, dense, dense_of, pos_of_sid, size):  # pragma: no cover - compiled
    """Count rows (orders x alphabet positions) of the contexts `handles` restricted to the alphabet
    (pos_of_sid: symbol id -> position, -1 outside it); a context with dense_of[n] >= 0 reads its whole
    histogram from dense[dense_of[n]] (long ranges, memoised by the caller) instead of scanning."""
    counts = np.zeros((len(handles), size), dtype=np.int64)
    for n in range(len(handles)):
        d = dense_of[n]
        if d >= 0:
            for s in range(len(pos_of_sid)):
                j = pos_of_sid[s]
                if j >= 0:
                    counts[n, j] = dense[d, s]
            continue
        h = handles[n]
        lo = h >> 36
        hi = (h >> 8) & ((1 << 28) - 1)
        for k in range(lo, hi):
            j = pos_of_sid[T[SA[k]]]
            if j >= 0:
                counts[n, j] += 1
    return counts
