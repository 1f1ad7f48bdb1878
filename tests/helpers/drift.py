"""A drum kit played without a click (or on one), for tests of the beat grid that follows a drifting tempo."""

from __future__ import annotations

import numpy as np

from app.core.analysis.signal import ANALYSIS_RATE

SR = ANALYSIS_RATE


def drifting_beats(bpm: float, n: int, drift: float, seed: int = 3) -> np.ndarray:
    """n beat times from 0.5 s: a steady tempo (drift 0) or one wandering like a band without a click (a slow
    random walk of `drift` relative size plus a rush of `drift` over the song)."""
    rng = np.random.default_rng(seed)
    wander = np.convolve(rng.standard_normal(n + 31), np.ones(32) / np.sqrt(32), mode="valid")[:n]
    factor = np.exp(drift * wander / max(1e-9, float(np.std(wander))) + np.linspace(0.0, drift, n)) if drift \
        else np.ones(n)
    return 0.5 + np.concatenate([[0.0], np.cumsum(60.0 / (bpm * factor[:-1]))])


def kit_at(beats: np.ndarray, *, swung: bool = False) -> np.ndarray:
    """Kick on 1 and 3, snare on 2 and 4, hats on the eighths (swung: the second on the beat's last third), at the
    given beat times."""
    y = np.zeros(int((beats[-1] + 1.0) * SR), np.float32)
    rng = np.random.default_rng(0)
    t = np.arange(int(0.12 * SR)) / SR
    kick = (np.sin(2 * np.pi * 60 * t) * np.exp(-t * 30)).astype(np.float32)
    snare = (rng.standard_normal(t.size) * np.exp(-t * 40) * 0.6).astype(np.float32)
    hat = (np.diff(rng.standard_normal(t.size + 1)) * np.exp(-t * 120) * 0.15).astype(np.float32)

    def put(at: float, sound: np.ndarray) -> None:
        i = int(round(at * SR))
        y[i:i + sound.size] += sound[: y.size - i]

    for k, b in enumerate(beats[:-1]):
        put(b, kick if k % 2 == 0 else snare)
        put(b, hat)
        put(b + (2.0 / 3.0 if swung else 0.5) * (beats[k + 1] - b), hat)
    return y
