"""Per-phrase features of a melody, for judging generated phrases against real ones (Yang & Lerch 2020).

A phrase is a window of whole bars of a `Melody` (positions in quarter notes). Scalar features: pitch range,
notes per bar, rest ratio (share of the window no note sounds in), bar repetition (share of bars that repeat
an earlier bar of the window, exactly or transposed) and the leap rate at bar lines (share of the notes that
start a bar whose interval from the previous note is larger than a fifth). Histogram features: signed
intervals (-12..12, wider ones clipped), pitch classes relative to the key's tonic, and inter-onset intervals
on the usual note-value grid (triplets included).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.core.music import Key, Note

SCALAR_FEATURES = ("pitch_range", "notes_per_bar", "rest_ratio", "bar_repetition", "leap_rate_at_barlines")
HISTOGRAM_FEATURES = ("interval_histogram", "pitch_class_histogram", "ioi_histogram")
FEATURES = SCALAR_FEATURES + HISTOGRAM_FEATURES
LARGE_LEAP = 7  # semitones: a leap wider than a perfect fifth counts as large
INTERVAL_CLIP = 12
IOI_BINS = np.array([0.25, 1 / 3, 0.5, 2 / 3, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0])  # quarters
EPS = 1e-6


@dataclass(frozen=True)
class PhraseFeatures:
    pitch_range: float
    notes_per_bar: float
    rest_ratio: float
    bar_repetition: float
    leap_rate_at_barlines: float
    interval_histogram: np.ndarray  # 25 bins, -12..12, sums to 1 (zeros with fewer than two notes)
    pitch_class_histogram: np.ndarray  # 12 bins relative to the tonic, sums to 1
    ioi_histogram: np.ndarray  # len(IOI_BINS) bins, sums to 1

    def value(self, name: str) -> float | np.ndarray:
        return getattr(self, name)

    @staticmethod
    def vector_names() -> list[str]:
        """A name per entry of `vector()` (for reporting what gives suggestions away)."""
        ioi = [f"ioi {q:.3g}" for q in IOI_BINS]
        return (list(SCALAR_FEATURES) + [f"interval {i:+d}" for i in range(-INTERVAL_CLIP, INTERVAL_CLIP + 1)]
                + [f"pitch class +{d}" for d in range(12)] + ioi)

    def vector(self) -> np.ndarray:
        """Every feature in one row (scalars first), for the real-vs-generated classifier."""
        scalars = np.array([getattr(self, n) for n in SCALAR_FEATURES], dtype=float)
        return np.concatenate([scalars, self.interval_histogram, self.pitch_class_histogram, self.ioi_histogram])


def _normalised(counts: np.ndarray) -> np.ndarray:
    total = counts.sum()
    return counts / total if total > 0 else counts.astype(float)


def window(notes: Sequence[Note], start: float, end: float) -> list[Note]:
    """The notes starting inside [start, end), shifted so the window starts at 0 and cut at its end."""
    out = []
    for n in notes:
        if start - EPS <= n.onset < end - EPS:
            out.append(Note(n.pitch, n.onset - start, min(n.duration, end - n.onset)))
    return out


def _sounding_share(notes: Sequence[Note], length: float) -> float:
    spans = sorted((max(0.0, n.onset), min(length, n.onset + n.duration)) for n in notes)
    covered, reach = 0.0, 0.0
    for a, b in spans:
        a = max(a, reach)
        if b > a:
            covered += b - a
            reach = b
    return covered / length if length > 0 else 0.0


def _bar_shapes(notes: Sequence[Note], bars: int, bar_quarters: float) -> list[tuple | None]:
    """Per bar: its rhythm and intervals from its first note (transposition-invariant), None when empty."""
    shapes: list[tuple | None] = []
    for b in range(bars):
        inside = [n for n in notes if b * bar_quarters - EPS <= n.onset < (b + 1) * bar_quarters - EPS]
        if not inside:
            shapes.append(None)
            continue
        first = inside[0].pitch
        shapes.append(tuple((round(n.onset - b * bar_quarters, 3), round(n.duration, 3), n.pitch - first)
                            for n in inside))
    return shapes


def phrase_features(notes: Sequence[Note], *, bars: int, bar_quarters: float, key: Key | None) -> PhraseFeatures:
    """Features of a phrase of `bars` bars whose notes are positioned from 0 (see `window`)."""
    notes = sorted(notes, key=lambda n: (n.onset, n.pitch))
    length = bars * bar_quarters
    pitches = np.array([n.pitch for n in notes], dtype=int)
    onsets = np.array([n.onset for n in notes], dtype=float)
    intervals = np.diff(pitches)
    pitch_range = float(pitches.max() - pitches.min()) if len(pitches) else 0.0
    interval_counts = np.bincount(np.clip(intervals, -INTERVAL_CLIP, INTERVAL_CLIP) + INTERVAL_CLIP,
                                  minlength=2 * INTERVAL_CLIP + 1)
    tonic = key.tonic_pc if key is not None else 0
    pc_counts = np.bincount((pitches - tonic) % 12, minlength=12)
    iois = np.diff(onsets)
    ioi_counts = np.zeros(len(IOI_BINS))
    for ioi in iois:
        ioi_counts[int(np.argmin(np.abs(IOI_BINS - min(ioi, IOI_BINS[-1]))))] += 1
    shapes = _bar_shapes(notes, bars, bar_quarters)
    repeats = sum(1 for i, s in enumerate(shapes) if s is not None and s in shapes[:i])
    bar_starts = [i for i in range(1, len(notes))
                  if int((onsets[i] + EPS) // bar_quarters) != int((onsets[i - 1] + EPS) // bar_quarters)]
    leaps = sum(1 for i in bar_starts if abs(int(pitches[i] - pitches[i - 1])) > LARGE_LEAP)
    return PhraseFeatures(
        pitch_range=pitch_range,
        notes_per_bar=len(notes) / bars if bars else 0.0,
        rest_ratio=1.0 - _sounding_share(notes, length),
        bar_repetition=repeats / bars if bars else 0.0,
        leap_rate_at_barlines=leaps / len(bar_starts) if bar_starts else 0.0,
        interval_histogram=_normalised(interval_counts),
        pitch_class_histogram=_normalised(pc_counts),
        ioi_histogram=_normalised(ioi_counts),
    )
