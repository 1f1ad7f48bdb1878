"""Analysis edits: each applies, reverts to the exact previous project state, and validates its input."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.analysis.result import SongAnalysis
from app.core.music import BeatGrid, Chord, ChordTimeline, Key, TimeSignature
from app.core.project.analysis_edits import (
    NudgeDownbeat,
    OverrideKey,
    OverrideStemRole,
    SetChordAt,
    SetChordSpan,
    SetTempo,
    SetTimeSignature,
    apply_analysis,
    rename_stem,
    stored_analysis,
    tapped_tempo_edit,
)
from app.core.project.edits import RenameStem
from app.core.project.model import Project, StemRef


def _project() -> Project:
    p = Project(stems=[StemRef("drums", Path("/tmp/d.wav")), StemRef("vox", Path("/tmp/v.wav"), role="lead")])
    p.tempo_bpm = 120.0
    p.downbeat_offset = 0.005
    p.chords = ChordTimeline.from_symbols(["C", "F", "G", "C"], quarters_each=4)
    return p


def _roundtrip(p: Project, edit) -> None:
    before = p.snapshot()
    edit.apply(p)
    changed = p.snapshot()
    assert changed != before
    edit.revert(p)
    assert p.snapshot() == before
    edit.apply(p)  # redo gives the same result
    assert p.snapshot() == changed


def test_each_edit_applies_and_reverts():
    p = _project()
    _roundtrip(p, SetTempo(97.5))
    assert p.tempo_bpm == 97.5
    _roundtrip(p, SetTimeSignature(TimeSignature(6, 8)))
    _roundtrip(p, NudgeDownbeat(-0.01))
    assert p.downbeat_offset == 0.0  # never before the audio starts
    _roundtrip(p, OverrideKey(Key(9, "minor")))
    _roundtrip(p, SetChordSpan(1, Chord.parse("Dm7")))
    assert p.chords.at(5.0) == Chord(2, "m7")
    _roundtrip(p, SetChordAt(6.0, 10.0, Chord.parse("Bb")))
    assert [s.chord.symbol for s in p.chords] == ["C", "Dm7", "Bb", "G", "C"]
    _roundtrip(p, OverrideStemRole(p.stems[0].id, "drums"))


def test_invalid_edits_are_refused_before_changing_anything():
    with pytest.raises(ValueError):
        SetTempo(5)
    with pytest.raises(ValueError):
        OverrideStemRole("x", "kazoo")
    with pytest.raises(ValueError):
        SetChordAt(4.0, 4.0, Chord(0))
    p = _project()
    before = p.snapshot()
    with pytest.raises(ValueError):
        SetChordSpan(99, Chord(0)).apply(p)
    assert p.snapshot() == before


def test_tap_tempo_edit():
    assert tapped_tempo_edit([0.0]) is None
    edit = tapped_tempo_edit([0.0, 0.6, 1.2])
    assert edit is not None and edit.value == pytest.approx(100.0) and edit.label.startswith("Tap")


def test_applying_an_analysis_is_one_undo_step_and_is_stored():
    p = _project()
    a = SongAnalysis(grid=BeatGrid(88.0, TimeSignature(3, 4), 0.4), tempo_determined=True, tempo_confidence=0.7,
                     key=Key(4, "minor"), key_confidence=0.6, key_sections=(),
                     chords=ChordTimeline.from_symbols(["Em", "Am"], quarters_each=3), melody=None, lead=None,
                     roles={"drums": "drums", "vox": "harmony"}, role_sources={}, stems=(), duration_seconds=9.0)
    before = p.snapshot()
    edit = apply_analysis(p, a)
    edit.apply(p)
    assert (p.tempo_bpm, p.time_signature, p.downbeat_offset, p.key) == (88.0, TimeSignature(3, 4), 0.4, Key(4, "minor"))
    assert p.stems[0].role == "drums" and p.stems[1].role == "lead"  # a role already set is the user's: kept
    assert stored_analysis(p) == a
    edit.revert(p)
    assert p.snapshot() == before and stored_analysis(p) is None
    p.extras["analysis"] = {"result": {"version": 1}}
    assert stored_analysis(p) is None  # damaged: analyse again, don't crash


def test_renaming_a_stem_renames_it_in_the_stored_analysis_in_one_undo_step():
    p = _project()
    a = SongAnalysis(grid=BeatGrid(88.0), tempo_determined=True, tempo_confidence=0.7, key=None, key_confidence=0.0,
                     key_sections=(), chords=ChordTimeline(()), melody=None, lead="vox",
                     roles={"drums": "drums", "vox": "lead"}, role_sources={"vox": "name"},
                     stems=(("drums", "a" * 64), ("vox", "b" * 64)), duration_seconds=9.0)
    apply_analysis(p, a).apply(p)
    vox = p.stems[1].id
    before = p.snapshot()
    edit = rename_stem(p, vox, "Lead vocal take 3")
    _roundtrip(p, edit)
    stored = stored_analysis(p)
    assert p.stems[1].name == "Lead vocal take 3" and stored.lead == "Lead vocal take 3"  # it fell back to a guess
    assert stored.roles == {"drums": "drums", "Lead vocal take 3": "lead"}
    assert stored.role_sources == {"Lead vocal take 3": "name"}
    assert [n for n, _ in stored.stems] == ["drums", "Lead vocal take 3"]
    edit.revert(p)
    assert p.snapshot() == before and stored_analysis(p) == a
    fresh = _project()  # nothing analysed yet: a plain rename
    assert isinstance(rename_stem(fresh, fresh.stems[0].id, "Kit"), RenameStem)
    with pytest.raises(ValueError):
        rename_stem(p, vox, "   ")

