"""The transport toolbar: return to start, play/pause, stop, loop, the position display, master gain and
the level meter. Shortcuts as in every DAW: Space toggles play, Home returns to the start, L toggles loop.

The bar only owns its actions and widgets; the main window connects them to the engine and the project.
Actions use application-wide shortcuts so they work wherever focus is, except inside text fields (which
claim printable keys and Space for typing).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QKeySequence, QPainter, QPainterPath, QPixmap, QPolygonF
from PySide6.QtWidgets import QLabel, QSizePolicy, QSlider, QToolBar, QWidget

from app.ui.shell.meter import LevelMeter
from app.ui.theme import COLOURS

ICON = 18


def _icon(kind: str, color: str = COLOURS.text) -> QIcon:
    pix = QPixmap(ICON * 2, ICON * 2)  # drawn at 2x so it stays crisp on high-DPI screens
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(color))
    s = ICON * 2
    if kind == "play":
        p.drawPolygon(QPolygonF([QPointF(s * .28, s * .18), QPointF(s * .82, s * .5), QPointF(s * .28, s * .82)]))
    elif kind == "pause":
        p.drawRect(QRectF(s * .24, s * .2, s * .18, s * .6))
        p.drawRect(QRectF(s * .58, s * .2, s * .18, s * .6))
    elif kind == "stop":
        p.drawRect(QRectF(s * .24, s * .24, s * .52, s * .52))
    elif kind == "start":
        p.drawRect(QRectF(s * .2, s * .22, s * .1, s * .56))
        p.drawPolygon(QPolygonF([QPointF(s * .78, s * .22), QPointF(s * .34, s * .5), QPointF(s * .78, s * .78)]))
    elif kind == "loop":
        from PySide6.QtGui import QPen

        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(QColor(color), s * .09))
        path = QPainterPath()
        path.addRoundedRect(QRectF(s * .16, s * .3, s * .68, s * .4), s * .18, s * .18)
        p.drawPath(path)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(color))
        p.drawPolygon(QPolygonF([QPointF(s * .5, s * .18), QPointF(s * .66, s * .3), QPointF(s * .5, s * .42)]))
    p.end()
    return QIcon(pix)


class TransportBar(QToolBar):
    """Toolbar with the transport actions; `master_gain_moved(dB, gesture)` when the master fader moves."""

    master_gain_moved = Signal(float, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Transport", parent)
        self.setObjectName("TransportBar")
        self.setMovable(False)
        self.setIconSize(QSize(ICON, ICON))
        self._icons = {k: _icon(k) for k in ("play", "pause", "stop", "start", "loop")}
        self.act_to_start = self._action("Return to Start", "start", Qt.Key.Key_Home, "ToStartButton")
        self.act_play = self._action("Play", "play", Qt.Key.Key_Space, "PlayButton")
        self.act_stop = self._action("Stop", "stop", None, "StopButton")
        self.act_loop = self._action("Loop", "loop", Qt.Key.Key_L, "LoopButton")
        self.act_loop.setCheckable(True)
        self.addSeparator()
        self.position_label = QLabel("  1.1.1")
        self.position_label.setObjectName("PositionDisplay")
        self.position_label.setMinimumWidth(120)
        self.position_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.addWidget(self.position_label)
        self.tempo_label = QLabel("— BPM")
        self.tempo_label.setObjectName("TempoDisplay")
        self.tempo_label.setToolTip("Tempo and time signature (set by analysis)")
        self.addWidget(self.tempo_label)
        self.sync_label = QLabel("")
        self.sync_label.setObjectName("SyncDisplay")
        self.sync_label.setToolTip("Who leads the tempo: Accord, the DAW's MIDI clock, or an Ableton Link session")
        self.sync_action = self.addWidget(self.sync_label)  # a toolbar shows/hides its widgets by their action
        self.sync_action.setVisible(False)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.addWidget(spacer)
        master = QLabel("Master")
        master.setObjectName("MasterLabel")
        self.addWidget(master)
        self.master_gain = QSlider(Qt.Orientation.Horizontal)
        self.master_gain.setObjectName("MasterGain")
        self.master_gain.setRange(-600, 120)
        self.master_gain.setFixedWidth(120)
        self.master_gain.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.master_gain.setToolTip("Master gain (double-click the value to reset)")
        self.addWidget(self.master_gain)
        self.master_label = QLabel("+0.0 dB")
        self.master_label.setObjectName("ValueLabel")
        self.master_label.setFixedWidth(56)
        self.addWidget(self.master_label)
        self.meter = LevelMeter()
        self.addWidget(self.meter)
        self._gesture = 0
        self._quiet = False
        self.master_gain.sliderPressed.connect(self._new_gesture)
        self.master_gain.valueChanged.connect(self._master_changed)

    def _action(self, text: str, icon: str, key: Qt.Key | None, name: str) -> QAction:
        act = QAction(self._icons[icon], text, self)
        act.setObjectName(name)
        if key is not None:
            act.setShortcut(QKeySequence(key))
            act.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
            act.setToolTip(f"{text} ({QKeySequence(key).toString()})")
        self.addAction(act)
        button = self.widgetForAction(act)
        if button is not None:
            button.setObjectName(name)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        return act

    def _new_gesture(self) -> None:
        self._gesture += 1

    def _master_changed(self, value: int) -> None:
        self.master_label.setText(f"{value / 10:+.1f} dB")
        if self._quiet:
            return
        if not self.master_gain.isSliderDown():
            self._gesture += 1
        self.master_gain_moved.emit(value / 10.0, self._gesture)

    def show_master_gain(self, db: float) -> None:
        self._quiet = True
        self.master_gain.setValue(round(db * 10))
        self.master_label.setText(f"{db:+.1f} dB")
        self._quiet = False

    def show_playing(self, playing: bool) -> None:
        self.act_play.setIcon(self._icons["pause" if playing else "play"])
        self.act_play.setText("Pause" if playing else "Play")

    def show_position(self, text: str) -> None:
        if self.position_label.text() != text:
            self.position_label.setText(text)

    def show_tempo(self, text: str) -> None:
        self.tempo_label.setText(text)

    def show_sync(self, text: str, mode: str = "internal") -> None:
        """Who leads (live sync); hidden while Accord runs on its own clock with MIDI off."""
        self.sync_label.setText(f"  ⇄ {text}" if text else "")
        self.sync_action.setVisible(bool(text))
        self.sync_label.setProperty("sync", mode)
