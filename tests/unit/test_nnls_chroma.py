"""The per-beat NNLS note salience and beat spectra: the same numbers as the straightforward per-beat loops
they replaced (scipy's `nnls` per beat, a numpy mean per beat), computed in one call each."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import nnls

from app.core.analysis.harmony import nnls_chroma


def reference_salience(spectra: np.ndarray, profiles: np.ndarray) -> np.ndarray:
    return np.array([nnls(profiles, v)[0] if v.any() else np.zeros(profiles.shape[1]) for v in spectra])


def reference_beat_spectra(cqt: np.ndarray, fps: float, bounds: np.ndarray) -> np.ndarray:
    idx = np.clip(np.round(np.asarray(bounds) * fps).astype(int), 0, cqt.shape[1])
    out = np.zeros((max(0, idx.size - 1), cqt.shape[0]))
    for i in range(out.shape[0]):
        lo, hi = idx[i], max(idx[i] + 1, idx[i + 1])
        if lo < cqt.shape[1]:
            out[i] = cqt[:, lo:hi].mean(axis=1)
    return out


def test_note_salience_is_the_least_squares_solution_scipy_finds():
    profiles = nnls_chroma.note_profiles(252, 36)
    rng = np.random.default_rng(7)
    # sparse note mixtures (a few notes with their partials) plus noise, and some silent beats
    amps = np.where(rng.random((120, profiles.shape[1])) < 0.06, rng.random((120, profiles.shape[1])), 0.0)
    spectra = np.abs(amps @ profiles.T + 0.01 * rng.standard_normal((120, 252)))
    spectra[::17] = 0.0
    got = nnls_chroma.note_salience(spectra, profiles)
    want = reference_salience(spectra, profiles)
    assert got.shape == want.shape
    assert np.abs(got - want).max() <= 1e-9 * max(1.0, want.max())
    assert np.array_equal(got > 1e-12, want > 1e-12)  # the same notes are heard
    assert not got[::17].any()


def test_note_salience_recovers_the_notes_that_made_a_spectrum():
    profiles = nnls_chroma.note_profiles(252, 36)
    amps = np.zeros((1, profiles.shape[1]))
    amps[0, [12, 16, 19]] = [1.0, 0.6, 0.8]  # C E G an octave above the lowest note
    got = nnls_chroma.note_salience(amps @ profiles.T, profiles)
    assert np.allclose(got, amps, atol=1e-9)


@pytest.mark.parametrize("bounds", [
    np.arange(0.0, 12.0, 0.5),  # beats inside, the last one ending before the end
    np.arange(0.0, 11.61, 0.5),  # the last boundary on the last frame
    np.array([0.0, 0.01, 0.01, 0.5, 11.5, 11.6, 12.0, 13.0]),  # empty beats, beats past the end
    np.array([11.0, 11.605, 11.61]),
    np.array([12.0, 13.0, 14.0]),  # all past the end: zeros
    np.array([0.0, 11.609]),
    np.array([5.0]),
    np.array([]),
])
def test_beat_spectra_are_the_mean_spectrum_of_each_beat(bounds):
    cqt = np.abs(np.random.default_rng(1).standard_normal((252, 1000))).astype(np.float32)
    got = nnls_chroma.beat_spectra(cqt, 86.13, bounds)
    want = reference_beat_spectra(cqt, 86.13, bounds)
    assert got.shape == want.shape
    assert np.allclose(got, want, rtol=1e-5, atol=0.0)
