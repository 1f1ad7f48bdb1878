"""Compiled kernels of the sorted context index (ctxindex.py): numba, compiled on first use and cached on disk.

Text layout: `T` holds symbol ids (>= 0) of every work's viewpoint sequence, each work preceded by a separator
(-1), and T[0] is a separator. A *position* p is an event (T[p] >= 0); its *history* is T[p-1], T[p-2], ...
up to the separator or `cap` symbols. `SA` holds the positions sorted by history (lexicographically, the
separator lowest), ties by position. The contexts of order n that share a history prefix are one contiguous
range of SA, nested inside the range of order n-1: PPM*'s reversed-context trie, implicit.
`wof[p]` is the work index of position p and `alive[w]` whether work index w counts (forgetting = 0).
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


@njit(cache=True, nogil=True)
def _any_alive(SA, wof, alive, lo, hi):  # pragma: no cover - compiled
    for k in range(lo, hi):
        if alive[wof[SA[k]]]:
            return True
    return False


@njit(cache=True, nogil=True)
def _deterministic(T, SA, wof, alive, any_dead, lo, hi):  # pragma: no cover - compiled
    """Whether the alive positions of [lo, hi) all predict one symbol."""
    first = -1
    for k in range(lo, hi):
        p = SA[k]
        if any_dead and not alive[wof[p]]:
            continue
        if first < 0:
            first = T[p]
        elif T[p] != first:
            return False
    return True


@njit(cache=True, nogil=True)
def walk(T, SA, wof, alive, any_dead, hist, cap, stop_deterministic, out_lo, out_hi):  # pragma: no cover
    """Ranges of the contexts of orders 0, 1, ... of `hist` (symbol ids, oldest first; < 0 unknown) that
    occur (have an alive position); with `stop_deterministic`, stop at the first deterministic one (PPM*'s
    selected state: every longer context is deterministic too). Returns the number of orders."""
    lo, hi = 0, len(SA)
    if hi == 0 or (any_dead and not _any_alive(SA, wof, alive, lo, hi)):
        return 0
    out_lo[0] = lo
    out_hi[0] = hi
    m = 1
    if stop_deterministic and _deterministic(T, SA, wof, alive, any_dead, lo, hi):
        return m
    top = len(hist)
    last = top if top < cap else cap
    for n in range(1, last + 1):
        s = hist[top - n]
        if s < 0:
            break
        a, b = lo, hi
        while a < b:
            mid = (a + b) >> 1
            if T[SA[mid] - n] < s:
                a = mid + 1
            else:
                b = mid
        l2 = a
        b = hi
        while a < b:
            mid = (a + b) >> 1
            if T[SA[mid] - n] <= s:
                a = mid + 1
            else:
                b = mid
        if l2 >= a or (any_dead and not _any_alive(SA, wof, alive, l2, a)):
            break
        lo, hi = l2, a
        out_lo[m] = lo
        out_hi[m] = hi
        m += 1
        if stop_deterministic and _deterministic(T, SA, wof, alive, any_dead, lo, hi):
            break
    return m


@njit(cache=True, nogil=True)
def table(T, SA, wof, alive, any_dead, lo, hi, nsym):  # pragma: no cover - compiled
    """(symbol ids, counts) of the alive positions of [lo, hi)."""
    cnt = np.zeros(nsym, dtype=np.int64)
    for k in range(lo, hi):
        p = SA[k]
        if any_dead and not alive[wof[p]]:
            continue
        cnt[T[p]] += 1
    nz = np.flatnonzero(cnt)
    return nz, cnt[nz]


@njit(cache=True, nogil=True)
def work_counts(T, SA, wof, alive, any_dead, lo, hi, sym, nworks):  # pragma: no cover - compiled
    """(work indexes ascending, counts) of symbol `sym` at the alive positions of [lo, hi)."""
    cnt = np.zeros(nworks, dtype=np.int64)
    for k in range(lo, hi):
        p = SA[k]
        if T[p] != sym:
            continue
        w = wof[p]
        if any_dead and not alive[w]:
            continue
        cnt[w] += 1
    nz = np.flatnonzero(cnt)
    return nz, cnt[nz]
