"""The shared musical vocabulary every layer speaks.

Conventions (used everywhere in Accord):
- time inside music is measured in **quarter notes** ("beats" in MIDI's sense: onset 4.0 is the start
  of bar 2 in 4/4, the start of the second bar of 6/8 is 3.0);
- pitch is a MIDI note number (60 = middle C); pitch classes are 0..11 with C = 0;
- time in audio is seconds; `BeatGrid` converts between the two.

These types are immutable values: analysis produces them, the model, synth, project and provenance
consume them. Nothing here imports numpy-heavy or optional libraries.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

PITCH_CLASS_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
SHARP_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
FLAT_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
# Relative-major tonics whose key signature has sharps / flats (C major and A minor have none).
_SHARP_SIDE = frozenset({7, 2, 9, 4, 11, 6})
_FLAT_SIDE = frozenset({5, 10, 3, 8, 1})
_LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}

MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
NATURAL_MINOR_SCALE = (0, 2, 3, 5, 7, 8, 10)
# Minor melodies borrow the raised 6th and 7th (melodic/harmonic minor); a key-locked suggestion in a
# minor key may use them, as a musician would.
MINOR_SCALE_WITH_LEADING_TONES = (0, 2, 3, 5, 7, 8, 9, 10, 11)


def parse_pitch_class(text: str) -> int:
    """'C' -> 0, 'F#' -> 6, 'Bb' -> 10, 'cb' -> 11. Raises ValueError with a readable reason."""
    m = re.fullmatch(r"\s*([A-Ga-g])([#b♯♭]*)\s*", text)
    if not m:
        raise ValueError(f"not a note name: {text!r} (expected e.g. C, F#, Bb)")
    pc = _LETTER_PC[m.group(1).upper()]
    for acc in m.group(2):
        pc += 1 if acc in "#♯" else -1
    return pc % 12


def pitch_name(pitch: int, key: Key | None = None) -> str:
    """MIDI pitch to a name with octave: 60 -> 'C4'; with a key, black keys are spelled as that key spells
    them (68 is G#4 in A minor and E major, Ab4 in C minor and Eb major)."""
    names = key.spelling if key is not None else PITCH_CLASS_NAMES
    return f"{names[pitch % 12]}{pitch // 12 - 1}"


MAX_POSITION = 1e7  # quarter notes (about 58 days at 120 BPM): past it a position or length is not music

@dataclass(frozen=True, slots=True)
class Note:
    """One note event. onset and duration in quarter notes, velocity 1..127."""

    pitch: int
    onset: float
    duration: float
    velocity: int = 90

    @property
    def end(self) -> float:
        return self.onset + self.duration

    def shifted(self, beats: float) -> Note:
        return replace(self, onset=self.onset + beats)

    def transposed(self, semitones: int) -> Note:
        return replace(self, pitch=self.pitch + semitones)


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


@dataclass(frozen=True, slots=True)
class Key:
    tonic_pc: int
    mode: str = "major"  # "major" | "minor"

    def __post_init__(self) -> None:
        if self.mode not in ("major", "minor") or not 0 <= self.tonic_pc < 12:
            raise ValueError(f"not a key: tonic {self.tonic_pc}, mode {self.mode!r}")

    @property
    def scale(self) -> tuple[int, ...]:
        """Pitch classes (absolute) of the diatonic scale."""
        steps = MAJOR_SCALE if self.mode == "major" else NATURAL_MINOR_SCALE
        return tuple((self.tonic_pc + s) % 12 for s in steps)

    @property
    def melodic_scale(self) -> tuple[int, ...]:
        """Pitch classes a key-locked melody may use (minor adds raised 6th/7th)."""
        steps = MAJOR_SCALE if self.mode == "major" else MINOR_SCALE_WITH_LEADING_TONES
        return tuple((self.tonic_pc + s) % 12 for s in steps)

    def degree(self, pitch: int) -> int:
        """Chromatic scale degree relative to the tonic, 0..11."""
        return (pitch - self.tonic_pc) % 12

    @property
    def name(self) -> str:
        return f"{PITCH_CLASS_NAMES[self.tonic_pc]} {self.mode}"

    @property
    def spelling(self) -> tuple[str, ...]:
        """Names of the 12 pitch classes as this key spells them: sharps on the sharp side of the circle of
        fifths, flats on the flat side; a minor key raises its leading tone with a sharp (G# in A minor,
        C# in D minor); C major keeps the usual mixed names (C#, Eb, F#, Ab, Bb)."""
        relative_major = self.tonic_pc if self.mode == "major" else (self.tonic_pc + 3) % 12
        if relative_major == 0 and self.mode == "minor":  # A minor: G#, F# (raised 7th, 6th), C#, D#; but Bb
            return SHARP_NAMES[:10] + ("Bb", "B")
        if relative_major in _SHARP_SIDE:
            return SHARP_NAMES
        if relative_major not in _FLAT_SIDE:
            return PITCH_CLASS_NAMES
        if self.mode == "major":
            return FLAT_NAMES
        leading = (self.tonic_pc - 1) % 12
        return tuple(SHARP_NAMES[pc] if pc == leading else n for pc, n in enumerate(FLAT_NAMES))

    def __str__(self) -> str:
        return self.name

    @classmethod
    def parse(cls, text: str) -> Key:
        """'C', 'C major', 'Am', 'A minor', 'F#m', 'Bb min', 'eb' (lower case = minor is *not* assumed)."""
        t = text.strip()
        m = re.fullmatch(r"([A-Ga-g][#b♯♭]?)\s*(major|maj|minor|min|m|M)?", t)
        if not m:
            raise ValueError(f"not a key: {text!r} (expected e.g. C, C major, Am, F# minor)")
        mode_text = m.group(2) or "major"
        mode = "minor" if mode_text in ("minor", "min", "m") else "major"
        return cls(parse_pitch_class(m.group(1)), mode)


CHORD_QUALITIES: dict[str, tuple[int, ...]] = {
    "maj": (0, 4, 7),
    "min": (0, 3, 7),
    "7": (0, 4, 7, 10),
    "maj7": (0, 4, 7, 11),
    "m7": (0, 3, 7, 10),
    "dim": (0, 3, 6),
    "sus2": (0, 2, 7),
    "sus4": (0, 5, 7),
}
_QUALITY_SUFFIX = {"maj": "", "min": "m", "7": "7", "maj7": "maj7", "m7": "m7", "dim": "dim",
                   "sus2": "sus2", "sus4": "sus4"}


@dataclass(frozen=True, slots=True)
class Chord:
    """A chord symbol. root_pc None means no chord ('N')."""

    root_pc: int | None
    quality: str = "maj"

    def __post_init__(self) -> None:
        if self.root_pc is not None and (self.quality not in CHORD_QUALITIES or not 0 <= self.root_pc < 12):
            raise ValueError(f"not a chord: root {self.root_pc}, quality {self.quality!r}")

    @property
    def is_no_chord(self) -> bool:
        return self.root_pc is None

    @property
    def pitch_classes(self) -> frozenset[int]:
        if self.root_pc is None:
            return frozenset()
        return frozenset((self.root_pc + i) % 12 for i in CHORD_QUALITIES[self.quality])

    @property
    def triad_family(self) -> str:
        """'maj', 'min' or 'N' — the major/minor level used to score chord recognition."""
        if self.root_pc is None:
            return "N"
        return "min" if self.quality in ("min", "m7", "dim") else "maj"

    @property
    def symbol(self) -> str:
        if self.root_pc is None:
            return "N"
        return PITCH_CLASS_NAMES[self.root_pc] + _QUALITY_SUFFIX[self.quality]

    def __str__(self) -> str:
        return self.symbol

    @classmethod
    def parse(cls, text: str) -> Chord:
        """'C', 'Am', 'G7', 'Dm7', 'Bdim', 'Fsus4', 'Cmaj7', 'N' / 'NC'."""
        t = text.strip()
        if t.upper() in ("N", "NC", "N.C.", ""):
            return cls(None)
        m = re.fullmatch(r"([A-G][#b♯♭]?)(.*)", t)
        if not m:
            raise ValueError(f"not a chord symbol: {text!r} (expected e.g. C, Am, G7, Dm7, Bdim, Fsus4)")
        suffix = m.group(2)
        aliases = {"": "maj", "M": "maj", "maj": "maj", "m": "min", "min": "min", "-": "min", "7": "7",
                   "maj7": "maj7", "M7": "maj7", "m7": "m7", "min7": "m7", "-7": "m7", "dim": "dim",
                   "o": "dim", "°": "dim", "sus2": "sus2", "sus4": "sus4", "sus": "sus4"}
        if suffix not in aliases:
            raise ValueError(f"unknown chord quality {suffix!r} in {text!r}")
        return cls(parse_pitch_class(m.group(1)), aliases[suffix])


NO_CHORD = Chord(None)


@dataclass(frozen=True, slots=True)
class ChordSpan:
    start: float  # quarter notes
    end: float
    chord: Chord


@dataclass(frozen=True)
class ChordTimeline:
    """Chords over time in quarter notes; spans sorted, non-overlapping."""

    spans: tuple[ChordSpan, ...] = ()

    def __post_init__(self) -> None:
        for a, b in zip(self.spans, self.spans[1:], strict=False):
            if b.start < a.end - 1e-9:
                raise ValueError("chord spans overlap or are not sorted")

    def at(self, beat: float) -> Chord:
        starts = [s.start for s in self.spans]
        i = bisect.bisect_right(starts, beat + 1e-9) - 1
        if i >= 0 and beat < self.spans[i].end - 1e-9:
            return self.spans[i].chord
        return NO_CHORD

    def __iter__(self) -> Iterator[ChordSpan]:
        return iter(self.spans)

    def __len__(self) -> int:
        return len(self.spans)

    def with_chord(self, index: int, chord: Chord) -> ChordTimeline:
        spans = list(self.spans)
        spans[index] = replace(spans[index], chord=chord)
        return ChordTimeline(tuple(spans))

    def scaled(self, factor: float) -> ChordTimeline:
        """Every span's start and end times `factor` (the same chords on a grid at `factor` times the tempo)."""
        return ChordTimeline(tuple(ChordSpan(s.start * factor, s.end * factor, s.chord) for s in self.spans))

    def shifted_from_bar_one(self, quarters: float) -> ChordTimeline:
        """Every span moved by `quarters`, cut at bar 1 (quarter 0): what is left of a chord that now starts before
        it starts there, and one that ends there is gone (bar 1 moved later over the song's first chord)."""
        spans = ((s.start + quarters, s.end + quarters, s.chord) for s in self.spans)
        return ChordTimeline(tuple(ChordSpan(max(0.0, a), b, c) for a, b, c in spans if b > 1e-6))

    @classmethod
    def from_symbols(cls, symbols: Iterable[str], *, quarters_each: float, start: float = 0.0) -> ChordTimeline:
        spans = []
        t = start
        for s in symbols:
            spans.append(ChordSpan(t, t + quarters_each, Chord.parse(s)))
            t += quarters_each
        return cls(tuple(spans))


@dataclass(frozen=True)
class Melody:
    """A monophonic line: notes sorted by onset, plus what is known of its context."""

    notes: tuple[Note, ...]
    key: Key | None = None
    time_signature: TimeSignature = field(default_factory=TimeSignature)
    tempo_bpm: float | None = None  # quarter notes per minute

    def __post_init__(self) -> None:
        if any(b.onset < a.onset for a, b in zip(self.notes, self.notes[1:], strict=False)):
            object.__setattr__(self, "notes", tuple(sorted(self.notes, key=lambda n: (n.onset, n.pitch))))

    def __len__(self) -> int:
        return len(self.notes)

    def __iter__(self) -> Iterator[Note]:
        return iter(self.notes)

    @property
    def end(self) -> float:
        return max((n.end for n in self.notes), default=0.0)

    @property
    def pitches(self) -> list[int]:
        return [n.pitch for n in self.notes]

    def between(self, start: float, end: float) -> Melody:
        """Notes whose onset lies in [start, end)."""
        return replace(self, notes=tuple(n for n in self.notes if start - 1e-9 <= n.onset < end - 1e-9))

    def shifted(self, beats: float) -> Melody:
        return replace(self, notes=tuple(n.shifted(beats) for n in self.notes))

    def with_notes(self, notes: Sequence[Note]) -> Melody:
        return replace(self, notes=tuple(notes))

    def to_json(self) -> dict:
        return {
            "notes": [[n.pitch, n.onset, n.duration, n.velocity] for n in self.notes],
            "key": None if self.key is None else {"tonic_pc": self.key.tonic_pc, "mode": self.key.mode},
            "time_signature": str(self.time_signature),
            "tempo_bpm": self.tempo_bpm,
        }

    @classmethod
    def from_json(cls, data: dict) -> Melody:
        """Inverse of to_json; raises ValueError/KeyError/TypeError on malformed data (callers wrap it)."""
        notes = []
        for item in data["notes"]:
            pitch, onset, duration = int(item[0]), float(item[1]), float(item[2])
            velocity = int(item[3]) if len(item) > 3 else 90
            if not (0 <= pitch <= 127 and 0 < duration < MAX_POSITION and 0 <= onset < MAX_POSITION
                    and 1 <= velocity <= 127):  # the bounds also refuse inf and nan (e.g. an onset of 1e400)
                raise ValueError(f"bad note {item!r}")
            notes.append(Note(pitch, onset, duration, velocity))
        key = data.get("key")
        tempo = data.get("tempo_bpm")
        if tempo is not None and not 0 < float(tempo) < 10_000:
            raise ValueError(f"bad tempo {tempo!r}")
        return cls(
            tuple(notes),
            key=None if key is None else Key(int(key["tonic_pc"]), str(key["mode"])),
            time_signature=TimeSignature.parse(data.get("time_signature", "4/4")),
            tempo_bpm=None if tempo is None else float(tempo),
        )


TEMPO_MIN, TEMPO_MAX = 20.0, 400.0  # quarter notes per minute a grid, a project and an edit accept
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
