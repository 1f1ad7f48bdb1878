"""The chroma's own CQT (harmony/cqt.py) must stay bit-identical to librosa.cqt with the same settings.

It follows librosa's code path step for step and only changes the STFT's memory order; a librosa upgrade
that changes that path would show up here, not as a silent shift in keys and chords."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from app.core.analysis.harmony import chroma
from app.core.analysis.harmony.cqt import cqt


def _librosa_cqt(y: np.ndarray, sr: int) -> np.ndarray:
    import librosa

    return librosa.cqt(y, sr=sr, hop_length=chroma.CQT_HOP, fmin=float(librosa.midi_to_hz(chroma.FMIN_MIDI)),
                       n_bins=chroma.N_OCTAVES * chroma.BINS_PER_OCTAVE, bins_per_octave=chroma.BINS_PER_OCTAVE,
                       tuning=0.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("frames", "sr"), [(2048, 22050), (5000, 22050), (22050 * 3 + 17, 22050),
                                            (44100 * 2 + 1, 44100), (16000 * 2, 16000)])
def test_cqt_equals_librosa_bit_for_bit(frames, sr, dtype):
    import librosa

    rng = np.random.default_rng(frames)
    y = (0.1 * rng.standard_normal(frames)).astype(dtype)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="n_fft=.*is too large", category=UserWarning)
        want = _librosa_cqt(y, sr)
        got = cqt(y, sr=sr, hop_length=chroma.CQT_HOP, fmin=float(librosa.midi_to_hz(chroma.FMIN_MIDI)),
                  n_bins=chroma.N_OCTAVES * chroma.BINS_PER_OCTAVE, bins_per_octave=chroma.BINS_PER_OCTAVE)
    assert got.dtype == want.dtype and got.shape == want.shape
    # column order as librosa's: the chroma's sums over bins depend on the layout
    assert got.flags.f_contiguous
    assert np.array_equal(got, want)


def test_raw_cqt_is_the_magnitude_of_librosas():
    rng = np.random.default_rng(7)
    y = (0.1 * rng.standard_normal(22050 * 4)).astype(np.float32)
    assert np.array_equal(chroma.raw_cqt(y, 22050), np.abs(_librosa_cqt(y, 22050)))
