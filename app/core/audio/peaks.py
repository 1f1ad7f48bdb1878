"""Waveform peaks: min/max envelopes at several zoom levels, computed once per stem.

A lane `width` pixels wide asks `bins(start, end, width)` for the frames it shows; the answer is reduced
from the finest level whose bins are no wider than a pixel (or from the samples themselves when zoomed
in below the finest level), so drawing costs O(width) array work whatever the stem's length.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LEVELS = (64, 256, 1024, 4096, 16384, 65536)
_CHUNK_FRAMES = 64 * 16384  # bounds the temporary arrays while computing the finest level


@dataclass(frozen=True, eq=False)
class PeakLevel:
    frames_per_bin: int
    mins: np.ndarray  # float32, one value per bin (both channels combined)
    maxs: np.ndarray


@dataclass(frozen=True, eq=False)
class Peaks:
    """Min/max envelopes of a (channels, frames) signal, channels combined."""

    frames: int
    levels: tuple[PeakLevel, ...]
    samples: np.ndarray | None = None  # kept (read-only, shared) for zooms finer than the first level

    def bins(self, start_frame: int, end_frame: int, width: int) -> tuple[np.ndarray, np.ndarray]:
        """(mins, maxs), each float32 of length `width`, for frames [start_frame, end_frame).

        Pixels outside the signal are 0. Each pixel covers (end - start) / width frames.
        """
        if width <= 0:
            return np.zeros(0, np.float32), np.zeros(0, np.float32)
        mins = np.zeros(width, dtype=np.float32)
        maxs = np.zeros(width, dtype=np.float32)
        span = end_frame - start_frame
        if span <= 0 or self.frames == 0:
            return mins, maxs
        per_pixel = span / width
        edges = start_frame + np.arange(width + 1, dtype=np.float64) * per_pixel
        inside = (edges[1:] > 0) & (edges[:-1] < self.frames)
        if not inside.any():
            return mins, maxs
        level_mins, level_maxs, fpb, origin = self._source(per_pixel, edges)
        nb = level_mins.shape[0]
        local = edges - origin
        first = np.clip(np.floor(local[:-1] / fpb), 0, nb - 1).astype(np.intp)
        last_end = int(np.clip(np.ceil(local[-1] / fpb), first[-1] + 1, nb))
        # reduceat reduces [first[i], first[i+1]); where first[i+1] <= first[i] (a pixel narrower than a
        # bin) it returns the bin at first[i], which is the value under that pixel.
        mins[:] = np.minimum.reduceat(level_mins[:last_end], first)
        maxs[:] = np.maximum.reduceat(level_maxs[:last_end], first)
        mins[~inside] = 0.0
        maxs[~inside] = 0.0
        return mins, maxs

    def _source(self, per_pixel: float, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray, int, int]:
        """(mins, maxs, frames per bin, frame where bin 0 starts) to reduce from."""
        usable = [lv for lv in self.levels if lv.frames_per_bin <= per_pixel]
        if usable:
            lv = usable[-1]
            return lv.mins, lv.maxs, lv.frames_per_bin, 0
        if self.samples is not None:
            # Zoomed in past the finest level: combine channels for the visible frames only.
            lo = min(self.frames - 1, max(0, int(np.floor(edges[0]))))
            hi = min(self.frames, max(lo + 1, int(np.ceil(edges[-1])) + 1))
            part = self.samples[:, lo:hi]
            return part.min(axis=0), part.max(axis=0), 1, lo
        lv = self.levels[0]
        return lv.mins, lv.maxs, lv.frames_per_bin, 0

    @property
    def peak(self) -> float:
        """Largest absolute sample value (0.0 for silence)."""
        if not self.levels:
            return 0.0
        lv = self.levels[-1]
        return float(max(np.max(lv.maxs, initial=0.0), -np.min(lv.mins, initial=0.0)))


def compute_peaks(samples: np.ndarray, *, keep_samples: bool = True) -> Peaks:
    """Envelopes at LEVELS frames per bin of float (channels, frames) samples (channels are combined)."""
    arr = np.asarray(samples)
    if arr.ndim == 1:
        arr = arr[np.newaxis, :]
    if arr.ndim != 2:
        raise ValueError(f"expected (channels, frames) samples, got shape {arr.shape}")
    frames = int(arr.shape[1])
    first = LEVELS[0]
    nbins = -(-frames // first)
    mins = np.zeros(nbins, dtype=np.float32)
    maxs = np.zeros(nbins, dtype=np.float32)
    for start in range(0, frames, _CHUNK_FRAMES):
        stop = min(frames, start + _CHUNK_FRAMES)
        part = arr[:, start:stop]
        lo, hi = part.min(axis=0), part.max(axis=0)
        pad = (-(stop - start)) % first
        if pad:  # the last partial bin: pad with its own edge values so they don't win min/max
            lo = np.concatenate([lo, np.full(pad, lo[-1], dtype=lo.dtype)])
            hi = np.concatenate([hi, np.full(pad, hi[-1], dtype=hi.dtype)])
        b0 = start // first
        mins[b0:b0 + lo.size // first] = lo.reshape(-1, first).min(axis=1)
        maxs[b0:b0 + hi.size // first] = hi.reshape(-1, first).max(axis=1)
    levels = [PeakLevel(first, mins, maxs)]
    for fpb in LEVELS[1:]:
        prev = levels[-1]
        factor = fpb // prev.frames_per_bin
        pad = (-prev.mins.size) % factor
        pm = np.concatenate([prev.mins, np.full(pad, prev.mins[-1] if prev.mins.size else 0, np.float32)])
        px = np.concatenate([prev.maxs, np.full(pad, prev.maxs[-1] if prev.maxs.size else 0, np.float32)])
        levels.append(PeakLevel(fpb, pm.reshape(-1, factor).min(axis=1), px.reshape(-1, factor).max(axis=1)))
    for lv in levels:
        lv.mins.flags.writeable = False
        lv.maxs.flags.writeable = False
    return Peaks(frames=frames, levels=tuple(levels), samples=arr if keep_samples else None)
