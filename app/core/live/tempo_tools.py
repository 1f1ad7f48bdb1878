"""Tempo tools: a metronome click rendered as audio (accent on the bar), tap tempo, snap to a whole BPM.

The click follows DESIGN.md's audio conventions: float32 shaped (channels, frames) with an explicit sample
rate, so the engine mixes it like a stem (it never renders inside the audio callback).
"""

from __future__ import annotations

import math
import statistics

import numpy as np

from app.core.music import TEMPO_MAX, TEMPO_MIN

CLICK_S = 0.03
ACCENT_HZ, BEAT_HZ = 1760.0, 1320.0
TAP_RESET_S = 2.0  # a pause this long starts a new tap sequence
TAP_WINDOW = 8


def render_click(*, tempo_bpm: float, beats: int, sample_rate: int = 48000, beats_per_bar: int = 4,
                 level: float = 0.5, accent: bool = True, channels: int = 2) -> np.ndarray:
    """`beats` beats of metronome from beat 0: a short decaying sine per beat, higher and louder on bar lines."""
    if not TEMPO_MIN <= tempo_bpm <= TEMPO_MAX:
        raise ValueError(f"tempo {tempo_bpm:g} BPM is outside {TEMPO_MIN:g}–{TEMPO_MAX:g}")
    if beats < 0 or sample_rate <= 0 or beats_per_bar < 1 or channels < 1:
        raise ValueError("beats >= 0, sample_rate > 0, beats_per_bar >= 1 and channels >= 1 are required")
    level = float(min(1.0, max(0.0, level)))
    spb = 60.0 / tempo_bpm
    frames = int(round(beats * spb * sample_rate))
    out = np.zeros((channels, frames), dtype=np.float32)
    n = int(CLICK_S * sample_rate)
    t = np.arange(n, dtype=np.float64) / sample_rate
    env = np.exp(-t * 90.0)
    clicks = {True: (np.sin(2 * np.pi * ACCENT_HZ * t) * env).astype(np.float32),
              False: (np.sin(2 * np.pi * BEAT_HZ * t) * env * 0.6).astype(np.float32)}
    for b in range(beats):
        start = int(round(b * spb * sample_rate))
        on_bar = accent and b % beats_per_bar == 0
        seg = clicks[on_bar][: max(0, frames - start)] * level
        out[:, start:start + len(seg)] += seg
    return out


def snap_bpm(tempo_bpm: float, *, tolerance: float = 0.3) -> float:
    """The nearest whole BPM when within `tolerance` BPM of it, else the tempo unchanged."""
    if not math.isfinite(tempo_bpm) or tempo_bpm <= 0:
        raise ValueError(f"not a tempo: {tempo_bpm!r}")
    whole = round(tempo_bpm)
    return float(whole) if abs(tempo_bpm - whole) <= tolerance else float(tempo_bpm)


class TapTempo:
    """`tap(t)` with the time of each tap (seconds); returns the tempo once two taps are in, else None."""

    def __init__(self) -> None:
        self._taps: list[float] = []

    def tap(self, t: float) -> float | None:
        if self._taps and (t - self._taps[-1] > TAP_RESET_S or t <= self._taps[-1]):
            self._taps = []
        self._taps = (self._taps + [t])[-TAP_WINDOW:]
        return self.tempo

    @property
    def tempo(self) -> float | None:
        if len(self._taps) < 2:
            return None
        gaps = [b - a for a, b in zip(self._taps, self._taps[1:], strict=False)]
        bpm = 60.0 / statistics.median(gaps)
        return min(400.0, max(20.0, bpm))

    def reset(self) -> None:
        self._taps = []
