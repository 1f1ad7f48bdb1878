"""From what Accord heard in the stems to what a suggestion must satisfy.

The project composes analysis and model (they never import each other): `constraints_from_analysis`
turns a `SongAnalysis` into the model's `Constraints` (key/scale, chord tones on strong beats, bar grid
and time signature, start position, tempo for rendering, a pitch range around the lead), and
`prime_from_analysis` gives the lead melody just before the requested range, for continuing it.
`apply_project_edits` lays the user's corrections (tempo, meter, downbeat, key, chords) over an analysis,
so a suggestion follows what the artist set, not what the analysis first guessed.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from app.core.analysis.result import SongAnalysis
from app.core.errors import ConstraintError
from app.core.model.constraints import DEFAULT_MAX_COPY, Constraints
from app.core.music import BeatGrid, ChordSpan, ChordTimeline, Key, Melody
from app.core.project.limits import REQUEST_BARS

DEFAULT_RANGE = (48, 84)
RANGE_MARGIN = 3  # semitones around the lead's own range: room to move, still the singer's register
MIN_RANGE_WIDTH = 12


def lead_pitch_range(melody: Melody | None, *, margin: int = RANGE_MARGIN) -> tuple[int, int]:
    """The lead's range widened by `margin` (at least an octave); DEFAULT_RANGE without a melody."""
    if melody is None or not melody.notes:
        return DEFAULT_RANGE
    low, high = min(melody.pitches) - margin, max(melody.pitches) + margin
    if high - low < MIN_RANGE_WIDTH:
        extra = MIN_RANGE_WIDTH - (high - low)
        low -= extra // 2
        high += extra - extra // 2
    return max(0, low), min(127, high)


def _slice_chords(chords: ChordTimeline, start: float, end: float) -> ChordTimeline | None:
    spans = tuple(ChordSpan(max(s.start, start), min(s.end, end), s.chord) for s in chords
                  if s.end > start + 1e-9 and s.start < end - 1e-9 and not s.chord.is_no_chord)
    return ChordTimeline(spans) if spans else None


def key_at(analysis: SongAnalysis, position: float) -> Key | None:
    """The key at a position in quarter notes: a modulated section's key, else the song's key."""
    for section in analysis.key_sections:
        if section.start - 1e-9 <= position < section.end - 1e-9:
            return section.key
    return analysis.key


def constraints_from_analysis(analysis: SongAnalysis, *, start_bar: int = 0, bars: int = 4,
                              pitch_range: tuple[int, int] | None = None, max_copy: int = DEFAULT_MAX_COPY,
                              chromatic: bool = False, key_override: Key | None = None,
                              density: tuple[float, float] | None = None,
                              chord_tones_on_strong_beats: bool = True, use_chords: bool = True) -> Constraints:
    """Constraints for `bars` bars starting at zero-based bar `start_bar` of the analysed song."""
    if start_bar < 0:
        raise ConstraintError(f"start bar {start_bar + 1} is before the song starts", path="start_bar")
    if not REQUEST_BARS.holds(bars):
        raise ConstraintError(f"bars must be {REQUEST_BARS.low:g}..{REQUEST_BARS.high:g}, not {bars}", path="bars")
    ts = analysis.grid.time_signature
    start = analysis.grid.bar_start(start_bar)
    end = start + bars * ts.bar_quarters
    key = key_override if key_override is not None else key_at(analysis, start)
    chords = _slice_chords(analysis.chords, start, end) if use_chords else None
    rng = pitch_range if pitch_range is not None else lead_pitch_range(analysis.melody)
    try:
        return Constraints(key=key, chromatic=chromatic, chords=chords,
                           chord_tones_on_strong_beats=chord_tones_on_strong_beats and chords is not None,
                           time_signature=ts, bars=bars, start=start, pitch_range=(int(rng[0]), int(rng[1])),
                           density=density, max_copy=max_copy, tempo_bpm=analysis.grid.tempo_bpm)
    except ValueError as exc:
        raise ConstraintError(str(exc)) from exc


def first_harmony_bar(analysis: SongAnalysis) -> int:
    """The zero-based bar where the song's first chord starts (0 when no chord was heard): where a new melody over a
    song without one begins, rather than over a count-in or a drum intro."""
    first = next((s.start for s in analysis.chords if not s.chord.is_no_chord), 0.0)
    return max(0, int(math.floor(first / analysis.grid.time_signature.bar_quarters + 1e-6)))


def prime_from_analysis(analysis: SongAnalysis, start_bar: int, bars: int) -> Melody:
    """The lead melody in the `bars` bars before `start_bar` (song-timeline positions), to continue from.

    Empty (but with key, meter and tempo) when there is no lead melody or the range starts the song.
    """
    ts = analysis.grid.time_signature
    start = analysis.grid.bar_start(start_bar)
    begin = max(0.0, start - max(0, bars) * ts.bar_quarters)
    base = analysis.melody or Melody((), key=analysis.key, time_signature=ts, tempo_bpm=analysis.grid.tempo_bpm)
    clipped = base.between(begin, start)
    notes = tuple(n if n.end <= start else replace(n, duration=start - n.onset) for n in clipped.notes)
    return replace(clipped, notes=notes, key=key_at(analysis, begin) if analysis.key else None,
                   time_signature=ts, tempo_bpm=analysis.grid.tempo_bpm)


def apply_project_edits(analysis: SongAnalysis, project: Any) -> SongAnalysis:
    """The analysis with the project's own fields (the artist's corrections) taking precedence.

    `project` is an app.core.project.model.Project (typed loosely to keep this module import-light).
    """
    grid = analysis.grid
    tempo = getattr(project, "tempo_bpm", None) or grid.tempo_bpm
    ts = getattr(project, "time_signature", None) or grid.time_signature
    offset = getattr(project, "downbeat_offset", None)
    offset = grid.offset_seconds if offset is None else float(offset)
    # the project's anchors (a grid following a song played without a click; () once a tempo is set by hand)
    anchors = tuple(getattr(project, "tempo_anchors", grid.anchors))
    if (tempo, ts, offset, anchors) != (grid.tempo_bpm, grid.time_signature, grid.offset_seconds, grid.anchors):
        grid = BeatGrid(tempo_bpm=float(tempo), time_signature=ts, offset_seconds=offset, anchors=anchors)
    key = getattr(project, "key", None) or analysis.key
    chords = getattr(project, "chords", None) or analysis.chords
    sections = analysis.key_sections if key == analysis.key else ()
    return replace(analysis, grid=grid, key=key, chords=chords, key_sections=sections)
