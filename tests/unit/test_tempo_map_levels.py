"""A tempo map only when the song really changes tempo: a swung or dotted stretch is another metrical level."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.analysis.rhythm.beatfit import fit_grid
from app.core.analysis.signal import ANALYSIS_RATE

FPS = ANALYSIS_RATE / 256


def _shuffle(bpm: float, seconds: float, start: float = 0.3) -> np.ndarray:
    """Onsets of a shuffle: every beat and the swung eighth two thirds into it (triplet feel)."""
    beat = 60.0 / bpm
    beats = np.arange(start, start + seconds, beat)
    return np.sort(np.concatenate([beats, beats + 2.0 * beat / 3.0]))


def test_a_shuffle_keeps_one_tempo_and_snaps():
    # windows of triplets fit 3/2 of the tempo on a half-beat grid; that is not a tempo change
    fit = fit_grid(_shuffle(64.0, 150.0) * FPS, 60.0 * FPS / 64.0, 0.3 * FPS, FPS)
    assert fit.tempo_map == ()
    assert fit.snapped_bpm == pytest.approx(64.0)


def test_a_stretch_at_a_metrical_relative_is_no_map_but_a_real_change_is():
    first = np.arange(0.3, 60.0, 60.0 / 100.0)
    dotted = 60.0 + np.arange(0.0, 60.0, 60.0 / 150.0)  # 3/2: a dotted figure or a 3-over-2 passage
    fit = fit_grid(np.concatenate([first, dotted]) * FPS, 60.0 * FPS / 100.0, 0.3 * FPS, FPS)
    assert all(b == pytest.approx(100.0, rel=0.03) for _, b in fit.tempo_map)
    changed = 60.0 + np.arange(0.0, 60.0, 60.0 / 125.0)  # 5/4: a real change
    fit = fit_grid(np.concatenate([first, changed]) * FPS, 60.0 * FPS / 100.0, 0.3 * FPS, FPS)
    assert len(fit.tempo_map) >= 2 and fit.tempo_map[-1][1] == pytest.approx(125.0, rel=0.03)
