"""Compiled per-note steps of generation: the short-term estimate of one viewpoint (counts, mixture, its
distribution over the target alphabet and its entropy) in one call, and IDyOM's entropy-weighted blend of the
long- and short-term rows in another, replacing about twenty numpy calls and Python glue per note.

Every float operation is the one the Python path (sampler._distribution_py) does, in the same order:
`np.add.reduce`'s pairwise summation is written out (`pairwise_sum`), the entropy is `p @ log2(p)` (numba's
dot is the same BLAS ddot numpy calls; the kernel tests check it bitwise), a two-term `math.fsum` is a plain
addition (fsum is correctly rounded, and so is one IEEE addition), and no multiply-add is fused. So
probabilities, credit and the suggestions drawn from them stay bitwise equal to the Python path.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# (importing estimatekernels hands numba scipy's cython_blas for rel_entropy's `@`: see blaspreload.py)
from app.core.model.generation.estimatekernels import index_counts, mixture, piece_counts

MIN_RELATIVE_ENTROPY = 1e-6  # as predict.MIN_RELATIVE_ENTROPY (imported there; kept equal by a test)


@njit(cache=True, nogil=True)
def _block(a, lo, n):  # pragma: no cover - compiled
    """numpy's pairwise summation of a block of n <= 128: sequential under 8, else 8 running sums."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    stop = n - n % 8
    while i < stop:
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(cache=True, nogil=True)
def pairwise_sum(a, lo, n):  # pragma: no cover - compiled
    """numpy's pairwise summation of a[lo:lo + n] (what np.add.reduce does on a contiguous float64 row):
    blocks of up to 128, halves (a multiple of 8 on the left) above that. Its recursion runs on an explicit
    stack: numba's on-disk cache crashes on loading a caller of a recursive function."""
    if n <= 128:
        return _block(a, lo, n)
    los = np.empty(64, dtype=np.int64)
    ns = np.empty(64, dtype=np.int64)
    stage = np.zeros(64, dtype=np.int64)  # 1: left half being summed, 2: right half
    left = np.zeros(64)
    sp = 0
    los[0], ns[0], stage[0] = lo, n, 0
    while True:
        if ns[sp] > 128:  # descend into the left half
            n2 = ns[sp] // 2
            n2 -= n2 % 8
            stage[sp] = 1
            los[sp + 1], ns[sp + 1], stage[sp + 1] = los[sp], n2, 0
            sp += 1
            continue
        ret = _block(a, los[sp], ns[sp])
        sp -= 1
        while sp >= 0 and stage[sp] == 2:  # right halves done: add to their left halves
            ret = left[sp] + ret
            sp -= 1
        if sp < 0:
            return ret
        left[sp] = ret  # a left half done: the right half next
        stage[sp] = 2
        n2 = ns[sp] // 2
        n2 -= n2 % 8
        los[sp + 1], ns[sp + 1], stage[sp + 1] = los[sp] + n2, ns[sp] - n2, 0
        sp += 1


@njit(cache=True, nogil=True)
def rel_entropy(p, log_size):  # pragma: no cover - compiled
    """slots.rel_entropy without its careful branch: NaN when p holds a zero (the caller then takes the
    Python path)."""
    h = -(p @ np.log2(p)) / log_size
    if h != h:
        return h
    return max(h, MIN_RELATIVE_ENTROPY)


@njit(cache=True, nogil=True)
def stm_row(hist, top, cap, values, inverse, share, escape, exclusion, log_size):  # pragma: no cover - compiled
    """The short-term estimate of one viewpoint: (target row, its relative entropy, q, z, coefs, uniform,
    counts) — sampler._stm_estimate, ViewpointEstimate.target_p and rel_entropy in one call."""
    counts = piece_counts(hist, top, cap, values)
    q, coefs, uniform = mixture(counts, len(counts) - 1, len(values), escape, exclusion)
    z = pairwise_sum(q, 0, len(q))
    size = len(inverse)
    row = np.empty(size)
    for i in range(size):
        row[i] = (q[inverse[i]] / z) * share[i]
    return row, rel_entropy(row, log_size), q, z, coefs, uniform, counts


@njit(cache=True, nogil=True)
def ltm_row(T, SA, handles, dense, dense_of, pos_of_sid, size, escape, exclusion, inverse, share, log_size):
    # pragma: no cover - compiled
    """A long-term estimate on a memo miss: (target row, its relative entropy, q, z, coefs, uniform) —
    ContextIndex.restricted_counts, estimatekernels.mixture, np.add.reduce, ViewpointEstimate.target_p and
    slots.rel_entropy in one call (the entropy NaN when the row holds a zero: the caller leaves it unset).
    `log_size` <= 0: no entropy (NaN)."""
    counts = index_counts(T, SA, handles, dense, dense_of, pos_of_sid, size)
    q, coefs, uniform = mixture(counts, len(handles) - 1, size, escape, exclusion)
    z = pairwise_sum(q, 0, len(q))
    row = np.empty(len(inverse))
    for i in range(len(inverse)):
        row[i] = (q[inverse[i]] / z) * share[i]
    h = rel_entropy(row, log_size) if log_size > 0 else np.nan
    return row, h, q, z, coefs, uniform


@njit(cache=True, nogil=True)
def _group(r0, r1, h0, h1, two, bias):  # pragma: no cover - compiled
    """One model's viewpoints combined (one or two rows): (mix, weight of r0, weight of r1)."""
    if not two:
        return r0, 1.0, 0.0
    w0 = h0 ** (-bias)
    w1 = h1 ** (-bias)
    total = w0 + w1  # math.fsum of two terms
    w0 = w0 / total
    w1 = w1 / total
    mix = np.empty(len(r0))
    for i in range(len(r0)):
        a = w0 * r0[i]
        mix[i] = a + w1 * r1[i]
    return mix, w0, w1


@njit(cache=True, nogil=True)
def blend(l0, l1, hl0, hl1, s0, s1, hs0, hs1, two, log_size, viewpoint_bias, ltm_stm_bias):  # pragma: no cover
    """The long-term rows (l0, l1) and short-term rows (s0, s1) of one or two viewpoints (`two`), entropies
    given, blended as sampler._distribution_py does: (p, recipe weights [ltm0, ltm1, stm0, stm1], ok) — ok is
    False when an entropy is NaN (a zero in a row: the caller takes the Python path)."""
    weights = np.zeros(4)
    lm, lw0, lw1 = _group(l0, l1, hl0, hl1, two, viewpoint_bias)
    sm, sw0, sw1 = _group(s0, s1, hs0, hs1, two, viewpoint_bias)
    he_l = rel_entropy(lm, log_size)
    he_s = rel_entropy(sm, log_size)
    if he_l != he_l or he_s != he_s:
        return lm, weights, False
    t0 = he_l ** (-ltm_stm_bias)
    t1 = he_s ** (-ltm_stm_bias)
    total = t0 + t1
    t0 = t0 / total
    t1 = t1 / total
    p = np.empty(len(lm))
    for i in range(len(lm)):
        a = t0 * lm[i]
        p[i] = a + t1 * sm[i]
    weights[0] = t0 * lw0
    weights[1] = t0 * lw1
    weights[2] = t1 * sw0
    weights[3] = t1 * sw1
    return p, weights, True


@njit(cache=True, nogil=True)
def sampling_draw(p, allowed, prefer, closeness, inv_temperature, damp_pos, damp_factor, weights, u):
    # pragma: no cover - compiled
    """Sampler._sample and its draw in one call: (position, keep, scale), or position -1 when no weight is
    positive (a dead end; the uniform `u` is then not used). The weights before the draw are those of
    sampler._sample's numpy branch: `prefer` / `damp_pos` -1: none; `inv_temperature` 1.0: no temperature;
    `weights` empty: none. numpy's `q **= 2.0` and `0.5` are a square and a square root (its fast scalar
    powers), other exponents pow(). The draw is Sampler._draw's: the first position whose running sum
    exceeds u x total, stepped back past a zero weight at the float edge."""
    n = len(p)
    q = np.empty(n)
    for i in range(n):
        q[i] = p[i] * (1.0 if allowed[i] else 0.0)
    keep, scale = 0.0, 1.0
    if prefer >= 0 and allowed[prefer] and closeness > 0:
        keep = closeness
        scale = (1.0 - keep) / max(pairwise_sum(q, 0, n), 1e-300)
        for i in range(n):
            q[i] *= scale
        q[prefer] += keep
    if inv_temperature == 2.0:
        for i in range(n):
            q[i] = q[i] * q[i]
    elif inv_temperature == 0.5:
        for i in range(n):
            q[i] = np.sqrt(q[i])
    elif inv_temperature != 1.0:
        for i in range(n):
            q[i] = q[i] ** inv_temperature
    if damp_pos >= 0 and damp_pos != prefer:
        q[damp_pos] *= damp_factor
    if len(weights):
        for i in range(n):
            q[i] *= weights[i]
    cum = np.empty(n)
    acc = 0.0
    for i in range(n):
        acc += q[i]
        cum[i] = acc
    total = cum[n - 1]
    if not total > 0:
        return -1, keep, scale
    x = np.searchsorted(cum, u * total, side="right")
    x = min(x, n - 1)
    while not allowed[x] or q[x] <= 0:
        x -= 1
    return x, (keep if x == prefer else 0.0), scale


@njit(cache=True, nogil=True)
def note_step(l0, l1, hl0, hl1, zl0, ul0, zl1, ul1, hist0, top0, values0, inverse0, share0, hist1, top1, values1,
              inverse1, share1, two, cap, escape, exclusion, log_size, viewpoint_bias, ltm_stm_bias, allowed, prefer,
              closeness, inv_temperature, damp_pos, damp_factor, weights, u):  # pragma: no cover - compiled
    """One note's whole compiled step for one or two viewpoints (member 1 = member 0 when not `two`): the
    short-term rows (stm_row), the blend with the long-term rows l0/l1 (entropies hl0/hl1; their estimates'
    z and uniform part zl/ul), the draw (sampling_draw, uniform `u`) and the drawn note's credit parts —
    Sampler._credit over the recipe [ltm0, ltm1, stm0, stm1] in that order, each sum in the same order.
    Returns (status, position, keep, scale, p[position], uniform part, piece part, f of ltm0, f of ltm1):
    status 1 done; 0 a row holds a zero (the caller takes the Python path; `u` unused); -1 a dead end (no
    positive weight; `u` unused)."""
    s0, hs0, _, zs0, coefs0, us0, counts0 = stm_row(hist0, top0, cap, values0, inverse0, share0, escape,
                                                      exclusion, log_size)
    if two:
        s1, hs1, _, zs1, coefs1, us1, counts1 = stm_row(hist1, top1, cap, values1, inverse1, share1, escape,
                                                          exclusion, log_size)
    else:
        s1, hs1, zs1, coefs1, us1, counts1 = s0, hs0, zs0, coefs0, us0, counts0
    p, w, ok = blend(l0, l1, hl0, hl1, s0, s1, hs0, hs1, two, log_size, viewpoint_bias, ltm_stm_bias)
    if not ok:
        return 0, -1, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0
    x, keep, scale = sampling_draw(p, allowed, prefer, closeness, inv_temperature, damp_pos, damp_factor,
                                   weights, u)
    if x < 0:
        return -1, -1, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0
    # credit, in the recipe's order: ltm0 (ltm1), stm0 (stm1); f = scale * weight * share / z, left to right
    f0 = scale * w[0] * share0[x] / zl0
    uniform = 0.0 + f0 * ul0
    f1 = 0.0
    if two:
        f1 = scale * w[1] * share1[x] / zl1
        uniform += f1 * ul1
    piece = 0.0
    for m in range(2 if two else 1):
        if m == 0:
            f = scale * w[2] * share0[x] / zs0
            uniform += f * us0
            j, coefs, counts = inverse0[x], coefs0, counts0
        else:
            f = scale * w[3] * share1[x] / zs1
            uniform += f * us1
            j, coefs, counts = inverse1[x], coefs1, counts1
        for n in range(len(coefs)):
            a = coefs[n]
            if a != 0.0:
                piece += f * a * counts[n, j]
    return 1, x, keep, scale, p[x], uniform, piece, f0, f1
