"""Synthetic beat chroma for chord tests: a chord's tones over spill from passing notes and partials."""

from __future__ import annotations

import numpy as np

from app.core.music import CHORD_QUALITIES, Chord


def beat_chroma(ch: Chord, rng: np.random.Generator, *, spill: float) -> np.ndarray:
    """A beat's chroma: the chord's tones (the root loudest) over spill from passing notes and partials."""
    v = rng.uniform(0.0, spill, 12)
    for step in CHORD_QUALITIES[ch.quality]:
        v[(ch.root_pc + step) % 12] = rng.uniform(0.6, 0.9)
    v[ch.root_pc] = 1.0
    return v / v.max()


def tone_beat_chroma(parts: list[tuple[int, float]], seconds: float = 2.0
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The chord features (chroma, bass, energy) per half-second beat of rendered tones: (MIDI pitch, amplitude),
    six partials each, falling by 0.6 a partial."""
    from app.core.analysis.harmony.chroma import chroma_features
    from app.core.analysis.signal import ANALYSIS_RATE

    t = np.arange(int(seconds * ANALYSIS_RATE)) / ANALYSIS_RATE
    y = np.zeros_like(t)
    for pitch, amp in parts:
        f0 = 440.0 * 2 ** ((pitch - 69) / 12)
        y += amp * sum(0.6 ** (k - 1) * np.sin(2 * np.pi * k * f0 * t) for k in range(1, 7))
    return chroma_features((0.1 * y).astype(np.float32), ANALYSIS_RATE).beat_sync(
        np.arange(0.0, seconds + 1e-9, 0.5), for_chords=True)
