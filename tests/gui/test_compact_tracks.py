"""View → Compact Tracks and Waveforms in Decibels: a producer's many-track export fits a laptop screen. Stem and idea lanes show their
name and mute/solo only, lanes added later follow the choice, the chord lane keeps its size, the sliders come
back when it is unticked, and the choice is remembered for the next start; a part exported at -38 dBFS is
drawn a third of its lane high in dB instead of a flat line."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
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
from app.ui.timeline.lanes import COMPACT_LANE_HEIGHT, LANE_HEIGHT, waveform_shape
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


def test_waveform_shape_in_decibels_keeps_order_and_sign():
    values = np.array([1.0, 0.5, 10 ** (-38 / 20), 10 ** (-70 / 20), 0.0, -0.5], dtype=np.float32)
    linear = waveform_shape(values, decibels=False)
    assert np.allclose(linear, values)
    db = waveform_shape(values, decibels=True)
    assert db[0] == pytest.approx(1.0) and db[4] == 0.0 and db[3] == 0.0  # below the 60 dB range: nothing
    assert db[2] == pytest.approx((60 - 38) / 60, abs=1e-3)  # a -38 dBFS part fills over a third of its lane
    assert db[5] == pytest.approx(-db[1]) and db[1] > db[2] > db[3]


def _drawn_rows(lane) -> int:
    """How many pixel rows of the lane's waveform carry its colour (the drawn height)."""
    image = lane.waveform.grab().toImage()
    colour = lane.waveform.color
    rows = 0
    for y in range(image.height()):
        if any(_near(image.pixelColor(x, y), colour) for x in range(0, image.width(), 3)):
            rows += 1
    return rows


def _near(a, b) -> bool:
    return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue()) < 40


def test_a_quiet_part_shows_in_decibels_and_the_choice_is_remembered(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    quiet = tmp_path / "pad.wav"
    t = np.arange(24000) / 48000
    sf.write(str(quiet), (10 ** (-38 / 20) * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 48000)
    window.add_stem_files([quiet])
    lane = next(iter(window.stem_lanes.lanes.values()))
    qtbot.waitUntil(lambda: lane.waveform.state == "ready")
    linear = _drawn_rows(lane)
    window.act_waveform_decibels.trigger()
    assert lane.waveform.decibels
    decibels = _drawn_rows(lane)
    assert linear <= 3 and decibels >= 20, (linear, decibels)
    window.close()
    window.settings.sync()
    again = make_window(qtbot, tmp_path)
    assert again.act_waveform_decibels.isChecked()
    again.add_stem_files([quiet])
    assert next(iter(again.stem_lanes.lanes.values())).waveform.decibels
    again.undo_stack.setClean()
    again.close()
