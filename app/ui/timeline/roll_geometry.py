"""The piano roll's geometry (app/ui/timeline/piano_roll.py): time in quarters to x on the timeline's scale
(or a fixed width per quarter without one), pitch to rows, the velocity lane under the notes, note rectangles
and hit tests. Painting, mouse handling and editing all map through these.

A mixin of `PianoRoll`: it reads the roll's scale, project, melody and size, and changes nothing.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF

from app.core.music import BeatGrid, Melody
from app.core.project.model import Project
from app.ui.timeline.roll_painting import VELOCITY_LANE
from app.ui.timeline.ruler import TimeScale

MIN_ROWS = 15
PX_PER_QUARTER = 24.0


class RollGeometry:
    """Coordinates for `PianoRoll`: `grid`, `x_of`/`quarters_at`, `y_of`/`pitch_at`, `note_rect`, `note_at`."""

    scale: TimeScale | None
    project: Project | None
    melody: Melody

    def grid(self) -> BeatGrid:
        if self.scale is not None and self.scale.grid is not None:
            return self.scale.grid
        tempo = (self.project.tempo_bpm if self.project is not None else None) or 120.0
        ts = self.project.time_signature if self.project is not None else None
        return BeatGrid(tempo_bpm=tempo, time_signature=ts) if ts is not None else BeatGrid(tempo_bpm=tempo)

    def x_of(self, quarters: float) -> float:
        if self.scale is None:
            return quarters * PX_PER_QUARTER
        return self.scale.x_of(self.grid().seconds(quarters))

    def quarters_at(self, x: float) -> float:
        if self.scale is None:
            return max(0.0, x / PX_PER_QUARTER)
        return max(0.0, self.grid().quarters(self.scale.seconds_at(x)))

    def pitch_rows(self) -> tuple[int, int]:
        pitches = self.melody.pitches or [60, 72]
        low, high = min(pitches) - 2, max(pitches) + 2
        if high - low + 1 < MIN_ROWS:
            extra = MIN_ROWS - (high - low + 1)
            low -= extra // 2
            high += extra - extra // 2
        return max(0, low), min(127, high)

    def notes_height(self) -> float:
        """The height of the note rows (the velocity lane is under them)."""
        return max(1.0, self.height() - VELOCITY_LANE)

    def row_height(self) -> float:
        low, high = self.pitch_rows()
        return max(1.0, self.notes_height() / (high - low + 1))

    def in_velocity_lane(self, y: float) -> bool:
        return y >= self.notes_height()

    def velocity_at(self, y: float) -> int:
        frac = 1.0 - (y - self.notes_height() - 2) / max(1.0, VELOCITY_LANE - 4)
        return int(min(127, max(1, round(frac * 127))))

    def y_of(self, pitch: int) -> float:
        _, high = self.pitch_rows()
        return (high - pitch) * self.row_height()

    def pitch_at(self, y: float) -> int:
        low, high = self.pitch_rows()
        return int(min(high, max(low, high - math.floor(y / self.row_height()))))

    def note_rect(self, index: int) -> QRectF:
        n = self.melody.notes[index]
        x0, x1 = self.x_of(n.onset), self.x_of(n.end)
        return QRectF(x0, self.y_of(n.pitch) + 1, max(3.0, x1 - x0 - 1), self.row_height() - 2)

    def note_at(self, pos: QPointF) -> int | None:
        for i in reversed(range(len(self.melody.notes))):
            if self.note_rect(i).adjusted(-1, -1, 1, 1).contains(pos):
                return i
        return None
