"""Every edit: apply changes exactly what it says, revert restores the exact previous state."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.music import Chord, ChordSpan, ChordTimeline, Key, TimeSignature
from app.core.project.cocreation.ideas import Idea
from app.core.project.edits import (
    AddStems,
    CompoundEdit,
    Edit,
    RelinkStem,
    RemoveStem,
    RenameStem,
    SetMasterGain,
    SetProjectField,
    SetStemGain,
    SetStemMute,
    SetStemPan,
    SetStemRole,
    SetStemSolo,
)
from app.core.project.model import STEM, STEMS, Change, LoopRegion, Project, StemRef

IDEA = {"id": "s1", "notes": {"notes": [[60, 0.0, 1.0], [62, 1.0, 1.0]]}}


def _project() -> Project:
    stems = [StemRef(name=n, path=Path(f"/songs/{n}.wav"), gain_db=-1.5 * i, pan=0.1 * i)
             for i, n in enumerate(("drums", "bass", "keys"))]
    return Project(name="Song", stems=stems, tempo_bpm=100.0, suggestions=[IDEA],
                   extras={"analysis": {"tempo": 100}})


def _edits(p: Project) -> list[Edit]:
    a, b, _ = (s.id for s in p.stems)
    return [
        AddStems([StemRef(name="lead", path=Path("/songs/lead.wav"))]),
        AddStems([StemRef(name="pad", path=Path("/x/pad.wav")), StemRef(name="fx", path=Path("/x/fx.wav"))],
                 index=1),
        RemoveStem(b), SetStemGain(a, -6.0), SetStemPan(b, -0.7), SetStemMute(a, True), SetStemSolo(b, True),
        RenameStem(a, "Drum kit"), SetStemRole(b, "bass"), SetMasterGain(-3.0),
        SetProjectField("tempo_bpm", 120.0), SetProjectField("tempo_bpm", None),
        SetProjectField("key", Key.parse("A minor")), SetProjectField("time_signature", TimeSignature(6, 8)),
        SetProjectField("downbeat_offset", 0.25),
        SetProjectField("chords", ChordTimeline((ChordSpan(0, 4, Chord.parse("Am")),))),
        SetProjectField("loop", LoopRegion(1.0, 5.0)), SetProjectField("loop_enabled", True),
        SetProjectField("suggestions", (Idea.from_json({"id": "s2", "melody": [[64, 0, 1]]}),)), SetProjectField("extras", {"synth": {"a": 1}}),
        CompoundEdit("reset", [SetStemGain(a, 0.0), SetStemPan(b, 0.0)]),
        RelinkStem(a, Path("/found/drums.wav")),
    ]


@pytest.mark.parametrize("index", range(22))
def test_apply_then_revert_restores_exact_state(index):
    p = _project()
    edit = _edits(p)[index]
    before = p.snapshot()
    edit.apply(p)
    after = p.snapshot()
    assert after != before, f"{edit.label} changed nothing"
    edit.revert(p)
    assert p.snapshot() == before
    edit.apply(p)  # redo gives the same state again
    assert p.snapshot() == after


def test_edits_notify_listeners_with_what_changed():
    p = _project()
    seen: list[Change] = []
    unsubscribe = p.subscribe(seen.append)
    a = p.stems[0].id
    SetStemMute(a, True).apply(p)
    AddStems([StemRef(name="x", path=Path("/x.wav"))]).apply(p)
    SetProjectField("key", Key.parse("C")).apply(p)
    assert seen[0] == Change(STEM, stem_id=a, field="mute") and seen[0].affects_mix
    assert seen[1].kind == STEMS and seen[1].affects_mix
    assert seen[2].field == "key" and not seen[2].affects_mix
    unsubscribe()
    SetStemMute(a, False).apply(p)
    assert len(seen) == 3


def test_slider_moves_of_one_gesture_merge():
    p = _project()
    a = p.stems[0].id
    first = SetStemGain(a, -1.0, gesture=7)
    first.apply(p)
    second = SetStemGain(a, -4.0, gesture=7)
    second.apply(p)
    assert first.merge(second)
    assert not first.merge(SetStemGain(a, -5.0, gesture=8))  # another drag is another step
    assert not first.merge(SetStemPan(a, 0.5, gesture=7))
    assert not SetStemGain(a, -2.0).merge(SetStemGain(a, -3.0))  # no gesture: never merged
    first.revert(p)
    assert p.stems[0].gain_db == 0.0
    first.apply(p)
    assert p.stems[0].gain_db == -4.0


def test_values_are_clamped_and_bad_fields_refused():
    p = _project()
    a = p.stems[0].id
    SetStemGain(a, 1000).apply(p)
    SetStemPan(a, -3).apply(p)
    assert (p.stems[0].gain_db, p.stems[0].pan) == (24.0, -1.0)
    with pytest.raises(ValueError, match="unknown project field"):
        SetProjectField("stems", [])
    with pytest.raises(ValueError, match="tempo_bpm"):
        SetProjectField("tempo_bpm", 5000.0)
    with pytest.raises(ValueError, match="empty"):
        RenameStem(a, "   ")


def test_ideas_are_frozen_values_so_history_cannot_be_altered():
    import dataclasses

    p = _project()
    first = p.suggestions
    value = (Idea.from_json({"id": "s9", "melody": [[64, 0, 1]]}),)
    edit = SetProjectField("suggestions", value)
    edit.apply(p)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.suggestions[0].name = "sneaky"  # type: ignore[misc]
    edit.revert(p)
    assert p.suggestions == first and p.suggestions[0].id == "s1"
    edit.apply(p)
    assert [i.id for i in p.suggestions] == ["s9"]
    with pytest.raises(ValueError):
        SetProjectField("suggestions", [{"id": "s9"}])  # JSON is parsed at load, never set as such


def test_solo_silences_the_others_and_mute_silences_even_a_soloed_stem():
    p = _project()
    a, b, c = p.stems
    SetStemMute(a.id, True).apply(p)
    assert [p.audible(s) for s in p.stems] == [False, True, True]
    SetStemSolo(b.id, True).apply(p)
    assert [p.audible(s) for s in p.stems] == [False, True, False]
    SetStemSolo(a.id, True).apply(p)  # the mixer plays a muted stem silent, soloed or not: so does its credit
    assert [p.audible(s) for s in p.stems] == [False, True, False]
