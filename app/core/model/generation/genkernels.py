"""Compiled kernels of generation's hot path over the sorted context index (numba, compiled on first use and
cached on disk): per-work counts of (context, symbol) for credit, the sum of per-context count vectors, and
the context walk. Each one does the same integer work (or the same float additions in the same order) as the
numpy/Python code it replaces, so counts, credits and probabilities stay bitwise equal.

Layout as in ctxkernels.py: `T` symbol ids with a separator (-1) before each work, `SA` positions sorted by
history; a context of order n is a range [lo, hi) of SA; `starts[k]`/`lengths[k]` a work's span in T,
`alive[k]` whether it counts. The estimates' kernels (count rows, the mixture) are in estimatekernels.py.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from app.core.model.generation.blaspreload import preload_cython_blas

# Before numba loads any of the model's kernels: its BLAS (blendkernels.rel_entropy's `@` is a ddot) from
# scipy's cython_blas alone, not the scipy.linalg package (blaspreload.py). Here, not in blendkernels: the
# first kernel a request loads may be this module's (a saved model's copy-index order is checked first).
preload_cython_blas()


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


# Queries on one range tallied in one scan (more on one range scan it again): RANGE_GROUP x works counters
RANGE_GROUP = 16


@njit(cache=True, nogil=True)
def range_work_counts(sa_sym, sa_work, alive, check_alive, los, his, syms):  # pragma: no cover - compiled
    """For each query (SA range [lo, hi), symbol id): the works holding the symbol after that context, as
    (work index ascending, count) pairs, flat with offsets: query i at out[offsets[i]:offsets[i + 1]].
    Consecutive queries on the same range share one scan of it (callers sort the queries by range).
    `sa_sym`, `sa_work`: per suffix-array rank k, the symbol T[SA[k]] and its work (work_positions at
    SA[k]), so a scan reads both in order: read through SA they were two random reads per position, the
    cost at a career's size. Each position is tallied under its query and work; a query's works then come
    out in order by sorting its distinct works, or, when it holds many, by walking the tally in work order.
    Also returns each query's total count. The outputs are sized once, by a bound (a group of queries on one
    range yields at most one pair per position and per work and query): no growing copies, and the pages
    past what is written are never touched."""
    nq = len(los)
    offsets = np.zeros(nq + 1, dtype=np.int64)
    totals = np.zeros(nq, dtype=np.int64)
    n_works = len(alive)
    n_sym = 0
    for i in range(nq):
        n_sym = max(n_sym, syms[i] + 1)
    bound = 0
    g = 0
    while g < nq:
        e = g
        while e < nq and e - g < RANGE_GROUP and los[e] == los[g] and his[e] == his[g]:
            e += 1
        bound += min(his[g] - los[g], (e - g) * n_works)
        g = e
    slot = np.full(n_sym, -1, dtype=np.int64)
    tally = np.zeros((RANGE_GROUP, n_works), dtype=np.int32)  # a work's notes (< 2^31) per query
    distinct = np.empty((RANGE_GROUP, n_works), dtype=np.int32)
    n_distinct = np.zeros(RANGE_GROUP, dtype=np.int64)
    widx = np.empty(bound, dtype=np.int64)
    cnt = np.empty(bound, dtype=np.int64)
    out = 0
    g = 0
    while g < nq:
        e = g
        while e < nq and e - g < RANGE_GROUP and los[e] == los[g] and his[e] == his[g]:
            slot[syms[e]] = e - g
            e += 1
        for k in range(los[g], his[g]):
            s = sa_sym[k]
            if s < n_sym and slot[s] >= 0:
                j = slot[s]
                w = sa_work[k]
                if tally[j, w] == 0:
                    distinct[j, n_distinct[j]] = w
                    n_distinct[j] += 1
                tally[j, w] += 1
        for i in range(g, e):
            j = i - g
            slot[syms[i]] = -1
            d = n_distinct[j]
            total = 0
            if d * 8 > n_works:  # many works: the tally in work order is cheaper than a sort
                for w in range(n_works):
                    c = tally[j, w]
                    if c:
                        if not (check_alive and not alive[w]):
                            widx[out] = w
                            cnt[out] = c
                            total += c
                            out += 1
                        tally[j, w] = 0
            else:
                ws = np.sort(distinct[j, :d])
                for x in range(d):
                    w = ws[x]
                    if not (check_alive and not alive[w]):
                        widx[out] = w
                        cnt[out] = tally[j, w]
                        total += tally[j, w]
                        out += 1
                    tally[j, w] = 0
            n_distinct[j] = 0
            offsets[i + 1] = out
            totals[i] = total
        g = e
    return widx[:out], cnt[:out], offsets, totals


@njit(cache=True, nogil=True)
def work_positions(n, starts):  # pragma: no cover - compiled
    """Per text position p < n, the index of its work (the last k with starts[k] <= p; -1 before the first)."""
    out = np.empty(n, dtype=np.int32)
    k = -1
    for p in range(n):
        while k + 1 < len(starts) and starts[k + 1] <= p:
            k += 1
        out[p] = k
    return out


@njit(cache=True, nogil=True)
def ranked_symbols_and_works(T, SA, starts):  # pragma: no cover - compiled
    """(T[SA[k]], work of SA[k]) for every suffix-array rank k, as range_work_counts reads them: int16 or
    int32 symbols as T holds them and int32 works: 6 bytes a position (8 with over 32,766 symbols)."""
    work_of = work_positions(len(T), starts)
    sym = np.empty(len(SA), dtype=T.dtype)
    work = np.empty(len(SA), dtype=np.int32)
    for k in range(len(SA)):
        p = SA[k]
        sym[k] = T[p]
        work[k] = work_of[p]
    return sym, work


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


def symbol_runs(T: np.ndarray, SA: np.ndarray) -> np.ndarray:
    """runs[k]: how many times the next symbol T[SA[j]] changes for j <= k: a range [lo, hi) of SA is
    deterministic (one next symbol) iff runs[hi - 1] == runs[lo] — O(1) where a scan of a long range of
    copies (a catalogue of transposed works) cost up to its length in cache misses."""
    nxt = T[SA]
    runs = np.zeros(len(SA), dtype=np.int32)
    if len(SA) > 1:
        np.cumsum(nxt[1:] != nxt[:-1], dtype=np.int32, out=runs[1:])
    return runs


WALK_MEMO_ROWS = 1 << 15


def walk_memo() -> np.ndarray:
    """An empty memo of `index_walk`'s steps (rows parent, symbol, child, check; parent -1: free)."""
    memo = np.zeros((WALK_MEMO_ROWS, 4), dtype=np.int64)
    memo[:, 0] = -1
    return memo


@njit(cache=True, nogil=True)
def _longer(T, SA, lo, hi, n, s):  # pragma: no cover - compiled
    """The sub-range of [lo, hi) whose order-n symbol is s (sorted within the range): two binary searches."""
    a, b = lo, hi  # the first k with T[SA[k] - n] >= s
    while a < b:
        mid = (a + b) >> 1
        if T[SA[mid] - n] < s:
            a = mid + 1
        else:
            b = mid
    first = a
    b = hi  # the first k with T[SA[k] - n] > s
    while a < b:
        mid = (a + b) >> 1
        if T[SA[mid] - n] <= s:
            a = mid + 1
        else:
            b = mid
    return first, a


@njit(cache=True, nogil=True)
def index_walk(T, SA, runs, memo, sids, top, cap):  # pragma: no cover - compiled
    """PPM*'s state walk in a context index without dead works: handles (lo << 36 | hi << 8 | order) of the
    contexts of orders 0.. of the history sids[:top] (symbol ids, -1: unknown), cut at the first
    deterministic one (`runs`: symbol_runs of SA) — ContextIndex.state_walk, one binary search pair per order
    instead of a gather. `memo` (walk_memo, per index state) keeps recent (context, symbol) -> longer context
    steps: the low orders, whose searches span the whole index, recur at almost every note. A row carries a
    check word, so a row half-written by a concurrent request reads as a miss."""
    last = min(top, cap)
    out = np.empty(last + 1, dtype=np.int64)
    lo, hi = 0, len(SA)
    if hi == 0:
        return out[:0]
    h = (lo << 36) | (hi << 8)
    out[0] = h
    if runs[hi - 1] == runs[lo]:
        return out[:1]
    mask = len(memo) - 1
    m = 1
    for n in range(1, last + 1):
        s = sids[top - n]
        if s < 0:
            break
        row = (((h * 31 + s) * 0x7FEB352D) >> 20) & mask
        child = -1
        if memo[row, 0] == h and memo[row, 1] == s:
            c = memo[row, 2]
            if memo[row, 3] == (h ^ (s * 0x9E3779B1) ^ c):
                child = c
        if child < 0:
            first, a = _longer(T, SA, lo, hi, n, s)
            child = 0 if first == a else (first << 36) | (a << 8) | n
            memo[row, 0] = -1
            memo[row, 1] = s
            memo[row, 2] = child
            memo[row, 3] = h ^ (s * 0x9E3779B1) ^ child
            memo[row, 0] = h
        if child == 0:
            break
        h = child
        lo = h >> 36
        hi = (h >> 8) & ((1 << 28) - 1)
        out[m] = h
        m += 1
        if runs[hi - 1] == runs[lo]:
            break
    return out[:m]


@njit(cache=True, nogil=True)
def add_spans(out, arena_w, arena_c, columns, starts, ends, coefs):  # pragma: no cover - compiled
    """out[column of work] += coef * count over the arena spans [starts[i], ends[i]) (credit of large
    catalogues: per-work count vectors of contexts, never concatenated)."""
    for i in range(len(starts)):
        c = coefs[i]
        for k in range(starts[i], ends[i]):
            out[columns[arena_w[k]]] += arena_c[k] * c


@njit(cache=True, nogil=True)
def add_spans_rows(out, arena_w, arena_c, columns, starts, ends, coefs):  # pragma: no cover - compiled
    """`add_spans` for several rows at once, laid out by work: out[column of work, r] += coefs[i, r] * count
    over the spans, skipping zero coefficients. Each span is read once for all rows (a request's suggestions
    share their low-order contexts, whose spans cover thousands of works) and a work's rows are one cache
    line; each row receives its additions in the order `add_spans` gives them over that row's non-zero
    spans, so the sums are bitwise the same."""
    rows = out.shape[1]
    for i in range(len(starts)):
        for k in range(starts[i], ends[i]):
            col = columns[arena_w[k]]
            n = arena_c[k]
            for r in range(rows):
                c = coefs[i, r]
                if c != 0.0:
                    out[col, r] += n * c


@njit(cache=True, nogil=True)
def gram_keys(text, pos, key_bytes, sep):  # pragma: no cover - compiled
    """copyindex._keys at positions `pos` in one pass: each position's first up-to-`key_bytes` bytes,
    stopping at the separator `sep`, packed big-endian. A stored sorting order lists positions in key order,
    scattered over the text: reading a position's bytes together costs one cache miss, not one per byte."""
    out = np.zeros(len(pos), dtype=np.uint64)
    for i in range(len(pos)):
        p = pos[i]
        key = np.uint64(0)
        for j in range(key_bytes):
            b = text[p + j]
            if b == sep:
                key <<= np.uint64(8 * (key_bytes - j))
                break
            key = (key << np.uint64(8)) | np.uint64(b)
        out[i] = key
    return out


@njit(cache=True, nogil=True)
def contributor_sums(k, shares, first, count, names_bp, n_names):  # pragma: no cover - compiled
    """credit.contributor_credit_fast's sums in one pass: for each credited work k[i] (in order), each of its
    splits (name id, basis points) adds shares[i] * bp / 10000 to its name, as np.bincount adds the same
    terms in the same order (bitwise the same sums). Returns (sums, used) per name id."""
    sums = np.zeros(n_names)
    used = np.zeros(n_names, dtype=np.bool_)
    for i in range(len(k)):
        w = k[i]
        share = shares[i]
        for j in range(first[w], first[w] + count[w]):
            name = names_bp[j, 0]
            sums[name] += share * np.float64(names_bp[j, 1]) / 10000.0
            used[name] = True
    return sums, used
