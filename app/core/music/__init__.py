"""The shared musical vocabulary every layer speaks.

Conventions (used everywhere in Accord):
- time inside music is measured in **quarter notes** ("beats" in MIDI's sense: onset 4.0 is the start
  of bar 2 in 4/4, the start of the second bar of 6/8 is 3.0);
- pitch is a MIDI note number (60 = middle C); pitch classes are 0..11 with C = 0;
- time in audio is seconds; `BeatGrid` converts between the two.

These types are immutable values: analysis produces them, the model, synth, project and provenance
consume them. Nothing here imports numpy-heavy or optional libraries.

The names live in three modules and are all importable from here (`from app.core.music import Note`):
- `harmony`: pitch names and scales, `Key`, `Chord`, `ChordSpan`, `ChordTimeline`;
- `grid`: `TimeSignature`, the tempo bounds, `BeatGrid` and its anchors;
- `notes`: `Note` and `Melody`.
"""

from __future__ import annotations

from app.core.music.grid import (
    MAX_ANCHORS,
    SAME_TEMPO,
    TEMPO_MAX,
    TEMPO_MIN,
    BeatGrid,
    TimeSignature,
    check_anchors,
    same_tempo,
)
from app.core.music.harmony import (
    CHORD_QUALITIES,
    FLAT_NAMES,
    MAJOR_SCALE,
    MINOR_SCALE_WITH_LEADING_TONES,
    NATURAL_MINOR_SCALE,
    NO_CHORD,
    PITCH_CLASS_NAMES,
    SHARP_NAMES,
    Chord,
    ChordSpan,
    ChordTimeline,
    Key,
    parse_pitch_class,
    pitch_name,
)
from app.core.music.notes import MAX_POSITION, Melody, Note

__all__ = [
    "CHORD_QUALITIES",
    "FLAT_NAMES",
    "MAJOR_SCALE",
    "MAX_ANCHORS",
    "MAX_POSITION",
    "MINOR_SCALE_WITH_LEADING_TONES",
    "NATURAL_MINOR_SCALE",
    "NO_CHORD",
    "PITCH_CLASS_NAMES",
    "SAME_TEMPO",
    "SHARP_NAMES",
    "TEMPO_MAX",
    "TEMPO_MIN",
    "BeatGrid",
    "Chord",
    "ChordSpan",
    "ChordTimeline",
    "Key",
    "Melody",
    "Note",
    "TimeSignature",
    "check_anchors",
    "parse_pitch_class",
    "pitch_name",
    "same_tempo",
]
