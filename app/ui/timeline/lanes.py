"""A stem lane: header (name, mute/solo, gain and pan) and the waveform drawn from precomputed peaks.

Widgets here only display and report intent (signals); the main window turns intent into undoable edits.
Buttons and sliders take no keyboard focus, so Space/Home/L always reach the transport, as in a DAW.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QContextMenuEvent, QMouseEvent, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QSizePolicy,
    QSlider,
    QStackedWidget,
    QToolButton,
    QWidget,
)

from app.core.project.model import StemRef
from app.ui.elided_label import ElidedLabel
from app.ui.menu_actions import add_action
from app.ui.theme import COLOURS
from app.ui.timeline.view import TimeScale

if TYPE_CHECKING:
    from app.core.audio.peaks import Peaks

LANE_HEIGHT = 84
# View > Compact Tracks: the name and mute/solo only (gain and pan stay in the mixer's reach by switching back),
# so a producer's 16-track export fits a laptop screen (at 1366x768 with the catalogue open: 3 full lanes, 7 compact)
COMPACT_LANE_HEIGHT = 36
# View > Waveforms in Decibels: the lane's height spans this many dB below full scale (Audacity's dB view), so a
# part exported at -38 dBFS fills a third of its lane instead of 1 % (real DAW exports hold such quiet tracks)
WAVEFORM_DB_RANGE = 60.0
GAIN_MIN_DB, GAIN_MAX_DB = -60.0, 12.0
LANE_COLORS = COLOURS.lane_colours


def waveform_shape(values: np.ndarray, decibels: bool) -> np.ndarray:
    """Sample values (-1..1) as the waveform's height (-1..1): themselves, or their level in dB above
    -WAVEFORM_DB_RANGE (sign kept), so quiet parts are drawn as clearly as loud ones while staying in order."""
    if not decibels:
        return values.astype(float)
    mag = np.abs(values.astype(float))
    level = (20.0 * np.log10(np.maximum(mag, 1e-12)) + WAVEFORM_DB_RANGE) / WAVEFORM_DB_RANGE
    return np.sign(values) * np.clip(level, 0.0, 1.0)


def format_db(db: float) -> str:
    return "-inf dB" if db <= GAIN_MIN_DB else f"{db:+.1f} dB"


def format_pan(pan: float) -> str:
    pct = round(pan * 100)
    return "C" if pct == 0 else (f"L{-pct}" if pct < 0 else f"R{pct}")


class _NameLabel(QStackedWidget):
    """The stem's name; double-click to rename in place (Enter commits, Escape cancels)."""

    renamed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.label = ElidedLabel()  # a DAW export's long track name ends in "…" before the M/S buttons
        self.label.setObjectName("StemName")
        self.label.setToolTip("Double-click to rename")
        self.edit = QLineEdit()
        self.edit.setObjectName("StemNameEdit")
        self.addWidget(self.label)
        self.addWidget(self.edit)
        self.edit.editingFinished.connect(self._commit)
        self.setFixedHeight(24)

    def set_text(self, text: str) -> None:
        self.label.setText(text)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.start_editing()

    def start_editing(self) -> None:
        self.edit.setText(self.label.text())
        self.setCurrentWidget(self.edit)
        self.edit.selectAll()
        self.edit.setFocus()

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Escape:
            self.setCurrentWidget(self.label)
        else:
            super().keyPressEvent(event)

    def _commit(self) -> None:
        if self.currentWidget() is not self.edit:
            return
        self.setCurrentWidget(self.label)
        text = self.edit.text().strip()
        if text and text != self.label.text():
            self.renamed.emit(text)


def _button(text: str, name: str, tip: str) -> QToolButton:
    b = QToolButton()
    b.setText(text)
    b.setObjectName(name)
    b.setCheckable(True)
    b.setToolTip(tip)
    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    b.setFixedSize(26, 22)
    return b


class _Slider(QSlider):
    """A horizontal slider that reports drags as gestures and resets to its default on double-click."""

    moved = Signal(int, int)  # value, gesture

    def __init__(self, lo: int, hi: int, default: int, name: str) -> None:
        super().__init__(Qt.Orientation.Horizontal)
        self.setObjectName(name)
        self.setRange(lo, hi)
        self.default = default
        self.setValue(default)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._count = 0  # gesture ids: one per drag, so one drag is one undo step
        self._gesture = self._next()
        self.sliderPressed.connect(self._new_gesture)
        self.valueChanged.connect(self._changed)
        self._quiet = False

    def _next(self) -> int:
        self._count += 1
        return self._count

    def _new_gesture(self) -> None:
        self._gesture = self._next()

    def _changed(self, value: int) -> None:
        if not self._quiet:
            self.moved.emit(value, self._gesture if self.isSliderDown() else self._next())

    def set_quietly(self, value: int) -> None:
        """Reflect the project without emitting an edit."""
        if value != self.value():
            self._quiet = True
            self.setValue(value)
            self._quiet = False

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.setValue(self.default)


class StemLaneHeader(QFrame):
    """Name, mute/solo, gain and pan of one stem."""

    mute_toggled = Signal(bool)
    solo_toggled = Signal(bool)
    gain_moved = Signal(float, int)  # dB, gesture
    pan_moved = Signal(float, int)
    rename_requested = Signal(str)
    remove_requested = Signal()
    locate_requested = Signal()

    def __init__(self, color: str) -> None:
        super().__init__()
        self.setObjectName("LaneHeader")
        self.setFixedHeight(LANE_HEIGHT)
        self.color = QColor(color)
        self.name = _NameLabel()
        self.name.renamed.connect(self.rename_requested)
        self.mute = _button("M", "MuteButton", "Mute")
        self.solo = _button("S", "SoloButton", "Solo")
        self.mute.toggled.connect(self._mute_clicked)
        self.solo.toggled.connect(self._solo_clicked)
        self.gain = _Slider(int(GAIN_MIN_DB * 10), int(GAIN_MAX_DB * 10), 0, "GainSlider")
        self.gain.setToolTip("Gain (double-click: 0 dB)")
        self.pan = _Slider(-100, 100, 0, "PanSlider")
        self.pan.setToolTip("Pan (double-click: centre)")
        self.gain_label = QLabel(format_db(0.0))
        self.pan_label = QLabel("C")
        for lab in (self.gain_label, self.pan_label):
            lab.setObjectName("ValueLabel")
            lab.setFixedWidth(54)
            lab.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.gain.moved.connect(lambda v, g: self.gain_moved.emit(v / 10.0, g))
        self.pan.moved.connect(lambda v, g: self.pan_moved.emit(v / 100.0, g))
        grid = QGridLayout(self)
        grid.setContentsMargins(12, 6, 8, 6)
        grid.setHorizontalSpacing(4)
        grid.setVerticalSpacing(2)
        grid.addWidget(self.name, 0, 0, 1, 2)
        grid.addWidget(self.mute, 0, 2)
        grid.addWidget(self.solo, 0, 3)
        grid.addWidget(self.gain, 1, 0, 1, 3)
        grid.addWidget(self.gain_label, 1, 3)
        grid.addWidget(self.pan, 2, 0, 1, 3)
        grid.addWidget(self.pan_label, 2, 3)
        grid.setColumnStretch(0, 1)
        self._updating = False
        self.compact = False

    def lane_height(self) -> int:
        return COMPACT_LANE_HEIGHT if self.compact else LANE_HEIGHT

    def set_compact(self, on: bool) -> None:
        """Show the name and mute/solo only (True), or the whole strip with gain and pan."""
        self.compact = on
        for w in (self.gain, self.gain_label, self.pan, self.pan_label):
            w.setVisible(not on)
        grid = self.layout()
        assert isinstance(grid, QGridLayout)
        grid.setContentsMargins(12, 3 if on else 6, 8, 3 if on else 6)
        self.setFixedHeight(self.lane_height())

    def _mute_clicked(self, on: bool) -> None:
        if not self._updating:
            self.mute_toggled.emit(on)

    def _solo_clicked(self, on: bool) -> None:
        if not self._updating:
            self.solo_toggled.emit(on)

    def show_stem(self, stem: StemRef, audible: bool) -> None:
        self._updating = True
        try:
            self.name.set_text(stem.name)
            tip = f"{stem.path}" + ("\nFile not found: right-click → Locate file…" if stem.missing else "")
            self.name.label.setToolTip(tip + "\nDouble-click to rename")
            self.name.label.setProperty("missing", stem.missing)
            self.name.label.setProperty("audible", audible)
            self.name.label.style().unpolish(self.name.label)
            self.name.label.style().polish(self.name.label)
            self.mute.setChecked(stem.mute)
            self.solo.setChecked(stem.solo)
            self.gain.set_quietly(round(max(GAIN_MIN_DB, stem.gain_db) * 10))
            self.pan.set_quietly(round(stem.pan * 100))
            self.gain_label.setText(format_db(stem.gain_db))
            self.pan_label.setText(format_pan(stem.pan))
        finally:
            self._updating = False

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        p = QPainter(self)
        p.fillRect(QRectF(0, 0, 4, self.height()), self.color)
        p.end()

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = QMenu(self)
        add_action(menu, "Rename", self.name.start_editing)
        add_action(menu, "Locate file…", self.locate_requested.emit)
        menu.addSeparator()
        add_action(menu, "Remove stem", self.remove_requested.emit)
        menu.exec(event.globalPos())


class WaveformView(QWidget):
    """The stem's waveform (min/max per pixel column from Peaks), cached in a pixmap per view."""

    seek_requested = Signal(float)

    def __init__(self, scale: TimeScale, color: str) -> None:
        super().__init__()
        self.setObjectName("Waveform")
        self.scale = scale
        self.color = QColor(color)
        self.peaks: Peaks | None = None
        self.frames = 0
        self.sample_rate = 48000
        self.state = "loading"  # "loading" | "ready" | "missing" | "failed"
        self.audible = True
        self.decibels = False  # heights in dB (View > Waveforms in Decibels) rather than linear
        self._cache: QPixmap | None = None
        self._cache_key: tuple | None = None
        self.setFixedHeight(LANE_HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        scale.changed.connect(self.update)

    def set_compact(self, on: bool) -> None:
        self.setFixedHeight(COMPACT_LANE_HEIGHT if on else LANE_HEIGHT)  # the pixmap cache is keyed on the size

    def set_waveform_decibels(self, on: bool) -> None:
        if on != self.decibels:
            self.decibels = on
            self._cache = None
            self.update()

    def set_audio(self, peaks: Peaks | None, frames: int, sample_rate: int) -> None:
        self.peaks, self.frames, self.sample_rate = peaks, frames, sample_rate
        self.state = "ready" if peaks is not None else self.state
        self._cache = None
        self.update()

    def set_state(self, state: str) -> None:
        self.state = state
        self._cache = None
        self.update()

    def set_audible(self, audible: bool) -> None:
        if audible != self.audible:
            self.audible = audible
            self._cache = None
            self.update()

    def _render(self) -> QPixmap:
        w, h = self.width(), self.height()
        pix = QPixmap(w, h)
        pix.fill(QColor(COLOURS.waveform_background))
        p = QPainter(pix)
        self._draw_grid(p, w, h)
        mid = h / 2
        if self.state == "ready" and self.peaks is not None and self.frames > 0:
            x0 = max(0, int(self.scale.x_of(0.0)))
            x1 = min(w, int(self.scale.x_of(self.frames / self.sample_rate)) + 1)
            if x1 > x0:
                start = int(self.scale.seconds_at(x0) * self.sample_rate)
                end = min(self.frames, int(self.scale.seconds_at(x1) * self.sample_rate))
                if end > start:
                    mins, maxs = self.peaks.bins(start, end, x1 - x0)
                    color = QColor(self.color)
                    if not self.audible:
                        color.setAlpha(70)
                    p.fillRect(QRectF(x0, 4, x1 - x0, h - 8), QColor(color.red(), color.green(), color.blue(), 22))
                    p.setPen(color)
                    amp = (h - 10) / 2
                    tops = (mid - waveform_shape(maxs, self.decibels) * amp).tolist()
                    bottoms = (mid - waveform_shape(mins, self.decibels) * amp).tolist()
                    p.drawLines([QLineF(x0 + i + 0.5, tops[i], x0 + i + 0.5, bottoms[i] + 0.5)
                                 for i in range(len(tops))])
        else:
            p.setPen(QColor(COLOURS.lane_problem) if self.state in ("missing", "failed") else QColor(COLOURS.lane_state_text))
            text = {"loading": "Loading…", "missing": "File not found — right-click the lane header to locate it",
                    "failed": "Could not be decoded"}.get(self.state, "")
            p.drawText(QRectF(12, 0, w - 24, h), Qt.AlignmentFlag.AlignVCenter, text)
        p.setPen(QColor(COLOURS.lane_divider))
        p.drawLine(0, h - 1, w, h - 1)
        p.end()
        return pix

    def _draw_grid(self, p: QPainter, w: int, h: int) -> None:
        grid = self.scale.grid
        if grid is None:
            return
        p.setPen(QColor(COLOURS.lane_grid))
        bar = max(0, int(grid.bar_of(self.scale.seconds_at(0))))
        while True:
            x = self.scale.x_of(grid.seconds(grid.bar_start(bar)))
            if x > w:
                break
            p.drawLine(QPointF(x, 0), QPointF(x, h))
            bar += 1
            if grid.seconds_per_bar * self.scale.px_per_second < 6:
                break

    def paintEvent(self, event: QPaintEvent) -> None:
        key = (self.width(), self.height(), self.scale.px_per_second, self.scale.offset, id(self.scale.grid))
        if self._cache is None or key != self._cache_key:
            self._cache = self._render()
            self._cache_key = key
        p = QPainter(self)
        p.drawPixmap(event.rect(), self._cache, event.rect())
        p.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.seek_requested.emit(self.scale.seconds_at(event.position().x()))
