"""Pitch names, keys and chords: the harmonic half of the shared vocabulary (see app.core.music).

Pitch is a MIDI note number (60 = middle C); pitch classes are 0..11 with C = 0; chord spans are placed in
quarter notes.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

PITCH_CLASS_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
SHARP_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
FLAT_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
# a key's tonic as musicians name the key: the spelling with the fewer accidentals in its signature (Db major, 5
# flats, not C# major, 7 sharps; G# minor, 5 sharps, not Ab minor, 7 flats; F# major and Eb minor, 6 either way)
KEY_TONIC_NAMES = {"major": ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"),
                   "minor": ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B")}
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
        return f"{KEY_TONIC_NAMES[self.mode][self.tonic_pc]} {self.mode}"

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


# Krumhansl–Kessler key profiles (probe-tone ratings, Krumhansl 1990), C major and C minor
KK_MAJOR = (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88)
KK_MINOR = (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17)


def _correlation(a: Sequence[float], b: Sequence[float]) -> float:
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    da, db = [x - ma for x in a], [y - mb for y in b]
    den = (sum(x * x for x in da) * sum(y * y for y in db)) ** 0.5
    return sum(x * y for x, y in zip(da, db, strict=True)) / den if den > 0 else 0.0


def profile_key(weights: Sequence[float]) -> Key | None:
    """The major or minor key whose Krumhansl–Kessler profile best correlates with 12 pitch-class weights (C
    first; e.g. each pitch class's sounding duration). None when nothing sounds."""
    if len(weights) != 12:
        raise ValueError(f"a pitch-class profile has 12 weights, not {len(weights)}")
    if not any(weights):
        return None
    best: tuple[float, Key] | None = None
    for tonic in range(12):
        for mode, profile in (("major", KK_MAJOR), ("minor", KK_MINOR)):
            rotated = [profile[(pc - tonic) % 12] for pc in range(12)]
            r = _correlation(weights, rotated)
            if best is None or r > best[0]:
                best = (r, Key(tonic, mode))
    return None if best is None else best[1]
