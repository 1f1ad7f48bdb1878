"""Without a drum stem the chord features read the CQT's harmonic part (harmony/chroma.py `harmonic_part`):
sustained tones stay, drum hits (broadband, one frame wide) go, and the key's chroma keeps the whole spectrum.
With a drum stem (the kit is not in the harmonic stems) the chord features are the whole spectrum's."""

from __future__ import annotations

import numpy as np

from app.core.analysis.harmony import chroma

SR = 22050


def test_a_held_tone_stays_and_a_broadband_hit_goes():
    bins, frames = chroma.N_OCTAVES * chroma.BINS_PER_OCTAVE, 200
    cqt = np.full((bins, frames), 1e-4)
    cqt[120, :] = 1.0  # a held note: a horizontal line
    cqt[:, 100] += 0.8  # a drum hit: a vertical line through every bin
    h = chroma.harmonic_part(cqt)
    assert h.shape == cqt.shape
    assert np.all(h[120, :] >= 0.6)  # the note keeps most of its level (1.0), in the hit's frame too
    assert np.all(np.delete(h[120, :], 100) > 0.99)
    off_note = np.delete(np.arange(bins), 120)
    assert np.all(h[off_note, 100] < 0.01 * cqt[off_note, 100])  # the hit is gone from the other bins
    assert np.all(h <= cqt + 1e-15)  # a mask: never adds energy


def test_a_single_frame_is_returned_as_it_is():
    cqt = np.random.default_rng(1).random((chroma.N_OCTAVES * chroma.BINS_PER_OCTAVE, 1))
    assert np.array_equal(chroma.harmonic_part(cqt), cqt)


def _triad_with_hits(seconds: float = 6.0) -> np.ndarray:
    """A held C major triad (three partials per note) under loud noise bursts on every half second."""
    t = np.arange(int(seconds * SR)) / SR
    y = np.zeros_like(t)
    for midi in (60, 64, 67):
        f = 440.0 * 2 ** ((midi - 69) / 12)
        for k in (1, 2, 3):
            y += 0.1 / k * np.sin(2 * np.pi * f * k * t)
    rng = np.random.default_rng(7)
    for start in np.arange(0.25, seconds - 0.1, 0.5):
        i, n = int(start * SR), int(0.06 * SR)
        y[i:i + n] += 0.8 * rng.standard_normal(n) * np.exp(-np.arange(n) / (0.015 * SR))
    return y.astype(np.float32)


def test_the_chord_chroma_hears_the_triad_through_drum_hits():
    y = _triad_with_hits()
    f = chroma.chroma_features(y, SR, drums_inside=True)
    hits = np.round(np.arange(0.25, 5.9, 0.5) * f.fps).astype(int) + 1
    calm = np.round(np.arange(0.5, 5.9, 0.5) * f.fps).astype(int)
    outside = [pc for pc in range(12) if pc not in (0, 4, 7)]

    def outside_share(c: np.ndarray, frames: np.ndarray) -> float:
        return float(c[np.ix_(outside, frames)].sum() / c[:, frames].sum())

    # the same chord chroma without the harmonic part, for comparison
    raw = chroma.raw_cqt(y, SR)
    split = (chroma.CHORD_SPLIT_MIDI - chroma.FMIN_MIDI) * chroma.BINS_PER_OCTAVE // 12
    lo, hi = chroma._fold(raw[:split]), chroma._fold(raw[split:])
    scale = max(float(lo.max()), float(hi.max()))
    whole = chroma._normalise(hi / scale + chroma.CHORD_BASS_SHARE * lo / scale * (hi.sum() / max(lo.sum(), 1e-12)))
    assert np.allclose(chroma.chroma_features(y, SR).chord, whole, atol=1e-6)  # a drum stem: the whole spectrum
    assert outside_share(f.chord, hits) < 0.85 * outside_share(whole, hits)  # measured 0.44 against 0.59
    # between the hits the triad's own chroma is (nearly) unchanged
    assert abs(outside_share(f.chord, calm) - outside_share(whole, calm)) < 0.05
    # the key's chroma and the frame energies keep the whole spectrum, hits included
    assert float(np.mean(f.energy[hits])) > 1.2 * float(np.mean(f.energy[calm]))
