"""The song's key profile counts each sounding frame once, not by its energy (key.SOUNDING_SHARE): a frame that
lights every bin (a kit's hit, a noise sweep, a resonant filter sweeping through a drop) must not outvote the
frames the harmony sounds in."""

from __future__ import annotations

import numpy as np

from app.core.analysis.harmony import key as K
from app.core.music import Key


def _frame(pcs: dict[int, float], floor: float = 0.05) -> np.ndarray:
    f = np.full(12, floor)
    for pc, v in pcs.items():
        f[pc] = v
    return f / f.max()


def _song() -> tuple[np.ndarray, np.ndarray]:
    """A G major I-IV-V-I pad, quiet, and short loud broadband hits whose sweep rings on C# and G#."""
    chords = [{7: 1.0, 11: 0.8, 2: 0.8}, {0: 1.0, 4: 0.8, 7: 0.8}, {2: 1.0, 6: 0.8, 9: 0.8}, {7: 1.0, 11: 0.8, 2: 0.8}]
    frames, energy = [], []
    for bar in range(16):
        for step in range(40):
            if step % 10 < 2:  # a hit on each beat: many bins lit, so a large compressed-CQT sum
                frames.append(_frame({1: 1.0, 8: 0.95, 5: 0.9, 3: 0.9}, floor=0.5))
                energy.append(60.0)
            else:
                frames.append(_frame(chords[bar % 4]))
                energy.append(8.0)
    return np.array(frames).T, np.array(energy)


def test_energy_weights_let_the_hits_decide_and_sounding_frames_do_not():
    chroma, energy = _song()
    by_energy = K.estimate_key(chroma, weights=energy, fps=10.0, min_contrast=K.PITCHED_STEMS_MIN_CONTRAST)
    by_frames = K.estimate_key(chroma, weights=energy, fps=10.0, min_contrast=K.PITCHED_STEMS_MIN_CONTRAST,
                               equal_frames=True)
    assert by_energy.key != Key(7, "major")  # the old weighting: the hits' pitch classes win
    assert by_frames.key == Key(7, "major")


def test_sounding_frames_are_those_over_a_tenth_of_the_loudest():
    got = K.sounding_frames(np.array([0.0, 0.5, 1.1, 5.0, 10.0]))
    assert got.tolist() == [0.0, 0.0, 1.0, 1.0, 1.0]
    assert K.sounding_frames(np.zeros(0)).size == 0


def test_drums_alone_are_still_refused_with_equal_frames():
    rng = np.random.default_rng(3)
    chroma = 0.8 + 0.2 * rng.random((12, 400))
    chroma /= chroma.max(axis=0, keepdims=True)
    est = K.estimate_key(chroma, weights=1.0 + rng.random(400), fps=10.0, equal_frames=True)
    assert est.key is None and "flat" in est.reason
