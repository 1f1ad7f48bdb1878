"""Piano-roll operations on a melody's notes, as pure functions, and the one undoable edit that applies them.

Each operation takes the note list and the indices of the selected notes and returns
(new notes, indices of the notes now selected), so the piano roll keeps its selection across an edit.
`SetNotes` replaces a melody's notes in one undo step; being a `_NotesEdit`, the entry keeps the model's
notes and its honest count of notes edited by hand (a changed velocity counts as an edit too).
Times are in quarter notes; grid steps are fractions of a quarter (0.25 = a sixteenth, 1/3 = an eighth
triplet).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import replace

from app.core.music import Key, Note
from app.core.project.cocreation.suggestion_edits import MIN_DURATION, NoteTarget, _NotesEdit

Notes = list[Note]
Selection = list[int]

# Grid choices of the piano roll: label -> step in quarters (None: off, no snapping).
GRIDS: dict[str, float | None] = {
    "1/4": 1.0, "1/8": 0.5, "1/16": 0.25, "1/32": 0.125,
    "1/4T": 2.0 / 3.0, "1/8T": 1.0 / 3.0, "1/16T": 1.0 / 6.0, "Off": None,
}


def snap_to(quarters: float, step: float | None) -> float:
    if not step:
        return max(0.0, quarters)
    return max(0.0, round(quarters / step) * step)


def _valid(indices: Iterable[int], notes: Sequence[Note]) -> list[int]:
    return sorted({i for i in indices if 0 <= i < len(notes)})


def _sorted_with(notes: Notes, chosen: set[int]) -> tuple[Notes, Selection]:
    """Notes in time order, and where the chosen ones ended up."""
    order = sorted(range(len(notes)), key=lambda i: (notes[i].onset, notes[i].pitch))
    return [notes[i] for i in order], [k for k, i in enumerate(order) if i in chosen]


def quantise(notes: Sequence[Note], sel: Iterable[int], step: float | None, strength: float = 1.0) -> tuple[Notes, Selection]:
    """Move the selected onsets `strength` (0..1) of the way to the nearest grid line."""
    out, chosen = list(notes), set(_valid(sel, notes))
    strength = min(1.0, max(0.0, strength))
    for i in chosen:
        n = out[i]
        target = snap_to(n.onset, step)
        out[i] = replace(n, onset=max(0.0, n.onset + (target - n.onset) * strength))
    return _sorted_with(out, chosen)


def nudge(notes: Sequence[Note], sel: Iterable[int], *, quarters: float = 0.0, semitones: int = 0) -> tuple[Notes, Selection]:
    """Move the selected notes in time and/or pitch (refused as a whole if one would leave the roll)."""
    out, chosen = list(notes), set(_valid(sel, notes))
    for i in chosen:
        n = out[i]
        if n.onset + quarters < -1e-9 or not 0 <= n.pitch + semitones <= 127:
            raise ValueError("the selection cannot move further that way (onset ≥ 0, pitch 0–127)")
        out[i] = Note(n.pitch + semitones, max(0.0, n.onset + quarters), n.duration, n.velocity)
    return _sorted_with(out, chosen)


def transpose_in_key(notes: Sequence[Note], sel: Iterable[int], steps: int, key: Key | None) -> tuple[Notes, Selection]:
    """Move the selected notes `steps` scale degrees of `key` (semitones without a key). A note outside the
    scale first moves to the scale tone in the direction of travel."""
    if key is None:
        return nudge(notes, sel, semitones=steps)
    scale = set(key.scale)
    out, chosen = list(notes), set(_valid(sel, notes))
    direction = 1 if steps > 0 else -1
    for i in chosen:
        pitch = out[i].pitch
        for _ in range(abs(steps)):
            pitch += direction
            while pitch % 12 not in scale:
                pitch += direction
        if not 0 <= pitch <= 127:
            raise ValueError("the selection cannot be transposed further (pitch 0–127)")
        out[i] = replace(out[i], pitch=pitch)
    return _sorted_with(out, chosen)


def set_velocity(notes: Sequence[Note], sel: Iterable[int], velocity: int) -> tuple[Notes, Selection]:
    v = int(min(127, max(1, velocity)))
    out, chosen = list(notes), _valid(sel, notes)
    for i in chosen:
        out[i] = replace(out[i], velocity=v)
    return out, chosen


def delete(notes: Sequence[Note], sel: Iterable[int]) -> tuple[Notes, Selection]:
    chosen = set(_valid(sel, notes))
    return [n for i, n in enumerate(notes) if i not in chosen], []


def clip_of(notes: Sequence[Note], sel: Iterable[int]) -> Notes:
    """The selected notes, shifted so the first starts at 0 (what Copy puts on the clipboard)."""
    chosen = [notes[i] for i in _valid(sel, notes)]
    if not chosen:
        return []
    start = min(n.onset for n in chosen)
    return [replace(n, onset=n.onset - start) for n in chosen]


def paste(notes: Sequence[Note], clip: Sequence[Note], at: float) -> tuple[Notes, Selection]:
    """Insert the clip's notes from `at` (quarters); the pasted notes are selected."""
    out = list(notes)
    first = len(out)
    out += [replace(n, onset=max(0.0, at + n.onset)) for n in clip]
    return _sorted_with(out, set(range(first, len(out))))


def duplicate(notes: Sequence[Note], sel: Iterable[int], bar_quarters: float) -> tuple[Notes, Selection]:
    """Copy the selection right after itself, rounded up to whole beats of `bar_quarters` when it spans a bar."""
    chosen = _valid(sel, notes)
    if not chosen:
        return list(notes), []
    start = min(notes[i].onset for i in chosen)
    end = max(notes[i].end for i in chosen)
    length = end - start
    unit = bar_quarters if length > 1.0 else 1.0
    length = max(unit, math.ceil(length / unit - 1e-9) * unit)
    return paste(notes, clip_of(notes, chosen), start + length)


def resize_all(notes: Sequence[Note], sel: Iterable[int], duration: float) -> tuple[Notes, Selection]:
    out, chosen = list(notes), _valid(sel, notes)
    for i in chosen:
        out[i] = replace(out[i], duration=max(MIN_DURATION, duration))
    return out, chosen


class SetNotes(_NotesEdit):
    """Replace the target melody's notes (one piano-roll operation = one undo step)."""

    def __init__(self, target: NoteTarget, notes: Sequence[Note], label: str) -> None:
        super().__init__(target, label)
        self.notes = list(notes)

    def new_notes(self, notes: list[Note]) -> list[Note]:
        return list(self.notes)
