"""The key and chords heard on the artist's own grid (analyze_stems(grid=...)) and written back without touching
that grid (analysis_edits.apply_heard_on_grid)."""

from __future__ import annotations

import hashlib

import pytest

from app.core.analysis import AnalysisCache, StemInput, analyze_stems
from app.core.music import BeatGrid, Key, TimeSignature
from app.core.project.analysis_edits import apply_analysis, apply_heard_on_grid, move_bar_one, stored_analysis
from app.core.project.model import Project
from tests.helpers.songs import make_song


@pytest.fixture(scope="module")
def song():
    return make_song(5, meter=TimeSignature(4, 4), tempo_bpm=100.0, key=Key(7, "major"), seconds=12.0)


def _stems(song):
    return [StemInput(n, a, song.sample_rate, hashlib.sha256(a.tobytes()).hexdigest()) for n, a in song.stems.items()]


def _chords_on_the_truth(result, song) -> float:
    """Share of the truth's bars whose chord the result has at the same seconds (mid-bar)."""
    g_true = BeatGrid(song.tempo_bpm, song.time_signature, offset_seconds=song.offset_seconds)
    hits = []
    for span in song.chords:
        t = g_true.seconds(0.5 * (span.start + span.end))
        got = result.chords.at(result.grid.quarters(t))
        hits.append(got is not None and got.root_pc == span.chord.root_pc)
    return sum(hits) / len(hits)


def test_the_given_grid_is_kept_and_the_chords_are_heard_on_it(song, tmp_path):
    heard = analyze_stems(_stems(song))
    # the artist's grid: bar 1 half a beat late (as if the ears had put it on the "and") — chords are then read
    # across the beats, and the given grid comes back exactly, anchors and all
    given = BeatGrid(song.tempo_bpm, song.time_signature, offset_seconds=song.offset_seconds + 0.3,
                     anchors=((0.0, 0.0), (4.0, 2.4), (400.0, 240.0)))
    on_grid = analyze_stems(_stems(song), grid=given)
    assert (on_grid.grid.tempo_bpm, on_grid.grid.offset_seconds, on_grid.grid.anchors) == (
        given.tempo_bpm, given.offset_seconds, given.anchors)
    assert on_grid.key == heard.key == Key(7, "major")
    assert _chords_on_the_truth(heard, song) >= 0.75 and _chords_on_the_truth(on_grid, song) >= 0.75
    # a chord starts on one of the given grid's beats, not where the audio's own grid put it
    assert all(abs(s.start - round(s.start)) < 1e-9 for s in on_grid.chords)


def test_a_given_grid_is_its_own_cache_entry(song, tmp_path):
    cache = AnalysisCache(tmp_path)
    first = analyze_stems(_stems(song), cache=cache)
    given = first.grid.with_bar_one_at(1.0)
    on_grid = analyze_stems(_stems(song), cache=cache, grid=given)
    assert on_grid.grid.offset_seconds == pytest.approx(given.offset_seconds)
    assert analyze_stems(_stems(song), cache=cache) == first  # not the given grid's result
    assert analyze_stems(_stems(song), cache=cache, grid=given) == on_grid


def test_applying_keeps_the_artists_grid_and_the_tempo_readings(song):
    p = Project(name="Heard again")
    first = analyze_stems(_stems(song))
    apply_analysis(p, first).apply(p)
    move_bar_one(p, 0.5).apply(p)  # the artist moved the grid
    grid, snapshot = p.beat_grid(), p.snapshot()
    again = analyze_stems(_stems(song), grid=grid)
    edit = apply_heard_on_grid(p, again)
    edit.apply(p)
    assert edit.label == "Hear the key and chords on this grid"
    assert p.beat_grid() == grid and p.tempo_bpm == grid.tempo_bpm
    assert p.chords == again.chords and p.key == again.key
    stored = stored_analysis(p)
    assert stored.tempo_fit_bpm == first.tempo_fit_bpm and stored.tempo_runner_up_bpm == first.tempo_runner_up_bpm
    assert stored.chords == again.chords
    edit.revert(p)
    assert p.snapshot() == snapshot
