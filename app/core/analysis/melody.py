"""The lead melody from one stem: pYIN pitch track → notes (seconds) → notes on the beat grid (quarters).

pYIN is the expensive step (~6–7 s per 30 s at librosa's defaults). It runs here at 11.025 kHz with a
~11.6 ms hop, semitone-spaced pitch states and fewer thresholds: about 15x faster, and note pitches are
semitones anyway. Note segmentation then:
- smooths the per-frame semitone with a short median filter, so the neighbouring-semitone flicker pYIN
  reports at transitions is absorbed into the notes on either side;
- cuts notes at pitch changes, at unvoiced gaps, and at onset-strength peaks (a re-struck same pitch);
- drops fragments shorter than MIN_NOTE_SECONDS.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from app.core.music import BeatGrid, Key, Melody, Note
from app.core.tasks import NEVER_CANCELLED, CancelToken

PYIN_RATE = 11025
FRAME = 512
HOP = 128
FMIN_MIDI, FMAX_MIDI = 36, 96  # C2..C7: any lead voice or instrument
MIN_NOTE_SECONDS = 0.06
SMOOTH_FRAMES = 5
ONSET_BIAS_SECONDS = 0.02  # pYIN voicing and flux onsets trail the attack by ~20 ms (measured on synthetic leads)
QUANTUM_QUARTERS = 0.25  # sixteenth notes
CHUNK_SECONDS = 15.0  # pYIN runs per chunk: cancel is honoured, memory stays small, two threads can share


@dataclass(frozen=True)
class SecondsNote:
    onset: float  # seconds
    duration: float
    pitch: float  # MIDI, fractional (median of the track)


class PitchTrackJob:
    """pYIN over fixed chunks that several threads may compute together (work sharing).

    The pipeline starts `work()` on a worker thread and, once its own steps are done, calls `work()` on
    its thread too, so the slowest step uses both cores until it is finished. Chunks are independent
    pYIN runs (the HMM restarts at each boundary, which only matters inside a note and is harmless).
    """

    def __init__(self, y: np.ndarray, cancel: CancelToken = NEVER_CANCELLED) -> None:
        self.y = y
        self.cancel = cancel
        size = int(CHUNK_SECONDS * PYIN_RATE) // HOP * HOP
        self.bounds = [(s, min(y.size, s + size)) for s in range(0, y.size, size) if min(y.size, s + size) - s >= FRAME]
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


def _onset_frames(y: np.ndarray) -> np.ndarray:
    import librosa

    env = librosa.onset.onset_strength(y=y, sr=PYIN_RATE, hop_length=HOP)
    return librosa.onset.onset_detect(onset_envelope=env, sr=PYIN_RATE, hop_length=HOP, units="frames",
                                      backtrack=False)


def has_pitch_content(y: np.ndarray) -> bool:
    return y.size >= FRAME * 2 and float(np.max(np.abs(y), initial=0.0)) >= 1e-4


def track_notes(y: np.ndarray, *, cancel: CancelToken = NEVER_CANCELLED) -> list[SecondsNote]:
    """Notes (seconds, fractional MIDI) of a monophonic line sampled at PYIN_RATE."""
    if not has_pitch_content(y):
        return []
    job = PitchTrackJob(y, cancel)
    job.work()
    return notes_from_track(y, job.f0())


def notes_from_track(y: np.ndarray, f0: np.ndarray) -> list[SecondsNote]:
    """Segment a pYIN track (Hz per HOP frame of y) into notes."""
    from scipy.ndimage import median_filter

    if f0.size == 0:
        return []
    voiced = np.isfinite(f0)
    midi = np.full(f0.size, np.nan)
    midi[voiced] = 69.0 + 12.0 * np.log2(f0[voiced] / 440.0)
    semis = np.where(voiced, np.round(np.nan_to_num(midi)), -1).astype(int)
    smooth = median_filter(semis, size=SMOOTH_FRAMES, mode="nearest")
    smooth[~voiced] = -1
    cuts = np.zeros(f0.size, bool)
    cuts[1:] = smooth[1:] != smooth[:-1]
    onsets = _onset_frames(y)
    onsets = onsets[onsets < f0.size]
    cuts[onsets] = True
    cuts[0] = True
    bounds = np.flatnonzero(cuts).tolist() + [f0.size]
    onset_set = set(int(o) for o in onsets)
    segs: list[list[float]] = []  # [start frame, end frame, pitch]
    for a, b in zip(bounds, bounds[1:], strict=False):
        if smooth[a] < 0 or (b - a) * HOP / PYIN_RATE < MIN_NOTE_SECONDS:
            continue
        seg = midi[a:b]
        seg = seg[np.isfinite(seg)]
        if seg.size == 0:
            continue
        pitch = float(np.median(seg))
        if segs and abs(segs[-1][2] - pitch) < 0.5 and segs[-1][1] == a and a not in onset_set:
            segs[-1][1] = b  # a cut that was only flicker: extend the previous note
            continue
        segs.append([a, b, pitch])
    frame_s = HOP / PYIN_RATE
    return [SecondsNote(max(0.0, a * frame_s - ONSET_BIAS_SECONDS), (b - a) * frame_s, p) for a, b, p in segs]


def quantise(notes: list[SecondsNote], grid: BeatGrid, *, key: Key | None = None) -> Melody:
    """Notes on the grid in quarter notes (sixteenth resolution), monophonic, onsets >= 0."""
    out: list[Note] = []
    for n in notes:
        on = round(grid.quarters(n.onset) / QUANTUM_QUARTERS) * QUANTUM_QUARTERS
        off = round(grid.quarters(n.onset + n.duration) / QUANTUM_QUARTERS) * QUANTUM_QUARTERS
        if on < 0:
            continue
        dur = max(QUANTUM_QUARTERS, off - on)
        pitch = int(np.clip(round(n.pitch), 0, 127))
        if out and out[-1].onset == on:
            continue  # two notes in one sixteenth: keep the first
        if out and out[-1].end > on:
            prev = out[-1]
            out[-1] = Note(prev.pitch, prev.onset, on - prev.onset, prev.velocity)
        out.append(Note(pitch, float(on), float(dur), 90))
    return Melody(tuple(out), key=key, time_signature=grid.time_signature, tempo_bpm=grid.tempo_bpm)


def note_f_measure(reference: list[tuple[float, float]], estimate: list[tuple[float, float]], *,
                   onset_tolerance: float = 0.05, pitch_tolerance_cents: float = 50.0) -> tuple[float, float, float]:
    """(precision, recall, F) of notes given as (onset seconds, MIDI pitch), one-to-one matching.

    Like mir_eval's transcription metric without offsets: a pair matches when the onsets are within the
    tolerance and the pitches within the cents; pairs are taken greedily by onset distance.
    """
    if not reference or not estimate:
        return 0.0, 0.0, 0.0
    pairs = []
    for i, (ro, rp) in enumerate(reference):
        for j, (eo, ep) in enumerate(estimate):
            d = abs(ro - eo)
            if d <= onset_tolerance + 1e-9 and abs(rp - ep) * 100.0 <= pitch_tolerance_cents + 1e-9:
                pairs.append((d, i, j))
    used_r, used_e, matched = set(), set(), 0
    for _d, i, j in sorted(pairs):
        if i not in used_r and j not in used_e:
            used_r.add(i)
            used_e.add(j)
            matched += 1
    p, r = matched / len(estimate), matched / len(reference)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)
