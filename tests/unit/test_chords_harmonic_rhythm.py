"""Chords that change inside the bar (two per bar, on beats 1 and 3) are followed, on realistic chroma."""

from __future__ import annotations

import numpy as np

from app.core.analysis.harmony.chords import estimate_chords
from app.core.music import BeatGrid, Chord, TimeSignature
from tests.helpers.chord_chroma import beat_chroma


def test_two_chords_a_bar_are_followed_through_spill():
    rng = np.random.default_rng(0)
    # I-IV-I-V in G with the IV and V on beat 3 of every bar: a harmonic rhythm of two beats
    bars = [(Chord(7, "maj"), Chord(0, "maj")), (Chord(7, "maj"), Chord(2, "maj"))] * 6
    truth = [c for a, b in bars for c in (a, a, b, b)]
    bc = np.stack([beat_chroma(c, rng, spill=0.7) for c in truth])  # heavy spill: a soft Viterbi (SHARPNESS 20) held chords
    bb = np.zeros_like(bc)
    bb[np.arange(len(truth)), [c.root_pc for c in truth]] = 1.0
    grid = BeatGrid(110.0, TimeSignature(4, 4))
    est = estimate_chords(bc, bb, np.ones(len(truth)), np.arange(len(truth) + 1, dtype=float), grid)
    hits = sum(got.root_pc == want.root_pc and got.triad_family == want.triad_family
               for got, want in zip(est.per_beat, truth, strict=True))
    assert hits / len(truth) >= 0.9
