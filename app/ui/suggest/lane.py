"""The piano-roll lane on the studio's timeline and the list of kept tracks in the panel.

`SuggestLane` adds the piano roll under the stems (on the timeline's shared TimeScale, so its bars line up
with the waveforms) while something is auditioned or kept, and removes it otherwise. `KeptTrackRow` is one
kept track in the panel: show it in the piano roll, mute, remove, or drag it out.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QMimeData, QPoint, Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.audio.synth import DEFAULT_INSTRUMENT, display_names
from app.core.project.cocreation.ideas import Idea, IdeaTrack
from app.core.project.cocreation.suggestion_edits import SUGGESTIONS, TRACKS, NoteTarget
from app.ui.context import StudioContext
from app.ui.suggest.kinds import TrackAction
from app.ui.timeline.piano_roll import PianoRoll
from app.ui.timeline.roll_header import PianoRollHeader
from app.ui.timeline.view import LaneRow

DragFn = Callable[[Idea | IdeaTrack, bool], QMimeData | None]


class DragHandle(QLabel):
    """A small grip: drag it to drag out the lane's (or row's) melody as MIDI (Alt/Shift: audio)."""

    def __init__(self, entry_of: Callable[[], Idea | IdeaTrack | None], drag: DragFn, parent: QWidget | None = None) -> None:
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
        self.shown: Idea | IdeaTrack | None = None  # what the roll last showed (undo of Keep goes back to it)
        self._revealed: NoteTarget | None = None  # the target last scrolled into view

    def show_target(self, target: NoteTarget | None) -> None:
        project = self.ctx.project
        self.roll.show_target(project, target)
        entry = self.roll.entry()
        self.shown = entry
        if entry is None:
            self._remove()
            return
        self.header.show_entry(entry, kept=target is not None and target.where == TRACKS)
        if self.row is None:
            self.row = self.ctx.timeline.add_lane(self.roll, header=self.header)
            self.row.setObjectName("PianoRollLane")
            self._revealed = None
        if target != self._revealed:  # a new idea or track in the roll: scroll it into view (not on each edit)
            self._revealed = target
            self.ctx.timeline.reveal_lane(self.row)

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


SOUNDFONT_CHOICE = "soundfont:default"  # the first General MIDI SoundFont found (e.g. TimGM6mb), piano


def instrument_choices() -> list[tuple[str, str]]:
    """(shown name, choice) of every sound a kept idea can play: the built-in voices, then a GM SoundFont."""
    return [(shown, name) for name, shown in display_names().items()] + [("SoundFont piano (GM)", SOUNDFONT_CHOICE)]


def choice_of(track: IdeaTrack) -> str:
    """The instrument choice a track's render settings stand for."""
    render = track.render
    return SOUNDFONT_CHOICE if render.get("soundfont") else (track.instrument or DEFAULT_INSTRUMENT)


def render_for(track: IdeaTrack, choice: str) -> dict:
    """The track's render settings with `choice` as its sound."""
    render = dict(track.render)
    if choice == SOUNDFONT_CHOICE:
        render.update(soundfont="default", program=0)
    else:
        render.update(instrument=choice, soundfont=None)
    return render


class KeptTrackRow(QFrame):
    """One kept track, as a channel strip: name, instrument, gain, pan, mute, solo; edit, remove, drag out."""

    action = Signal(str, str)  # (TrackAction, track id)
    settings_changed = Signal(str, dict, object)  # (track id, changes, gesture)

    def __init__(self, track: IdeaTrack, drag: DragFn, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("KeptTrackRow")
        self.track = track
        self.track_id = track.id
        self._gesture = 0
        self.label = QLabel(track.summary())
        self.label.setWordWrap(True)
        self.edit = QPushButton("Edit")
        self.edit.setToolTip("Show its notes in the piano roll")
        self.mute = QToolButton()  # styled as the stem lanes' M and S
        self.mute.setText("M")
        self.mute.setObjectName("MuteButton")
        self.mute.setToolTip("Mute this track")
        self.mute.setCheckable(True)
        self.solo = QToolButton()
        self.solo.setText("S")
        self.solo.setObjectName("SoloButton")
        self.solo.setToolTip("Solo this track (only soloed tracks and stems are heard)")
        self.solo.setCheckable(True)
        self.remove = QPushButton("Remove")
        self.remove.setToolTip("Remove this track (the idea goes back to the list)")
        self.instrument = QComboBox()
        self.instrument.setObjectName("Track-instrument")
        for shown, choice in instrument_choices():
            self.instrument.addItem(shown, choice)
        self.instrument.setToolTip("The sound this track plays and exports with")
        self.gain = QSlider(Qt.Orientation.Horizontal)
        self.gain.setObjectName("Track-gain")
        self.gain.setRange(-240, 60)  # tenths of a dB
        self.gain.setToolTip("Gain (dB)")
        self.pan = QSlider(Qt.Orientation.Horizontal)
        self.pan.setObjectName("Track-pan")
        self.pan.setRange(-100, 100)
        self.pan.setToolTip("Pan (left – right)")
        self.gain_label = QLabel()
        self.gain_label.setObjectName("ValueLabel")
        self.gain_label.setFixedWidth(52)
        self.handle = DragHandle(lambda: self.track, drag)
        self.handle.setText("⠿")
        self.instrument.setMinimumWidth(90)
        self.gain.setMinimumWidth(60)
        self.pan.setMinimumWidth(40)
        self.set_track(track)
        self.edit.clicked.connect(lambda: self.action.emit(TrackAction.EDIT, self.track_id))
        self.mute.clicked.connect(lambda on: self.action.emit(TrackAction.MUTE if on else TrackAction.UNMUTE, self.track_id))
        self.solo.clicked.connect(lambda on: self._emit({"solo": bool(on)}))
        self.remove.clicked.connect(lambda: self.action.emit(TrackAction.REMOVE, self.track_id))
        self.instrument.activated.connect(lambda _i: self._emit({"render": self.render_choice()}))
        for slider in (self.gain, self.pan):
            slider.sliderPressed.connect(self._new_gesture)
        self.gain.valueChanged.connect(lambda v: self._slid(self.gain, {"gain_db": v / 10.0}))
        self.pan.valueChanged.connect(lambda v: self._slid(self.pan, {"pan": v / 100.0}))
        self.gain.valueChanged.connect(lambda v: self.gain_label.setText(f"{v / 10:+.1f} dB"))
        # Three short rows, so the strip fits the narrowest dock: name and drag grip; sound and pan; level and
        # the buttons.
        title = QHBoxLayout()
        title.addWidget(self.label, 1)
        title.addWidget(self.handle)
        sound = QHBoxLayout()
        sound.addWidget(self.instrument, 3)
        sound.addWidget(QLabel("Pan"))
        sound.addWidget(self.pan, 2)
        level = QHBoxLayout()
        level.addWidget(self.gain, 1)
        level.addWidget(self.gain_label)
        for w in (self.mute, self.solo, self.edit, self.remove):
            level.addWidget(w)
        for w in (self.mute, self.solo):
            w.setFixedSize(26, 22)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(2)
        layout.addLayout(title)
        layout.addLayout(sound)
        layout.addLayout(level)

    def _new_gesture(self) -> None:
        self._gesture += 1

    def _slid(self, slider: QSlider, changes: dict) -> None:
        if not slider.isSliderDown():
            self._gesture += 1  # a key press or a click on the groove: a step of its own
        self._emit(changes, self._gesture)

    def _emit(self, changes: dict, gesture: object = None) -> None:
        """One drag of one slider is one gesture (one undo step); gain and pan never merge with each other."""
        key = None if gesture is None else (self.track_id, next(iter(changes)), gesture)
        self.settings_changed.emit(self.track_id, changes, key)

    def render_choice(self) -> dict:
        return render_for(self.track, str(self.instrument.currentData()))

    def set_track(self, track: IdeaTrack) -> None:
        """Show `track` (after an edit or an undo) without emitting anything."""
        self.track = track
        self.label.setText(track.summary())
        choice = choice_of(track)
        widgets = (self.mute, self.solo, self.instrument, self.gain, self.pan)
        for w in widgets:
            w.blockSignals(True)
        try:
            self.mute.setChecked(track.mute)
            self.solo.setChecked(track.solo)
            self.instrument.setCurrentIndex(max(0, self.instrument.findData(choice)))
            self.gain.setValue(round(10 * track.gain_db))
            self.pan.setValue(round(100 * track.pan))
        finally:
            for w in widgets:
                w.blockSignals(False)
        self.gain_label.setText(f"{self.gain.value() / 10:+.1f} dB")


def suggestion_target(suggestion_id: str) -> NoteTarget:
    return NoteTarget(SUGGESTIONS, suggestion_id)


def track_target(track_id: str) -> NoteTarget:
    return NoteTarget(TRACKS, track_id)
