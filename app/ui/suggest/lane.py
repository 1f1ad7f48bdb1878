"""The piano-roll lane on the studio's timeline and the list of kept tracks in the panel.

`SuggestLane` adds the piano roll under the stems (on the timeline's shared TimeScale, so its bars line up
with the waveforms) while something is auditioned or kept, and removes it otherwise. `KeptTrackRow` is one
kept track in the panel: show it in the piano roll, mute, remove, or drag it out.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QMimeData, QPoint, Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.core.project.suggestion_edits import SUGGESTIONS, TRACKS, NoteTarget, entry_summary
from app.ui.context import StudioContext
from app.ui.suggest.kinds import TrackAction
from app.ui.timeline.piano_roll import PianoRoll, PianoRollHeader
from app.ui.timeline.view import LaneRow

DragFn = Callable[[dict, bool], QMimeData | None]


class DragHandle(QLabel):
    """A small grip: drag it to drag out the lane's (or row's) melody as MIDI (Alt/Shift: audio)."""

    def __init__(self, entry_of: Callable[[], dict | None], drag: DragFn, parent: QWidget | None = None) -> None:
        super().__init__("⠿ Drag out", parent)
        self.setObjectName("DragHandle")
        self.setToolTip("Drag to your DAW or desktop for MIDI; hold Alt or Shift for audio")
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self.entry_of, self.drag = entry_of, drag
        self._press: QPoint | None = None

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self._press = event.position().toPoint()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        from app.ui.suggest.drag import drag_started, exec_drag, wants_audio

        if not drag_started(self._press, event):
            return
        self._press = None
        entry = self.entry_of()
        exec_drag(self, None if entry is None else self.drag(entry, wants_audio(QApplication.keyboardModifiers())))


class SuggestLane:
    """Owns the piano roll and its row on the timeline."""

    def __init__(self, ctx: StudioContext, drag: DragFn) -> None:
        self.ctx = ctx
        self.roll = PianoRoll(ctx.push, scale=ctx.timeline.time_scale)
        self.handle = DragHandle(self.roll.entry, drag)
        self.header = PianoRollHeader(self.handle, roll=self.roll)
        self.roll.editing.install_menu(ctx.menu("&Edit"))  # Edit → Notes, Grid, Quantise strength
        self.roll.problem.connect(lambda text: ctx.message(text))
        if self.ctx.timeline.time_scale is not None:
            self.roll.edited.connect(self.header.update)
        self.row: LaneRow | None = None

    def show_target(self, target: NoteTarget | None) -> None:
        project = self.ctx.project
        self.roll.show_target(project, target)
        entry = self.roll.entry()
        if entry is None:
            self._remove()
            return
        self.header.show_entry(entry, kept=target is not None and target.where == TRACKS)
        if self.row is None:
            self.row = self.ctx.timeline.add_lane(self.roll, header=self.header)
            self.row.setObjectName("PianoRollLane")

    def refresh(self) -> None:
        target = self.roll.target
        if target is None:
            return
        self.show_target(target)

    def _remove(self) -> None:
        if self.row is not None:
            # Keep the widgets: take them out of the row before the row is deleted.
            self.roll.setParent(None)
            self.header.setParent(None)
            self.ctx.timeline.remove_lane(self.row)
            self.row = None

    @property
    def target(self) -> NoteTarget | None:
        return self.roll.target if self.row is not None else None


class KeptTrackRow(QFrame):
    """One kept track: name, edit (show in the piano roll), mute, remove, drag out."""

    action = Signal(str, str)  # (TrackAction, track id)

    def __init__(self, track: dict, drag: DragFn, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("KeptTrackRow")
        self.track = track
        self.track_id = str(track["id"])
        self.label = QLabel(entry_summary(track))
        self.label.setWordWrap(True)
        self.edit = QPushButton("Edit")
        self.edit.setToolTip("Show its notes in the piano roll")
        self.mute = QPushButton("Mute")
        self.mute.setCheckable(True)
        self.mute.setChecked(bool(track.get("mute")))
        self.remove = QPushButton("Remove")
        self.handle = DragHandle(lambda: self.track, drag)
        self.edit.clicked.connect(lambda: self.action.emit(TrackAction.EDIT, self.track_id))
        self.mute.clicked.connect(lambda on: self.action.emit(TrackAction.MUTE if on else TrackAction.UNMUTE, self.track_id))
        self.remove.clicked.connect(lambda: self.action.emit(TrackAction.REMOVE, self.track_id))
        buttons = QHBoxLayout()
        buttons.addWidget(self.handle)
        buttons.addStretch(1)
        for w in (self.edit, self.mute, self.remove):
            buttons.addWidget(w)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(2)
        layout.addWidget(self.label)
        layout.addLayout(buttons)


def suggestion_target(suggestion_id: str) -> NoteTarget:
    return NoteTarget(SUGGESTIONS, suggestion_id)


def track_target(track_id: str) -> NoteTarget:
    return NoteTarget(TRACKS, track_id)
