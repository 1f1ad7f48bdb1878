"""The pitch step for clean monophonic audio: pYIN (Mauch & Dixon 2014, via librosa) at one fixed rate.

Every caller passes its audio with an explicit `sample_rate`; it is resampled here to PYIN_RATE, so the
stem analysis and the catalogue import track pitch with the same rate, frame, hop and pitch grid.
pYIN is the expensive step (~6–7 s per 30 s at librosa's defaults). At 11.025 kHz with a ~11.6 ms hop,
semitone-spaced pitch states and 30 thresholds it is ~15x faster, and note pitches are semitones anyway.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from app.core.tasks import NEVER_CANCELLED, CancelToken
from app.core.transcription.notes import PitchTrack

PYIN_RATE = 11025
FRAME = 512
HOP = 128
FMIN_MIDI, FMAX_MIDI = 36, 96  # C2..C7: any lead voice or instrument
CHUNK_SECONDS = 15.0  # pYIN runs per chunk: cancel is honoured, memory stays small, two threads can share


def at_rate(y: np.ndarray, sample_rate: int, target: int) -> np.ndarray:
    """Mono float32 `y` resampled from `sample_rate` to `target` (a no-op when they agree)."""
    if sample_rate <= 0:
        raise ValueError(f"sample rate must be positive, not {sample_rate}")
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1:
        raise ValueError(f"expected mono audio (1-D), got shape {y.shape}")
    if sample_rate == target or y.size == 0:
        return y
    import soxr

    return soxr.resample(y, sample_rate, target).astype(np.float32)


def has_pitch_content(y: np.ndarray) -> bool:
    return y.size >= FRAME * 2 and float(np.max(np.abs(y), initial=0.0)) >= 1e-4


class PitchTrackJob:
    """pYIN over fixed chunks that several threads may compute together (work sharing).

    The analysis pipeline starts `work()` on a worker thread and, once its own steps are done, calls
    `work()` on its thread too, so the slowest step uses both cores until it is finished. Chunks are
    independent pYIN runs (the HMM restarts at each boundary, which only matters inside a note).
    `y` is kept at PYIN_RATE whatever rate the caller had.
    """

    def __init__(self, y: np.ndarray, cancel: CancelToken = NEVER_CANCELLED, *, sample_rate: int = PYIN_RATE) -> None:
        self.y = at_rate(y, sample_rate, PYIN_RATE)
        self.sample_rate = PYIN_RATE
        self.cancel = cancel
        size = int(CHUNK_SECONDS * PYIN_RATE) // HOP * HOP
        n = self.y.size
        self.bounds = [(s, min(n, s + size)) for s in range(0, n, size) if min(n, s + size) - s >= FRAME]
        self._next = 0
        self._lock = threading.Lock()
        self._f0: dict[int, np.ndarray] = {}

    def work(self, on_chunk: Callable[[float], None] | None = None) -> None:
        """Compute chunks until none are left; `on_chunk(fraction done)` after each one this call did."""
        import librosa

        fmin, fmax = float(librosa.midi_to_hz(FMIN_MIDI)), float(librosa.midi_to_hz(FMAX_MIDI))
        while True:
            with self._lock:
                if self._next >= len(self.bounds):
                    return
                i = self._next
                self._next += 1
            self.cancel.check()
            start, end = self.bounds[i]
            f0, _voiced, _prob = librosa.pyin(self.y[start:end], fmin=fmin, fmax=fmax, sr=PYIN_RATE,
                                              frame_length=FRAME, hop_length=HOP, resolution=1.0, n_thresholds=30)
            last = i == len(self.bounds) - 1
            self._f0[i] = f0 if last else f0[: (end - start) // HOP]
            if on_chunk is not None:
                on_chunk(len(self._f0) / max(1, len(self.bounds)))

    @property
    def done(self) -> bool:
        return len(self._f0) == len(self.bounds)

    def f0(self) -> np.ndarray:
        """The whole track (Hz, NaN where unvoiced) once every chunk is done."""
        if not self.done:
            raise RuntimeError("pitch tracking is not finished")
        parts = [self._f0[i] for i in range(len(self.bounds))]
        return np.concatenate(parts) if parts else np.zeros(0)

    def track(self) -> PitchTrack:
        return PitchTrack(self.f0(), PYIN_RATE, HOP)


def pitch_track(y: np.ndarray, sample_rate: int, *, cancel: CancelToken = NEVER_CANCELLED,
                on_chunk: Callable[[float], None] | None = None) -> tuple[PitchTrack, np.ndarray]:
    """pYIN over mono `y` sampled at `sample_rate`: the track and the audio at the track's rate."""
    job = PitchTrackJob(y, cancel, sample_rate=sample_rate)
    job.work(on_chunk)
    return job.track(), job.y
