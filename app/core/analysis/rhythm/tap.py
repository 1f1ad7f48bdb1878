"""Tap tempo: a BPM from the times a musician tapped. Its own module because the studio's Tap button and the
undoable tempo edit need it at startup, and tempo.py brings the numba beat tracker (~0.5 s of import)."""

from __future__ import annotations

import numpy as np


def tap_tempo(tap_times: list[float]) -> float | None:
    """BPM from tap times in seconds (at least 2 taps): the median interval, robust to one stray tap."""
    taps = sorted(float(t) for t in tap_times)
    if len(taps) < 2:
        return None
    intervals = np.diff(taps)
    intervals = intervals[(intervals > 0.15) & (intervals < 3.0)]  # 20..400 BPM
    if intervals.size == 0:
        return None
    return float(np.clip(60.0 / float(np.median(intervals)), 20.0, 400.0))
