"""A kept idea as a lane of the timeline: a channel-strip header (name, M/S, gain, pan, instrument) and its
notes drawn at their place in the song, under the same time scale as the stems' waveforms.

The header is a stem lane's header plus the instrument choice, so the mixer reads the same for stems and
ideas; widgets only report intent (signals), `app/ui/suggest/track_lanes.py` turns it into undoable edits.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QContextMenuEvent, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QComboBox, QGridLayout, QMenu, QSizePolicy, QWidget

from app.core.music import BeatGrid, Melody
from app.core.project.cocreation.ideas import IdeaTrack
from app.ui.menu_actions import add_action
from app.ui.theme import COLOURS
from app.ui.timeline.lanes import (
    COMPACT_LANE_HEIGHT,
    GAIN_MIN_DB,
    LANE_HEIGHT,
    StemLaneHeader,
    format_db,
    format_pan,
)
from app.ui.timeline.ruler import TimeScale

IDEA_LANE_HEIGHT = LANE_HEIGHT + 26  # the stem header's rows plus the instrument
COMPACT_IDEA_LANE_HEIGHT = COMPACT_LANE_HEIGHT + 26  # compact: the name, then instrument and mute/solo


class IdeaLaneHeader(StemLaneHeader):
    """Name, M/S, gain, pan and instrument of one kept idea. `choices` are (shown name, data) pairs."""

    instrument_chosen = Signal(object)  # the chosen item's data
    edit_requested = Signal()

    def __init__(self, color: str, choices: list[tuple[str, str]]) -> None:
        super().__init__(color)
        self.setObjectName("IdeaLaneHeader")
        self.setFixedHeight(IDEA_LANE_HEIGHT)
        self.instrument = QComboBox()
        self.instrument.setObjectName("IdeaLane-instrument")
        self.instrument.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space and Home stay with the transport
        self.instrument.setToolTip("The sound this idea plays and exports with")
        for shown, data in choices:
            self.instrument.addItem(shown, data)
        self.instrument.activated.connect(lambda i: self.instrument_chosen.emit(self.instrument.itemData(i)))
        grid = self.layout()
        assert isinstance(grid, QGridLayout)
        # An idea's name ("#4 Continue bars 5–8") is longer than a stem's: it gets the whole top row, and M/S
        # sit beside the instrument.
        for w in (self.name, self.mute, self.solo):
            grid.removeWidget(w)
        grid.addWidget(self.name, 0, 0, 1, 4)
        grid.addWidget(self.instrument, 3, 0, 1, 2)
        grid.addWidget(self.mute, 3, 2)
        grid.addWidget(self.solo, 3, 3)
        self.solo.setToolTip("Solo (only soloed ideas and stems are heard, in the studio and the export)")

    def lane_height(self) -> int:
        return COMPACT_IDEA_LANE_HEIGHT if self.compact else IDEA_LANE_HEIGHT

    def show_track(self, track: IdeaTrack, audible: bool, choice: str) -> None:
        self._updating = True
        try:
            self.name.set_text(track.display_name)
            self.name.label.setToolTip(f"{track.summary()}\nDouble-click to rename; right-click for more")
            self.name.label.setProperty("audible", audible)
            self.name.label.style().unpolish(self.name.label)
            self.name.label.style().polish(self.name.label)
            self.mute.setChecked(track.mute)
            self.solo.setChecked(track.solo)
            self.gain.set_quietly(round(max(GAIN_MIN_DB, track.gain_db) * 10))
            self.pan.set_quietly(round(track.pan * 100))
            self.gain_label.setText(format_db(track.gain_db))
            self.pan_label.setText(format_pan(track.pan))
            self.instrument.blockSignals(True)
            self.instrument.setCurrentIndex(max(0, self.instrument.findData(choice)))
            self.instrument.blockSignals(False)
        finally:
            self._updating = False

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802
        menu = QMenu(self)
        add_action(menu, "Edit notes", self.edit_requested.emit)
        add_action(menu, "Rename", self.name.start_editing)
        menu.addSeparator()
        add_action(menu, "Remove track", self.remove_requested.emit)
        menu.exec(event.globalPos())


class IdeaNotesView(QWidget):
    """The idea's notes at their place in the song (pitch rows scaled to the lane), dimmed when not heard.
    A click seeks there; a double-click opens the notes in the piano roll."""

    seek_requested = Signal(float)
    edit_requested = Signal()

    def __init__(self, scale: TimeScale, color: str) -> None:
        super().__init__()
        self.setObjectName("IdeaNotes")
        self.scale = scale
        self.color = QColor(color)
        self.melody = Melody(())
        self.grid: BeatGrid | None = None
        self.audible = True
        self.setFixedHeight(IDEA_LANE_HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        scale.changed.connect(self.update)

    def set_compact(self, on: bool) -> None:
        self.setFixedHeight(COMPACT_IDEA_LANE_HEIGHT if on else IDEA_LANE_HEIGHT)

    def show_melody(self, melody: Melody, grid: BeatGrid | None, audible: bool) -> None:
        self.melody, self.grid, self.audible = melody, grid, audible
        self.update()

    def note_rects(self) -> list[QRectF]:
        """Where each note is drawn (tests and hit-testing read the same geometry)."""
        grid = self.grid or self.scale.grid
        if grid is None or not self.melody.notes:
            return []
        lo, hi = min(self.melody.pitches) - 1, max(self.melody.pitches) + 1
        row = max(2.0, min(10.0, (self.height() - 12) / max(1, hi - lo)))
        top = (self.height() - row * (hi - lo)) / 2
        out = []
        for n in self.melody.notes:
            x0, x1 = self.scale.x_of(grid.seconds(n.onset)), self.scale.x_of(grid.seconds(n.onset + n.duration))
            out.append(QRectF(x0, top + (hi - n.pitch - 0.5) * row, max(2.0, x1 - x0 - 1), max(2.0, row - 1)))
        return out

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        w, h = self.width(), self.height()
        p.fillRect(self.rect(), QColor(COLOURS.waveform_background))
        grid = self.grid or self.scale.grid
        if grid is not None:
            p.setPen(QColor(COLOURS.lane_grid))
            bar = max(0, int(grid.bar_of(self.scale.seconds_at(0))))
            while grid.seconds_per_bar * self.scale.px_per_second >= 6:
                x = self.scale.x_of(grid.seconds(grid.bar_start(bar)))
                if x > w:
                    break
                p.drawLine(QPointF(x, 0), QPointF(x, h))
                bar += 1
        color = QColor(self.color)
        if not self.audible:
            color.setAlpha(70)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        for r in self.note_rects():
            if r.right() >= 0 and r.left() <= w:
                p.drawRoundedRect(r, 1.5, 1.5)
        p.setPen(QColor(COLOURS.lane_divider))
        p.drawLine(0, h - 1, w, h - 1)
        p.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self.seek_requested.emit(self.scale.seconds_at(event.position().x()))

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self.edit_requested.emit()
