"""Where quarter notes fall in seconds, for rendering.

Renderers need only `seconds(quarters)`. `BeatGrid` (constant tempo, from analysis) already provides it;
`TempoMapTiming` does the same for a MIDI file's tempo map, so a file with tempo changes renders exactly as
its sequencer would play it.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from app.core.errors import AccordError


class Timing(Protocol):
    def seconds(self, quarters: float) -> float: ...


def note_frame(timing: Timing, quarters: float, sample_rate: int) -> int:
    """The frame a note at `quarters` starts on: round(seconds × rate), the rule every renderer shares."""
    return int(round(timing.seconds(quarters) * sample_rate))


@dataclass(frozen=True)
class TempoMapTiming:
    """Piecewise-constant tempo: (quarter position, BPM) changes, sorted; the first applies from 0."""

    changes: tuple[tuple[float, float], ...]
    offset_seconds: float = 0.0
    _starts: tuple[float, ...] = field(init=False, repr=False, compare=False, default=())

    def __post_init__(self) -> None:
        if not self.changes:
            raise AccordError("a tempo map needs at least one tempo")
        for q, bpm in self.changes:
            if not (q >= 0.0 and 1.0 <= bpm <= 1000.0):
                raise AccordError(f"tempo {bpm:g} BPM at quarter {q:g} is outside 1–1000 BPM")
        starts = [0.0]
        for (q0, bpm0), (q1, _) in zip(self.changes, self.changes[1:], strict=False):
            starts.append(starts[-1] + (q1 - q0) * 60.0 / bpm0)
        object.__setattr__(self, "_starts", tuple(starts))

    @classmethod
    def from_midi_tempo_map(cls, tempo_map: Sequence[tuple[float, float]], *, default_bpm: float = 120.0,
                            offset_seconds: float = 0.0) -> TempoMapTiming:
        """A MIDI file's map; a file without tempo plays at 120 BPM (the MIDI default)."""
        changes: list[tuple[float, float]] = []
        for q, bpm in sorted(tempo_map):
            if changes and abs(changes[-1][0] - q) < 1e-9:
                changes[-1] = (q, bpm)  # two tempos at one tick: the later one wins, as in a sequencer
            else:
                changes.append((q, bpm))
        if not changes or changes[0][0] > 0.0:
            changes.insert(0, (0.0, default_bpm))
        return cls(tuple(changes), offset_seconds)

    @property
    def first_bpm(self) -> float:
        return self.changes[0][1]

    def seconds(self, quarters: float) -> float:
        qs = [q for q, _ in self.changes]
        i = max(0, bisect.bisect_right(qs, quarters) - 1)
        q0, bpm = self.changes[i]
        return self.offset_seconds + self._starts[i] + (quarters - q0) * 60.0 / bpm
