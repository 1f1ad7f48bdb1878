"""The limits of a suggestion request and of a project, each declared once.

`SuggestRequest.checked`, the song constraints, the Suggestions panel's inputs and the project loader read
these names; a limit changed here changes everywhere. (The model's own `Constraints` check its bar count
against the same 32 in app/core/model/constraints.py, which cannot import the project layer.)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bounds:
    """An inclusive range a request value must lie in (the panel's inputs use the same numbers)."""

    low: float
    high: float

    def holds(self, value: float) -> bool:
        return self.low <= value <= self.high


# Every limit of a request, declared once: `SuggestRequest.checked`, the panel's inputs and the CLI read these.
REQUEST_BARS = Bounds(1, 32)
REQUEST_COUNT = Bounds(1, 16)
REQUEST_LAST_START_BAR = 998  # zero-based: the panel's "from bar" goes up to 999
REQUEST_ADVENTUROUSNESS = Bounds(0.05, 3.0)
REQUEST_MAX_COPY = Bounds(0, 64)
MIDI_PITCHES = Bounds(0, 127)
