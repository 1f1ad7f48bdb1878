"""The master level meter: two bars (L/R) in dBFS with peak hold and a clip light, fed by a UI timer.

The audio thread only keeps running peaks (engine.meter()); this widget does the ballistics: instant
attack, ~20 dB/s fall, peak hold for 1.5 s. Click resets the clip light.
"""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QLinearGradient, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.ui.theme import COLOURS, qcolor

FLOOR_DB = -60.0
TOP_DB = 6.0
FALL_DB_PER_S = 20.0
HOLD_S = 1.5


def to_db(linear: float) -> float:
    return FLOOR_DB if linear <= 10 ** (FLOOR_DB / 20) else 20.0 * math.log10(linear)


class LevelMeter(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LevelMeter")
        self.setMinimumSize(160, 22)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setToolTip("Master level (dBFS). Click to reset the clip light.")
        self.levels = [FLOOR_DB, FLOOR_DB]  # shown, after ballistics
        self.holds = [FLOOR_DB, FLOOR_DB]
        self._hold_until = [0.0, 0.0]
        self.clipped = False
        self._last = time.monotonic()

    def set_peaks(self, left: float, right: float) -> None:
        now = time.monotonic()
        dt = min(0.5, now - self._last)
        self._last = now
        for i, peak in enumerate((left, right)):
            db = to_db(peak)
            self.levels[i] = max(db, self.levels[i] - FALL_DB_PER_S * dt)
            if db >= self.holds[i] or now > self._hold_until[i]:
                self.holds[i] = max(db, self.levels[i])
                self._hold_until[i] = now + HOLD_S
            if peak >= 1.0:
                self.clipped = True
        self.update()

    def _x(self, db: float, width: float) -> float:
        return (min(TOP_DB, max(FLOOR_DB, db)) - FLOOR_DB) / (TOP_DB - FLOOR_DB) * width

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        w, h = self.width() - 12, self.height()
        p.fillRect(self.rect(), QColor(COLOURS.meter_background))
        grad = QLinearGradient(0, 0, w, 0)
        grad.setColorAt(0.0, QColor(COLOURS.meter_low))
        grad.setColorAt(self._x(-12, w) / w, QColor(COLOURS.meter_mid))
        grad.setColorAt(self._x(-3, w) / w, QColor(COLOURS.meter_high))
        grad.setColorAt(self._x(0, w) / w, QColor(COLOURS.meter_clip))
        bar_h = (h - 6) / 2
        for i in range(2):
            y = 2 + i * (bar_h + 2)
            p.fillRect(QRectF(0, y, w, bar_h), QColor(COLOURS.meter_track))
            p.fillRect(QRectF(0, y, self._x(self.levels[i], w), bar_h), grad)
            if self.holds[i] > FLOOR_DB:
                x = self._x(self.holds[i], w)
                p.fillRect(QRectF(x - 1, y, 2, bar_h), QColor(COLOURS.meter_peak))
        p.setPen(qcolor(COLOURS.meter_shade))
        for db in (-48, -36, -24, -12, -6, -3, 0):
            x = round(self._x(db, w)) + 0.5
            p.drawLine(QRectF(x, 0, 0, h).topLeft(), QRectF(x, 0, 0, h).bottomLeft())
        p.fillRect(QRectF(w + 3, 2, 9, h - 4), QColor(COLOURS.meter_clip) if self.clipped else QColor(COLOURS.meter_clip_off))
        p.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clipped = False
            self.update()
