"""The runner-up tempo: the felt beat that scored next, kept beside the tempo shown so one click takes it.

On the rendered real songs whose notated tempo Accord misses, that tempo is most often the runner-up
(docs/analysis.md); a ballad read in its eighths offers its notated half, a backbeat its half."""

from __future__ import annotations

import hashlib

import pytest

from app.core.analysis import pipeline
from app.core.analysis.result import SongAnalysis
from app.core.analysis.rhythm.beatlevel import choose_beat_level, ranked_beat_levels
from app.core.analysis.rhythm.onsets import onset_features
from app.core.analysis.rhythm.tempo import TempoResult, _peaky, estimate_grid
from app.core.music import BeatGrid
from tests.unit.test_tempo_level import ROCK, SR, _groove

FELT_RATIOS = (1 / 3, 0.5, 2 / 3, 0.75, 4 / 3, 1.5, 2.0, 3.0)


def test_levels_are_ranked_best_first_and_the_best_is_the_chosen_level():
    f = onset_features(_groove(128.0, ROCK), SR)
    env, low = _peaky(f.body), _peaky(f.low)
    period = 60.0 * f.fps / 128.0
    ranked = ranked_beat_levels(env, period, 0.0, f.fps, _peaky(f.kit_body), low, _peaky(f.kick))
    scores = [s for s, _, _ in ranked]
    assert scores == sorted(scores, reverse=True) and len(ranked) >= 3
    assert ranked[0][1:] == choose_beat_level(env, period, 0.0, f.fps, _peaky(f.kit_body), low, _peaky(f.kick))


@pytest.mark.parametrize("bpm", [100.0, 128.0])
def test_a_backbeat_offers_a_related_tempo_as_its_runner_up(bpm):
    f = onset_features(_groove(bpm, ROCK), SR)
    r = estimate_grid(f, kit=f)
    assert r.grid is not None and r.grid.tempo_bpm == pytest.approx(bpm, rel=0.01)
    assert any(r.runner_up_ratio == pytest.approx(x) for x in FELT_RATIOS), r.runner_up_ratio


@pytest.mark.parametrize("ratio, tempo, expected", [
    (0.5, 144.0, 72.0), (1.5, 89.33, 134.0), (2.0, 300.0, 0.0),  # 600 is past the tempo range
    (1.02, 120.0, 0.0),  # the same tempo
    (0.0, 120.0, 0.0),  # none
])
def test_runner_up_bpm(ratio, tempo, expected):
    result = TempoResult(BeatGrid(tempo), 0.9, runner_up_ratio=ratio)
    assert pipeline._runner_up_bpm(tempo, result) == pytest.approx(expected, abs=0.01)
    assert pipeline._runner_up_bpm(tempo, TempoResult(None, 0.0, runner_up_ratio=ratio)) == 0.0


def test_the_analysis_keeps_its_runner_up_tempo_through_json_and_a_halving():
    from tests.helpers.songs import make_song

    song = make_song(3)
    a = pipeline.analyze_stems([pipeline.StemInput(name, audio, song.sample_rate,
                                                   hashlib.sha256(audio.tobytes()).hexdigest())
                                for name, audio in song.stems.items()])
    other = a.tempo_runner_up_bpm
    assert other > 0 and any(other / a.grid.tempo_bpm == pytest.approx(x, rel=1e-3) for x in FELT_RATIOS)
    assert SongAnalysis.from_json(a.to_json()).tempo_runner_up_bpm == other
    taken = a.with_tempo_scaled(other / a.grid.tempo_bpm)  # the runner-up taken: the first reading is the other
    assert taken.grid.tempo_bpm == pytest.approx(other) and taken.tempo_runner_up_bpm == a.grid.tempo_bpm
    old = a.to_json()
    del old["tempo_runner_up_bpm"]  # an analysis stored before the field existed still loads, with none
    assert SongAnalysis.from_json(old).tempo_runner_up_bpm == 0.0
