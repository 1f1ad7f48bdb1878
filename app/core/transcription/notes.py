"""The notes step: a frame-wise pitch track (Hz, NaN where unvoiced) to notes in seconds.

Shared by every caller that turns a monophonic pitch track into notes (the stem analysis and the
catalogue's audio import), so both segment the same way:
- the per-frame semitone is smoothed with a short median filter, so the neighbouring-semitone flicker
  pYIN reports at transitions is absorbed into the notes on either side;
- notes are cut at pitch changes, at unvoiced gaps, and at onset-strength peaks (a re-struck same pitch);
- fragments shorter than MIN_NOTE_SECONDS are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_NOTE_SECONDS = 0.06
SMOOTH_FRAMES = 5
ONSET_BIAS_SECONDS = 0.02  # pYIN voicing and flux onsets trail the attack by ~20 ms (measured on synthetic leads)


@dataclass(frozen=True)
class SecondsNote:
    onset: float  # seconds
    duration: float
    pitch: float  # MIDI, fractional for pYIN (median of the track), whole for basic-pitch

    @property
    def end(self) -> float:
        return self.onset + self.duration


@dataclass(frozen=True)
class PitchTrack:
    """f0 in Hz per frame (NaN = unvoiced); frame i is centred at i * hop / sample_rate seconds."""

    f0: np.ndarray
    sample_rate: int
    hop: int

    @property
    def frame_seconds(self) -> float:
        return self.hop / self.sample_rate


def onset_frames(y: np.ndarray, sample_rate: int, hop: int) -> np.ndarray:
    """Onset-strength peaks of `y` (sampled at `sample_rate`) as frame indices of `hop` samples."""
    import librosa

    env = librosa.onset.onset_strength(y=y, sr=sample_rate, hop_length=hop)
    return librosa.onset.onset_detect(onset_envelope=env, sr=sample_rate, hop_length=hop, units="frames",
                                      backtrack=False)


def notes_from_pitch_track(track: PitchTrack, y: np.ndarray | None = None) -> list[SecondsNote]:
    """Segment a pitch track into notes; `y` (the same audio, at track.sample_rate) adds re-strike cuts."""
    from scipy.ndimage import median_filter

    f0 = track.f0
    if f0.size == 0:
        return []
    voiced = np.isfinite(f0) & (np.nan_to_num(f0) > 0)
    midi = np.full(f0.size, np.nan)
    midi[voiced] = 69.0 + 12.0 * np.log2(f0[voiced] / 440.0)
    semis = np.where(voiced, np.round(np.nan_to_num(midi)), -1).astype(int)
    smooth = median_filter(semis, size=SMOOTH_FRAMES, mode="nearest")
    smooth[~voiced] = -1
    cuts = np.zeros(f0.size, bool)
    cuts[1:] = smooth[1:] != smooth[:-1]
    onsets = np.zeros(0, int) if y is None else onset_frames(y, track.sample_rate, track.hop)
    onsets = onsets[onsets < f0.size]
    cuts[onsets] = True
    cuts[0] = True
    bounds = np.flatnonzero(cuts).tolist() + [f0.size]
    onset_set = set(int(o) for o in onsets)
    frame_s = track.frame_seconds
    segs: list[list[float]] = []  # [start frame, end frame, pitch]
    for a, b in zip(bounds, bounds[1:], strict=False):
        if smooth[a] < 0 or (b - a) * frame_s < MIN_NOTE_SECONDS:
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
    return [SecondsNote(max(0.0, a * frame_s - ONSET_BIAS_SECONDS), (b - a) * frame_s, p) for a, b, p in segs]
