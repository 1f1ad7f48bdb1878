"""Key and mode from pitch-class distributions: key profiles and per-section modulations (harmonic function,
which settles the key these profiles rank, is in `key_function.py`).

The score of each of the 24 keys is the correlation of the song's duration-weighted chroma with the
Krumhansl–Kessler profile plus the correlation with Temperley's (Kostka–Payne) profile; the bass's tonic
evidence (its pitch class on downbeats) is counted by `key_function.functional_scores`, not by these
profiles (see BASS_WEIGHT; the key sections, which have no function step, still weight the bass).
Confidence is a softmax over the 24 scores, with the runner-up reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.core.music import Key

KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
TEMPERLEY_MAJOR = np.array([5.0, 2.0, 3.5, 2.0, 4.5, 4.0, 2.0, 4.5, 2.0, 3.5, 1.5, 4.0])
TEMPERLEY_MINOR = np.array([5.0, 2.0, 3.5, 4.5, 2.0, 4.0, 2.0, 4.5, 3.5, 2.0, 1.5, 4.0])
# Weight of the *bass* chroma's correlation with the same profiles (0: not used). The profiles are
# distributions of all voices (Krumhansl–Kessler's probe-tone ratings, Temperley's corpus counts); a bass
# line plays the roots of every chord (I, IV, V and vi alike), a different distribution, so correlating it
# with them rewards the key whose profile happens to fit the chord roots — I vs IV vs V, the very choice
# function settles. On the 55 rendered real songs (weight 1 → 0): MIREX 0.815 → 0.829 on the stems, 0.809
# → 0.845 on the mixes, no song worse; the 40 self-generated songs unchanged (key 39/40 either way).
BASS_WEIGHT = 0.0
# The key sections' 8-bar windows have no function step: there the bass is the only tonic evidence (a window
# straddling a C → D major modulation reads as G major, the union of the two scales, without it).
SECTION_BASS_WEIGHT = 1.0
# Refuse a key only where there is no harmony: the mean, over sounding frames, of (loudest - median) pitch
# class of each frame's chroma (scaled to max 1). Noise 0.07, drum kits 0.09–0.2, harmonic stems and full
# mixes of 30 rendered real songs 0.35–0.7. (The variation of the *song's* distribution, used before, is
# 0.03–0.09 on real mixes, as low as noise: it refused 17 of 18 real songs.)
MIN_CONTRAST = 0.27
# ...but the stem analysis only hands the key stems that their name, the user or their features call pitched
# (drums are left out), so there the bar is only noise's: 25 electronic productions (LMMS's demo songs,
# drums and all in one mix) measure 0.18–0.62, and 10 of them fell under 0.27, where General MIDI kits
# reach 0.09–0.29 and noise 0.07–0.11 (docs/analysis-evaluation.md, stop 31).
PITCHED_STEMS_MIN_CONTRAST = 0.14
MIN_PITCHED_SECONDS = 1.0
# The song's profile counts each sounding frame once (frames over SOUNDING_SHARE of the loudest frame's energy),
# not by its energy: the energy is the compressed CQT's sum over every bin, so a frame lighting many bins (a kit's
# hit, a noise sweep, a resonant filter sweeping through a progressive-house drop) had the most say in the key, and
# a long quiet pad the least. The key is what the music dwells on. Against key truths from the notes: 23 LMMS
# productions' mixes 0.565 -> 0.665 (essentia 0.713); the 58 rendered songs' stems 0.879 -> 0.891 and mixes
# 0.912 -> 0.895 (one song each way); the three held-out sets' 91 songs unchanged (docs/analysis-evaluation.md).
SOUNDING_SHARE = 0.1
SCORE_TEMPERATURE = 0.05  # softmax temperature turning the 24 key scores into confidences
SECTION_MIN_CONFIDENCE = 0.8  # a modulation is reported only with at least this confidence...
SECTION_MIN_BARS = 8  # ...and lasting at least this many bars


@dataclass(frozen=True)
class KeyEstimate:
    key: Key | None
    confidence: float  # 0..1: the key's share of the evidence over all 24 keys
    reason: str = ""  # why no key was determined
    scores: tuple[float, ...] = ()  # 24 scores: 12 major (C..B) then 12 minor
    runner_up: Key | None = None  # the next most likely key (for "D major (0.71; B minor 0.22)")
    runner_up_confidence: float = 0.0


def key_of_index(i: int) -> Key:
    return Key(int(i) % 12, "major" if i < 12 else "minor")


def _index(key: Key) -> int:
    return key.tonic_pc + (0 if key.mode == "major" else 12)


def ranked(scores: np.ndarray, raw: tuple[float, ...] = ()) -> KeyEstimate:
    """The best key and the runner-up with softmax confidences from 24 combined scores."""
    z = (scores - float(np.max(scores))) / SCORE_TEMPERATURE
    p = np.exp(z)
    p /= float(p.sum())
    order = np.argsort(scores)[::-1]
    i, j = int(order[0]), int(order[1])
    return KeyEstimate(key_of_index(i), round(float(p[i]), 3), "", raw or tuple(float(x) for x in scores),
                       key_of_index(j), round(float(p[j]), 3))


def sounding_frames(energy: np.ndarray) -> np.ndarray:
    """1 for each frame over SOUNDING_SHARE of the loudest frame's energy, else 0 (see SOUNDING_SHARE)."""
    e = np.asarray(energy, dtype=float)
    return (e > SOUNDING_SHARE * float(e.max())).astype(float) if e.size else e


def tonal_contrast(chroma: np.ndarray, weights: np.ndarray) -> float:
    """Mean (loudest - median) pitch class per frame, weighted; see MIN_CONTRAST."""
    contrast = chroma.max(axis=0) - np.median(chroma, axis=0)
    return float((contrast * weights).sum() / (weights.sum() + 1e-12))


@dataclass(frozen=True)
class KeySection:
    start: float  # quarter notes
    end: float
    key: Key
    confidence: float


def _centred_rotations(major: np.ndarray, minor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 24 rotated profiles (major C..B, minor C..B) minus their means, and their standard deviations."""
    rotated = np.array([np.roll(p, tonic) for p in (major, minor) for tonic in range(12)], dtype=float)
    centred = rotated - rotated.mean(axis=1, keepdims=True)
    return centred, np.sqrt((centred * centred).sum(axis=1) / 11.0)


KK_ROTATIONS = _centred_rotations(KK_MAJOR, KK_MINOR)
TEMPERLEY_ROTATIONS = _centred_rotations(TEMPERLEY_MAJOR, TEMPERLEY_MINOR)


def _corr_all(rotations: tuple[np.ndarray, np.ndarray], v: np.ndarray) -> np.ndarray:
    """Pearson correlation of `v` with each of the 24 rotated profiles, as one matrix product.

    The same quantity as np.corrcoef per pair (which the key sections called ~3,600 times on a 4-minute
    song, 0.35 s CPU, nearly all of it call overhead); it differs from it only in float round-off (~1e-16)."""
    if np.std(v) < 1e-9:
        return np.zeros(24)
    centred, sd = rotations
    vc = np.asarray(v, dtype=float) - float(np.mean(v))
    return np.clip(centred @ vc / 11.0 / np.sqrt(float(vc @ vc) / 11.0) / sd, -1.0, 1.0)


def key_scores(chroma_sum: np.ndarray, bass_sum: np.ndarray | None = None, *,
               bass_weight: float = BASS_WEIGHT) -> np.ndarray:
    """24 scores (major C..B, then minor C..B); higher is more likely."""
    s = 0.5 * (_corr_all(KK_ROTATIONS, chroma_sum) + _corr_all(TEMPERLEY_ROTATIONS, chroma_sum))
    if bass_weight > 0 and bass_sum is not None and np.std(bass_sum) > 1e-9:
        b = 0.5 * (_corr_all(KK_ROTATIONS, bass_sum) + _corr_all(TEMPERLEY_ROTATIONS, bass_sum))
        s = (s + bass_weight * b) / (1.0 + bass_weight)
    return s


def estimate_key(chroma: np.ndarray, bass: np.ndarray | None = None, *, weights: np.ndarray | None = None,
                 fps: float | None = None, profile: np.ndarray | None = None,
                 bass_profile: np.ndarray | None = None, bass_weight: float = BASS_WEIGHT,
                 min_contrast: float = MIN_CONTRAST, equal_frames: bool = False) -> KeyEstimate:
    """Key from chroma frames (12, T) and an optional bass chroma (12, T); weights per frame (energy).
    `equal_frames`: the profile counts each sounding frame once (see SOUNDING_SHARE); the weights still decide
    which frames sound and the tonal contrast that tells harmony from drums.
    `bass_weight`: of the bass chroma's profile fit beside the full chroma's (see BASS_WEIGHT).

    `profile`/`bass_profile` (12,): optional song-level pitch-class distributions to score instead;
    without them the weighted mean of the frames is scored. Always answers when there is harmony; with
    `fps`, less than MIN_PITCHED_SECONDS of sounding frames (a click, a blip) gives no key. `min_contrast`: the
    tonal contrast (see MIN_CONTRAST) under which the input is taken for noise or drums.
    """
    if chroma.size == 0 or chroma.shape[1] == 0:
        return KeyEstimate(None, 0.0, "no harmonic content")
    w = np.ones(chroma.shape[1]) if weights is None else np.asarray(weights, dtype=float)
    if float(w.sum()) <= 1e-9 or float(chroma.max()) <= 1e-9:
        return KeyEstimate(None, 0.0, "no harmonic content")
    sounding = sounding_frames(w)
    if fps and float(np.count_nonzero(sounding)) / fps < MIN_PITCHED_SECONDS:
        return KeyEstimate(None, 0.0, "too little pitched material to hear a key")
    frames = sounding if equal_frames else w
    c = (chroma * frames).sum(axis=1) / frames.sum()
    b = None if bass is None else (bass * frames).sum(axis=1) / frames.sum()
    if int(np.count_nonzero(c > 0.4 * float(c.max()))) < 3:
        return KeyEstimate(None, 0.0, "no clear key: only one or two pitches sound (a drone, a hum, a single note)")
    # noise and drums have no key; don't guess one
    if tonal_contrast(chroma, w) < min_contrast:
        return KeyEstimate(None, 0.0, "no clear key: no harmony, the pitch content is flat (noise or drums)")
    if profile is not None and float(np.max(profile)) > 0:
        c = np.asarray(profile, dtype=float)
        b = None if bass_profile is None else np.asarray(bass_profile, dtype=float)
    return ranked(key_scores(c, b, bass_weight=bass_weight))


def relative_key(key: Key) -> Key:
    """The key with the same scale and the other mode (C major ↔ A minor)."""
    if key.mode == "major":
        return Key((key.tonic_pc + 9) % 12, "minor")
    return Key((key.tonic_pc + 3) % 12, "major")


def key_sections(beat_chroma: np.ndarray, beat_bass: np.ndarray, beat_energy: np.ndarray, *,
                 beats_per_bar: int, quarters_per_beat: float, global_key: Key | None) -> list[KeySection]:
    """Sections in another key than the global one, when the evidence is strong (long and confident).

    Windows of SECTION_MIN_BARS bars, hop of half that; neighbouring windows with the same key merge.
    Returns [] when the whole song is in the global key (the usual case).
    """
    n = beat_chroma.shape[0]
    win = SECTION_MIN_BARS * beats_per_bar
    if global_key is None or n < 2 * win:
        return []
    hop = win // 2
    windows = []
    for start in range(0, n - win + 1, hop):
        est = estimate_key(beat_chroma[start:start + win].T, beat_bass[start:start + win].T,
                           weights=beat_energy[start:start + win], bass_weight=SECTION_BASS_WEIGHT)
        windows.append((start, start + win, est))
    sections: list[KeySection] = []
    for start, end, est in windows:
        # a window in the relative key shares the global key's scale: profiles cannot tell those apart (the
        # global key was settled by where the whole song rests), so it is no modulation
        if est.key is None or est.key in (global_key, relative_key(global_key)) \
                or est.confidence < SECTION_MIN_CONFIDENCE:
            continue
        s_q, e_q = start * quarters_per_beat, end * quarters_per_beat
        if sections and sections[-1].key == est.key and sections[-1].end >= s_q:
            last = sections[-1]
            sections[-1] = KeySection(last.start, e_q, last.key, min(last.confidence, est.confidence))
        else:
            sections.append(KeySection(s_q, e_q, est.key, est.confidence))
    return sections
