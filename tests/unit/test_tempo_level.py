"""Which metrical level is the felt beat: backbeat grooves, ska off-beats, ballads, on drum audio."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.analysis.rhythm.beatlevel import choose_beat_level, level_score, pulse_strength
from app.core.analysis.rhythm.onsets import onset_features
from app.core.analysis.rhythm.tempo import estimate_grid
from app.core.analysis.signal import ANALYSIS_RATE

SR = ANALYSIS_RATE


def _hits(rng: np.random.Generator) -> dict[str, np.ndarray]:
    n = int(0.3 * SR)
    t = np.arange(n) / SR
    kick = np.sin(2 * np.pi * np.cumsum(55 + 90 * np.exp(-t / 0.03)) / SR) * np.exp(-t / 0.12)
    snare = rng.standard_normal(n) * np.exp(-t / 0.06) * 0.5 + 0.5 * np.sin(2 * np.pi * 200 * t) * np.exp(-t / 0.05)
    hat = np.diff(rng.standard_normal(int(0.06 * SR) + 1)) * np.exp(-np.arange(int(0.06 * SR)) / SR / 0.015) * 0.2
    return {"kick": kick, "snare": snare, "hat": hat}


def _groove(bpm: float, pattern: dict[str, list[float]], *, bars: int = 12, seed: int = 0) -> np.ndarray:
    """Drum audio: `pattern` maps an instrument to its positions in a 4/4 bar (in beats)."""
    rng = np.random.default_rng(seed)
    hits = _hits(rng)
    beat = 60.0 / bpm
    y = np.zeros(int((bars * 4 + 2) * beat * SR) + SR, np.float32)
    for b in range(bars):
        for name, positions in pattern.items():
            for p in positions:
                i = int(round((0.25 + (4 * b + p) * beat + rng.normal(0, 0.002)) * SR))
                h = hits[name] * rng.uniform(0.8, 1.0)
                y[i:i + h.size] += h[: y.size - i]
    return y


def _bpm(y: np.ndarray) -> float:
    f = onset_features(y, SR)
    r = estimate_grid(f, kit=f)
    assert r.grid is not None, r.reason
    return r.grid.tempo_bpm


ROCK = {"kick": [0, 2], "snare": [1, 3], "hat": [i / 2 for i in range(8)]}


@pytest.mark.parametrize("bpm", [100.0, 128.0, 150.0])
def test_kick_1_3_snare_2_4_is_read_at_the_snare_level_not_half(bpm):
    assert _bpm(_groove(bpm, ROCK)) == pytest.approx(bpm, rel=0.02)


def test_ska_off_beat_pattern_keeps_the_quarter_note():
    # kick on 1, snare on 2 and 4, hats on every off-beat eighth: the skank is between the beats
    ska = {"kick": [0], "snare": [1, 3], "hat": [0.5, 1.5, 2.5, 3.5]}
    assert _bpm(_groove(152.0, ska)) == pytest.approx(152.0, rel=0.02)


def test_a_ballad_with_eighth_hats_is_not_double_time():
    ballad = {"kick": [0, 2], "snare": [1, 3], "hat": [i / 2 for i in range(8)]}
    assert _bpm(_groove(72.0, ballad)) == pytest.approx(72.0, rel=0.02)


def test_the_prior_pays_back_a_slower_level_only_for_really_weak_beats():
    # equal strength: the level nearer the prior (135/min) wins; 64 needs twice the strength of 128
    assert level_score(2.0, 1.0, 128.0) > level_score(2.0, 1.0, 64.0)
    assert level_score(4.0, 1.0, 64.0) > level_score(2.0, 1.0, 128.0)


def test_pulse_strength_finds_the_phase_and_choice_stays_among_related_periods():
    env = np.zeros(4000)
    for d in (-2, -1, 0, 1, 2):  # max-filtered, as the estimator's envelopes are
        env[17 + d::40] = 1.0  # a pulse every 40 frames at phase 17
    strength, phase = pulse_strength(env, 40.0, 0.0)
    assert strength == pytest.approx(1.0) and phase == pytest.approx(17.0, abs=1.0)
    period, _ = choose_beat_level(env, 40.0, 0.0, fps=86.13)
    assert any(period == pytest.approx(40.0 * r) for r in (1 / 3, 0.5, 2 / 3, 0.75, 1.0, 4 / 3, 1.5, 2.0, 3.0))


@pytest.mark.parametrize("bpm", [165.0, 176.0])
def test_a_fast_backbeat_is_not_halved_when_the_snare_rings_in_the_bass_band(bpm):
    # the snare's body tone (~200 Hz) lies in the < 250 Hz band: judged there, kick and snare look alike and
    # the half-note level won under the prior; the kick band (< 120 Hz) tells them apart
    assert _bpm(_groove(bpm, ROCK)) == pytest.approx(bpm, rel=0.02)


def test_a_level_with_nothing_on_half_its_pulses_is_weaker_than_the_level_played():
    from app.core.analysis.rhythm.beatlevel import played_strength

    env = np.zeros(4000)
    env[::40] = 1.0  # one onset every 40 frames
    # at a period of 20 frames every other pulse is empty: the arithmetic mean would say half as strong,
    # the geometric mean of odd and even pulses (the weaker half counted) says far less
    assert played_strength(env, 40.0, 0.0) == pytest.approx(1.0)
    assert played_strength(env, 20.0, 0.0) < 0.5 * 0.5


TWIST = {"kick": [0, 1, 2, 3], "snare": [1, 3], "hat": [i / 2 for i in range(8)]}  # four on the floor + backbeat
OFF_SNARE = {"kick": [0, 2], "snare": [1, 3, 0.5, 1.5, 2.5, 3.5], "hat": [i / 2 for i in range(8)]}


@pytest.mark.parametrize("pattern", [TWIST, OFF_SNARE], ids=["twist", "off-beat snare"])
@pytest.mark.parametrize("bpm", [109.0, 126.0])
def test_a_backbeat_groove_is_in_four_not_three(pattern, bpm):
    # accents that repeat every 2 beats also correlate at a lag of 6 beats: the old lag-3-and-6 vs lag-4-and-8
    # autocorrelation read these grooves (and six real 4/4 songs) as 3/4; a 2-beat pattern is a 4-beat one
    f = onset_features(_groove(bpm, pattern, bars=16), SR)
    grid = estimate_grid(f, kit=f).grid
    assert grid is not None
    assert grid.tempo_bpm == pytest.approx(bpm, rel=0.02)
    assert str(grid.time_signature) == "4/4"


def test_bar_1_is_where_the_music_starts_when_the_accents_do_not_say_otherwise():
    # kick on every beat and a snare on 2 and 4: beats 1 and 3 sound alike, so the accents alone cannot tell
    # bar 1 from the middle of the bar; the groove starts (0.25 s in) on bar 1, as bounced stems do
    f = onset_features(_groove(120.0, TWIST, bars=16), SR)
    grid = estimate_grid(f, kit=f).grid
    assert grid is not None
    assert grid.offset_seconds == pytest.approx(0.25, abs=0.05)
