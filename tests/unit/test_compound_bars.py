"""Compound beats: both thirds must be played (a swing is not 6/8), and a compound pulse whose pulses are all
downbeats is the bar of a fast waltz (3/4), not 6/8."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.analysis.rhythm import tempo


def _pulse_env(period: int, levels: dict[float, float], beats: int = 64) -> np.ndarray:
    """An onset envelope with a peak at each (fraction of the beat: level), every `period` frames."""
    env = np.zeros(period * beats)
    for b in range(beats):
        for frac, level in levels.items():
            env[b * period + int(round(frac * period))] = level
    return env


@pytest.mark.parametrize("first_third, compound", [(0.2, False), (0.3, False), (0.45, True), (0.9, True)])
def test_both_thirds_must_be_played_for_a_compound_beat(first_third, compound):
    # a swing plays the beat and its last third (long-short); a compound beat plays both thirds. (A ghost note or
    # a fill on the first third sits between the two: mma BigBand's stems reach 0.38 of the last third and read
    # 6/8, but the 16-second synthetic 6/8 songs without drums go down to 0.39, so the bound stays at 0.35.)
    env = _pulse_env(36, {0.0: 1.0, 1 / 3: first_third * 0.7, 2 / 3: 0.7})
    level = tempo._level(env, 36.0, [0.0], 86.0)
    assert (level.off3 > 0) is compound


def _pulses(levels: list[float], period: int = 86, fps: float = 86.0) -> tempo.OnsetFeatures:
    """Onset features with one hit per compound pulse, at the given accent levels (repeated)."""
    rng = np.random.default_rng(5)
    n = period * len(levels)
    env = np.zeros(n)
    for i, level in enumerate(levels):
        env[i * period] = level * rng.uniform(0.9, 1.1)
    return tempo.OnsetFeatures(env=env, low=env.copy(), body=env.copy(), fps=fps, sample_rate=22050)


def test_a_compound_pulse_with_every_pulse_alike_is_the_bar_of_a_fast_waltz():
    # mma's VieneseWaltz (180 quarter notes) read one pulse a bar with busy thirds: 6/8 at 90. Its pulses are
    # all downbeats; a 6/8 bar has a stronger first pulse
    level = tempo._Level(86.0, 0.0, 60.0, 0.0, 0.3)
    assert tempo._bars_of_one_pulse(_pulses([1.0] * 48), level, None, 0.0)
    assert not tempo._bars_of_one_pulse(_pulses([1.0, 0.5] * 24), level, None, 0.0)
    # a pulse whose thirds would be faster than any beat stays compound
    fast = tempo._Level(43.0, 0.0, 120.0, 0.0, 0.3)
    assert not tempo._bars_of_one_pulse(_pulses([1.0] * 96, period=43), fast, None, 0.0)
