"""The piano-roll lane: it shows the auditioned suggestion on the timeline's bars, and mouse edits become
undoable core edits that mark the suggestion human-edited."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from tests.gui.suggest_fixtures import cocreate, run_suggest, trained_home_template  # noqa: F401


def _entry(window, sid):
    return next(s for s in window.project.suggestions if s.id == sid)


def test_lane_is_aligned_to_the_stems_bars(cocreate):  # noqa: F811
    window, panel = cocreate
    (sid,) = run_suggest(panel, start_bar=1, bars=1, count=1, seed=8)
    roll = panel.lane.roll
    assert panel.lane.row is not None and roll.target.id == sid
    scale = window.timeline_view.time_scale
    grid = scale.grid
    first = roll.melody.notes[0]
    assert abs(roll.x_of(first.onset) - scale.x_of(grid.seconds(first.onset))) < 1e-6
    assert abs(grid.seconds(4.0) - 60.0 / 100.0 * 4) < 1e-9  # bar 2 starts 2.4 s in at 100 BPM
    assert "Auditioning" in panel.lane.header.title.text()


def test_mouse_edits_are_undoable_and_mark_human_edits(cocreate, qtbot):  # noqa: F811
    window, panel = cocreate
    (sid,) = run_suggest(panel, start_bar=0, bars=1, count=1, seed=12)
    roll = panel.lane.roll
    roll.resize(900, 160)
    scale = window.timeline_view.time_scale
    scale.set_view(px_per_second=200.0, offset=0.0)
    original = list(roll.melody.notes)
    n0 = original[0]
    r = roll.note_rect(0)
    start = r.center().toPoint() - QPoint(int(r.width() / 4), 0)
    # drag the first note up two rows and one beat later
    dx = int(roll.x_of(n0.onset + 1.0) - roll.x_of(n0.onset))
    qtbot.mousePress(roll, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(roll, start + QPoint(dx, -int(2 * roll.row_height())))
    qtbot.mouseRelease(roll, Qt.MouseButton.LeftButton, pos=start + QPoint(dx, -int(2 * roll.row_height())))
    moved = roll.melody.notes
    assert any(n.pitch == n0.pitch + 2 and abs(n.onset - (n0.onset + 1.0)) < 1e-9 for n in moved)
    entry = _entry(window, sid)
    assert entry.human_edited and entry.human_edited_notes == 1 and entry.provenance["model_id"]
    assert panel.lane.header.detail.text() == "1 edited by hand"  # a moved note is no deletion too
    assert "1 edited" in panel.cards[sid].title.text()
    window.undo_stack.undo()
    assert list(roll.melody.notes) == original and not _entry(window, sid).human_edited_notes
    # double-click empty space adds a note; right-click a note deletes it; both undo
    count = len(original)
    empty = QPoint(int(roll.x_of(3.5)) + 2, 4)
    assert roll.note_at(empty.toPointF()) is None
    qtbot.mouseDClick(roll, Qt.MouseButton.LeftButton, pos=empty)
    assert len(roll.melody.notes) == count + 1
    qtbot.mouseClick(roll, Qt.MouseButton.RightButton, pos=roll.note_rect(0).center().toPoint())
    assert len(roll.melody.notes) == count
    window.undo_stack.undo()
    window.undo_stack.undo()
    assert list(roll.melody.notes) == original


def test_resize_and_delete_key(cocreate, qtbot):  # noqa: F811
    window, panel = cocreate
    (sid,) = run_suggest(panel, start_bar=0, bars=1, count=1, seed=31)
    roll = panel.lane.roll
    roll.resize(900, 160)
    window.timeline_view.time_scale.set_view(px_per_second=300.0, offset=0.0)
    n0 = roll.melody.notes[0]
    assert roll.resize_note(0, duration=n0.duration + 0.25)
    assert roll.melody.notes[0].duration == n0.duration + 0.25
    qtbot.mouseClick(roll, Qt.MouseButton.LeftButton, pos=roll.note_rect(1).center().toPoint())
    assert roll.selected == 1
    count = len(roll.melody.notes)
    qtbot.keyClick(roll, Qt.Key.Key_Delete)
    assert len(roll.melody.notes) == count - 1
    assert _entry(window, sid).human_edited
    # an impossible edit is refused and nothing is recorded
    steps = window.undo_stack.count()
    assert not roll.move_note(0, onset=-4.0, pitch=60)
    assert window.undo_stack.count() == steps
