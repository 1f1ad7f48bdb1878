"""A piano-roll lane for the auditioned or kept suggestion, on the timeline's bars, with note editing.

Drag a note to move it (time snaps to sixteenths, height is pitch), drag its right edge to resize it,
double-click empty space to add a note, double-click a note (or select it and press Delete, or right-click
it) to delete it. The Draw tool (P) adds a note with a click (drag right for a longer one), the Erase tool (E)
removes every note a stroke touches (one undo step), the Select tool (V) is the default. Every change is a core edit (app/core/project/cocreation/suggestion_edits.py) pushed through the
studio's undo stack, so it is undoable and saved; edited notes keep the suggestion's provenance and are
drawn in the "edited by hand" colour, the count shown in the lane's header.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from enum import StrEnum

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent, QPaintEvent
from PySide6.QtWidgets import QWidget

from app.core.music import Melody, Note
from app.core.project.cocreation import note_ops
from app.core.project.cocreation.ideas import Idea, IdeaTrack
from app.core.project.cocreation.suggestion_edits import (
    GRID_STEP,
    AddNote,
    DeleteNote,
    MoveNote,
    NoteTarget,
    ResizeNote,
    entries,
)
from app.core.project.edits import Edit
from app.core.project.model import Project
from app.ui.timeline.roll_geometry import RollGeometry
from app.ui.timeline.roll_painting import paint_roll
from app.ui.timeline.ruler import TimeScale

LANE_HEIGHT = 196
EDGE_PX = 6
MIN_NOTE = 1.0 / 32.0  # without a time scale (a dock or a test)


class Tool(StrEnum):
    """What a left click on the roll does: select and drag notes, draw new ones, or erase what it touches."""

    SELECT = "select"
    DRAW = "draw"
    ERASE = "erase"


def snap(quarters: float, step: float | None = GRID_STEP) -> float:
    if not step:
        return max(0.0, quarters)
    return max(0.0, round(quarters / step) * step)


class PianoRoll(RollGeometry, QWidget):
    """Shows one melody (`show_target(project, target)`) and edits it through `push(edit)`."""

    edited = Signal()
    problem = Signal(str)  # an edit that cannot be made, said in words (the status line shows it)

    def __init__(self, push: Callable[[Edit], bool], *, scale: TimeScale | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PianoRoll")
        self.push = push
        self.scale = scale
        self.project: Project | None = None
        self.target: NoteTarget | None = None
        self.melody = Melody(())
        self.original: Counter = Counter()
        self.span: tuple[float, float] | None = None
        self.selection: set[int] = set()
        self.grid_step: float | None = GRID_STEP  # the grid notes snap to (None: off)
        self._last_click_quarters: float | None = None
        self._band: QRectF | None = None  # the rubber band being drawn (widget coordinates)
        self._velocity_drag: float | None = None  # the velocity being drawn in the velocity lane
        self._velocity_targets: list[int] = []
        self._drag: tuple[str, int, QPointF, Note] | None = None
        self._preview: Note | None = None
        self.tool = Tool.SELECT
        self._drawing: Note | None = None  # the note the draw tool is stretching (added on release)
        self._erasing: set[int] | None = None  # notes the erase tool has touched in this gesture
        self.setMinimumHeight(LANE_HEIGHT)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setMouseTracking(True)
        if scale is not None:
            scale.changed.connect(self.update)
        from app.ui.timeline.roll_editing import RollEditing

        self.editing = RollEditing(self)

    @property
    def selected(self) -> int | None:
        """The one selected note (None when none or several are)."""
        return next(iter(self.selection)) if len(self.selection) == 1 else None

    @selected.setter
    def selected(self, index: int | None) -> None:
        self.selection = set() if index is None else {index}

    def snap(self, quarters: float) -> float:
        return snap(quarters, self.grid_step) if self.grid_step else max(0.0, quarters)

    def paste_position(self) -> float:
        """Where Paste puts notes: the last click on the roll, else the start of the shown range."""
        if self._last_click_quarters is not None:
            return self.snap(self._last_click_quarters)
        return self.span[0] if self.span else 0.0

    # --- what is shown ---------------------------------------------------------------------------------
    def show_target(self, project: Project | None, target: NoteTarget | None) -> None:
        self.project, self.target = project, target
        self.selected = None
        self.refresh()

    def entry(self) -> Idea | IdeaTrack | None:
        if self.project is None or self.target is None:
            return None
        for e in entries(self.project, self.target.where):
            if e.id == self.target.id:
                return e
        return None

    def _idea_of(self, entry: Idea | IdeaTrack | None) -> Idea | None:
        if isinstance(entry, Idea) or entry is None or self.project is None:
            return entry if isinstance(entry, Idea) else None
        try:
            return self.project.idea(entry.suggestion_id) if entry.suggestion_id is not None else None
        except KeyError:
            return None

    def refresh(self) -> None:
        entry = self.entry()
        self.melody = Melody(()) if entry is None else entry.melody
        originals = entry.original_notes if entry is not None else None
        self.original = Counter((int(n[0]), round(float(n[1]), 6), round(float(n[2]), 6)) for n in originals) \
            if originals else Counter()
        idea = self._idea_of(entry)
        first, bars = idea.request_range() if idea is not None else (None, 1)
        grid = self.grid()
        if first is not None:
            bq = grid.time_signature.bar_quarters
            self.span = (first * bq, (first + bars) * bq)
        else:
            self.span = None
        self.selection = {i for i in self.selection if i < len(self.melody.notes)}
        self.update()

    def is_edited(self, note: Note) -> bool:
        if not self.original:
            return False
        return self.original[(note.pitch, round(note.onset, 6), round(note.duration, 6))] == 0

    # --- edits (also what tests call) --------------------------------------------------------------------
    def _push(self, edit: Edit) -> bool:
        if self.target is None:
            return False
        ok = self.push(edit)
        if ok:
            self.edited.emit()
        return ok

    def move_note(self, index: int, *, onset: float, pitch: int) -> bool:
        return self._push(MoveNote(self.target, index, onset=onset, pitch=pitch))

    def resize_note(self, index: int, *, duration: float) -> bool:
        return self._push(ResizeNote(self.target, index, duration=duration))

    def delete_note(self, index: int) -> bool:
        self.selection = set()
        return self._push(DeleteNote(self.target, index))

    def add_note(self, pitch: int, onset: float, duration: float = 1.0) -> bool:
        return self._push(AddNote(self.target, Note(int(pitch), float(onset), float(duration))))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        paint_roll(self)

    # --- mouse and keys ----------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        pos = event.position()
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        if self.in_velocity_lane(pos.y()):
            self._velocity_drag = float(self.velocity_at(pos.y()))
            self._velocity_targets = sorted(self.selection) or self._notes_at_x(pos.x())
            self.update()
            return
        self._last_click_quarters = self.quarters_at(pos.x())
        index = self.note_at(pos)
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if index is not None and event.button() == Qt.MouseButton.RightButton:
            self.selection.discard(index)
            self.delete_note(index)
            return
        left = event.button() == Qt.MouseButton.LeftButton
        if left and self.tool == Tool.ERASE and self.target is not None:
            self._erasing = set() if index is None else {index}  # erased on release: one undo step per stroke
            self.update()
            return
        if left and self.tool == Tool.DRAW and index is None and self.target is not None:
            step = self.grid_step or GRID_STEP
            onset = math.floor(self.quarters_at(pos.x()) / step + 1e-9) * step
            self._drawing = Note(self.pitch_at(pos.y()), onset, max(step, MIN_NOTE), 90)
            self.update()
            return
        if index is None:
            if not shift:
                self.selection = set()
            if event.button() == Qt.MouseButton.LeftButton:
                self._band = QRectF(pos, pos)  # rubber band: select what it touches
            self.update()
            return
        if shift:
            self.selection ^= {index}  # shift-click adds or removes one note
            self.update()
            return
        if index not in self.selection:
            self.selection = {index}
        if event.button() == Qt.MouseButton.LeftButton:
            mode = "resize" if self.note_rect(index).right() - pos.x() <= EDGE_PX else "move"
            self._drag = (mode, index, pos, self.melody.notes[index])
            self._preview = self.melody.notes[index]
        self.update()

    def _notes_at_x(self, x: float) -> list[int]:
        return [i for i in range(len(self.melody.notes)) if self.note_rect(i).left() - 1 <= x <= self.note_rect(i).right() + 1]

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        pos = event.position()
        if self._erasing is not None:
            index = self.note_at(pos)
            if index is not None and index not in self._erasing:
                self._erasing.add(index)
                self.update()
            return
        if self._drawing is not None:  # drag right to make the drawn note longer
            step = self.grid_step or GRID_STEP
            end = max(self._drawing.onset + step, self.snap(self.quarters_at(pos.x())))
            self._drawing = replace(self._drawing, duration=max(MIN_NOTE, end - self._drawing.onset))
            self.update()
            return
        if self._velocity_drag is not None:
            self._velocity_drag = float(self.velocity_at(pos.y()))
            self.update()
            return
        if self._band is not None:
            self._band.setBottomRight(pos)
            self.update()
            return
        if self._drag is None:
            index = self.note_at(pos)
            edge = index is not None and self.note_rect(index).right() - pos.x() <= EDGE_PX
            if self.tool == Tool.ERASE:
                shape = Qt.CursorShape.PointingHandCursor if index is not None else Qt.CursorShape.ForbiddenCursor
            elif self.tool == Tool.DRAW and index is None:
                shape = Qt.CursorShape.CrossCursor
            else:
                shape = Qt.CursorShape.SizeHorCursor if edge else Qt.CursorShape.ArrowCursor
            self.setCursor(shape)
            return
        mode, index, start, note = self._drag
        dq = self.quarters_at(pos.x()) - self.quarters_at(start.x())
        if mode == "move":
            rows = round((start.y() - pos.y()) / self.row_height())
            self._preview = Note(int(min(127, max(0, note.pitch + rows))), self.snap(note.onset + dq), note.duration,
                                 note.velocity)
        else:
            step = self.grid_step or MIN_NOTE
            self._preview = Note(note.pitch, note.onset, max(step, self.snap(note.duration + dq)), note.velocity)
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._erasing is not None:
            erased, self._erasing = sorted(self._erasing), None
            if erased:
                self.selection = set()
                self.editing.apply("Erase notes", lambda: note_ops.delete(list(self.melody.notes), erased))
            self.update()
            return
        if self._drawing is not None:
            note, self._drawing = self._drawing, None
            if self.add_note(note.pitch, note.onset, note.duration):
                self.selection = {i for i, n in enumerate(self.melody.notes) if n == note}
            self.update()
            return
        if self._velocity_drag is not None:
            velocity, targets = int(self._velocity_drag), self._velocity_targets
            self._velocity_drag = None
            if targets:
                self.editing.set_velocity(velocity, targets)
            self.update()
            return
        if self._band is not None:
            band = self._band.normalized()
            self._band = None
            touched = {i for i in range(len(self.melody.notes)) if band.intersects(self.note_rect(i))}
            shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            self.selection = (self.selection | touched) if shift else touched
            self.update()
            return
        drag, preview = self._drag, self._preview
        self._drag = self._preview = None
        if drag is None or preview is None:
            return
        mode, index, _, note = drag
        if mode == "move" and len(self.selection) > 1 and index in self.selection:
            if (preview.onset, preview.pitch) != (note.onset, note.pitch):  # the whole selection moves together
                self.editing.apply("Move notes", lambda: note_ops.nudge(
                    list(self.melody.notes), sorted(self.selection), quarters=preview.onset - note.onset,
                    semitones=preview.pitch - note.pitch))
        elif mode == "move" and (preview.onset, preview.pitch) != (note.onset, note.pitch):
            self.move_note(index, onset=preview.onset, pitch=preview.pitch)
        elif mode == "resize" and preview.duration != note.duration:
            self.resize_note(index, duration=preview.duration)
        self.update()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        pos = event.position()
        index = self.note_at(pos)
        self._drag = self._preview = None
        if self.tool != Tool.SELECT:
            self.mousePressEvent(event)  # with a tool, a quick second click is another stroke of that tool
            return
        if index is not None:
            self.delete_note(index)
        elif self.target is not None:
            step = self.grid_step or GRID_STEP
            self.add_note(self.pitch_at(pos.y()), math.floor(self.quarters_at(pos.x()) / step + 1e-9) * step,
                          duration=step if step >= GRID_STEP else GRID_STEP)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.selection:
            self.editing.delete()
            return
        super().keyPressEvent(event)
