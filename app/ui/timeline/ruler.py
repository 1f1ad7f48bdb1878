"""The time axis shared by every lane: `TimeScale` (seconds ↔ pixels, zoom, scroll, beat grid) and the
bar/seconds ruler across the top (click to seek, Shift-drag to set the loop region, wheel to zoom)."""

from __future__ import annotations

import math

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPolygonF, QWheelEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.core.music import BeatGrid
from app.ui.theme import COLOURS, qcolor

RULER_HEIGHT = 28
MIN_PX_PER_SECOND = 0.1  # a two-hour recording still fits a window
MAX_PX_PER_SECOND = 2000.0

PLAYHEAD_COLOR = QColor(COLOURS.accent)
LOOP_COLOR = qcolor(COLOURS.loop_wash)

class TimeScale(QObject):
    """Seconds ↔ pixels for every lane: `x = (t - offset) * px_per_second`."""

    changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.px_per_second = 40.0
        self.offset = 0.0  # seconds at x = 0
        self.length = 0.0  # seconds of material in the project
        self.grid: BeatGrid | None = None

    def x_of(self, seconds: float) -> float:
        return (seconds - self.offset) * self.px_per_second

    def seconds_at(self, x: float) -> float:
        return max(0.0, self.offset + x / self.px_per_second)

    def set_view(self, *, px_per_second: float | None = None, offset: float | None = None) -> None:
        if px_per_second is not None:
            self.px_per_second = min(MAX_PX_PER_SECOND, max(MIN_PX_PER_SECOND, px_per_second))
        if offset is not None:
            self.offset = max(0.0, offset)
        self.changed.emit()

    def set_length(self, seconds: float) -> None:
        if abs(seconds - self.length) > 1e-9:
            self.length = seconds
            self.changed.emit()

    def set_grid(self, grid: BeatGrid | None) -> None:
        self.grid = grid
        self.changed.emit()

    def format_position(self, seconds: float) -> str:
        """'Bar 3 · 2.1' style when a tempo is known, else minutes:seconds."""
        if self.grid is not None:
            # A hair of tolerance (a thousandth of a quarter, more than one audio frame at any tempo): the
            # playhead at the start of bar 5, in whole frames or with a rounding error, reads "5.1.1", not "4.4.4".
            bar, beat, into = self.grid.time_signature.bar_beat(self.grid.quarters(seconds) + 1e-3)
            return f"{bar:3d}.{beat}.{math.floor(into / 0.25 + 1e-9) + 1}"
        return format_seconds(seconds)


def format_seconds(seconds: float) -> str:
    seconds = max(0.0, seconds)
    minutes = int(seconds // 60)
    return f"{minutes:02d}:{seconds - 60 * minutes:06.3f}"


def _ticks(scale: TimeScale, width: int) -> list[tuple[float, str, bool]]:
    """(seconds, label, major) marks for the visible range, spaced at least ~60 px apart for labels."""
    start, end = scale.seconds_at(0), scale.seconds_at(width)
    marks: list[tuple[float, str, bool]] = []
    grid = scale.grid
    if grid is not None:
        bar_s = grid.seconds_per_bar
        step = 1
        while step * bar_s * scale.px_per_second < 56:
            step *= 2
        first = max(0, math.floor(grid.bar_of(start) / step) * step)
        bar = first
        beats = grid.time_signature.numerator if not grid.time_signature.is_compound else \
            grid.time_signature.numerator // 3
        show_beats = step == 1 and bar_s / beats * scale.px_per_second > 14
        while True:
            t = grid.seconds(grid.bar_start(bar))
            if t > end:
                break
            marks.append((t, str(bar + 1), True))
            if show_beats:
                label_beats = bar_s / beats * scale.px_per_second > 48
                pulse = grid.time_signature.bar_quarters / beats  # quarters per beat: the grid may follow the tempo
                for b in range(1, beats):
                    marks.append((grid.seconds(grid.bar_start(bar) + b * pulse), f"{bar + 1}.{b + 1}" if label_beats
                                  else "", False))
            bar += step
        return marks
    for step in (0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600):
        if step * scale.px_per_second >= 64:
            break
    t = math.floor(start / step) * step
    while t <= end:
        label = format_seconds(t)[:-4] if step >= 1 else f"{t:.2f}".rstrip("0").rstrip(".")
        marks.append((t, label if step >= 1 else label + " s", True))
        minor = step / 4
        if minor * scale.px_per_second > 10:
            for k in range(1, 4):
                marks.append((t + k * minor, "", False))
        t += step
    return marks


class Ruler(QWidget):
    """Bars (or seconds) across the top. Click or drag to seek; drag with Shift to set the loop region."""

    seek_requested = Signal(float)
    loop_requested = Signal(float, float)

    def __init__(self, scale: TimeScale, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scale = scale
        self.position = 0.0
        self.loop: tuple[float, float] | None = None
        self.loop_enabled = False
        self._drag_from: float | None = None
        self.setObjectName("Ruler")
        self.setFixedHeight(RULER_HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        scale.changed.connect(self.update)

    def set_position(self, seconds: float) -> None:
        old = self.scale.x_of(self.position)
        self.position = seconds
        new = self.scale.x_of(seconds)
        self.update(int(min(old, new)) - 8, 0, int(abs(new - old)) + 17, self.height())

    def set_loop(self, region: tuple[float, float] | None, enabled: bool) -> None:
        self.loop, self.loop_enabled = region, enabled
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(COLOURS.ruler_background))
        if self.loop is not None:
            x0, x1 = self.scale.x_of(self.loop[0]), self.scale.x_of(self.loop[1])
            color = LOOP_COLOR if self.loop_enabled else qcolor(COLOURS.loop_wash_off)
            p.fillRect(QRectF(x0, 0, x1 - x0, self.height()), color)
        if self.scale.length > 0:
            end_x = self.scale.x_of(self.scale.length)
            p.fillRect(QRectF(end_x, 0, max(0.0, self.width() - end_x), self.height()), qcolor(COLOURS.past_the_end))
        p.setPen(QColor(COLOURS.ruler_tick_major))
        font = p.font()
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        p.setFont(font)
        h = self.height()
        for t, label, major in _ticks(self.scale, self.width()):
            x = round(self.scale.x_of(t)) + 0.5
            p.setPen(QColor(COLOURS.ruler_tick_major) if major else QColor(COLOURS.ruler_tick_minor))
            p.drawLine(QPointF(x, h - (12 if major else 5)), QPointF(x, h))
            if label:
                p.setPen(QColor(COLOURS.ruler_label_major) if major else QColor(COLOURS.ruler_label_minor))
                p.drawText(QPointF(x + 4, h - 13), label)
        p.setPen(QColor(COLOURS.ruler_edge))
        p.drawLine(0, h - 1, self.width(), h - 1)
        x = self.scale.x_of(self.position)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(PLAYHEAD_COLOR)
        p.drawPolygon(QPolygonF([QPointF(x - 6, h - 11), QPointF(x + 6, h - 11), QPointF(x, h - 1)]))
        p.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            t = self.scale.seconds_at(event.position().x())
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self._drag_from = t
            else:
                self.seek_requested.emit(t)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton and self._drag_from is None:
            self.seek_requested.emit(self.scale.seconds_at(event.position().x()))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is not None:
            a, b = sorted((self._drag_from, self.scale.seconds_at(event.position().x())))
            self._drag_from = None
            if (b - a) * self.scale.px_per_second > 4:
                self.loop_requested.emit(*self._snap(a, b))

    def _snap(self, a: float, b: float) -> tuple[float, float]:
        """Snap a loop to whole beats once a tempo is known (what a musician expects)."""
        grid = self.scale.grid
        if grid is None:
            return a, b
        qa, qb = round(grid.quarters(a)), round(grid.quarters(b))
        if qb <= qa:
            qb = qa + 1
        return max(0.0, grid.seconds(qa)), grid.seconds(qb)

    def wheelEvent(self, event: QWheelEvent) -> None:
        zoom_at(self.scale, event)


def zoom_at(scale: TimeScale, event: QWheelEvent) -> None:
    """Ctrl+wheel (or wheel over the ruler) zooms around the mouse; wheel otherwise scrolls in time."""
    dy = event.angleDelta().y() or event.angleDelta().x()
    if not dy:
        return
    x = event.position().x()
    anchor = scale.seconds_at(x)
    factor = 1.25 ** (dy / 120)
    new_pps = min(MAX_PX_PER_SECOND, max(MIN_PX_PER_SECOND, scale.px_per_second * factor))
    scale.set_view(px_per_second=new_pps, offset=anchor - x / new_pps)
    event.accept()
