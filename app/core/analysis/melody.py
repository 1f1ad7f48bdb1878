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
CHUNK_SECONDS = 30.0  # pYIN runs per chunk so cancel is honoured and memory stays small


@dataclass(frozen=True)
class SecondsNote:
    onset: float  # seconds
    duration: float
    pitch: float  # MIDI, fractional (median of the track)


def _pyin(y: np.ndarray, cancel: CancelToken) -> tuple[np.ndarray, np.ndarray]:
    import librosa

    f0_parts, prob_parts = [], []
    chunk = int(CHUNK_SECONDS * PYIN_RATE) // HOP * HOP
    for start in range(0, max(1, y.size), chunk):
        cancel.check()
        part = y[start:start + chunk]
        if part.size < FRAME:
            break
        f0, _voiced, prob = librosa.pyin(part, fmin=float(librosa.midi_to_hz(FMIN_MIDI)),
                                         fmax=float(librosa.midi_to_hz(FMAX_MIDI)), sr=PYIN_RATE,
                                         frame_length=FRAME, hop_length=HOP, resolution=1.0, n_thresholds=30)
        n = int(np.ceil(part.size / HOP)) if start + chunk < y.size else f0.size
        f0_parts.append(f0[:n])
        prob_parts.append(prob[:n])
    if not f0_parts:
        return np.zeros(0), np.zeros(0)
    return np.concatenate(f0_parts), np.concatenate(prob_parts)


def _onset_frames(y: np.ndarray) -> np.ndarray:
    import librosa

    env = librosa.onset.onset_strength(y=y, sr=PYIN_RATE, hop_length=HOP)
    return librosa.onset.onset_detect(onset_envelope=env, sr=PYIN_RATE, hop_length=HOP, units="frames",
                                      backtrack=False)


def track_notes(y: np.ndarray, *, cancel: CancelToken = NEVER_CANCELLED) -> list[SecondsNote]:
    """Notes (seconds, fractional MIDI) of a monophonic line sampled at PYIN_RATE."""
    from scipy.ndimage import median_filter

    if y.size < FRAME * 2 or float(np.max(np.abs(y), initial=0.0)) < 1e-4:
        return []
    f0, _prob = _pyin(y, cancel)
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
