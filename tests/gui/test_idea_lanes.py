"""Kept ideas are lanes of the timeline: a channel strip beside the idea's notes; every control one undo step;
a soloed idea silences the stems' lanes (shown and heard) and its lane follows edits of its notes."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from app.core.project.cocreation.suggestion_edits import KeepSuggestion, SetTrackSettings
from app.ui.suggest.lane import SOUNDFONT_CHOICE
from tests.gui.suggest_fixtures import cocreate, run_suggest, trained_home_template  # noqa: F401


def _kept(window, panel, seed=12):
    panel.controls.play_first.setChecked(False)
    (sid,) = run_suggest(panel, start_bar=0, bars=1, count=1, seed=seed)
    keep = KeepSuggestion(sid, render={"instrument": "pluck"})
    assert window.push(keep)
    return keep.track_id


def test_a_kept_idea_gets_a_lane_after_the_stems_and_loses_it_on_undo(cocreate):  # noqa: F811
    window, panel = cocreate
    tid = _kept(window, panel)
    lane = panel.idea_lanes.lanes[tid]
    rows = window.timeline_view.lanes()
    stem_row = window.stem_lanes.lanes[window.project.stems[0].id].row
    assert lane.row in rows and rows.index(lane.row) > rows.index(stem_row)
    if panel.lane.row is not None:  # the piano roll (opened on the kept idea) stays below the ideas
        assert rows.index(lane.row) < rows.index(panel.lane.row)
    track = window.project.track(tid)
    assert lane.header.name.label.text() == track.display_name
    assert len(lane.notes.note_rects()) == len(track.melody.notes) > 0
    window.undo_stack.undo()  # the keep
    assert tid not in panel.idea_lanes.lanes and lane.row not in window.timeline_view.lanes()
    window.undo_stack.redo()
    assert tid in panel.idea_lanes.lanes
    panel.track_action("edit", tid)
    rows = window.timeline_view.lanes()
    assert rows.index(panel.idea_lanes.lanes[tid].row) == rows.index(stem_row) + 1 < rows.index(panel.lane.row)


def test_lane_mixer_controls_are_undoable_track_edits(cocreate, qtbot):  # noqa: F811
    window, panel = cocreate
    tid = _kept(window, panel)
    header = panel.idea_lanes.lanes[tid].header
    before = window.undo_stack.count()
    header.gain.setValue(-120)  # tenths of a dB
    header.pan.setValue(40)
    qtbot.mouseClick(header.mute, Qt.MouseButton.LeftButton)
    track = window.project.track(tid)
    assert (track.gain_db, track.pan, track.mute) == (-12.0, 0.4, True)
    assert window.undo_stack.count() == before + 3
    index = header.instrument.findData(SOUNDFONT_CHOICE)
    header.instrument.activated.emit(index)
    assert window.project.track(tid).render["soundfont"] == "default"
    assert panel.track_rows[tid].instrument.currentData() == SOUNDFONT_CHOICE  # the panel's strip agrees
    header.rename_requested.emit("Hook")
    assert window.project.track(tid).name == "Hook" and header.name.label.text() == "Hook"
    for _ in range(5):
        window.undo_stack.undo()
    track = window.project.track(tid)
    assert (track.gain_db, track.pan, track.mute, track.instrument) == (0.0, 0.0, False, "pluck")
    assert header.gain.value() == 0 and not header.mute.isChecked()


def test_soloing_an_idea_silences_the_stems_lanes_and_the_mix(cocreate, qtbot):  # noqa: F811
    window, panel = cocreate
    tid = _kept(window, panel)
    header = panel.idea_lanes.lanes[tid].header
    stem = window.project.stems[0]
    stem_lane = window.stem_lanes.lanes[stem.id]
    assert stem_lane.waveform.audible
    qtbot.mouseClick(header.solo, Qt.MouseButton.LeftButton)
    assert window.project.track(tid).solo and not window.project.audible(stem)
    assert not stem_lane.waveform.audible  # the stem's lane shows it is not heard
    assert stem.name not in window.engine.mix.audible
    window.undo_stack.undo()
    assert stem_lane.waveform.audible and stem.name in window.engine.mix.audible


def test_the_lane_follows_note_edits_and_double_click_opens_the_piano_roll(cocreate, qtbot):  # noqa: F811
    window, panel = cocreate
    tid = _kept(window, panel)
    notes = panel.idea_lanes.lanes[tid].notes
    panel.lane.show_target(None)
    qtbot.mouseDClick(notes, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    assert panel.lane.target is not None and panel.lane.target.id == tid
    count = len(notes.note_rects())
    roll = panel.lane.roll
    roll.selection = {0}
    assert roll.editing.delete()
    assert len(notes.note_rects()) == count - 1
    assert window.project.track(tid).human_deleted_notes == 1


def test_renaming_refuses_an_empty_name():
    import pytest

    with pytest.raises(ValueError):
        SetTrackSettings("t", {"name": "   "})
