"""Compound beats: both thirds must be played (a swing is not 6/8), four pulses to the bar are a triplet feel written
in 4/4 (not 6/8), and a compound pulse whose pulses are all downbeats is the bar of a fast waltz (3/4), not 6/8."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.analysis.rhythm import tempo
from tests.helpers.feel import SR, compound_kit


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


def test_four_compound_pulses_to_the_bar_are_a_triplet_feel_and_two_are_six_eight():
    from app.core.analysis.rhythm.meter import four_pulse_bars

    rng = np.random.default_rng(2)
    noise = rng.normal(0.0, 0.15, 96)
    assert four_pulse_bars(np.tile([1.0, 0.3, 0.6, 0.3], 24) + noise)  # the bar's third pulse weaker than its first
    assert not four_pulse_bars(np.tile([1.0, 0.3], 48) + noise)  # every other pulse alike: 6/8
    assert not four_pulse_bars(np.tile([1.0, 0.3, 0.6, 0.3], 7) + noise[:28])  # seven bars: too few to tell


@pytest.mark.parametrize("pulse_bpm", [60.0, 70.0, 90.0])
def test_a_twelve_eight_ballad_reads_four_four_at_its_felt_beat(pulse_bpm):
    # kick on 1, snare on 2 and 4, hats on every triplet eighth: a slow 12/8 ballad, which charts write in 4/4 with
    # triplets and a musician taps at its dotted-quarter pulse. It read 6/8 at 1.5 times that pulse (the quarter)
    from app.core.analysis import analyze_stems
    from app.core.analysis.pipeline import StemInput

    a = analyze_stems([StemInput("drums", compound_kit(pulse_bpm, ["k", "s", "", "s"]), SR, f"ballad-{pulse_bpm}")])
    assert str(a.time_signature) == "4/4" and abs(a.grid.tempo_bpm - pulse_bpm) < 0.05
    assert any("triplet feel" in n and f"12/8 the same beats are {1.5 * pulse_bpm:.4g} BPM" in n for n in a.notes)
    assert a.triplet_feel  # suggestions on this grid follow the triplets (cocreation/feel.py)
    # two pulses a bar (kick, snare) stay 6/8, its tempo in quarter notes
    six = analyze_stems([StemInput("drums", compound_kit(90.0, ["k", "s"]), SR, "six-eight")])
    assert str(six.time_signature) == "6/8" and abs(six.grid.tempo_bpm - 135.0) < 0.05
    assert not any("triplet feel" in n for n in six.notes) and not six.triplet_feel


def test_the_strongest_onsets_between_the_beats_on_its_last_third_are_a_swing():
    from app.core.analysis.rhythm.meter import swung

    period = 48.0
    beats = np.arange(2, 60) * period

    def env(levels: dict[float, float]) -> np.ndarray:
        e = np.zeros(int(62 * period))
        for b in beats:
            e[int(b)] = 1.0
            for frac, level in levels.items():
                e[int(round(b + frac * period))] = level
        return e

    assert swung(env({2 / 3: 0.6}), beats, period)
    assert swung(env({0.7: 0.6}), beats, period)  # a swing ratio a little past 2:1
    assert not swung(env({0.5: 0.6}), beats, period)  # straight eighths
    assert not swung(env({0.5: 0.6, 2 / 3: 0.8}), beats, period)  # the half as busy: not clearly swung
    assert not swung(env({2 / 3: 0.05}), beats, period)  # a ghost of a note
    assert not swung(env({0.75: 0.6}), beats, period)  # a dotted-eighth-and-sixteenth figure


@pytest.mark.parametrize("bpm", [96.0, 126.0])
def test_a_swung_backbeat_reads_four_four_with_a_triplet_feel_and_a_straight_one_without(bpm):
    from app.core.analysis import analyze_stems
    from app.core.analysis.pipeline import StemInput
    from tests.helpers.feel import backbeat_kit

    a = analyze_stems([StemInput("drums", backbeat_kit(bpm, swung=True), SR, f"swing-{bpm}")])
    assert str(a.time_signature) == "4/4" and abs(a.grid.tempo_bpm - bpm) < 0.05
    assert a.triplet_feel and any(n.startswith("swung eighths") for n in a.notes)
    straight = analyze_stems([StemInput("drums", backbeat_kit(bpm, swung=False), SR, f"straight-{bpm}")])
    assert abs(straight.grid.tempo_bpm - bpm) < 0.05 and not straight.triplet_feel
    assert not any("swung" in n or "triplet" in n for n in straight.notes)
