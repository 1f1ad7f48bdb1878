"""The beat's phase on the kick and snare, a fit past a quiet intro, bar 1 before a pickup, and 3/4 only on a
real 3-beat accent pattern."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.analysis.rhythm.beatfit import fit_grid
from app.core.analysis.rhythm.meter import bar_one, triple
from app.core.analysis.rhythm.onsets import onset_features
from app.core.analysis.rhythm.tempo import estimate_grid
from app.core.analysis.signal import ANALYSIS_RATE
from tests.unit.test_tempo_level import ROCK, _groove

SR = ANALYSIS_RATE
FPS = SR / 256


def _bass_on_swung_eighths(bpm: float, bars: int, start: float = 0.25) -> np.ndarray:
    """A loud bass note two thirds into every beat (a shuffle's swung eighth), a new pitch each time."""
    beat = 60.0 / bpm
    y = np.zeros(int((bars * 4 + 2) * beat * SR) + SR, np.float32)
    n = int(0.2 * SR)
    t = np.arange(n) / SR
    for k in range(bars * 4):
        f0 = 55.0 * 2 ** (((k * 5) % 12) / 12.0)
        note = np.sin(2 * np.pi * f0 * t) * np.exp(-t / 0.08) * 4.5  # louder than the kit: its peaks lead the mix
        i = int(round((start + (k + 2.0 / 3.0) * beat) * SR))
        y[i:i + n] += note[: y.size - i]
    return y


def test_the_beat_is_where_the_kick_and_snare_play_not_on_a_loud_swung_bass():
    # moo, boogi_marabi and slow_neasy (real songs) had their grid a third of a beat early: the rhythm
    # section's envelope peaked on the bass's swung eighths; the kit says where the beat is
    bpm, bars = 120.0, 16
    drums = _groove(bpm, ROCK, bars=bars)
    both = drums + _bass_on_swung_eighths(bpm, bars)
    grid = estimate_grid(onset_features(both, SR), kit=onset_features(drums, SR)).grid
    assert grid is not None and grid.tempo_bpm == pytest.approx(bpm, rel=0.01)
    beat = 60.0 / bpm
    err = (((np.array(grid.beat_times) - 0.25) / beat + 0.5) % 1.0) - 0.5
    assert np.max(np.abs(err)) < 0.1


def test_the_least_squares_fit_reaches_past_a_quiet_intro():
    # no onsets in the 16 beats either side of the anchor (an intro without drums): the fit used to give up
    # and leave the first, frame-quantised tempo (119.945 for 120 on three real songs)
    beat = 60.0 / 120.0
    onsets = np.arange(20.0, 140.0, beat / 2.0) * FPS
    fit = fit_grid(onsets, 60.0 * FPS / 119.945, 0.0, FPS)
    assert fit.n_onsets > 100
    assert fit.snapped_bpm == 120.0


def test_bar_1_holds_a_pickup():
    # beat 100 frames, bar 400, downbeats at 30 + 400 k; the music starts on beat 4 of the first bar (330):
    # bar 1 is the bar the pickup is in (as in the song's MIDI file), not the first full bar after it (430)
    assert bar_one(830.0, 330.0, 100.0, 400.0) == pytest.approx(30.0)
    assert bar_one(30.0, 35.0, 100.0, 400.0) == pytest.approx(30.0)  # starting on the downbeat
    assert bar_one(30.0, 10.0, 100.0, 400.0) == pytest.approx(30.0)  # a hair before it (within 0.3 beat)
    assert bar_one(430.0, 0.0, 100.0, 400.0) == pytest.approx(30.0)


def test_no_3_4_without_a_significant_3_beat_accent_pattern():
    rng = np.random.default_rng(0)
    noise_says_three = 0
    for _ in range(200):
        noise_says_three += triple(rng.standard_normal(64))
    assert noise_says_three <= 30  # about the 10 % level (23 here); "3 explains more than 4" alone: 74
    waltz = np.tile([2.0, 0.0, 0.3], 22) + 0.5 * rng.standard_normal(66)
    assert triple(waltz)
    backbeat = np.tile([2.0, 0.0, 1.0, 0.0], 16) + 0.5 * rng.standard_normal(64)
    assert not triple(backbeat)



def _pulses(n: int, period: float, phase: float, height: float) -> np.ndarray:
    env = np.zeros(n)
    env[np.round(np.arange(phase, n - 1, period)).astype(int)] = height
    return env


def test_without_a_kit_the_body_and_low_band_move_the_phase_only_when_they_clearly_say_so():
    # a whole mix has no drum stem to read the kit from: the fit's phase follows the loudest onsets, which in
    # mma's 8Beat mix were the off-beat comp (its grid sat half a beat off, every chord straddling two beats)
    from app.core.analysis.rhythm.beatlevel import clearly_better_phase

    n, period = 4000, 40.0
    comp = _pulses(n, period, 20.0, 1.0)  # loud, on the off-beats
    body = comp + _pulses(n, period, 0.0, 0.9)  # kick and snare on the beats, a little quieter
    low = _pulses(n, period, 0.0, 1.0) + _pulses(n, period, 20.0, 0.1)  # kick and bass: on the beats
    assert clearly_better_phase((body, low), period, 20.0, 1.25) == pytest.approx(0.0, abs=1.0)
    # a low band that hardly prefers the beat leaves the fit's phase alone
    even = _pulses(n, period, 0.0, 1.0) + _pulses(n, period, 20.0, 0.95)
    assert clearly_better_phase((body, even), period, 20.0, 1.25) == 20.0
