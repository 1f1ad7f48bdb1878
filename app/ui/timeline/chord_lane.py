"""A timeline lane showing the project's chords over bars; click a chord to change it.

Self-contained: give it the project, a way to push edits (a callable or a QUndoStack) and, inside the
studio, the timeline's `TimeScale` so chords line up with the waveforms. Without a scale it lays bars out
at a fixed width (handy in a dock or a test). Edits go through `SetChordSpan`, so they are undoable and
saved with the project.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QUndoStack,
)
from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QLabel, QPushButton, QToolTip, QWidget

from app.core.music import PITCH_CLASS_NAMES, BeatGrid, Chord, ChordSpan
from app.core.project.analysis_edits import SetChordSpan
from app.core.project.edits import Edit
from app.core.project.model import Project
from app.ui.theme import COLOURS

log = logging.getLogger(__name__)

PX_PER_QUARTER = 28.0  # layout without a time scale
LANE_HEIGHT = 34
COMMON_QUALITIES = ("", "m", "7", "m7", "dim", "sus4", "sus2", "maj7")
CHORD_FILL = QColor(COLOURS.chord_fill)
NO_CHORD_FILL = QColor(COLOURS.no_chord_fill)
TEXT = QColor(COLOURS.chord_text)
BAR_LINE = QColor(COLOURS.chord_bar_line)


SMALL_LABEL = 0.75  # a name that does not fit is tried once in a font this much smaller before it is cut


def span_label(symbol: str, width: float, font: QFont) -> tuple[str, QFont]:
    """The chord symbol as it fits in `width` pixels, and the font to draw it in: whole in `font`, whole in a
    smaller font, then a minor chord in lead-sheet shorthand ("E-" for Em, "E-7" for Em7), then cut with an
    ellipsis ("Cmaj…"), or nothing when not even its root and the ellipsis fit. (Clipping it instead drew half
    letters: a zoomed-out "Em" read "Er".)"""
    small = QFont(font)
    if font.pointSizeF() > 0:
        small.setPointSizeF(font.pointSizeF() * SMALL_LABEL)
    else:
        small.setPixelSize(max(1, round(font.pixelSize() * SMALL_LABEL)))
    shorthand = re.fullmatch(r"([A-G][#b]?)m(?!aj)(.*)", symbol)
    candidates = [(symbol, font), (symbol, small)]
    if shorthand:
        short = f"{shorthand.group(1)}-{shorthand.group(2)}"
        candidates += [(short, font), (short, small)]
    for text, f in candidates:
        if QFontMetrics(f).horizontalAdvance(text) <= width:
            return text, f
    cut = QFontMetrics(small).elidedText(symbol, Qt.TextElideMode.ElideRight, max(0, int(width)))
    return (cut if len(cut) > 1 else ""), small


def pusher(project: Project, target: Any) -> Callable[[Edit], bool]:
    """A push function from either a callable(edit) or a QUndoStack (via the studio's undo wrapper)."""
    if isinstance(target, QUndoStack):
        from app.ui.undo import push_edit

        return lambda edit: push_edit(target, project, edit)
    if callable(target):
        return lambda edit: bool(target(edit) is not False)
    raise TypeError("push target must be a callable or a QUndoStack")


def chord_choices() -> list[str]:
    return ["N"] + [f"{root}{q}" for root in PITCH_CLASS_NAMES for q in COMMON_QUALITIES]


class ChordEditor(QFrame):
    """A small popup: an editable combo of chord symbols plus OK. Emits chosen(index, Chord)."""

    chosen = Signal(int, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("ChordEditor")
        self.index = -1
        self.combo = QComboBox()
        self.combo.setEditable(True)
        self.combo.addItems(chord_choices())
        self.combo.setObjectName("ChordCombo")
        self.ok = QPushButton("OK")
        self.error = QLabel("")
        self.error.setObjectName("ChordError")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.combo)
        layout.addWidget(self.ok)
        layout.addWidget(self.error)
        self.ok.clicked.connect(self.commit)
        self.combo.lineEdit().returnPressed.connect(self.commit)

    def edit(self, index: int, chord: Chord) -> None:
        self.index = index
        self.error.setText("")
        self.combo.setCurrentText(chord.symbol)

    def commit(self) -> None:
        text = self.combo.currentText()
        try:
            chord = Chord.parse(text)
        except ValueError as exc:
            self.error.setText(str(exc))  # stay open: the user can correct the symbol
            return
        self.hide()
        self.chosen.emit(self.index, chord)


class ChordLane(QWidget):
    """Chord symbols drawn over bars on the song's grid (project tempo, meter and downbeat).

    While there are no chords, a click asks for the stems to be analysed (`analyze_requested`)."""

    analyze_requested = Signal()

    def __init__(self, project: Project, push: Any, *, scale: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ChordLane")
        self.setMinimumHeight(LANE_HEIGHT)
        self.project = project
        self._push = pusher(project, push)
        self.scale = scale
        self.editor = ChordEditor(self)
        self.editor.chosen.connect(self.set_chord)
        self.analysing = False  # an analysis is running: the empty lane says so instead of "click to analyse"
        self._unsubscribe = project.subscribe(lambda _change: self.update())
        if scale is not None and hasattr(scale, "changed"):
            scale.changed.connect(self.update)
        self.destroyed.connect(lambda *_: self._unsubscribe())

    def set_project(self, project: Project) -> None:
        self._unsubscribe()
        self.project = project
        self._unsubscribe = project.subscribe(lambda _change: self.update())
        self.update()

    # --- geometry --------------------------------------------------------------------------------
    def grid(self) -> BeatGrid:
        return self.project.beat_grid(120.0) or BeatGrid(120.0)

    def x_of_quarter(self, quarters: float) -> float:
        if self.scale is not None:
            return float(self.scale.x_of(self.grid().seconds(quarters)))
        return quarters * PX_PER_QUARTER

    def span_rect(self, span: ChordSpan) -> QRectF:
        x0, x1 = self.x_of_quarter(span.start), self.x_of_quarter(span.end)
        return QRectF(x0, 2, max(1.0, x1 - x0 - 1), self.height() - 4)

    def index_at(self, x: float) -> int | None:
        spans = self.project.chords.spans if self.project.chords else ()
        for i, span in enumerate(spans):
            r = self.span_rect(span)
            if r.left() <= x < r.right() + 1:
                return i
        return None

    # --- editing ---------------------------------------------------------------------------------
    def open_editor(self, index: int) -> None:
        spans = self.project.chords.spans if self.project.chords else ()
        if not 0 <= index < len(spans):
            return
        self.editor.edit(index, spans[index].chord)
        rect = self.span_rect(spans[index])
        self.editor.move(self.mapToGlobal(QPointF(rect.left(), rect.bottom()).toPoint()))
        self.editor.show()
        self.editor.combo.setFocus()

    def set_chord(self, index: int, chord: Chord) -> bool:
        spans = self.project.chords.spans if self.project.chords else ()
        if not 0 <= index < len(spans) or spans[index].chord == chord:
            return False
        return self._push(SetChordSpan(index, chord))

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 — Qt's name
        if not (self.project.chords and self.project.chords.spans) and event.button() == Qt.MouseButton.LeftButton:
            if self.project.stems:  # nothing to analyse yet: the hint says to add stems first (or shows the run)
                self.analyze_requested.emit()
            event.accept()
            return
        index = self.index_at(event.position().x())
        if index is not None and event.button() == Qt.MouseButton.LeftButton:
            self.open_editor(index)
            event.accept()
            return
        super().mousePressEvent(event)

    def span_tooltip(self, index: int) -> str:
        """The whole symbol and where the span lies (bar.beat), for a span too narrow to show its name."""
        span = self.project.chords.spans[index]

        def at(q: float) -> str:
            bar, beat, _ = self.project.time_signature.bar_beat(q)
            return f"{bar}.{beat}"

        return f"{span.chord.symbol}: {at(span.start)} to {at(span.end)} (click to change)"

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            index = self.index_at(event.pos().x()) if self.project.chords else None
            if index is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.span_tooltip(index), self)
            return True
        return super().event(event)

    def set_analysing(self, on: bool) -> None:
        self.analysing = bool(on)
        self.update()

    def hint_text(self) -> str:
        if self.analysing:
            return "Analysing the stems… (progress and Cancel in the Analysis dock)"
        if not self.project.stems:
            return "Chords appear here once the song has stems"
        return "No chords yet: click to analyse the stems"

    # --- drawing ---------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 — Qt's name
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(self.font())
        font.setBold(True)
        p.setFont(font)
        spans = self.project.chords.spans if self.project.chords else ()
        if not spans:
            p.setPen(QColor(COLOURS.chord_hint))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.hint_text())
            p.end()
            return
        bar_q = self.project.time_signature.bar_quarters
        p.setPen(QPen(BAR_LINE, 1))
        bar = 0
        while True:
            x = self.x_of_quarter(bar * bar_q)
            if x > self.width() or bar * bar_q > spans[-1].end:
                break
            if x >= 0:
                p.drawLine(QPointF(x, 0), QPointF(x, self.height()))
            bar += 1
        for span in spans:
            r = self.span_rect(span)
            if r.right() < 0 or r.left() > self.width():
                continue
            p.fillRect(r, NO_CHORD_FILL if span.chord.is_no_chord else CHORD_FILL)
            p.setPen(TEXT)
            text_rect = r.adjusted(3, 0, -1, 0)
            label, label_font = span_label(span.chord.symbol, text_rect.width(), font)
            p.setFont(label_font)
            p.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, label)
        p.end()
