"""The piano roll's selection-wide editing: select all, copy/cut/paste, duplicate, delete, quantise, nudge,
transpose in key, velocity, grid choice. Each is one `SetNotes` edit (app/core/project/cocreation/note_ops.py) pushed
through the studio's undo stack, and each is a QAction in the Edit menu with its shortcut.

The actions belong to the piano roll (`Qt.WidgetShortcut`): arrows, Delete and Ctrl+C act on notes only
while the roll has focus, and keep their usual meaning everywhere else; from the menu they always act on
the roll. The tools (Select V, Draw P, Erase E) are a checkable group in Edit → Tool and on the lane's header.

Copy puts notes on the system clipboard twice: as Accord's own MIME type (exact, so Paste in another Accord
window gets the same notes) and as plain text a person can read (app/core/project/cocreation/note_clip.py), which Paste
also reads, e.g. notes typed in a text editor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMenu

from app.core.music import Note
from app.core.project.cocreation import note_ops
from app.core.project.cocreation.note_clip import (
    MIME_TYPE,
    clip_from_json,
    clip_from_text,
    clip_to_json,
    clip_to_text,
)
from app.core.project.cocreation.note_ops import GRIDS, SetNotes
from app.ui.menu_actions import add_action
from app.ui.timeline.piano_roll import Tool

if TYPE_CHECKING:
    from app.ui.timeline.piano_roll import PianoRoll

QUANTISE_STRENGTHS = (1.0, 0.75, 0.5, 0.25)
TOOLS = ((Tool.SELECT, "&Select notes", "V", "Select and drag notes (the usual tool)"),
         (Tool.DRAW, "&Draw notes", "P", "Click to add a note, drag right to make it longer"),
         (Tool.ERASE, "&Erase notes", "E", "Click or stroke across notes to remove them (one undo step)"))


def clipboard_mime(notes: list[Note]) -> QMimeData:
    """The notes as the clipboard holds them: Accord's MIME type and plain text."""
    mime = QMimeData()
    mime.setData(MIME_TYPE, clip_to_json(notes))
    mime.setText(clip_to_text(notes))
    return mime


def notes_from_mime(mime: QMimeData | None) -> list[Note]:
    """Notes from clipboard data (Accord's MIME type first, else its text); ValueError says why not."""
    if mime is None:
        raise ValueError("the clipboard is empty")
    if mime.hasFormat(MIME_TYPE):
        return clip_from_json(bytes(mime.data(MIME_TYPE).data()))
    if mime.hasText():
        return clip_from_text(mime.text())
    raise ValueError("the clipboard holds no notes")


class RollEditing:
    """Selection-wide operations on a `PianoRoll` (`roll.editing`)."""

    def __init__(self, roll: PianoRoll) -> None:
        self.roll = roll
        self.strength = 1.0
        self.actions: dict[str, QAction] = {}
        self.tool_group = QActionGroup(roll)
        for tool, text, key, tip in TOOLS:  # built here, so the lane's header can show them before the menu
            act = QAction(text.replace("&", ""), roll)
            act.setObjectName(f"Roll-tool-{tool}")
            act.setCheckable(True)
            act.setChecked(tool == roll.tool)
            act.setShortcut(QKeySequence(key))
            act.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            act.setToolTip(f"{text.replace('&', '')} ({key}): {tip}")
            act.triggered.connect(lambda _=False, tool=tool: self.set_tool(tool))
            self.tool_group.addAction(act)
            roll.addAction(act)
            self.actions[f"tool:{tool}"] = act

    # --- operations (what the actions and the tests call) ------------------------------------------------
    def apply(self, label: str, op: Callable[[], tuple[list[Note], list[int]]]) -> bool:
        roll = self.roll
        if roll.target is None:
            return False
        try:
            notes, selection = op()
        except ValueError as exc:
            roll.problem.emit(str(exc))
            return False
        if list(notes) == list(roll.melody.notes):
            roll.selection = set(selection)
            roll.update()
            return False
        ok = roll._push(SetNotes(roll.target, notes, label))
        if ok:
            roll.selection = set(selection)
            roll.update()
        return ok

    def _notes(self) -> list[Note]:
        return list(self.roll.melody.notes)

    def _sel(self) -> list[int]:
        return sorted(self.roll.selection)

    def select_all(self) -> None:
        self.roll.selection = set(range(len(self.roll.melody.notes)))
        self.roll.update()

    def set_tool(self, tool: Tool | str) -> None:
        self.roll.tool = Tool(tool)
        self.actions[f"tool:{self.roll.tool}"].setChecked(True)
        self.roll.unsetCursor()

    def copy(self) -> int:
        """Put the selected notes on the system clipboard; how many (nothing selected: nothing copied)."""
        clip = note_ops.clip_of(self._notes(), self._sel())
        if clip:
            QGuiApplication.clipboard().setMimeData(clipboard_mime(clip))
        return len(clip)

    def cut(self) -> bool:
        return bool(self.copy()) and self.delete("Cut notes")

    def paste(self, at: float | None = None) -> bool:
        """Paste the clipboard's notes (from this window, another Accord window or plain text) at the last click."""
        if self.roll.target is None:
            return False
        try:
            clip = notes_from_mime(QGuiApplication.clipboard().mimeData())
        except ValueError as exc:
            self.roll.problem.emit(f"Nothing to paste: {exc}")
            return False
        where = self.roll.paste_position() if at is None else at
        return self.apply("Paste notes", lambda: note_ops.paste(self._notes(), clip, where))

    def duplicate(self) -> bool:
        bq = self.roll.grid().time_signature.bar_quarters
        return self.apply("Duplicate notes", lambda: note_ops.duplicate(self._notes(), self._sel(), bq))

    def delete(self, label: str = "Delete notes") -> bool:
        if not self.roll.selection:
            return False
        return self.apply(label, lambda: note_ops.delete(self._notes(), self._sel()))

    def quantise(self, strength: float | None = None) -> bool:
        sel = self._sel() or list(range(len(self.roll.melody.notes)))  # nothing selected: the whole melody
        s = self.strength if strength is None else strength
        step = self.roll.grid_step or 0.25
        return self.apply(f"Quantise {round(s * 100)} %", lambda: note_ops.quantise(self._notes(), sel, step, s))

    def nudge(self, *, steps: int = 0, semitones: int = 0) -> bool:
        step = self.roll.grid_step or 0.25
        return self.apply("Nudge notes", lambda: note_ops.nudge(self._notes(), self._sel(), quarters=steps * step,
                                                               semitones=semitones))

    def transpose(self, degrees: int) -> bool:
        key = self.roll.project.key if self.roll.project is not None else None
        return self.apply("Transpose in key", lambda: note_ops.transpose_in_key(self._notes(), self._sel(),
                                                                                degrees, key))

    def set_velocity(self, velocity: int, indices: list[int] | None = None) -> bool:
        sel = self._sel() if indices is None else indices
        return self.apply("Set velocity", lambda: note_ops.set_velocity(self._notes(), sel, velocity))

    def set_grid(self, label: str) -> None:
        self.roll.grid_step = GRIDS[label]
        act = self.actions.get("grid:" + label)
        if act is not None:
            act.setChecked(True)
        self.roll.update()

    # --- the Edit menu -----------------------------------------------------------------------------------
    def install_menu(self, menu: QMenu) -> None:
        """Add the roll's actions to `menu` (the studio's Edit menu) with their shortcuts."""
        menu.addSeparator()
        notes = menu.addMenu("&Notes")
        notes.setObjectName("Menu-Notes")
        table: tuple[tuple[str, str, str, Callable[[], object]], ...] = (
            ("select_all", "Select all notes", "Ctrl+A", self.select_all),
            ("copy", "Copy notes", "Ctrl+C", self.copy),
            ("cut", "Cut notes", "Ctrl+X", self.cut),
            ("paste", "Paste notes", "Ctrl+V", self.paste),
            ("duplicate", "Duplicate notes", "Ctrl+D", self.duplicate),
            ("delete", "Delete notes", "Del", self.delete),
            ("quantise", "Quantise", "Q", self.quantise),
            ("left", "Nudge left", "Left", lambda: self.nudge(steps=-1)),
            ("right", "Nudge right", "Right", lambda: self.nudge(steps=1)),
            ("up", "Nudge up a semitone", "Up", lambda: self.nudge(semitones=1)),
            ("down", "Nudge down a semitone", "Down", lambda: self.nudge(semitones=-1)),
            ("octave_up", "Octave up", "Shift+Up", lambda: self.nudge(semitones=12)),
            ("octave_down", "Octave down", "Shift+Down", lambda: self.nudge(semitones=-12)),
            ("key_up", "Transpose up in key", "Ctrl+Up", lambda: self.transpose(1)),
            ("key_down", "Transpose down in key", "Ctrl+Down", lambda: self.transpose(-1)),
            ("louder", "Louder (velocity +10)", "]", lambda: self._velocity_step(10)),
            ("softer", "Softer (velocity −10)", "[", lambda: self._velocity_step(-10)),
        )
        for name, text, key, fn in table:
            act = QAction(text, self.roll)
            act.setObjectName(f"Roll-{name}")
            act.setShortcut(QKeySequence(key))
            act.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # only while the roll has focus
            act.triggered.connect(lambda _=False, fn=fn: fn())
            self.roll.addAction(act)
            notes.addAction(act)
            self.actions[name] = act
            if name in ("delete", "quantise", "right", "octave_down", "key_down"):
                notes.addSeparator()
        tools = menu.addMenu("&Tool")
        tools.setObjectName("Menu-Tool")
        for tool, *_ in TOOLS:
            tools.addAction(self.actions[f"tool:{tool}"])
        strength = menu.addMenu("Quantise &strength")
        group = QActionGroup(strength)
        for s in QUANTISE_STRENGTHS:
            act = add_action(strength, f"{round(s * 100)} %")
            act.setCheckable(True)
            act.setChecked(s == self.strength)
            act.triggered.connect(lambda _=False, s=s: setattr(self, "strength", s))
            group.addAction(act)
            self.actions[f"strength:{s}"] = act
        grid = menu.addMenu("&Grid")
        group = QActionGroup(grid)
        for label, step in GRIDS.items():
            act = add_action(grid, label)
            act.setCheckable(True)
            act.setChecked(step == self.roll.grid_step)
            act.triggered.connect(lambda _=False, label=label: self.set_grid(label))
            group.addAction(act)
            self.actions["grid:" + label] = act

    def _velocity_step(self, delta: int) -> bool:
        notes, sel = self._notes(), self._sel()
        if not sel:
            return False
        out = list(notes)
        from dataclasses import replace

        for i in sel:
            out[i] = replace(out[i], velocity=int(min(127, max(1, out[i].velocity + delta))))
        return self.apply("Change velocity", lambda: (out, sel))
