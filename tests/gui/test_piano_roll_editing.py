"""Piano-roll editing: grid, quantise, multi-select (rubber band, shift), copy/cut/paste/duplicate, delete,
nudge, transpose in key, velocity; each one undo step; all in Edit → Notes with shortcuts; a keyboard strip."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from app.core.music import Key, Note
from app.core.project.cocreation import note_ops
from tests.gui.suggest_fixtures import cocreate, run_suggest, trained_home_template  # noqa: F401


def _roll(window, panel, qtbot):
    (sid,) = run_suggest(panel, start_bar=0, bars=1, count=1, seed=12)
    roll = panel.lane.roll
    roll.resize(900, 200)
    window.timeline_view.time_scale.set_view(px_per_second=200.0, offset=0.0)
    return sid, roll


def _undo_restores(window, roll, before):
    window.undo_stack.undo()
    assert list(roll.melody.notes) == before


def test_note_ops_are_exact():
    notes = [Note(60, 0.1, 1.0), Note(64, 1.0, 0.5), Note(67, 2.26, 0.5)]
    q, sel = note_ops.quantise(notes, [0, 2], 0.25, 1.0)
    assert [n.onset for n in q] == [0.0, 1.0, 2.25] and sel == [0, 2]
    half, _ = note_ops.quantise(notes, [0], 0.25, 0.5)
    assert abs(half[0].onset - 0.05) < 1e-9
    up, _ = note_ops.transpose_in_key(notes, [0, 1, 2], 1, Key.parse("C major"))
    assert [n.pitch for n in up] == [62, 65, 69]  # C→D, E→F, G→A: a step of the scale, not a semitone
    dup, sel = note_ops.duplicate(notes, [1], 4.0)
    assert len(dup) == 4 and dup[sel[0]].onset == 2.0 and dup[sel[0]].pitch == 64
    trip, _ = note_ops.quantise([Note(60, 0.3, 0.2)], [0], note_ops.GRIDS["1/8T"], 1.0)
    assert abs(trip[0].onset - 1 / 3) < 1e-9
    assert note_ops.quantise(notes, [0], None, 1.0)[0][0].onset == 0.1  # grid off: nothing moves


def test_select_all_copy_paste_duplicate_delete_are_undoable(cocreate, qtbot):  # noqa: F811
    window, panel = cocreate
    sid, roll = _roll(window, panel, qtbot)
    before = list(roll.melody.notes)
    ed = roll.editing
    ed.select_all()
    assert roll.selection == set(range(len(before)))
    assert ed.copy() == len(before)
    assert ed.paste(at=8.0)
    assert len(roll.melody.notes) == 2 * len(before) and len(roll.selection) == len(before)
    _undo_restores(window, roll, before)
    roll.selection = {0}
    assert ed.duplicate() and len(roll.melody.notes) == len(before) + 1
    _undo_restores(window, roll, before)
    roll.selection = {0, 1}
    assert ed.cut() and len(roll.melody.notes) == len(before) - 2
    _undo_restores(window, roll, before)
    entry = next(s for s in window.project.suggestions if s.id == sid)
    assert not entry.human_edited


def test_nudge_transpose_quantise_velocity_are_undoable_and_counted(cocreate, qtbot):  # noqa: F811
    window, panel = cocreate
    sid, roll = _roll(window, panel, qtbot)
    before = list(roll.melody.notes)
    ed = roll.editing
    roll.selection = {0}
    assert ed.nudge(semitones=1) and roll.melody.notes[roll.selected].pitch == before[0].pitch + 1
    _undo_restores(window, roll, before)
    roll.selection = {0}
    assert ed.transpose(1)
    scale = set(window.project.key.scale)
    assert roll.melody.notes[roll.selected].pitch % 12 in scale and roll.melody.notes[roll.selected].pitch > before[0].pitch
    _undo_restores(window, roll, before)
    roll.selection = {0}
    assert ed.set_velocity(30)
    assert roll.melody.notes[0].velocity == 30
    entry = next(s for s in window.project.suggestions if s.id == sid)
    assert entry.human_edited_notes == 1  # a new velocity is an edit by hand
    _undo_restores(window, roll, before)
    roll.grid_step = 1.0
    roll.selection = set()
    changed = ed.quantise(1.0)
    assert all(abs(n.onset - round(n.onset)) < 1e-9 for n in roll.melody.notes)
    if changed:
        _undo_restores(window, roll, before)


def test_shortcuts_act_on_the_roll_with_focus(cocreate, qtbot):  # noqa: F811
    from PySide6.QtWidgets import QApplication

    window, panel = cocreate
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    sid, roll = _roll(window, panel, qtbot)
    before = list(roll.melody.notes)
    qtbot.waitUntil(roll.isVisible)  # a lane added to a shown window appears on the next event loop turn
    roll.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is roll)
    roll.selection = {0}
    qtbot.keyClick(roll, Qt.Key.Key_Up)
    assert roll.melody.notes[roll.selected].pitch == before[0].pitch + 1
    qtbot.keyClick(roll, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert len(roll.selection) == len(before)
    qtbot.keyClick(roll, Qt.Key.Key_Delete)
    assert roll.melody.notes == ()
    window.undo_stack.undo()
    window.undo_stack.undo()
    assert list(roll.melody.notes) == before
    names = [a.text() for a in window.findChild(type(window.menuBar().actions()[0].menu()), "Menu-Notes").actions()]
    for text in ("Copy notes", "Paste notes", "Duplicate notes", "Quantise", "Transpose up in key"):
        assert text in names


def test_rubber_band_and_shift_click_select(cocreate, qtbot):  # noqa: F811
    window, panel = cocreate
    sid, roll = _roll(window, panel, qtbot)
    n = len(roll.melody.notes)
    assert n >= 2
    r0, r1 = roll.note_rect(0), roll.note_rect(1)
    empty_top_left = QPoint(int(min(r0.left(), r1.left())) - 2, 1)
    qtbot.mousePress(roll, Qt.MouseButton.LeftButton, pos=empty_top_left)
    corner = QPoint(int(max(r0.right(), r1.right())) + 1, int(roll.notes_height()) - 2)
    qtbot.mouseMove(roll, corner)
    qtbot.mouseRelease(roll, Qt.MouseButton.LeftButton, pos=corner)
    assert {0, 1} <= roll.selection
    qtbot.mouseClick(roll, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier,
                     pos=roll.note_rect(0).center().toPoint())
    assert 0 not in roll.selection and 1 in roll.selection


def test_the_keyboard_strip_names_the_rows(cocreate, qtbot):  # noqa: F811
    window, panel = cocreate
    sid, roll = _roll(window, panel, qtbot)
    strip = panel.lane.header.keyboard
    labels = strip.labels()
    low, high = roll.pitch_rows()
    assert labels and all(low <= p <= high for p in labels)
    assert any(name.startswith("C") for name in labels.values())


def test_the_velocity_lane_sets_velocity_by_dragging(cocreate, qtbot):  # noqa: F811
    window, panel = cocreate
    sid, roll = _roll(window, panel, qtbot)
    roll.selection = {0}
    x = int(roll.note_rect(0).left()) + 1
    top = int(roll.notes_height()) + 3
    qtbot.mousePress(roll, Qt.MouseButton.LeftButton, pos=QPoint(x, top))
    qtbot.mouseRelease(roll, Qt.MouseButton.LeftButton, pos=QPoint(x, top))
    assert roll.melody.notes[0].velocity > 110
    window.undo_stack.undo()
    assert roll.melody.notes[0].velocity == 90  # the model's velocity again
