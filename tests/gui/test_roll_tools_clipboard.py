"""The piano roll's Draw and Erase tools (Edit → Tool, the lane's buttons, V/P/E with the roll focused), each
stroke one undo step; copy/paste through the system clipboard with Accord's MIME type and a plain-text
fallback, so notes paste into another Accord window and from a text editor."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt
from PySide6.QtGui import QGuiApplication

from app.core.music import Note
from app.core.project.cocreation.note_clip import (
    MIME_TYPE,
    clip_from_json,
    clip_from_text,
    clip_to_json,
    clip_to_text,
)
from app.ui.timeline.piano_roll import Tool
from tests.gui.suggest_fixtures import cocreate, run_suggest, studio_with_panel, trained_home_template  # noqa: F401


def _roll(window, panel):
    (sid,) = run_suggest(panel, start_bar=0, bars=1, count=1, seed=12)
    roll = panel.lane.roll
    roll.resize(900, 200)
    window.timeline_view.time_scale.set_view(px_per_second=200.0, offset=0.0)
    return sid, roll


def _empty_spot(roll) -> QPoint:
    """A point on the roll with no note under it, inside the note rows."""
    for x in range(20, roll.width() - 20, 15):
        for y in range(10, int(roll.notes_height()) - 10, 7):
            if roll.note_at(QPoint(x, y).toPointF()) is None:
                return QPoint(x, y)
    raise AssertionError("no empty spot")


def test_tools_are_in_the_edit_menu_the_header_and_on_keys(cocreate, qtbot):  # noqa: F811
    from PySide6.QtWidgets import QApplication

    window, panel = cocreate
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    _sid, roll = _roll(window, panel)
    qtbot.waitUntil(roll.isVisible)
    menu = next(a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "Edit")
    tool_menu = next(a.menu() for a in menu.actions() if a.menu() is not None and a.menu().objectName() == "Menu-Tool")
    assert [a.text() for a in tool_menu.actions()] == ["Select notes", "Draw notes", "Erase notes"]
    header = panel.lane.header
    assert set(header.tool_buttons) == {Tool.SELECT, Tool.DRAW, Tool.ERASE}
    assert header.tool_buttons[Tool.DRAW].text() == "✎"
    roll.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is roll)
    qtbot.keyClick(roll, Qt.Key.Key_P)
    assert roll.tool == Tool.DRAW and header.tool_buttons[Tool.DRAW].isChecked()
    qtbot.keyClick(roll, Qt.Key.Key_E)
    assert roll.tool == Tool.ERASE
    header.tool_buttons[Tool.SELECT].click()
    assert roll.tool == Tool.SELECT and roll.editing.actions["tool:select"].isChecked()


def test_the_draw_tool_adds_a_note_with_a_click_and_a_longer_one_with_a_drag(cocreate, qtbot):  # noqa: F811
    window, panel = cocreate
    sid, roll = _roll(window, panel)
    before = list(roll.melody.notes)
    roll.editing.set_tool(Tool.DRAW)
    spot = _empty_spot(roll)
    pitch = roll.pitch_at(spot.y())  # before the click: the rows rescale to the new note afterwards
    qtbot.mouseClick(roll, Qt.MouseButton.LeftButton, pos=spot)
    assert len(roll.melody.notes) == len(before) + 1
    added = next(n for n in roll.melody.notes if n not in before)
    assert added.pitch == pitch and added.duration == roll.grid_step
    assert window.project.idea(sid).human_edited_notes == 1
    window.undo_stack.undo()
    assert list(roll.melody.notes) == before
    qtbot.mousePress(roll, Qt.MouseButton.LeftButton, pos=spot)
    qtbot.mouseMove(roll, QPoint(spot.x() + 120, spot.y()))  # 0.6 s at 200 px/s: about a beat more
    qtbot.mouseRelease(roll, Qt.MouseButton.LeftButton, pos=QPoint(spot.x() + 120, spot.y()))
    longer = next(n for n in roll.melody.notes if n not in before)
    assert longer.duration > roll.grid_step
    assert window.undo_stack.undoText() == "Add note"


def test_the_erase_tool_removes_what_a_stroke_touches_in_one_undo_step(cocreate, qtbot):  # noqa: F811
    window, panel = cocreate
    _sid, roll = _roll(window, panel)
    before = list(roll.melody.notes)
    assert len(before) >= 2
    roll.editing.set_tool(Tool.ERASE)
    a, b = roll.note_rect(0).center().toPoint(), roll.note_rect(1).center().toPoint()
    qtbot.mousePress(roll, Qt.MouseButton.LeftButton, pos=a)
    qtbot.mouseMove(roll, b)
    qtbot.mouseRelease(roll, Qt.MouseButton.LeftButton, pos=b)
    assert list(roll.melody.notes) == before[2:]
    assert window.undo_stack.undoText() == "Erase notes"
    window.undo_stack.undo()
    assert list(roll.melody.notes) == before
    qtbot.mouseClick(roll, Qt.MouseButton.LeftButton, pos=_empty_spot(roll))  # a stroke over nothing: no step
    assert window.undo_stack.undoText() != "Erase notes" and list(roll.melody.notes) == before


def test_copy_goes_to_the_system_clipboard_and_pastes_into_another_window(cocreate, qtbot, tmp_path):  # noqa: F811
    window, panel = cocreate
    _sid, roll = _roll(window, panel)
    roll.editing.select_all()
    assert roll.editing.copy() == len(roll.melody.notes)
    mime = QGuiApplication.clipboard().mimeData()
    assert mime.hasFormat(MIME_TYPE) and mime.text().startswith("Accord notes:")
    copied = clip_from_json(bytes(mime.data(MIME_TYPE).data()))
    # a second studio window (another Accord) pastes what the first copied
    other, other_panel = studio_with_panel(qtbot, tmp_path / "second", None)
    try:
        from app.core.project.cocreation.suggestion_edits import AddSuggestions
        from app.ui.suggest.lane import suggestion_target

        other.push(AddSuggestions([{"id": "x1", "name": "#1 Empty", "melody": {"notes": []}}]))
        other_panel.lane.show_target(suggestion_target("x1"))
        target_roll = other_panel.lane.roll
        assert target_roll.editing.paste(at=4.0)
        assert [(n.pitch, n.onset - 4.0, n.duration, n.velocity) for n in target_roll.melody.notes] == \
            [(n.pitch, n.onset, n.duration, n.velocity) for n in copied]
        assert other.undo_stack.undoText() == "Paste notes"
    finally:
        other.undo_stack.setClean()
        other.close()


def test_plain_text_pastes_and_a_foreign_clipboard_is_refused_in_words(cocreate, qtbot):  # noqa: F811
    window, panel = cocreate
    _sid, roll = _roll(window, panel)
    before = len(roll.melody.notes)
    mime = QMimeData()
    mime.setText("A4 0 1 100\nC5 1 0.5\n")  # typed in a text editor: names, quarter notes, optional velocity
    QGuiApplication.clipboard().setMimeData(mime)
    assert roll.editing.paste(at=0.0)
    assert len(roll.melody.notes) == before + 2
    assert Note(69, 0.0, 1.0, 100) in roll.melody.notes and Note(72, 1.0, 0.5, 90) in roll.melody.notes
    problems = []
    roll.problem.connect(problems.append)
    QGuiApplication.clipboard().setText("Dear diary, today I wrote a song")
    assert not roll.editing.paste(at=0.0)
    assert problems and problems[-1].startswith("Nothing to paste: line 1")


def test_clip_formats_round_trip_and_refuse_bad_content():
    notes = [Note(61, 2.0, 0.5, 80), Note(59, 3.25, 1.0, 127)]
    assert clip_from_json(clip_to_json(notes)) == [Note(61, 0.0, 0.5, 80), Note(59, 1.25, 1.0, 127)]
    assert clip_from_text(clip_to_text(notes)) == clip_from_json(clip_to_json(notes))
    assert clip_from_text("Cb4 0 1\nB#3 1 1")[0].pitch == 59 and clip_from_text("B#3 0 1")[0].pitch == 60
    for bad in (b"[]", b'{"format": "accord-notes", "version": 9, "notes": []}',
                b'{"format": "accord-notes", "version": 1, "notes": [[60, 0, -1]]}', b"\xff"):
        with pytest.raises(ValueError):
            clip_from_json(bad)
    for bad in ("", "C4 0", "X9 0 1", "C4 0 1 200", "C4 nan 1", "200 0 1"):
        with pytest.raises(ValueError):
            clip_from_text(bad)
