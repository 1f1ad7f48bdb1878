"""Meter and time: time signatures, the tempo bounds, and the beat grid that maps quarter notes to seconds in the
audio (constant tempo or tempo-following anchors). Part of the shared vocabulary (see app.core.music).
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace


@dataclass(frozen=True, slots=True)
class TimeSignature:
    numerator: int = 4
    denominator: int = 4

    def __post_init__(self) -> None:
        if self.numerator < 1 or self.denominator not in (1, 2, 4, 8, 16, 32):
            raise ValueError(f"not a time signature: {self.numerator}/{self.denominator}")

    @property
    def bar_quarters(self) -> float:
        """Length of one bar in quarter notes (4/4 -> 4, 3/4 -> 3, 6/8 -> 3)."""
        return self.numerator * 4.0 / self.denominator

    @property
    def is_compound(self) -> bool:
        return self.denominator == 8 and self.numerator % 3 == 0 and self.numerator > 3

    @property
    def pulse_quarters(self) -> float:
        """The felt beat: a dotted quarter in compound meters, else one denominator unit."""
        return 1.5 if self.is_compound else 4.0 / self.denominator

    def bar_beat(self, quarters: float) -> tuple[int, int, float]:
        """(bar from 1, beat from 1 counted in the felt pulse, quarters into that beat) of a position in quarter
        notes: what a ruler or a "2.3" label shows (12/8 has four beats a bar, not six). Before bar 1 (a pickup,
        or the few milliseconds of a bounce before its first downbeat) the bars count down from 0, as in a DAW:
        a sixteenth before bar 1 of 4/4 is 0.4.4 (it read 1.0.4)."""
        bar = math.floor(quarters / self.bar_quarters)
        in_bar = quarters - bar * self.bar_quarters
        beat = math.floor(in_bar / self.pulse_quarters + 1e-9)
        return bar + 1, beat + 1, in_bar - beat * self.pulse_quarters

    def strong_beat(self, position_in_bar: float, tol: float = 1e-6) -> bool:
        """True on the downbeat and the main secondary accents (beat 3 of 4/4, pulse 2 of 6/8)."""
        p = position_in_bar % self.bar_quarters
        if abs(p) < tol or abs(p - self.bar_quarters) < tol:
            return True
        if self.numerator == 4 and self.denominator == 4:
            return abs(p - 2.0) < tol
        if self.is_compound:
            return abs((p / self.pulse_quarters) - round(p / self.pulse_quarters)) < tol
        return False

    def __str__(self) -> str:
        return f"{self.numerator}/{self.denominator}"

    @classmethod
    def parse(cls, text: str) -> TimeSignature:
        m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
        if not m:
            raise ValueError(f"not a time signature: {text!r} (expected e.g. 4/4, 3/4, 6/8)")
        return cls(int(m.group(1)), int(m.group(2)))


TEMPO_MIN, TEMPO_MAX = 20.0, 400.0  # quarter notes per minute a grid, a project and an edit accept
# How far before the audio's start a moved bar 1 may land and be taken as the start (the onset of a song's first
# beat is heard up to a few tens of ms late): further before it, bar 1 goes a bar later instead
START_SLACK_SECONDS = 0.05
SAME_TEMPO = 0.04  # two tempos this close (relative) are one reading of the beat, not two


def same_tempo(a: float, b: float) -> bool:
    """Whether two tempos (BPM, both > 0) are the same reading of the beat, within SAME_TEMPO."""
    return abs(a / b - 1.0) <= SAME_TEMPO


@dataclass(frozen=True)
class BeatGrid:
    """Where the music's quarter notes fall in the audio.

    A constant tempo with the first downbeat at `offset_seconds` (bar 1, beat 1) — or, for music played
    without a click, a tempo that moves: `anchors` are (quarters, seconds after bar 1) points the grid passes
    through (one per tracked beat, like a DAW's warp markers), joined by straight lines and continued past
    the ends at the end segments' tempos. `tempo_bpm` is then the song's typical tempo (display, metronome,
    live play); every conversion between quarters and seconds follows the anchors. Beat times detected from
    audio may be kept in `beat_times` for display.
    """

    tempo_bpm: float = 120.0
    time_signature: TimeSignature = field(default_factory=TimeSignature)
    offset_seconds: float = 0.0
    beat_times: tuple[float, ...] = ()
    downbeat_times: tuple[float, ...] = ()
    anchors: tuple[tuple[float, float], ...] = ()
    # the anchors' two coordinates as sorted lists, for bisect (kept out of equality and repr)
    _axes: tuple[list[float], list[float]] = field(init=False, repr=False, compare=False, default=([], []))

    def __post_init__(self) -> None:
        if not TEMPO_MIN <= self.tempo_bpm <= TEMPO_MAX:
            raise ValueError(f"tempo {self.tempo_bpm:g} BPM is outside {TEMPO_MIN:g}–{TEMPO_MAX:g}")
        if self.anchors:
            anchors = check_anchors(self.anchors)
            object.__setattr__(self, "anchors", anchors)
            object.__setattr__(self, "_axes", ([a[0] for a in anchors], [a[1] for a in anchors]))

    @property
    def seconds_per_quarter(self) -> float:
        return 60.0 / self.tempo_bpm

    @property
    def seconds_per_bar(self) -> float:
        return self.time_signature.bar_quarters * self.seconds_per_quarter

    @property
    def follows_tempo(self) -> bool:
        """True when the grid follows a moving tempo (anchors) rather than one constant BPM."""
        return bool(self.anchors)

    def seconds(self, quarters: float) -> float:
        if not self.anchors:
            return self.offset_seconds + quarters * self.seconds_per_quarter
        return self.offset_seconds + _through(self.anchors, self._axes[0], float(quarters), 0, 1)

    def quarters(self, seconds: float) -> float:
        if not self.anchors:
            return (seconds - self.offset_seconds) / self.seconds_per_quarter
        return _through(self.anchors, self._axes[1], float(seconds) - self.offset_seconds, 1, 0)

    def tempo_at(self, quarters: float) -> float:
        """The tempo (quarter notes per minute) at a position: the anchors' local tempo, else the constant one."""
        if not self.anchors:
            return self.tempo_bpm
        qs = self._axes[0]
        i = min(max(bisect.bisect_right(qs, quarters) - 1, 0), len(qs) - 2)
        (q0, s0), (q1, s1) = self.anchors[i], self.anchors[i + 1]
        return 60.0 * (q1 - q0) / (s1 - s0)

    def tempo_range(self) -> tuple[float, float]:
        """(slowest, fastest) tempo of the grid's stretches with the outer 5 % at each end left out (a stray beat's
        tempo is not the song's); the one tempo twice for a constant grid."""
        if not self.anchors:
            return self.tempo_bpm, self.tempo_bpm
        local = sorted(60.0 * (q1 - q0) / (s1 - s0) for (q0, s0), (q1, s1) in zip(self.anchors, self.anchors[1:],
                                                                                   strict=False))
        return local[len(local) // 20], local[-1 - len(local) // 20]

    def tempo_changes(self) -> tuple[tuple[float, float], ...]:
        """(quarter position, BPM) from the start of each stretch of the grid: a MIDI tempo map that plays the
        grid as it is (one change per anchor; a constant grid is one tempo at quarter 0)."""
        if not self.anchors:
            return ((0.0, self.tempo_bpm),)
        out = [(0.0, self.tempo_at(0.0))]
        for (q0, s0), (q1, s1) in zip(self.anchors, self.anchors[1:], strict=False):
            if q1 <= 0.0:
                continue
            bpm = 60.0 * (q1 - q0) / (s1 - s0)
            if q0 <= 0.0:
                out[0] = (0.0, bpm)
            elif abs(bpm - out[-1][1]) > 1e-6:
                out.append((q0, bpm))
        return tuple(out)

    def starting_at(self, quarters: float = 0.0) -> BeatGrid:
        """This grid with its quarter `quarters` as quarter 0 at 0 seconds: the timing of a part rendered on its
        own from that point (a clip, a drag-out file), which follows the song's tempo from there on."""
        if not self.anchors:
            return BeatGrid(tempo_bpm=self.tempo_bpm, time_signature=self.time_signature)
        zero = self.seconds(quarters)
        later = tuple((q - quarters, self.offset_seconds + s - zero) for q, s in self.anchors if q > quarters + 1e-9)
        if not later:  # past the last anchor: the last stretch's tempo holds
            return BeatGrid(tempo_bpm=self.tempo_at(quarters), time_signature=self.time_signature)
        return BeatGrid(tempo_bpm=self.tempo_bpm, time_signature=self.time_signature, anchors=((0.0, 0.0),) + later)

    def with_bar_one_at(self, quarters: float) -> BeatGrid:
        """The same beats with bar 1 moved to this grid's quarter `quarters` (1: a beat later in 4/4, 0.5: onto the
        "and"): every beat keeps its seconds, the anchors are counted from the new bar 1. Detected beat times
        stay where they fall on the new grid's beats (a whole-beat move), the downbeats among them recounted;
        moved by part of a beat they are the off-beats now, and are dropped."""
        zero = self.seconds(quarters)
        anchors = tuple((q - quarters, s - (zero - self.offset_seconds)) for q, s in self.anchors)
        moved = BeatGrid(tempo_bpm=self.tempo_bpm, time_signature=self.time_signature, offset_seconds=zero,
                         anchors=anchors)
        pulse, bar = self.time_signature.pulse_quarters, self.time_signature.bar_quarters
        on_beats = [(t, q) for t in self.beat_times
                    if abs((q := moved.quarters(t)) / pulse - round(q / pulse)) < 0.1]
        downs = tuple(t for t, q in on_beats if abs(q / bar - round(q / bar)) < 0.1 * pulse / bar)
        return replace(moved, beat_times=tuple(t for t, _ in on_beats), downbeat_times=downs)

    def bar_one_moved(self, beats: float) -> tuple[float, BeatGrid]:
        """(quarters moved, grid) with bar 1 moved by `beats` felt beats (a dotted quarter in 6/8), as the studio's
        ◀ Beat / Beat ▶ and a pickup the analysis hears move it. Landing less than START_SLACK_SECONDS before the
        audio's start it stays (its callers take that as the start: a project's bar 1 is never before 0 s);
        further before it, it goes a bar later instead (the same downbeats; what sounds before it is a pickup).
        See with_bar_one_at for what the beats do."""
        ts = self.time_signature
        quarters = float(beats) * ts.pulse_quarters
        # (a bar 1 heard a few ms after the audio's first beat, moved a beat earlier, is the audio's start, not a bar on)
        while self.seconds(quarters) < -START_SLACK_SECONDS:
            quarters += ts.bar_quarters
        return quarters, self.with_bar_one_at(quarters)

    def bar_of(self, seconds: float) -> float:
        """Zero-based bar position (fractional) of a time in seconds."""
        return self.quarters(seconds) / self.time_signature.bar_quarters

    def bar_start(self, bar_index: int) -> float:
        """Quarter-note position of the start of zero-based bar `bar_index`."""
        return bar_index * self.time_signature.bar_quarters


MAX_ANCHORS = 20_000  # a beat each: 20,000 beats is over an hour at 300 BPM


def check_anchors(anchors: Iterable[Sequence[float]]) -> tuple[tuple[float, float], ...]:
    """(quarters, seconds) anchors as a tuple of float pairs; ValueError unless there are 2..MAX_ANCHORS of them,
    finite, and strictly increasing in both (the grid never stops or runs backwards) at 20–400 BPM."""
    out = tuple((float(q), float(s)) for q, s in anchors)
    if not 2 <= len(out) <= MAX_ANCHORS:
        raise ValueError(f"a tempo-following grid needs 2 to {MAX_ANCHORS:,} anchors, not {len(out):,}")
    for (q0, s0), (q1, s1) in zip(out, out[1:], strict=False):
        if not (math.isfinite(q0 + s0 + q1 + s1) and q1 > q0 and s1 > s0):
            raise ValueError(f"grid anchors must increase in quarters and seconds: ({q0:g}, {s0:g}) then ({q1:g}, {s1:g})")
        if not TEMPO_MIN <= 60.0 * (q1 - q0) / (s1 - s0) <= TEMPO_MAX:
            raise ValueError(f"the grid's tempo between quarters {q0:g} and {q1:g} is outside {TEMPO_MIN:g}–{TEMPO_MAX:g} BPM")
    return out


def _through(anchors: tuple[tuple[float, float], ...], xs: list[float], x: float, src: int, dst: int) -> float:
    """Piecewise-linear map through the anchors from coordinate `src` to `dst` (0 quarters, 1 seconds; `xs`:
    the anchors' `src` coordinates), continued past either end along the end segment."""
    i = min(max(bisect.bisect_right(xs, x) - 1, 0), len(xs) - 2)
    a, b = anchors[i], anchors[i + 1]
    return a[dst] + (x - a[src]) * (b[dst] - a[dst]) / (b[src] - a[src])
