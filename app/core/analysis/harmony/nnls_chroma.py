"""Note salience per beat by non-negative least squares (NNLS chroma, Mauch & Dixon 2010).

Each beat's mean CQT spectrum is explained as a non-negative sum of note profiles — a fundamental with its
harmonic partials decaying geometrically — so a note's own partials (its octave, twelfth and seventeenth,
which fold onto the root, the fifth and the major third) are credited to the note instead of reading as
chord tones of their own. Folded to pitch classes, this is a cleaner chord chroma than the folded spectrum.

It runs on beat-synchronous spectra (a few hundred per song), not per frame, so it costs little beside the CQT.

Each beat's problem is solved by the active-set method of Lawson & Hanson in the form of Bro & De Jong (1997,
"A fast non-negativity-constrained least squares algorithm", FNNLS): the profiles' cross-products are computed
once and shared by every beat, and all beats run in one compiled call that releases the GIL. The loop over
scipy's `nnls` it replaces (same solutions: the profiles have full column rank, condition number ~6) made
hundreds of short GIL-releasing numpy calls in a row, and a thread waiting for the GIL is starved by such a
loop (CPython hands the GIL back to the thread that keeps releasing it): while the studio analysed a
4-minute song, the audio callback waited up to 268 ms for it, 45 blocks past a 40 ms output buffer.
"""

from __future__ import annotations

import numpy as np
from numba import njit

PARTIALS = 8  # harmonics per note profile
PARTIAL_DECAY = 0.6  # amplitude ratio of consecutive harmonics (a compromise over the GM instruments)
NEIGHBOUR_SHARE = 0.3  # a partial's spill into the CQT bins beside it (three bins per semitone)


def note_profiles(n_bins: int, bins_per_octave: int) -> np.ndarray:
    """(n_bins, notes) unit-norm profiles of each semitone from the CQT's first bin (bin 0 is note 0)."""
    per_semitone = bins_per_octave // 12
    n_notes = n_bins // per_semitone
    w = np.zeros((n_bins, n_notes))
    for k in range(n_notes):
        for h in range(1, PARTIALS + 1):
            b = per_semitone * k + int(round(bins_per_octave * np.log2(h)))
            if b >= n_bins:
                break
            a = PARTIAL_DECAY ** (h - 1)
            w[b, k] += a
            if b > 0:
                w[b - 1, k] += NEIGHBOUR_SHARE * a
            if b + 1 < n_bins:
                w[b + 1, k] += NEIGHBOUR_SHARE * a
    return w / np.linalg.norm(w, axis=0, keepdims=True)


def beat_spectra(cqt: np.ndarray, fps: float, boundaries_seconds: np.ndarray) -> np.ndarray:
    """(beats, bins) mean CQT magnitude between consecutive boundaries (at least one frame per beat; beats
    starting past the last frame are zero). One segment sum over all beats, not a numpy call per beat."""
    frames = cqt.shape[1]
    idx = np.clip(np.round(np.asarray(boundaries_seconds) * fps).astype(int), 0, frames)
    n = max(0, idx.size - 1)
    out = np.zeros((n, cqt.shape[0]))
    m = int(np.count_nonzero(idx[:n] < frames))  # beats that start inside the spectrogram (idx is sorted)
    if m == 0:
        return out
    # reduceat sums [idx[i], idx[i + 1]) and one frame where idx[i] == idx[i + 1]; the last beat inside ends
    # at idx[m], or runs to the end when that is the end
    starts = idx[:m + 1] if idx[m] < frames else idx[:m]
    sums = np.add.reduceat(cqt, starts, axis=1, dtype=np.float64)[:, :m]
    counts = np.minimum(np.maximum(idx[:m] + 1, idx[1:m + 1]), frames) - idx[:m]
    out[:m] = (sums / counts).T
    return out


def note_salience(spectra: np.ndarray, profiles: np.ndarray) -> np.ndarray:
    """(rows, notes) non-negative note amplitudes explaining each spectrum row (least squares, FNNLS)."""
    a = np.ascontiguousarray(profiles, dtype=np.float64)
    ata = a.T @ a
    atb = np.ascontiguousarray(np.asarray(spectra, dtype=np.float64) @ a)
    tol = 10.0 * np.finfo(np.float64).eps * float(np.abs(ata).sum(axis=0).max()) * max(a.shape)
    return _fnnls_rows(ata, atb, tol, 3 * a.shape[1])


@njit(cache=True, nogil=True)
def _fnnls_rows(ata: np.ndarray, atb: np.ndarray, tol: float, max_iter: int) -> np.ndarray:  # pragma: no cover
    out = np.zeros(atb.shape)
    for r in range(atb.shape[0]):
        out[r] = _fnnls(ata, atb[r], tol, max_iter)
    return out


@njit(cache=True, nogil=True)
def _passive_solve(ata: np.ndarray, atb: np.ndarray, passive: np.ndarray) -> np.ndarray:  # pragma: no cover
    """The unconstrained least-squares solution on the passive set's columns, zero elsewhere."""
    cols = np.nonzero(passive)[0]
    s = np.zeros(atb.size)
    if cols.size:
        s[cols] = np.linalg.solve(ata[cols][:, cols], atb[cols])
    return s


@njit(cache=True, nogil=True)
def _fnnls(ata: np.ndarray, atb: np.ndarray, tol: float, max_iter: int) -> np.ndarray:  # pragma: no cover
    """min |Ax - b| subject to x >= 0, from AᵀA and Aᵀb (Bro & De Jong 1997, Lawson & Hanson's active set)."""
    n = atb.size
    x = np.zeros(n)
    passive = np.zeros(n, dtype=np.bool_)
    w = atb.copy()
    for _ in range(max_iter):
        # the most promising variable not yet free: the largest gradient among the active (zero) ones
        j, best = -1, tol
        for k in range(n):
            if not passive[k] and w[k] > best:
                j, best = k, w[k]
        if j < 0:
            break
        passive[j] = True
        s = _passive_solve(ata, atb, passive)
        for _inner in range(max_iter):
            # step back towards x until no free variable is negative, and fix those that reach zero
            alpha, blocked = 2.0, False
            for k in range(n):
                if passive[k] and s[k] <= tol:
                    blocked = True
                    step = x[k] / (x[k] - s[k]) if x[k] - s[k] > 0.0 else 0.0
                    alpha = min(alpha, step)
            if not blocked:
                break
            for k in range(n):
                x[k] += alpha * (s[k] - x[k])
                if passive[k] and x[k] <= tol:
                    passive[k] = False
                    x[k] = 0.0
            s = _passive_solve(ata, atb, passive)
        x = s
        w = atb - ata @ x
    return x


def fold_notes(notes: np.ndarray, lo: int = 0, hi: int | None = None) -> np.ndarray:
    """(rows, 12) pitch-class sums of notes lo..hi (note 0 is the pitch class C)."""
    hi = notes.shape[1] if hi is None else hi
    out = np.zeros((notes.shape[0], 12))
    for k in range(lo, hi):
        out[:, k % 12] += notes[:, k]
    return out
