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
