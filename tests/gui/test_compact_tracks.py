"""View → Compact Tracks: a producer's many-track export fits a laptop screen. Stem and idea lanes show their
name and mute/solo only, lanes added later follow the choice, the chord lane keeps its size, the sliders come
back when it is unticked, and the choice is remembered for the next start."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from app.core.project.edits import AddStems
from app.core.project.model import StemRef
from app.ui.timeline.idea_lane import (
    COMPACT_IDEA_LANE_HEIGHT,
    IDEA_LANE_HEIGHT,
    IdeaLaneHeader,
    IdeaNotesView,
)
from app.ui.timeline.lanes import COMPACT_LANE_HEIGHT, LANE_HEIGHT
from app.ui.timeline.view import TimelineView
from tests.gui.studio_fixtures import make_window, write_tone


def _add_stems(window, tmp_path, count: int, first: int = 0) -> None:
    refs = [StemRef(name=f"{i + 1}_track", path=write_tone(tmp_path / f"{i + 1}_track.wav", 110.0 * (1 + i % 5),
                                                           seconds=0.5))
            for i in range(first, first + count)]
    assert window.push(AddStems(refs))


def _visible_lanes(window) -> int:
    """Stem lanes wholly inside the timeline's scroll viewport."""
    view = window.timeline_view
    viewport = view.scroll.viewport()
    shown = 0
    for lane in window.stem_lanes.lanes.values():
        top = lane.row.mapTo(viewport, lane.row.rect().topLeft()).y()
        if top >= 0 and top + lane.row.height() <= viewport.height():
            shown += 1
    return shown


def test_compact_tracks_show_more_lanes_and_hide_the_sliders(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    window.resize(1366, 768)
    _add_stems(window, tmp_path, 16)
    qtbot.wait(50)
    full = _visible_lanes(window)
    lane = next(iter(window.stem_lanes.lanes.values()))
    assert lane.header.height() == LANE_HEIGHT and lane.header.gain.isVisible()

    window.act_compact_tracks.trigger()
    qtbot.wait(50)
    assert window.act_compact_tracks.isChecked()
    for lane in window.stem_lanes.lanes.values():
        assert lane.header.height() == COMPACT_LANE_HEIGHT == lane.waveform.height()
        assert not lane.header.gain.isVisible() and not lane.header.pan.isVisible()
        assert lane.header.mute.isVisible() and lane.header.solo.isVisible() and lane.header.name.isVisible()
    compact = _visible_lanes(window)
    assert compact >= 2 * full, (full, compact)

    # a stem added afterwards is compact too; mute still works from the compact strip
    _add_stems(window, tmp_path, 1, first=16)
    qtbot.wait(50)  # a lane added to a shown window is shown by a queued event
    newest = window.stem_lanes.lanes[window.project.stems[-1].id]
    assert newest.header.height() == COMPACT_LANE_HEIGHT and not newest.header.gain.isVisible()
    qtbot.mouseClick(newest.header.mute, Qt.MouseButton.LeftButton)
    assert window.project.stems[-1].mute

    window.act_compact_tracks.trigger()  # back to full strips
    assert all(lane.header.height() == LANE_HEIGHT and lane.header.gain.isVisible()
               for lane in window.stem_lanes.lanes.values())
    window.undo_stack.setClean()
    window.close()


def test_the_choice_is_remembered_for_the_next_start(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    window.set_compact_tracks(True)
    window.close()
    window.settings.sync()
    again = make_window(qtbot, tmp_path)  # the same studio.ini
    assert again.act_compact_tracks.isChecked() and again.timeline_view.compact
    _add_stems(again, tmp_path, 2)
    assert all(lane.header.height() == COMPACT_LANE_HEIGHT for lane in again.stem_lanes.lanes.values())
    again.undo_stack.setClean()
    again.close()


def test_idea_lanes_keep_their_instrument_and_lanes_without_a_compact_form_keep_their_size(qtbot):
    view = TimelineView()
    qtbot.addWidget(view)
    header = IdeaLaneHeader("#ff8800", [("Piano", "piano"), ("Pluck", "pluck")])
    notes = IdeaNotesView(view.time_scale, "#ff8800")
    view.add_lane(notes, header=header)
    other = QLabel("chords")
    other.setFixedHeight(34)
    view.add_lane(other, title="Chords", content=False)
    view.show()
    view.set_compact(True)
    assert header.height() == COMPACT_IDEA_LANE_HEIGHT == notes.height()
    assert header.instrument.isVisible() and header.mute.isVisible() and not header.gain.isVisible()
    assert other.height() == 34
    view.set_compact(False)
    assert header.height() == IDEA_LANE_HEIGHT == notes.height() and header.gain.isVisible()
