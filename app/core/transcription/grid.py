"""Quantise a melody (quarter-note times) to the grid it was written on, keeping triplets.

Each beat is fitted on its own: its onsets (and the note ends falling in it) are tried against straight
subdivisions (1/4: sixteenths, then 1/8: thirty-seconds) and triplet ones (1/3: eighth triplets, then 1/6:
sixteenth triplets); the simplest grid whose worst error is within reach wins (a beat of swung or
triplet eighths stays in triplets, a beat of sixteenths stays straight). Then every note keeps at least
one step of its beat's grid and ends no later than the next note begins (one line). Humanised timing
(a few hundredths of a quarter off) snaps back; notes shorter than the grid vanish into their neighbours.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from app.core.music import BeatGrid, Key, Melody, Note
from app.core.transcription.notes import SecondsNote

if TYPE_CHECKING:
    import numpy as np

    from app.core.tasks import CancelToken


class SongReading(NamedTuple):
    """What the studio's ears hear in one file that is a whole song: its beat grid and its key (None: none heard).
    The catalogue's audio import puts a transcribed melody on this grid, in this key."""

    grid: BeatGrid | None
    key: Key | None


# Hears a whole song (mono samples, their rate, a cancel token). The app passes the stem analysis's
# (`app.core.analysis.whole_mix_reading`): the catalogue does not import the analysis, which the melody model
# (reading the catalogue) must stay independent of.
SongEars = Callable[["np.ndarray", int, "CancelToken"], SongReading]

# (steps per quarter, penalty): simpler grids win ties; a finer grid must fit clearly better to be chosen
SUBDIVISIONS = ((4, 0.0), (3, 0.012), (8, 0.03), (6, 0.035))
_EPS = 1e-9
QUANTUM_QUARTERS = 0.25  # the coarsest step a note is kept at (sixteenths; triplets are finer)


def _snap(x: float, steps: int) -> float:
    return round(x * steps) / steps


def beat_subdivisions(times: list[float]) -> dict[int, int]:
    """The chosen steps-per-quarter for each beat (floor of the time) holding any of `times`."""
    by_beat: dict[int, list[float]] = {}
    for t in times:
        by_beat.setdefault(math.floor(t + 1e-6), []).append(t)
    chosen: dict[int, int] = {}
    for beat, ts in by_beat.items():
        best, best_cost = 4, math.inf
        for steps, penalty in SUBDIVISIONS:
            err = max(abs(t - _snap(t, steps)) for t in ts)
            if err + penalty < best_cost - _EPS:
                best, best_cost = steps, err + penalty
        chosen[beat] = best
    return chosen


def quantise_notes(notes: list[Note] | tuple[Note, ...]) -> list[Note]:
    """Notes snapped to their beats' grids (see the module docstring), monophonic, onsets >= 0."""
    ordered = sorted(notes, key=lambda n: (n.onset, -n.pitch))
    if not ordered:
        return []
    grids = beat_subdivisions([n.onset for n in ordered])

    def step_at(t: float) -> int:
        return grids.get(math.floor(t + 1e-6), 4)

    snapped: list[Note] = []
    for n in ordered:
        steps = step_at(n.onset)
        on = max(0.0, _snap(n.onset, steps))
        off = _snap(n.end, step_at(n.end)) if math.floor(n.end + 1e-6) in grids else _snap(n.end, 4)
        dur = max(1.0 / steps, off - on)
        if snapped and abs(snapped[-1].onset - on) < _EPS:
            if n.pitch > snapped[-1].pitch:  # two notes now on one grid point: keep the top one
                snapped[-1] = Note(n.pitch, on, max(dur, snapped[-1].duration), n.velocity)
            continue
        snapped.append(Note(n.pitch, on, dur, n.velocity))
    line: list[Note] = []
    for i, n in enumerate(snapped):
        end = n.end if i + 1 == len(snapped) else min(n.end, snapped[i + 1].onset)
        line.append(Note(n.pitch, round(n.onset, 9), round(end - n.onset, 9), n.velocity))
    return line


def shortest_fraction(notes: list[Note] | tuple[Note, ...], limit: float = 1.0 / 16) -> float:
    """Fraction of notes shorter than `limit` quarters (1/16 of a quarter = a 64th note)."""
    return sum(1 for n in notes if n.duration < limit - _EPS) / len(notes) if notes else 0.0


def melody_on_grid(notes: Sequence[SecondsNote], grid: BeatGrid, *, key: Key | None = None) -> Melody:
    """Transcribed notes (seconds) on a beat grid in quarter notes, each beat straight or in triplets, one line,
    onsets >= 0 (a note starting over an eighth before bar 1 is left out). The stem analysis puts its lead on
    the song's grid with this, and the catalogue its audio works' melodies on the grid heard in the file."""
    raw = []
    for n in notes:
        on = grid.quarters(n.onset)
        off = grid.quarters(n.onset + n.duration)
        if on < -QUANTUM_QUARTERS / 2:
            continue
        raw.append(Note(int(min(127, max(0, round(n.pitch)))), max(0.0, on), max(1e-3, off - max(0.0, on)), 90))
    return Melody(tuple(quantise_notes(raw)), key=key, time_signature=grid.time_signature, tempo_bpm=grid.tempo_bpm)
