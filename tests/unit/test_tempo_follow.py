"""A grid that follows a song played without a click, and stays one exact tempo for music made on a clock."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.analysis.rhythm import follow
from app.core.analysis.rhythm.onsets import onset_features
from app.core.analysis.rhythm.tempo import estimate_grid
from tests.helpers.drift import SR, drifting_beats, kit_at


def test_a_song_played_without_a_click_gets_a_grid_through_its_beats():
    truth = drifting_beats(100.0, 120, drift=0.03)
    result = estimate_grid(onset_features(kit_at(truth), SR))
    grid = result.grid
    assert grid is not None and grid.follows_tempo
    bar1 = int(np.argmin(np.abs(truth - grid.offset_seconds)))
    placed = np.array([grid.seconds(q) for q in range(len(truth) - bar1)])
    err = np.abs(placed - truth[bar1:])
    assert np.mean(err <= 0.03) >= 0.95, np.round(err, 3)
    # and a constant grid would be off the beat: this is what the anchors are for
    steady = grid.offset_seconds + np.arange(len(truth) - bar1) * 60.0 / grid.tempo_bpm
    assert np.mean(np.abs(steady - truth[bar1:]) <= 0.03) < 0.6


@pytest.mark.parametrize("drift, seed", [(0.01, 4), (0.02, 3)])
def test_a_swing_played_without_a_click_is_heard_on_its_own_beats(drift, seed):
    # a constant grid drifts across the offbeats of a band without a click, and the swing blurs out of the fold; on
    # the tracked beats each beat's last third is where the swung "and" is. (With other walks this bare kit's beat
    # reads at half or 3/2 its tempo, a level choice this test is not about: these two read it right.)
    truth = drifting_beats(100.0, 120, drift=drift, seed=seed)
    swung = estimate_grid(onset_features(kit_at(truth, swung=True), SR))
    assert swung.grid is not None and swung.grid.follows_tempo and abs(swung.grid.tempo_bpm / 100.0 - 1) < 0.04
    assert swung.swing and swung.triplet_feel
    straight = estimate_grid(onset_features(kit_at(truth), SR))
    assert straight.grid is not None and straight.grid.follows_tempo and not straight.triplet_feel


def test_music_made_on_a_clock_keeps_one_exact_tempo():
    result = estimate_grid(onset_features(kit_at(drifting_beats(100.0, 120, drift=0.0)), SR))
    assert result.grid is not None and not result.grid.follows_tempo
    assert result.grid.tempo_bpm == 100.0


def test_tracked_beats_that_slip_are_not_followed():
    steady = np.arange(0.0, 100.0) * 40.0
    assert follow.steady(steady)
    slipped = np.concatenate([steady[:50], steady[50:] + 20.0])  # half a beat lost: one 60-frame beat
    assert not follow.steady(slipped)
    assert not follow.needs_following(slipped, steady, 86.0)
    assert follow.off_beat_share(steady + 10.0, steady, 86.0) == 1.0  # 116 ms off every beat
    assert follow.off_beat_share(steady + 2.0, steady, 86.0) == 0.0


@pytest.mark.parametrize("bpm", [70.0, 140.0])
def test_the_local_tempo_follows_a_tempo_change(bpm):
    # 60 beats at bpm, then 60 beats 20 % faster: the per-frame period comes down by a sixth
    fps = SR / 256
    first = np.arange(60) * 60.0 / bpm
    second = first[-1] + 60.0 / bpm + np.arange(60) * 60.0 / (1.2 * bpm)
    onsets = np.concatenate([first, second]) * fps
    period = 60.0 * fps / bpm
    local = follow.local_periods(onsets, period, int(onsets[-1]) + 1)
    assert local[int(first[20] * fps)] == pytest.approx(period, rel=0.02)
    assert local[int(second[-20] * fps)] == pytest.approx(period / 1.2, rel=0.02)


def test_the_followed_grid_lists_its_beats_and_bar_lines_from_bar_one():
    grid = estimate_grid(onset_features(kit_at(drifting_beats(100.0, 120, drift=0.03)), SR)).grid
    assert grid is not None and grid.follows_tempo
    assert grid.beat_times[0] == pytest.approx(grid.offset_seconds) == grid.downbeat_times[0]
    bar = grid.time_signature.bar_quarters
    for k, t in enumerate(grid.downbeat_times[:20]):  # every bar line is on the grid's own bar starts
        assert t == pytest.approx(grid.seconds(k * bar), abs=1e-6)
    assert set(grid.downbeat_times) <= set(grid.beat_times)


def test_a_path_on_the_off_beat_moves_to_the_beat_only_when_the_kit_clearly_says_so():
    env = np.zeros(4000)
    env[::40] = 1.0  # kick and snare on every beat (frames 0, 40, 80, ...)
    off = 20.0 + 40.0 * np.arange(99)  # a path locked on the off-beats (off-beat chords, a rhumba's accents)
    moved = follow.on_the_beat(off, (env, env, env))
    assert np.allclose(moved, 40.0 + 40.0 * np.arange(98))
    assert np.array_equal(follow.on_the_beat(moved, (env, env, env)), moved)  # on the beat: kept
    ambiguous = env.copy()
    ambiguous[20::40] = 0.9  # off-beats nearly as loud, and only one envelope to judge by: keep the path
    assert np.array_equal(follow.on_the_beat(off, (ambiguous,)), off)


def test_the_beat_level_is_chosen_again_on_the_song_straightened_by_its_beats():
    beats = np.cumsum(np.r_[0.0, 40.0 * (1.0 + 0.05 * np.sin(np.arange(99) / 10.0))])  # a drifting pulse
    env = np.zeros(int(beats[-1]) + 10)
    env[np.round(beats).astype(int)] = 1.0
    flat = follow.straightened(env, beats, 40.0)
    assert np.flatnonzero(flat > 0.5).size >= 90  # every beat lands on a multiple of 40 frames...
    assert np.all(np.abs(np.flatnonzero(flat > 0.5) / 40.0 - np.round(np.flatnonzero(flat > 0.5) / 40.0)) < 0.05)
    doubled = follow.regrouped(beats, 0.5, 0.0)
    assert doubled.size == 2 * beats.size - 1 and doubled[1] == pytest.approx(0.5 * (beats[0] + beats[1]))
    assert np.array_equal(follow.regrouped(beats, 2.0, 1.0), beats[1::2])  # half as fast, on the odd beats
    assert follow.regrouped(beats, 1.5, 0.0) is None  # 3/2 is not a regrouping of these beats
