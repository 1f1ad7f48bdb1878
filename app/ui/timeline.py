"""The timeline: a shared time scale, the bar ruler, the playhead, and the column of lanes.

Every lane's content widget maps time to x through the same `TimeScale`, so zooming or scrolling moves them
together. Later features insert their own lanes (chords, piano roll) with `TimelineView.add_lane(widget)`;
such a widget reads `timeline_view.time_scale` and repaints on `time_scale.changed`.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QPolygonF, QWheelEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QScrollBar,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.core.music import BeatGrid

HEADER_WIDTH = 232
RULER_HEIGHT = 28
MIN_PX_PER_SECOND = 2.0
MAX_PX_PER_SECOND = 2000.0

PLAYHEAD_COLOR = QColor("#ff9f1c")
LOOP_COLOR = QColor(255, 159, 28, 60)


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
            q = self.grid.quarters(seconds)
            bar_q = self.grid.time_signature.bar_quarters
            bar = math.floor(q / bar_q)
            in_bar = q - bar * bar_q
            beat_len = self.grid.time_signature.pulse_quarters
            beat = math.floor(in_bar / beat_len + 1e-9)
            sixteenth = math.floor((in_bar - beat * beat_len) / 0.25 + 1e-9)
            return f"{bar + 1:3d}.{beat + 1}.{sixteenth + 1}"
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
                for b in range(1, beats):
                    marks.append((t + b * bar_s / beats, "", False))
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
        p.fillRect(self.rect(), QColor("#24272c"))
        if self.loop is not None:
            x0, x1 = self.scale.x_of(self.loop[0]), self.scale.x_of(self.loop[1])
            color = LOOP_COLOR if self.loop_enabled else QColor(150, 150, 150, 40)
            p.fillRect(QRectF(x0, 0, x1 - x0, self.height()), color)
        if self.scale.length > 0:
            end_x = self.scale.x_of(self.scale.length)
            p.fillRect(QRectF(end_x, 0, max(0.0, self.width() - end_x), self.height()), QColor(0, 0, 0, 50))
        p.setPen(QColor("#8b929c"))
        font = p.font()
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        p.setFont(font)
        h = self.height()
        for t, label, major in _ticks(self.scale, self.width()):
            x = round(self.scale.x_of(t)) + 0.5
            p.setPen(QColor("#8b929c") if major else QColor("#4a5058"))
            p.drawLine(QPointF(x, h - (12 if major else 5)), QPointF(x, h))
            if label:
                p.setPen(QColor("#c9ced6"))
                p.drawText(QPointF(x + 4, h - 13), label)
        p.setPen(QColor("#15171a"))
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


class PlayheadOverlay(QWidget):
    """A line over every lane, transparent to the mouse; repaints only the strips it leaves and enters."""

    def __init__(self, scale: TimeScale, parent: QWidget) -> None:
        super().__init__(parent)
        self.scale = scale
        self.position = 0.0
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        scale.changed.connect(self.update)

    def _x(self, seconds: float) -> float:
        return HEADER_WIDTH + self.scale.x_of(seconds)

    def set_position(self, seconds: float) -> None:
        old, new = self._x(self.position), self._x(seconds)
        self.position = seconds
        if round(old) != round(new):
            self.update(int(old) - 2, 0, 5, self.height())
            self.update(int(new) - 2, 0, 5, self.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        x = self._x(self.position)
        if x < HEADER_WIDTH:
            return
        p = QPainter(self)
        p.setPen(QPen(PLAYHEAD_COLOR, 1.5))
        p.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        p.end()


class LaneRow(QFrame):
    """One row of the timeline: a fixed-width header on the left, the time-aligned content on the right."""

    def __init__(self, content: QWidget, header: QWidget | None = None, *, title: str = "") -> None:
        super().__init__()
        self.setObjectName("LaneRow")
        self.content = content
        self.header = header if header is not None else QLabel(title)
        self.header.setObjectName(self.header.objectName() or "LaneTitle")
        self.header.setFixedWidth(HEADER_WIDTH)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(content, 1)


class TimelineView(QWidget):
    """Ruler + scrolling column of lanes + playhead + horizontal scroll bar, all on one `TimeScale`."""

    seek_requested = Signal(float)
    loop_requested = Signal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TimelineView")
        self.time_scale = TimeScale()
        self.ruler = Ruler(self.time_scale)
        self.ruler.seek_requested.connect(self.seek_requested)
        self.ruler.loop_requested.connect(self.loop_requested)
        corner = QLabel("")
        corner.setObjectName("RulerCorner")
        corner.setFixedSize(HEADER_WIDTH, RULER_HEIGHT)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.setSpacing(0)
        top.addWidget(corner)
        top.addWidget(self.ruler, 1)

        self._column = QWidget()
        self._column.setObjectName("LaneColumn")
        self._lanes = QVBoxLayout(self._column)
        self._lanes.setContentsMargins(0, 0, 0, 0)
        self._lanes.setSpacing(1)
        self._lanes.addStretch(1)
        self.empty_hint = QLabel("Drop audio files or a folder of stems here\n"
                                 "or choose File → Add Stems…")
        self.empty_hint.setObjectName("EmptyHint")
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setMinimumHeight(220)
        self._lanes.insertWidget(0, self.empty_hint)  # lanes go before it; the stretch stays last
        self.scroll = QScrollArea()
        self.scroll.setObjectName("LaneScroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(self._column)
        self.playhead = PlayheadOverlay(self.time_scale, self.scroll.viewport())

        self.hbar = QScrollBar(Qt.Orientation.Horizontal)
        self.hbar.valueChanged.connect(self._scrolled)
        bottom = QHBoxLayout()
        bottom.setContentsMargins(HEADER_WIDTH, 0, 0, 0)
        bottom.addWidget(self.hbar)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(self.scroll, 1)
        layout.addLayout(bottom)
        self.time_scale.changed.connect(self._sync_scrollbar)
        self._fitted = False

    # --- lanes -------------------------------------------------------------------------------------
    def add_lane(self, widget: QWidget, *, header: QWidget | None = None, title: str = "",
                 index: int | None = None) -> LaneRow:
        """Insert a lane (appended, or at `index`); returns its row (remove it with `remove_lane`)."""
        row = LaneRow(widget, header, title=title)
        count = self._lanes.count() - 2  # lanes first, then the empty-state hint and the stretch
        self._lanes.insertWidget(count if index is None else max(0, min(index, count)), row)
        self.playhead.raise_()
        self.empty_hint.setVisible(False)
        return row

    def remove_lane(self, row: LaneRow) -> None:
        self._lanes.removeWidget(row)
        row.setParent(None)
        row.deleteLater()
        self.empty_hint.setVisible(not self.lanes())

    def lanes(self) -> list[LaneRow]:
        return [w for i in range(self._lanes.count())
                if isinstance(w := self._lanes.itemAt(i).widget(), LaneRow)]

    def move_lane(self, row: LaneRow, index: int) -> None:
        self._lanes.removeWidget(row)
        self._lanes.insertWidget(index, row)

    # --- view --------------------------------------------------------------------------------------
    @property
    def content_width(self) -> int:
        return max(1, self.scroll.viewport().width() - HEADER_WIDTH)

    def set_position(self, seconds: float, *, follow: bool = False) -> None:
        self.ruler.set_position(seconds)
        self.playhead.set_position(seconds)
        if follow:
            x = self.time_scale.x_of(seconds)
            if x > self.content_width - 20 or x < 0:  # page along, as DAWs do
                self.time_scale.set_view(offset=max(0.0, seconds - 20 / self.time_scale.px_per_second))

    def fit(self) -> None:
        length = self.time_scale.length or 30.0
        self.time_scale.set_view(px_per_second=self.content_width / (length * 1.04), offset=0.0)

    def zoom(self, factor: float) -> None:
        s = self.time_scale
        centre = s.seconds_at(self.content_width / 2)
        pps = min(MAX_PX_PER_SECOND, max(MIN_PX_PER_SECOND, s.px_per_second * factor))
        s.set_view(px_per_second=pps, offset=centre - self.content_width / 2 / pps)

    def set_length(self, seconds: float) -> None:
        first = self.time_scale.length == 0 and seconds > 0
        self.time_scale.set_length(seconds)
        if first or not self._fitted:
            self._fitted = seconds > 0
            self.fit()

    def reset_view(self) -> None:
        self._fitted = False
        self.time_scale.set_length(0.0)
        self.time_scale.set_view(offset=0.0)

    def _sync_scrollbar(self) -> None:
        s = self.time_scale
        visible = self.content_width / s.px_per_second
        total = max(s.length * 1.04, s.offset + visible)
        self.hbar.blockSignals(True)
        self.hbar.setRange(0, int(max(0.0, total - visible) * 1000))
        self.hbar.setPageStep(int(visible * 1000))
        self.hbar.setSingleStep(max(1, int(visible * 50)))
        self.hbar.setValue(int(s.offset * 1000))
        self.hbar.blockSignals(False)

    def _scrolled(self, value: int) -> None:
        self.time_scale.set_view(offset=value / 1000.0)

    def resizeEvent(self, event) -> None:  # noqa: N802 — Qt's name
        super().resizeEvent(event)
        self.playhead.setGeometry(self.scroll.viewport().rect())
        if not self._fitted or self.time_scale.length == 0:
            self.fit()
        self._sync_scrollbar()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self.playhead.setGeometry(self.scroll.viewport().rect())

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            pos = event.position().x() - HEADER_WIDTH
            # zoom around the pointer's time within the content column
            dy = event.angleDelta().y()
            if dy:
                s = self.time_scale
                anchor = s.seconds_at(pos)
                pps = min(MAX_PX_PER_SECOND, max(MIN_PX_PER_SECOND, s.px_per_second * 1.25 ** (dy / 120)))
                s.set_view(px_per_second=pps, offset=anchor - pos / pps)
            event.accept()
        elif event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.hbar.setValue(self.hbar.value() - event.angleDelta().y() * self.hbar.singleStep() // 40)
            event.accept()
        else:
            super().wheelEvent(event)
