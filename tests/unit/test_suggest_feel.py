"""Suggestions in the song's feel: a triplet feel written 4/4 gets triplets (generated with its beats in eighths,
as 12/8, and brought back), a straight song straight sixteenths; the choice is the artist's, and the song's feel
follows what the ears heard through the artist's tempo and meter edits."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.core.analysis.result import SongAnalysis
from app.core.errors import ConstraintError
from app.core.model import as_usable_works, load_chorales, train
from app.core.model.constraints import Constraints
from app.core.music import BeatGrid, ChordTimeline, Melody, Note, TimeSignature
from app.core.project.analysis_edits import (
    EXTRAS_KEY,
    apply_heard_on_grid,
    scale_tempo,
    stored_analysis,
    write_beats_as,
)
from app.core.project.cocreation.cocreate import (
    SuggestRequest,
    generate_suggestions,
    plan,
    plan_label,
    song_context,
    suggestion_entry,
)
from app.core.project.cocreation.feel import TripletView, triplet_meter, triplet_view
from app.core.project.model import Project
from tests.helpers.feel import song_analysis

FOUR = TimeSignature(4, 4)


@pytest.fixture(scope="module")
def model():
    return train(as_usable_works(load_chorales()[:12]))


def _project(a: SongAnalysis) -> Project:
    return Project(tempo_bpm=a.grid.tempo_bpm, time_signature=a.grid.time_signature, key=a.key,
                   extras={EXTRAS_KEY: {"result": a.to_json()}})


def _fractions(suggestions) -> set[float]:
    return {round(n.onset % 1.0, 6) for s in suggestions for n in s.notes.notes}


def test_the_triplet_view_writes_the_beats_in_eighths_and_brings_every_position_back():
    assert triplet_meter(FOUR) == TimeSignature(12, 8) and triplet_meter(TimeSignature(3, 4)) == TimeSignature(9, 8)
    assert triplet_meter(TimeSignature(5, 4)) == TimeSignature(15, 8)
    assert triplet_meter(TimeSignature(6, 8)) is None and triplet_meter(TimeSignature(2, 2)) is None
    view = TripletView(FOUR, TimeSignature(12, 8))
    c = Constraints(time_signature=FOUR, start=8.0, bars=2, tempo_bpm=76.0,
                    chords=ChordTimeline.from_symbols(["Am", "F"], quarters_each=4.0))
    v = view.constraints(c)
    # the same two bars: 12/8 bars of 6 quarter notes at 114 BPM, each chord over its own bar
    assert (v.start, v.end, v.bars, v.tempo_bpm, str(v.time_signature)) == (12.0, 24.0, 2, 114.0, "12/8")
    assert [(s.start, s.end, s.chord.symbol) for s in v.chords] == [(0.0, 6.0, "Am"), (6.0, 12.0, "F")]
    swung = Melody((Note(60, 0.0, 2 / 3), Note(62, 2 / 3, 1 / 3), Note(64, 1.0, 0.5)), time_signature=FOUR,
                   tempo_bpm=76.0)
    there = view.melody(swung)
    assert [x for n in there.notes for x in (n.onset, n.duration)] == pytest.approx([0.0, 1.0, 1.0, 0.5, 1.5, 0.75])
    back = view.melody_back(there)
    assert back.time_signature == FOUR and back.tempo_bpm == pytest.approx(76.0)
    assert [x for n in back.notes for x in (n.onset, n.duration)] == pytest.approx([0.0, 2 / 3, 2 / 3, 1 / 3, 1.0, 0.5])
    assert view.gap((4.0, 8.0)) == (6.0, 12.0)


def test_which_runs_are_in_triplets():
    twelve = TimeSignature(12, 8)
    assert triplet_view(FOUR, "song", True) == TripletView(FOUR, twelve)
    assert triplet_view(FOUR, "song", False) is None
    assert triplet_view(FOUR, "straight", True) is None
    assert triplet_view(FOUR, "triplets", False) == TripletView(FOUR, twelve)
    for feel in ("song", "straight", "triplets"):  # a compound meter's eighths are its triplets already
        assert triplet_view(twelve, feel, True) is None
    assert triplet_view(TimeSignature(2, 2), "song", True) is None
    with pytest.raises(ConstraintError, match="quarter note"):
        triplet_view(TimeSignature(7, 8), "triplets", False)
    with pytest.raises(ConstraintError, match="feel 'swing'"):
        SuggestRequest(feel="swing").checked()


def test_a_triplet_feel_song_gets_triplets_and_a_straight_one_sixteenths(model):
    triplet_song = song_context(_project(song_analysis(True)))
    assert triplet_song.triplet_feel
    request = SuggestRequest(mode="continue", start_bar=2, bars=2, count=3, seed=5)
    p = plan(triplet_song, request)
    assert plan_label(p) == "Continue bars 3–4 in triplets" and str(p.constraints.time_signature) == "12/8"
    found = generate_suggestions(model, p)
    assert len(found) == 3
    fractions = _fractions(found)
    # every onset on the triplet grid (sixths of the beat at the finest), and some on its thirds
    assert all(abs(f * 6 - round(f * 6)) < 1e-4 for f in fractions) and fractions & {0.333333, 0.666667}
    for s in found:  # on the song's own grid: its bars 3–4, its meter and tempo
        assert all(8.0 - 1e-6 <= n.onset and n.end <= 16.0 + 1e-6 for n in s.notes.notes)
        assert s.notes.time_signature == FOUR and s.notes.tempo_bpm == pytest.approx(76.0)
        assert s.settings["feel"] == "triplets" and s.settings["time_signature"] == "4/4"
        assert s.settings["start"] == pytest.approx(8.0)
    entry = suggestion_entry(found[0], p.request, name="#1")
    assert entry.request["feel"] == "song"  # "regenerate like this" asks for the song's feel again
    # the artist's choice wins over the song's feel, both ways
    straight = generate_suggestions(model, plan(triplet_song, replace(request, feel="straight")))
    assert not _fractions(straight) & {0.333333, 0.666667}
    plain_song = song_context(_project(song_analysis(False)))
    assert not plain_song.triplet_feel and plan(plain_song, request).view is None
    assert plan(plain_song, replace(request, feel="triplets")).view is not None


def test_the_songs_feel_follows_the_artists_tempo_and_meter_edits():
    project = _project(song_analysis(True))
    assert SongAnalysis.from_json(stored_analysis(project).to_json()).triplet_feel
    # As 12/8: the meter itself is in triplets now (and the stored beat is the eighth's dotted quarter)
    write_beats_as(project).apply(project)
    assert str(project.time_signature) == "12/8" and not stored_analysis(project).triplet_feel
    assert song_context(project).triplet_feel and plan(song_context(project), SuggestRequest()).view is None
    # and back to 4/4: each quarter-note beat divides in three again
    write_beats_as(project).apply(project)
    assert str(project.time_signature) == "4/4" and stored_analysis(project).triplet_feel
    # doubling the tempo: the beat is no longer the one that was heard dividing in three
    edit = scale_tempo(project, 2.0)
    edit.apply(project)
    assert not song_context(project).triplet_feel
    edit.revert(project)
    assert song_context(project).triplet_feel
    # hearing the chords again on the artist's grid keeps what the ears heard of the beat
    heard = replace(song_analysis(False), grid=BeatGrid(project.tempo_bpm, FOUR))
    apply_heard_on_grid(project, heard).apply(project)
    assert stored_analysis(project).triplet_feel


def test_the_artist_sets_the_songs_feel_in_one_undoable_step():
    from app.core.project.analysis_edits import set_triplet_feel

    with pytest.raises(ValueError, match="analyse the stems first"):
        set_triplet_feel(Project(tempo_bpm=100.0), True)
    project = _project(song_analysis(False))
    edit = set_triplet_feel(project, True)
    edit.apply(project)
    assert stored_analysis(project).triplet_feel and song_context(project).triplet_feel
    assert stored_analysis(project).key == song_analysis(False).key  # nothing else heard changes
    edit.revert(project)
    assert not song_context(project).triplet_feel
