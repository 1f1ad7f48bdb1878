"""Small signal helpers shared by the estimators: mono down-mix, resampling, mixing stems of unequal length."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import numpy as np

from app.core.errors import AnalysisError

ANALYSIS_RATE = 22050  # enough for beats, chroma and pitch; halves the work compared with 44.1/48 kHz
SILENCE_RMS = 1e-4  # about -80 dBFS: below this a stem is treated as silent


def as_channels(samples: np.ndarray, *, name: str = "stem") -> np.ndarray:
    """Validate and return float32 (channels, frames); a 1-D array is one channel."""
    a = np.asarray(samples)
    if a.ndim == 1:
        a = a[np.newaxis, :]
    if a.ndim != 2 or a.shape[0] < 1 or a.shape[0] > 64:
        raise AnalysisError(f"expected samples shaped (channels, frames), got {a.shape}", path=name)
    if not np.issubdtype(a.dtype, np.floating):
        raise AnalysisError(f"expected float samples, got {a.dtype}", path=name)
    a = a.astype(np.float32, copy=False)
    if not np.all(np.isfinite(a)):
        a = np.nan_to_num(a, nan=0.0, posinf=0.0, neginf=0.0)
    return a


def mono_at(samples: np.ndarray, sample_rate: int, target_rate: int = ANALYSIS_RATE, *,
            name: str = "stem") -> np.ndarray:
    """Mono float32 at `target_rate` (soxr, fast and clean).

    One channel already at `target_rate` comes back as a read-only view, not a copy: the stems read from
    files are one channel at the analysis rate (files.load_stem_inputs), and a copy of each doubled the
    memory of a long song's inputs. Read-only, so no step can change the caller's samples through it."""
    if not 1000 <= int(sample_rate) <= 768000:
        raise AnalysisError(f"sample rate {sample_rate} is not plausible", path=name)
    channels = as_channels(samples, name=name)
    if channels.shape[0] == 1 and int(sample_rate) == target_rate and channels[0].flags.c_contiguous:
        view = channels[0].view()
        view.flags.writeable = False
        return view
    mono = channels.mean(axis=0)
    if int(sample_rate) == target_rate or mono.size == 0:
        return np.ascontiguousarray(mono, dtype=np.float32)
    import soxr

    return np.asarray(soxr.resample(mono, int(sample_rate), target_rate), dtype=np.float32)


def mix(signals: Sequence[np.ndarray], length: int = 0) -> np.ndarray:
    """Sum mono signals of possibly different lengths (the shorter ones are padded with silence), at least
    `length` samples long."""
    if not signals:
        return np.zeros(length, np.float32)
    n = max(length, max(s.size for s in signals))
    out = np.zeros(n, np.float32)
    for s in signals:
        out[: s.size] += s
    return out


def rms(y: np.ndarray) -> float:
    # one BLAS dot product, no float64 copy of the signal (the copy cost ~0.1 s per call on four minutes, and
    # the pipeline asks nine times); float32 accumulation is far finer than the -80 dBFS silence threshold
    if not y.size:
        return 0.0
    v = np.ascontiguousarray(y, dtype=np.float32).ravel()
    return float(np.sqrt(max(float(np.dot(v, v)), 0.0) / v.size))


def is_silent(y: np.ndarray) -> bool:
    return rms(y) < SILENCE_RMS


def one_blas_thread():  # noqa: ANN201 — a context manager
    """One BLAS thread while the analysis runs. The analysis already keeps both cores busy with its own
    threads (the lead's transcription, the chroma beside the onsets), and OpenBLAS's own second thread only
    spun against them: ~5 % of the CPU on the 4-minute song. It also makes the results independent of the
    machine's core count (OpenBLAS sums in a different order with more threads: beat times moved by ~1e-11 s).
    The limit is process-wide while it lasts; other work at the same time (suggestions' small dot products)
    runs single-threaded in OpenBLAS anyway."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # declared, but an analysis must not fail over a speed setting
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")
