"""Ideas parsed once at load: every spelling older Accords wrote opens, one spelling is written back, and a
damaged field is refused naming the project file and the field."""

from __future__ import annotations

import dataclasses
import json

import pytest

from app.core.errors import ProjectError
from app.core.project.cocreation.ideas import Idea, IdeaStatus, IdeaTrack
from app.core.project.cocreation.suggestion_edits import (
    KeepSuggestion,
    MoveNote,
    NoteTarget,
    SetTrackSettings,
)
from app.core.project.model import Field
from app.core.project.store import load_project, save_project

OLD_SUGGESTION = {  # as the model's Suggestion.to_json + the panel wrote it before typed ideas
    "id": "a1", "name": "#4 Continue bars 5–8", "mode": "continue", "kept": True,
    "notes": {"notes": [[69, 16.0, 1.0, 90], [72, 17.0, 1.0, 90]], "key": None, "time_signature": "4/4",
              "tempo_bpm": None},
    "credit": {"3": 0.7, "5": 0.2}, "uniform_share": 0.1, "piece_share": 0.0, "model_id": "m1",
    "model_fingerprint": "f" * 64, "longest_copied_run": {"length": 3, "work_id": 3},
    "works": [{"id": 3, "title": "Morning", "sha256": "ab" * 32}], "humanEditedNotes": 2,
    "request": {"start_bar": 4, "bars": 4, "mode": "continue"},
}
OLD_OTHER = {"id": "b2", "name": "#7 Fill bar 2", "status": "discarded", "notes": [[60, 4.0, 0.5]]}


def _write(tmp_path, suggestions, tracks=()):
    path = tmp_path / "old.accord"
    path.write_text(json.dumps({"format": "accord-project", "version": 1, "name": "Old", "stems": [],
                                "suggestions": list(suggestions), "tracks": list(tracks)}), encoding="utf-8")
    return path


def test_an_old_project_opens_with_every_old_spelling_read_once(tmp_path):
    project = load_project(_write(tmp_path, [OLD_SUGGESTION, OLD_OTHER]))
    a, b = project.suggestions
    assert isinstance(a, Idea) and a.status is IdeaStatus.KEPT and a.number == 4  # number from the name
    assert [n.pitch for n in a.melody.notes] == [69, 72] and a.human_edited_notes == 2
    assert a.provenance["training_works"][0]["id"] == 3 and "works" not in a.provenance
    assert a.request_range() == (4, 4)
    assert b.status is IdeaStatus.DISCARDED and b.number == 7 and b.melody.notes[0].velocity == 90
    [track] = project.tracks  # "kept": true without a track became the track it always stood for
    assert isinstance(track, IdeaTrack) and track.suggestion_id == "a1" and track.melody == a.melody
    assert track.human_edited_notes == 2 and track.number == 4


def test_one_spelling_is_written_and_reads_back_the_same(tmp_path):
    project = load_project(_write(tmp_path, [OLD_SUGGESTION, OLD_OTHER]))
    path = save_project(project, tmp_path / "new.accord")
    doc = json.loads(path.read_text(encoding="utf-8"))
    for entry in doc["suggestions"] + doc["tracks"]:
        assert "melody" in entry and "notes" not in entry and "kept" not in entry
        assert "works" not in entry and "humanEditedNotes" not in entry
    assert doc["suggestions"][0]["status"] == "kept" and doc["suggestions"][0]["number"] == 4
    again = load_project(path)
    assert again.suggestions == project.suggestions and again.tracks == project.tracks


def test_a_track_holding_only_its_suggestions_id_takes_the_melody_from_it(tmp_path):
    new = {**OLD_SUGGESTION, "kept": False, "status": "kept"}
    project = load_project(_write(tmp_path, [new], [{"suggestion_id": "a1", "gain_db": -3.0, "instrument": "pluck"}]))
    [track] = project.tracks
    assert track.id == "track-1" and track.gain_db == -3.0 and track.instrument == "pluck"
    assert track.melody == project.suggestions[0].melody and track.name == "#4 Continue bars 5–8"


@pytest.mark.parametrize("suggestions,tracks,field", [
    ([{**OLD_OTHER, "notes": {"notes": [["x", 0, 1]]}}], [], "suggestions[0].notes"),
    ([{"name": "no id", "notes": [[60, 0, 1]]}], [], "suggestions[0].id"),
    ([{"id": "c", "name": "no melody"}], [], "suggestions[0].melody"),
    ([{**OLD_OTHER, "status": "maybe"}], [], "suggestions[0].status"),
    ([OLD_OTHER, OLD_OTHER], [], "suggestions[1].id"),
    ([OLD_OTHER], [{"suggestion_id": "b2", "gain_db": "loud"}], "tracks[0].gain_db"),
    ([OLD_OTHER], [{"suggestion_id": "b2", "pan": 7.0}], "tracks[0].pan"),
    ([OLD_OTHER], [{"suggestion_id": "nobody"}], "tracks[0].melody"),
    ([OLD_OTHER], [{"suggestion_id": "b2", "mute": "yes"}], "tracks[0].mute"),
    ([{**OLD_OTHER, "human_edited_notes": -1}], [], "suggestions[0].human_edited_notes"),
])
def test_a_damaged_idea_is_refused_naming_the_file_and_the_field(tmp_path, suggestions, tracks, field):
    with pytest.raises(ProjectError) as info:
        load_project(_write(tmp_path, suggestions, tracks))
    assert "old.accord" in str(info.value) and f"{field}:" in str(info.value)


def test_ideas_are_frozen_and_edits_name_their_field_with_the_enum(tmp_path):
    project = load_project(_write(tmp_path, [{**OLD_SUGGESTION, "kept": False}]))
    with pytest.raises(dataclasses.FrozenInstanceError):
        project.suggestions[0].status = IdeaStatus.KEPT  # type: ignore[misc]
    seen = []
    project.subscribe(seen.append)
    keep = KeepSuggestion("a1", render={"instrument": "pluck"}, track_id="t1")
    keep.apply(project)
    assert [c.field for c in seen] == [Field.SUGGESTIONS, Field.TRACKS]
    assert all(type(c.field) is Field for c in seen)
    MoveNote(NoteTarget(Field.TRACKS, "t1"), 0, onset=16.5, pitch=70).apply(project)
    track = project.track("t1")
    assert track.human_edited_notes == 1 and project.idea("a1").human_edited_notes == 2  # the track's own copy
    SetTrackSettings("t1", {"solo": True}).apply(project)
    assert project.track("t1").solo and project.any_solo and project.track_audible(project.track("t1"))
