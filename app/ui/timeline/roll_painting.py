"""Painting the piano roll (app/ui/timeline/piano_roll.py): rows, grid, notes, strokes, velocities. Reads the
roll's state, never changes it."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from app.ui.theme import COLOURS, qcolor

if TYPE_CHECKING:
    from app.ui.timeline.piano_roll import PianoRoll

VELOCITY_LANE = 30  # px under the notes: one bar per note, as tall as its velocity
NOTE_COLOR = QColor(COLOURS.note)
EDITED_COLOR = QColor(COLOURS.edited_note)
SELECTED_PEN = QColor(COLOURS.selected_note)
RANGE_FILL = qcolor(COLOURS.range_wash)
BAR_PEN = QColor(COLOURS.roll_bar_line)
BEAT_PEN = QColor(COLOURS.roll_beat_line)
C_ROW = qcolor(COLOURS.roll_c_row)


def paint_roll(roll: PianoRoll) -> None:
    """Rows (black keys and Cs shaded), the grid, the selection range, the notes (edited ones in their own
    colour, the dragged one where it would land), the stroke being drawn or erased, velocities, the band."""
    p = QPainter(roll)
    p.fillRect(roll.rect(), QColor(COLOURS.roll_background))
    low, high = roll.pitch_rows()
    rh = roll.row_height()
    for pitch in range(low, high + 1):
        if pitch % 12 in (1, 3, 6, 8, 10):
            p.fillRect(QRectF(0, roll.y_of(pitch), roll.width(), rh), qcolor(COLOURS.roll_black_key_row))
        elif pitch % 12 == 0:
            p.fillRect(QRectF(0, roll.y_of(pitch), roll.width(), rh), C_ROW)
    _paint_grid(roll, p)
    if roll.span is not None:
        x0, x1 = roll.x_of(roll.span[0]), roll.x_of(roll.span[1])
        p.fillRect(QRectF(x0, 0, x1 - x0, roll.height()), RANGE_FILL)
    for i, n in enumerate(roll.melody.notes):
        shown = roll._preview if roll._drag is not None and roll._drag[1] == i and roll._preview else n
        x0, x1 = roll.x_of(shown.onset), roll.x_of(shown.end)
        r = QRectF(x0, roll.y_of(shown.pitch) + 1, max(3.0, x1 - x0 - 1), rh - 2)
        p.setBrush(EDITED_COLOR if roll.is_edited(n) or shown is not n else NOTE_COLOR)
        p.setPen(QPen(SELECTED_PEN, 1.5) if i in roll.selection else Qt.PenStyle.NoPen)
        p.drawRoundedRect(r, 2, 2)
    if roll._drawing is not None:
        n = roll._drawing
        x0, x1 = roll.x_of(n.onset), roll.x_of(n.end)
        p.setBrush(EDITED_COLOR)
        p.setPen(QPen(SELECTED_PEN, 1, Qt.PenStyle.DashLine))
        p.drawRoundedRect(QRectF(x0, roll.y_of(n.pitch) + 1, max(3.0, x1 - x0 - 1), rh - 2), 2, 2)
    for i in roll._erasing or ():
        r = roll.note_rect(i)
        p.setPen(QPen(QColor(COLOURS.lane_problem), 2))
        p.drawLine(r.topLeft(), r.bottomRight())
        p.drawLine(r.bottomLeft(), r.topRight())
    _paint_velocities(roll, p)
    if roll._band is not None:
        p.setPen(QPen(SELECTED_PEN, 1, Qt.PenStyle.DashLine))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(roll._band.normalized())
    p.setPen(QColor(COLOURS.roll_label))  # the keyboard strip beside the roll names the rows
    if not roll.melody.notes:
        p.drawText(roll.rect(), Qt.AlignmentFlag.AlignCenter,
                   "Audition a suggestion to see its notes here" if roll.target is None else
                   "No notes — double-click to add one")
    p.end()

def _paint_velocities(roll: PianoRoll, p: QPainter) -> None:
    top = roll.notes_height()
    p.fillRect(QRectF(0, top, roll.width(), VELOCITY_LANE), QColor(COLOURS.mini_roll_background))
    p.setPen(QColor(COLOURS.mini_roll_line))
    p.drawLine(QPointF(0, top), QPointF(roll.width(), top))
    usable = VELOCITY_LANE - 4
    for i, n in enumerate(roll.melody.notes):
        v = n.velocity
        if roll._velocity_drag is not None and i in roll._velocity_targets:
            v = int(roll._velocity_drag)
        h = usable * v / 127.0
        x = roll.x_of(n.onset)
        colour = SELECTED_PEN if i in roll.selection else NOTE_COLOR
        p.fillRect(QRectF(x, top + 2 + usable - h, 3, h), colour)

def _paint_grid(roll: PianoRoll, p: QPainter) -> None:
    grid = roll.grid()
    bq = grid.time_signature.bar_quarters
    q0, q1 = roll.quarters_at(0), roll.quarters_at(roll.width())
    beat = grid.time_signature.pulse_quarters
    step = roll.grid_step
    if step and step < beat and roll.x_of(step) - roll.x_of(0) >= 5:  # the snap grid, faintly
        q = math.floor(q0 / step) * step
        p.setPen(qcolor(COLOURS.roll_c_row))
        while q <= q1:
            x = roll.x_of(q)
            p.drawLine(QPointF(x, 0), QPointF(x, roll.notes_height()))
            q += step
    if roll.x_of(beat) - roll.x_of(0) >= 6:
        q = math.floor(q0 / beat) * beat
        p.setPen(BEAT_PEN)
        while q <= q1:
            x = roll.x_of(q)
            p.drawLine(QPointF(x, 0), QPointF(x, roll.height()))
            q += beat
    p.setPen(BAR_PEN)
    q = math.floor(q0 / bq) * bq
    while q <= q1:
        x = roll.x_of(q)
        p.drawLine(QPointF(x, 0), QPointF(x, roll.height()))
        q += bq
