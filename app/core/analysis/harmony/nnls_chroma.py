"""Note salience per beat by non-negative least squares (NNLS chroma, Mauch & Dixon 2010).

Each beat's mean CQT spectrum is explained as a non-negative sum of note profiles — a fundamental with its
harmonic partials decaying geometrically — so a note's own partials (its octave, twelfth and seventeenth,
which fold onto the root, the fifth and the major third) are credited to the note instead of reading as
chord tones of their own. Folded to pitch classes, this is a cleaner chord chroma than the folded spectrum.

It runs on beat-synchronous spectra (a few hundred per song), not per frame, so it costs little beside the CQT.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import nnls

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
    """(beats, bins) mean CQT magnitude between consecutive boundaries."""
    idx = np.clip(np.round(np.asarray(boundaries_seconds) * fps).astype(int), 0, cqt.shape[1])
    n = max(0, idx.size - 1)
    out = np.zeros((n, cqt.shape[0]))
    for i in range(n):
        lo, hi = idx[i], max(idx[i] + 1, idx[i + 1])
        if lo < cqt.shape[1]:
            out[i] = cqt[:, lo:hi].mean(axis=1)
    return out


def note_salience(spectra: np.ndarray, profiles: np.ndarray) -> np.ndarray:
    """(rows, notes) non-negative note amplitudes explaining each spectrum row."""
    out = np.zeros((spectra.shape[0], profiles.shape[1]))
    for i, v in enumerate(spectra):
        if v.any():
            out[i] = nnls(profiles, v)[0]
    return out


def fold_notes(notes: np.ndarray, lo: int = 0, hi: int | None = None) -> np.ndarray:
    """(rows, 12) pitch-class sums of notes lo..hi (note 0 is the pitch class C)."""
    hi = notes.shape[1] if hi is None else hi
    out = np.zeros((notes.shape[0], 12))
    for k in range(lo, hi):
        out[:, k % 12] += notes[:, k]
    return out
