"""A kept idea's solo is honoured in the exported mix, as in the studio: the soloed idea alone is heard and
credited, the unsoloed stems are neither in the sound nor listed in the record; and an idea edited on its
track is exported as edited, its record counting the notes a person changed."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import soundfile as sf

from app.core.music import Note
from app.core.project.cocreation.suggestion_edits import MoveNote, NoteTarget, SetTrackSettings
from app.core.project.export.project import export_project
from app.core.provenance.identity import create_identity
from tests.helpers.provenance import consented_catalogue, make_project, suggestion_json


@pytest.fixture
def me(tmp_path):
    return create_identity(tmp_path / "keys", "Ada")


@pytest.fixture
def cat(tmp_path):
    c = consented_catalogue(tmp_path / "cat.sqlite")
    yield c
    c.close()


def _mix(project, out, me, cat):
    [result] = export_project(project, what="mix", format="wav16", out=out, identity=me, catalogue=cat,
                              statements=False, watermark=False)
    samples, _ = sf.read(str(result.path), always_2d=True)
    return result.record, samples


def test_a_soloed_idea_is_the_only_thing_in_the_exported_mix(tmp_path, me, cat):
    project = make_project(tmp_path / "song")
    tid = project.tracks[0].id
    record, full = _mix(project, tmp_path / "full.wav", me, cat)
    assert [s["name"] for s in record["stems"]] == ["drums", "bass"] and record["aiContent"]
    SetTrackSettings(tid, {"solo": True}).apply(project)
    record, solo = _mix(project, tmp_path / "solo.wav", me, cat)
    assert record["stems"] == [] and record["suggestions"] == ["s1"]  # the silent stems are not claimed
    n = min(len(full), len(solo))
    assert np.abs(solo[:n]).max() > 0.01  # the idea is heard
    assert not np.allclose(full[:n], solo[:n], atol=1e-3)  # and the stems are not
    SetTrackSettings(tid, {"solo": False}).apply(project)
    record, again = _mix(project, tmp_path / "again.wav", me, cat)
    assert [s["name"] for s in record["stems"]] == ["drums", "bass"]
    assert np.allclose(full[:n], again[:n], atol=1e-4)


def test_with_two_ideas_only_the_soloed_one_is_heard_and_credited(tmp_path, me, cat):
    second = {**suggestion_json("s2", credit=((2, 10000),)), "name": "Other"}
    project = make_project(tmp_path / "song")
    from app.core.project.model import Project

    both = Project(name=project.name, path=project.path, stems=project.stems, tempo_bpm=120.0,
                   suggestions=[i.to_json() for i in project.suggestions] + [second],
                   tracks=[t.to_json() for t in project.tracks] + [{"suggestion_id": "s2", "id": "t2"}])
    record, _ = _mix(both, tmp_path / "both.wav", me, cat)
    assert sorted(record["suggestions"]) == ["s1", "s2"]
    SetTrackSettings("t2", {"solo": True}).apply(both)
    record, _ = _mix(both, tmp_path / "t2.wav", me, cat)
    assert record["suggestions"] == ["s2"] and record["stems"] == []
    assert {c["workId"] for c in record["credit"]} == {2}


def test_an_idea_edited_on_its_track_is_exported_as_edited_and_counted(tmp_path, me, cat):
    project = make_project(tmp_path / "song")
    track = project.tracks[0]
    # from the file: the idea had 1 note edited before it was kept, but no record of the model's notes
    project.tracks = (replace(track, human_edited_notes=0),)
    target = NoteTarget("tracks", track.id)
    first = track.melody.notes[0]
    MoveNote(target, 0, onset=first.onset, pitch=first.pitch + 5).apply(project)
    MoveNote(target, 1, onset=track.melody.notes[1].onset + 0.5, pitch=track.melody.notes[1].pitch).apply(project)
    edited = project.track(track.id)
    assert edited.human_edited_notes == 2 and edited.original_notes is not None
    [result] = export_project(project, what="suggestion", suggestion_id="s1", format="midi",
                              out=tmp_path / "idea.mid", identity=me, catalogue=cat, statements=False)
    assert result.record["humanEditedNotes"] == 2
    import mido

    pitches = [m.note for t in mido.MidiFile(str(result.path)).tracks for m in t
               if m.type == "note_on" and m.velocity > 0]
    assert first.pitch + 5 in pitches and first.pitch not in pitches
    # moving a note back where the model put it is no longer an edit by hand
    MoveNote(target, 0, onset=first.onset, pitch=first.pitch).apply(project)
    assert project.track(track.id).human_edited_notes == 1
    assert Note(first.pitch, first.onset, first.duration, first.velocity) in project.track(track.id).melody.notes


def test_the_instrument_chosen_for_an_idea_is_the_one_exported(tmp_path, me, cat):
    from app.core.audio.synth.settings import RenderSettings, render_suggestion
    from app.core.music import BeatGrid

    project = make_project(tmp_path / "song")
    tid = project.tracks[0].id
    heard = {}
    for name, render in (("builtin", {"instrument": "pluck"}), ("gm", {"soundfont": "default", "program": 0})):
        SetTrackSettings(tid, {"render": render}).apply(project)
        [result] = export_project(project, what="suggestion", suggestion_id="s1", format="wav24",
                                  out=tmp_path / f"{name}.wav", identity=me, catalogue=cat, statements=False,
                                  watermark=False)
        heard[name], _ = sf.read(str(result.path), always_2d=True)
    expected = render_suggestion(project.tracks[0].melody, BeatGrid(tempo_bpm=120.0),
                                 RenderSettings.from_json({"soundfont": "default", "program": 0}), sample_rate=48000).T
    n = min(len(expected), len(heard["gm"]))
    assert np.corrcoef(expected[:n, 0], heard["gm"][:n, 0])[0, 1] > 0.99  # the SoundFont piano, as auditioned
    m = min(len(heard["gm"]), len(heard["builtin"]))
    assert abs(np.corrcoef(heard["gm"][:m, 0], heard["builtin"][:m, 0])[0, 1]) < 0.9  # not the built-in voice
