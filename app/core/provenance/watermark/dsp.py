"""Small DSP helpers shared by the embedder and the detector: resampling and framed FFTs."""

from __future__ import annotations

from math import gcd

import numpy as np


def resample(x: np.ndarray, rate_from: int, rate_to: int) -> np.ndarray:
    """Polyphase resampling along the last axis (scipy's Kaiser-windowed FIR)."""
    if rate_from == rate_to:
        return np.asarray(x, dtype=np.float64)
    from scipy.signal import resample_poly

    g = gcd(int(rate_from), int(rate_to))
    return resample_poly(np.asarray(x, dtype=np.float64), rate_to // g, rate_from // g, axis=-1)


def frames(x: np.ndarray, size: int, hop: int) -> np.ndarray:
    """(n, size) read-only view of x's frames at multiples of hop (x is padded by the caller)."""
    n = 1 + (len(x) - size) // hop if len(x) >= size else 0
    if n <= 0:
        return np.zeros((0, size))
    return np.lib.stride_tricks.as_strided(x, shape=(n, size), strides=(x.strides[0] * hop, x.strides[0]),
                                           writeable=False)


def sqrt_hann(size: int) -> np.ndarray:
    """Periodic Hann's square root: analysis x synthesis at 50 % overlap adds up to exactly 1."""
    return np.sqrt(0.5 - 0.5 * np.cos(2 * np.pi * np.arange(size) / size))


def mono(samples: np.ndarray) -> np.ndarray:
    """(channels, frames) or (frames,) -> (frames,) float64 average of the channels."""
    a = np.asarray(samples)
    if a.ndim == 1:
        return a.astype(np.float64)
    return a.astype(np.float64).mean(axis=0)
