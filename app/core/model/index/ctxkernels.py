"""Compiled kernels of the sorted context index (ctxindex.py): numba, compiled on first use and cached on disk.
Only learning into an existing index uses them (imported lazily there): reading, training from scratch,
forgetting and loading are numpy, so `accord suggest` never pays for numba's import or a JIT.

Text layout: `T` holds symbol ids (>= 0) of every work's viewpoint sequence, each work preceded by a separator
(-1), and T[0] is a separator. A *position* p is an event (T[p] >= 0); its *history* is T[p-1], T[p-2], ...
up to the separator or `cap` symbols. `SA` holds the positions sorted by history (lexicographically, the
separator lowest), ties by position. The contexts of order n that share a history prefix are one contiguous
range of SA, nested inside the range of order n-1: PPM*'s reversed-context trie, implicit.
Kernels read only T (any int dtype) and SA.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def compare(T, p, q, cap):  # pragma: no cover - compiled
    """-1/0/1: the order of positions p and q in SA (history, then position)."""
    for j in range(1, cap + 1):
        a = T[p - j]
        b = T[q - j]
        if a != b:
            return -1 if a < b else 1
        if a < 0:
            break
    if p < q:
        return -1
    return 1 if p > q else 0


@njit(cache=True, nogil=True)
def insertion_points(T, SA, new, cap):  # pragma: no cover - compiled
    """For each new position (not in SA), the index in SA it goes before."""
    out = np.empty(len(new), dtype=np.int64)
    for i in range(len(new)):
        p = new[i]
        a, b = 0, len(SA)
        while a < b:
            mid = (a + b) >> 1
            if compare(T, SA[mid], p, cap) < 0:
                a = mid + 1
            else:
                b = mid
        out[i] = a
    return out


@njit(cache=True, nogil=True)
def is_sorted(T, SA, cap):  # pragma: no cover - compiled
    for k in range(1, len(SA)):
        if compare(T, SA[k - 1], SA[k], cap) >= 0:
            return False
    return True
