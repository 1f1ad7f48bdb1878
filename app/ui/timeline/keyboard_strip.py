"""The piano roll's keyboard strip: a key per row of the roll (black and white as on a piano), every white
key named when the rows are tall enough (else only the Cs), and "Vel" beside the velocity lane. It paints
from the roll's own geometry (`y_of`, `row_height`), so the keys always line up with the note rows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from app.core.music import pitch_name
from app.ui.theme import COLOURS

if TYPE_CHECKING:
    from app.ui.timeline.piano_roll import PianoRoll

STRIP_WIDTH = 40
BLACK = (1, 3, 6, 8, 10)
WHITE_KEY = "#d9dce0"
BLACK_KEY = "#2a2d31"


class KeyboardStrip(QWidget):
    def __init__(self, roll: PianoRoll, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("KeyboardStrip")
        self.roll = roll
        self.setFixedWidth(STRIP_WIDTH)
        roll.edited.connect(self.update)

    def labels(self) -> dict[int, str]:
        """The pitches named on the strip (what a test reads)."""
        low, high = self.roll.pitch_rows()
        every_white = self.roll.row_height() >= 9
        return {p: pitch_name(p) for p in range(low, high + 1)
                if p % 12 == 0 or (every_white and p % 12 not in BLACK)}

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        roll = self.roll
        p = QPainter(self)
        # The strip shares the lane row with the roll: map the roll's top to ours (both fill the row).
        dy = roll.mapTo(self.window(), roll.rect().topLeft()).y() - self.mapTo(self.window(), self.rect().topLeft()).y()
        low, high = roll.pitch_rows()
        rh = roll.row_height()
        font = QFont(self.font())
        font.setPixelSize(max(7, min(11, int(rh) - 1)))
        p.setFont(font)
        names = self.labels()
        for pitch in range(low, high + 1):
            y = dy + roll.y_of(pitch)
            black = pitch % 12 in BLACK
            p.fillRect(QRectF(0, y, self.width() - (12 if black else 0), rh - 0.5),
                       QColor(BLACK_KEY if black else WHITE_KEY))
            if pitch in names:
                p.setPen(QColor(COLOURS.accent_text))
                p.drawText(QRectF(2, y, self.width() - 4, rh), Qt.AlignmentFlag.AlignVCenter
                           | Qt.AlignmentFlag.AlignRight, names[pitch])
        top = dy + roll.notes_height()
        p.setPen(QColor(COLOURS.roll_label))
        p.drawText(QRectF(0, top, self.width() - 3, roll.height() - roll.notes_height()),
                   Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, "Vel")
        p.end()
