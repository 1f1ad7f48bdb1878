"""The timeline: a shared time scale, the bar ruler, the playhead, and the column of lanes.

Every lane's content widget maps time to x through the same `TimeScale`, so zooming or scrolling moves them
together. Later features insert their own lanes (chords, piano roll) with `TimelineView.add_lane(widget)`;
such a widget reads `timeline_view.time_scale` and repaints on `time_scale.changed`.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QPainter, QPaintEvent, QPen, QWheelEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QScrollBar,
    QVBoxLayout,
    QWidget,
)

from app.ui.scrolling import reveal_later
from app.ui.theme import COLOURS, qcolor
from app.ui.timeline.ruler import (
    MAX_PX_PER_SECOND,
    MIN_PX_PER_SECOND,
    PLAYHEAD_COLOR,
    RULER_HEIGHT,
    Ruler,
    TimeScale,
    format_seconds,
)

__all__ = ["HEADER_WIDTH", "LaneRow", "PlayheadOverlay", "TimeScale", "TimelineView", "format_seconds"]

HEADER_WIDTH = 232
EMPTY_HINT = ("Drop audio files or a folder of stems here\nor choose File → Add Stems…\n\n"
              "To try Accord on a song first: File → Open Demo Song")
LOOP_BAND = qcolor(COLOURS.loop_band)


class PlayheadOverlay(QWidget):
    """A line over every lane, transparent to the mouse; repaints only the strips it leaves and enters."""

    def __init__(self, scale: TimeScale, parent: QWidget) -> None:
        super().__init__(parent)
        self.scale = scale
        self.position = 0.0
        self.loop: tuple[float, float] | None = None
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

    def set_loop(self, region: tuple[float, float] | None, enabled: bool) -> None:
        self.loop = region if enabled else None
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        if self.loop is not None:  # a faint band over the lanes, as in most DAWs
            x0 = max(float(HEADER_WIDTH), self._x(self.loop[0]))
            x1 = self._x(self.loop[1])
            if x1 > x0:
                p.fillRect(QRectF(x0, 0, x1 - x0, self.height()), LOOP_BAND)
        x = self._x(self.position)
        if x < HEADER_WIDTH:
            p.end()
            return
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


def _apply(row: LaneRow, option: str, on: bool) -> None:
    """Call `option(on)` on the lane's header and content where they have it (a lane without that form
    ignores the option)."""
    for part in (row.header, row.content):
        if callable(setter := getattr(part, option, None)):
            setter(on)


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
        self.empty_hint = QLabel(EMPTY_HINT)
        self.empty_hint.setObjectName("EmptyHint")
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setMinimumHeight(220)
        self._lanes.insertWidget(0, self.empty_hint)  # lanes go before it; the stretch stays last
        self.drop_overlay = QLabel("Drop to add the files as stems", self)
        self.drop_overlay.setObjectName("DropOverlay")
        self.drop_overlay.setAlignment(Qt.AlignmentFlag.AlignCenter)
        r, g, b = (int(COLOURS.accent[i:i + 2], 16) for i in (1, 3, 5))
        self.drop_overlay.setStyleSheet(
            f"QLabel#DropOverlay {{ border: 3px dashed {COLOURS.accent}; background: rgba({r}, {g}, {b}, 40);"
            f" color: {COLOURS.bright_text}; font-size: 18px; font-weight: bold; }}")
        self.drop_overlay.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.drop_overlay.hide()
        self.scroll = QScrollArea()
        self.scroll.setObjectName("LaneScroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(self._column)
        self.playhead = PlayheadOverlay(self.time_scale, self.scroll.viewport())
        self.scroll.viewport().installEventFilter(self)  # keep the overlay covering the viewport
        self.playhead.setVisible(False)  # no lanes yet

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
        self.compact = False
        self.waveform_decibels = False

    # --- lanes -------------------------------------------------------------------------------------
    def add_lane(self, widget: QWidget, *, header: QWidget | None = None, title: str = "",
                 index: int | None = None, content: bool = True) -> LaneRow:
        """Insert a lane (appended, or at `index`); returns its row (remove it with `remove_lane`).

        `content=False` marks a lane that is always there (the chord lane): it does not make the project look
        full, so an empty project still shows the drop hint."""
        row = LaneRow(widget, header, title=title)
        row.setProperty("content", content)
        if self.compact:
            _apply(row, "set_compact", True)
        if self.waveform_decibels:
            _apply(row, "set_waveform_decibels", True)
        count = self._lanes.count() - 2  # lanes first, then the empty-state hint and the stretch
        self._lanes.insertWidget(count if index is None else max(0, min(index, count)), row)
        self.playhead.raise_()
        self._show_empty_state()
        return row

    def remove_lane(self, row: LaneRow) -> None:
        self._lanes.removeWidget(row)
        row.setParent(None)
        row.deleteLater()
        self._show_empty_state()

    def has_content(self) -> bool:
        return any(row.property("content") is not False for row in self.lanes())

    def _show_empty_state(self) -> None:
        empty = not self.has_content()
        self.empty_hint.setVisible(empty)
        self.playhead.setVisible(not empty)

    def set_loading(self, text: str | None) -> None:
        """While dropped files decode (seconds for a 16-track export) the empty timeline says so instead of
        still asking for files; None: the drop hint again."""
        self.empty_hint.setText(text or EMPTY_HINT)

    def reveal_lane(self, row: LaneRow) -> None:
        """Scroll the lanes so `row` is in view, once the layout has placed it (lanes added in the same tick
        are laid out first): a suggestion's piano roll sits under every stem, below the fold with a 16-track
        song."""
        reveal_later(self.scroll, row)

    def set_drop_highlight(self, on: bool) -> None:
        """Outline the timeline while files are dragged over the window (they will be added as stems)."""
        self.drop_overlay.setGeometry(self.rect())
        self.drop_overlay.setVisible(on)
        if on:
            self.drop_overlay.raise_()

    def lanes(self) -> list[LaneRow]:
        return [w for i in range(self._lanes.count())
                if isinstance(w := self._lanes.itemAt(i).widget(), LaneRow)]

    def set_compact(self, on: bool) -> None:
        """Compact tracks (True): lanes that have a compact form (stems, ideas) show their name and mute/solo
        only, at COMPACT_LANE_HEIGHT; lanes without one (the chord lane, the piano roll) keep their size."""
        self.compact = on
        for row in self.lanes():
            _apply(row, "set_compact", on)

    def set_waveform_decibels(self, on: bool) -> None:
        """Draw waveforms' heights in dB (True) or linear; lanes without a waveform ignore it."""
        self.waveform_decibels = on
        for row in self.lanes():
            _apply(row, "set_waveform_decibels", on)

    def move_lane(self, row: LaneRow, index: int) -> None:
        self._lanes.removeWidget(row)
        self._lanes.insertWidget(index, row)

    # --- view --------------------------------------------------------------------------------------
    @property
    def content_width(self) -> int:
        # From our own width: the scroll area's viewport is resized only after its layout runs.
        bar = self.scroll.verticalScrollBar()
        return max(1, self.width() - HEADER_WIDTH - (bar.width() if bar.isVisible() else 0))

    def set_loop(self, region: tuple[float, float] | None, enabled: bool) -> None:
        self.ruler.set_loop(region, enabled)
        self.playhead.set_loop(region, enabled)

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

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        if obj is self.scroll.viewport() and event.type() == QEvent.Type.Resize:
            self.playhead.setGeometry(self.scroll.viewport().rect())
        return False

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
