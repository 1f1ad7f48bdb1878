"""Key and mode from pitch-class distributions: key profiles, harmonic function, and per-section modulations.

The score of each of the 24 keys is the correlation of the song's duration-weighted chroma with the
Krumhansl–Kessler profile plus the correlation with Temperley's (Kostka–Payne) profile; the bass's tonic
evidence (its pitch class on downbeats) is counted by `functional_scores`, not by these profiles (see
BASS_WEIGHT; the key sections, which have no function step, still weight the bass). Confidence is a
softmax over the 24 scores, with the runner-up reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.core.music import Chord, Key

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
# reach 0.09–0.29 and noise 0.07–0.11 (docs/analysis.md, stop 31).
PITCHED_STEMS_MIN_CONTRAST = 0.14
MIN_PITCHED_SECONDS = 1.0
SCORE_TEMPERATURE = 0.05  # softmax temperature turning the 24 key scores into confidences
SECTION_MIN_CONFIDENCE = 0.8  # a modulation is reported only with at least this confidence...
SECTION_MIN_BARS = 8  # ...and lasting at least this many bars
# Where a song rests (tonic evidence for a key vs its relative; weights sum to 1): chords at the song's
# edges and phrase starts weigh most, then the melody's last note, cadences, phrase ends. The last chord
# weighs more than the first: an intro or a pickup may open anywhere, the song ends at home (the "final"
# that names a mode in modal theory); 0.15/0.2 the other way round read moo_redfarn (E minor intro, ending
# on G7, a G major key signature) as E minor.
TONIC_FIRST_CHORD = 0.15
TONIC_LAST_CHORD = 0.2
TONIC_PHRASE_START = 0.2
TONIC_PHRASE_END = 0.1
TONIC_CADENCE = 0.1
TONIC_LAST_NOTE = 0.15
TONIC_PHRASE_NOTES = 0.1
# Function (see functional_scores): weights of its parts, and its weight beside the profiles' scale fit
FUNC_TONIC_SHARE = 0.25
FUNC_DOWNBEAT_TONIC = 0.25
FUNC_EDGES = 0.2
FUNC_CADENCE = 0.2
FUNC_DIATONIC = 0.3
FUNC_BASS = 0.25
FUNCTION_WEIGHT = 0.25
FUNC_ROOT_ONLY = True
OWN_PROFILE_SHARE = 0.3
RELATIVE_SWITCH_MARGIN = 0.15  # the relative must have this much more tonic evidence to replace the estimate
TONIC_MARGIN_FOR_FULL_CONFIDENCE = 0.8
# Major or minor on the same tonic: the tonic chord's own third decides when the song's chords rooted on the
# tonic carry one third this many times as long as the other, and sound for at least this share of the song
# (a blues in C over C7 and F7 is in C major however many blue thirds its lead sings) — set from the
# definition of a key's mode, not tuned on the evaluation songs.
PARALLEL_THIRD_RATIO = 3.0
PARALLEL_MIN_TONIC_SHARE = 0.15
_MAJOR_THIRD = frozenset({"maj", "7", "maj7"})
_MINOR_THIRD = frozenset({"min", "m7"})


@dataclass(frozen=True)
class KeyEstimate:
    key: Key | None
    confidence: float  # 0..1: the key's share of the evidence over all 24 keys
    reason: str = ""  # why no key was determined
    scores: tuple[float, ...] = ()  # 24 scores: 12 major (C..B) then 12 minor
    runner_up: Key | None = None  # the next most likely key (for "D major (0.71; B minor 0.22)")
    runner_up_confidence: float = 0.0


def _key_of(i: int) -> Key:
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
    return KeyEstimate(_key_of(i), round(float(p[i]), 3), "", raw or tuple(float(x) for x in scores),
                       _key_of(j), round(float(p[j]), 3))


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
                 min_contrast: float = MIN_CONTRAST) -> KeyEstimate:
    """Key from chroma frames (12, T) and an optional bass chroma (12, T); weights per frame (energy).
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
    if fps and float(np.count_nonzero(w > 0.1 * float(w.max()))) / fps < MIN_PITCHED_SECONDS:
        return KeyEstimate(None, 0.0, "too little pitched material to hear a key")
    c = (chroma * w).sum(axis=1) / w.sum()
    b = None if bass is None else (bass * w).sum(axis=1) / w.sum()
    if int(np.count_nonzero(c > 0.4 * float(c.max()))) < 3:
        return KeyEstimate(None, 0.0, "no clear key: only one or two pitches sound (a drone, a hum, a single note)")
    # noise and drums have no key; don't guess one
    if tonal_contrast(chroma, w) < min_contrast:
        return KeyEstimate(None, 0.0, "no clear key: no harmony, the pitch content is flat (noise or drums)")
    if profile is not None and float(np.max(profile)) > 0:
        c = np.asarray(profile, dtype=float)
        b = None if bass_profile is None else np.asarray(bass_profile, dtype=float)
    return ranked(key_scores(c, b, bass_weight=bass_weight))


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


def _tonic_chord(ch: Chord, key: Key) -> bool:
    return ch.root_pc == key.tonic_pc and ch.triad_family == ("maj" if key.mode == "major" else "min")


def chord_evidence(key: Key, bars: list[Chord], *, phrase_bars: int = 4) -> float:
    """How well a bar-by-bar chord sequence supports a key: diatonic chords, the tonic chord opening or
    closing phrases and recurring, and dominant→tonic cadences (what a musician hears as 'home')."""
    chords = [c for c in bars if not c.is_no_chord]
    if not chords:
        return 0.0
    allowed = set(key.melodic_scale)
    diatonic = sum(c.pitch_classes <= allowed for c in chords) / len(chords)
    tonic_share = sum(_tonic_chord(c, key) for c in chords) / len(chords)
    starts = [c for i, c in enumerate(bars) if i % phrase_bars == 0 and not c.is_no_chord]
    phrase_tonic = sum(_tonic_chord(c, key) for c in starts) / len(starts) if starts else 0.0
    ends = [c for i, c in enumerate(bars) if i % phrase_bars == phrase_bars - 1 and not c.is_no_chord]
    end_tonic = sum(_tonic_chord(c, key) for c in ends) / len(ends) if ends else 0.0
    dominant = (key.tonic_pc + 7) % 12
    pairs = list(zip(bars, bars[1:], strict=False))
    cadences = sum(a.root_pc == dominant and a.triad_family == "maj" and _tonic_chord(b, key) for a, b in pairs)
    cadence_rate = cadences / max(1, len(pairs)) * phrase_bars
    return (0.25 * diatonic + 0.3 * phrase_tonic + 0.2 * end_tonic + 0.2 * tonic_share
            + 0.3 * min(1.0, cadence_rate))


def _relative_index(i: int) -> int:
    return 12 + (i + 9) % 12 if i < 12 else (i - 12 + 3) % 12


def functional_scores(chords: Sequence[Chord], downbeat: np.ndarray | None = None,
                      downbeat_bass: Sequence[int] = ()) -> np.ndarray:
    """24 scores (major C..B, minor C..B) in about 0..1: how the song *treats* each key's tonic as home.

    From the chords per beat: the tonic chord's share of the sounding beats, the first and the last chord,
    the chords on downbeats, arrivals on the tonic from its dominant (V–I, V7–I, and in minor the major V
    with its leading tone) or its subdominant (IV–I, iv–i), and how much of the song is diatonic (minor:
    natural and harmonic; the blues' dominant sevenths on I, IV and V count as the key's own). From the bass: its pitch class on downbeats. Independent of how often each pitch
    class sounds, which is what the profiles measure.
    """
    out = np.zeros(24)
    seq = [c for c in chords if not c.is_no_chord]
    if not seq:
        return out
    downs = [c for c, d in zip(chords, downbeat if downbeat is not None else [False] * len(chords), strict=False)
             if d and not c.is_no_chord]
    changes = [(a, b) for a, b in zip(seq, seq[1:], strict=False) if a != b]
    bass = list(downbeat_bass)
    for i in range(24):
        key = _key_of(i)
        t = key.tonic_pc
        fam = "maj" if key.mode == "major" else "min"

        def tonic(c: Chord, t: int = t, fam: str = fam) -> bool:
            return c.root_pc == t and (FUNC_ROOT_ONLY or c.triad_family == fam)

        # natural and harmonic minor: the raised sixth is a melody's passing tone, and counting it would make
        # a major IV (C in G minor) as much the key's own as the minor iv
        scale = set(key.scale) | ({(t + 11) % 12} if key.mode == "minor" else set())
        share = sum(map(tonic, seq)) / len(seq)
        down_share = sum(map(tonic, downs)) / len(downs) if downs else share
        edges = 0.5 * tonic(seq[0]) + 0.5 * tonic(seq[-1])
        arrivals = [a for a, b in changes if tonic(b)]
        cadence = sum(a.root_pc == (t + 7) % 12 and a.triad_family == "maj" or
                      a.root_pc == (t + 5) % 12 for a in arrivals) / max(1, len(changes)) * 2.0
        # the blues' own chords are dominant sevenths on I, IV and V (C7 F7 G7 in C): their flat sevenths are
        # the blues' flat 7th and 3rd, not chromatic chords of some other key, so they count as the key's own
        blues = {t, (t + 5) % 12, (t + 7) % 12}
        diatonic = sum(c.pitch_classes <= scale or (c.quality == "7" and c.root_pc in blues) for c in seq) / len(seq)
        bass_home = sum(b == t for b in bass) / len(bass) if bass else 0.0
        out[i] = (FUNC_TONIC_SHARE * share + FUNC_DOWNBEAT_TONIC * down_share + FUNC_EDGES * edges
                  + FUNC_CADENCE * min(1.0, cadence) + FUNC_DIATONIC * diatonic + FUNC_BASS * bass_home)
    return out


def refine_with_chords(est: KeyEstimate, bars: list[Chord], *, phrase_bars: int = 4, top: int = 6,
                       beats: Sequence[Chord] = (), downbeat: np.ndarray | None = None,
                       downbeat_bass: Sequence[int] = ()) -> KeyEstimate:
    """Re-rank the 24 keys by the profiles' scale fit plus the song's harmonic function.

    The profiles judge the *scale*; a key and its relative share one, so both get the better of their two
    profile scores (plus a little of their own) and function chooses the tonal centre — the same for I vs
    IV vs V, whose scales differ by one note. (Raw profile scores favour the relative major of a minor loop
    such as i–VI–III–VII, whose III and VII make its major tonic and dominant the most frequent pitch
    classes.) `beats`: chords per beat with `downbeat` flags (else the bar chords are used);
    `downbeat_bass`: the bass pitch class on each downbeat.
    """
    if est.key is None or not est.scores or not any(not c.is_no_chord for c in (beats or bars)):
        return est
    scores = np.array(est.scores)
    scale = np.maximum(scores, scores[[_relative_index(i) for i in range(24)]])
    profile = (1.0 - OWN_PROFILE_SHARE) * scale + OWN_PROFILE_SHARE * scores
    if beats:
        func = functional_scores(beats, downbeat, downbeat_bass)
    else:
        func = functional_scores(bars, np.ones(len(bars), bool), downbeat_bass)
    return ranked(profile + FUNCTION_WEIGHT * func, est.scores)


def relative_key(key: Key) -> Key:
    """The key with the same scale and the other mode (C major ↔ A minor)."""
    if key.mode == "major":
        return Key((key.tonic_pc + 9) % 12, "minor")
    return Key((key.tonic_pc + 3) % 12, "major")


def tonic_evidence(key: Key, bars: list[Chord], *, phrase_bars: int = 4,
                   phrase_final_pcs: tuple[int, ...] = ()) -> float:
    """How strongly the song treats this key's tonic as home, in about 0..1 — independent of how often
    each pitch class sounds. The song's first and last chords, the chords that open and close phrases,
    dominant→tonic cadences, and the lead's phrase-final notes (the last one counts most)."""
    sounding = [c for c in bars if not c.is_no_chord]
    score = 0.0
    if sounding:
        score += TONIC_FIRST_CHORD * _tonic_chord(sounding[0], key) + TONIC_LAST_CHORD * _tonic_chord(sounding[-1], key)
        starts = [c for i, c in enumerate(bars) if i % phrase_bars == 0 and not c.is_no_chord]
        ends = [c for i, c in enumerate(bars) if i % phrase_bars == phrase_bars - 1 and not c.is_no_chord]
        if starts:
            score += TONIC_PHRASE_START * sum(_tonic_chord(c, key) for c in starts) / len(starts)
        if ends:
            score += TONIC_PHRASE_END * sum(_tonic_chord(c, key) for c in ends) / len(ends)
        dominant = (key.tonic_pc + 7) % 12
        pairs = list(zip(sounding, sounding[1:], strict=False))
        if any(a.root_pc == dominant and a.triad_family == "maj" and _tonic_chord(b, key) for a, b in pairs):
            score += TONIC_CADENCE
    if phrase_final_pcs:
        score += TONIC_LAST_NOTE * (phrase_final_pcs[-1] == key.tonic_pc)
        score += TONIC_PHRASE_NOTES * sum(pc == key.tonic_pc for pc in phrase_final_pcs) / len(phrase_final_pcs)
    return score


def settle_relative(est: KeyEstimate, bars: list[Chord], *, phrase_bars: int = 4,
                    phrase_final_pcs: tuple[int, ...] = ()) -> KeyEstimate:
    """Decide between the estimated key and its relative (same scale, other mode) by where the song rests.

    Pitch-class profiles cannot make this choice: in a minor loop i–VI–III–VII (Am F C G) the relative
    major's tonic and dominant (C, G) are the most frequent pitch classes, so the profiles say C major
    while the song opens each phrase on Am and the melody ends on A. The relative replaces the estimate
    only when it has clearly more tonic evidence; its confidence is that evidence margin.
    """
    if est.key is None:
        return est
    rel = relative_key(est.key)
    own = tonic_evidence(est.key, bars, phrase_bars=phrase_bars, phrase_final_pcs=phrase_final_pcs)
    other = tonic_evidence(rel, bars, phrase_bars=phrase_bars, phrase_final_pcs=phrase_final_pcs)
    if other - own < RELATIVE_SWITCH_MARGIN:
        return est
    # the relative takes the estimate's place; the estimate becomes the runner-up
    confidence = max(est.confidence, float(np.clip((other - own) / TONIC_MARGIN_FOR_FULL_CONFIDENCE, 0.0, 1.0)))
    return KeyEstimate(rel, round(confidence, 3), "", est.scores, est.key, round(min(est.confidence, 1.0 - confidence), 3))


def settle_parallel(est: KeyEstimate, spans: Sequence[tuple[float, Chord]]) -> KeyEstimate:
    """Decide between the estimated key and its parallel (same tonic, other mode) by the tonic chord's third.

    A profile counts pitch classes, so a lead's blue thirds over a blues in C (C7 F7) or a borrowed iv in
    a major song can tip it to the parallel mode, although the tonic chord heard all along says major. The
    mode follows the tonic chord when the chords on the tonic carry one third at least PARALLEL_THIRD_RATIO
    times as long as the other and fill PARALLEL_MIN_TONIC_SHARE of the sounding time (sus chords and
    diminished ones carry no major/minor third and count for neither). `spans`: (seconds or beats, chord)."""
    if est.key is None:
        return est
    t = est.key.tonic_pc
    sounding = major = minor = 0.0
    for length, chord in spans:
        if chord.is_no_chord or length <= 0:
            continue
        sounding += length
        if chord.root_pc == t:
            if chord.quality in _MAJOR_THIRD:
                major += length
            elif chord.quality in _MINOR_THIRD:
                minor += length
    heard, other = (major, minor) if est.key.mode == "minor" else (minor, major)
    # `heard`: time on the tonic with the third of the *other* mode than the estimate's
    if sounding <= 0 or heard < PARALLEL_THIRD_RATIO * other or heard < PARALLEL_MIN_TONIC_SHARE * sounding:
        return est
    parallel = Key(t, "major" if est.key.mode == "minor" else "minor")
    return KeyEstimate(parallel, est.confidence, "", est.scores, est.key, round(min(est.confidence, 1.0 - est.confidence), 3))


def phrase_final_pitch_classes(notes: list[tuple[float, float, float]], *, beat_seconds: float) -> tuple[int, ...]:
    """Pitch classes of the lead's phrase-final notes: each note followed by a rest of at least a beat,
    and the last note. `notes`: (onset s, duration s, MIDI pitch)."""
    ordered = sorted(notes)
    out = []
    for i, (onset, dur, pitch) in enumerate(ordered):
        last = i == len(ordered) - 1
        if last or ordered[i + 1][0] - (onset + dur) >= beat_seconds:
            out.append(int(round(pitch)) % 12)
    return tuple(out)


# The lead's share of the key profile beside the accompaniment's (each normalised to sum 1): the melody as
# one more voice, about as loud as the chords it sings over — not tuned on the evaluation songs.
LEAD_PROFILE_SHARE = 0.5


@dataclass(frozen=True)
class KeyInputs:
    """What the key's profile and its harmonic refinement read, kept so the key can be judged again once
    the lead melody is known: the accompaniment's mean chroma and bass chroma, the bar and beat chords, the
    downbeats and their bass pitch classes; `heard`: the stems in that chroma; `beat_features`: (beat chroma,
    bass, energy, beats per bar, quarters per beat) for the key sections."""

    chroma_mean: np.ndarray
    bass_mean: np.ndarray | None
    bars: tuple[Chord, ...]
    beats: tuple[Chord, ...]
    downbeat: np.ndarray
    downbeat_bass: tuple[int, ...]
    heard: tuple[str, ...]
    beat_features: tuple | None = None

    @classmethod
    def of(cls, chroma: np.ndarray, bass: np.ndarray | None, weights: np.ndarray, bars: Sequence[Chord],
           beats: Sequence[Chord], downbeat: np.ndarray, downbeat_bass: Sequence[int], *,
           heard: Sequence[str], beat_features: tuple | None = None) -> KeyInputs:
        w = np.asarray(weights, dtype=float)
        total = float(w.sum()) or 1.0
        return cls((chroma * w).sum(axis=1) / total, None if bass is None else (bass * w).sum(axis=1) / total,
                   tuple(bars), tuple(beats), downbeat, tuple(downbeat_bass), tuple(heard), beat_features)

    def refine(self, est: KeyEstimate) -> KeyEstimate:
        return refine_with_chords(est, list(self.bars), beats=self.beats, downbeat=self.downbeat,
                                  downbeat_bass=self.downbeat_bass)

    def sections(self, global_key: Key | None) -> tuple[KeySection, ...]:
        """The key sections (modulations) against the song's key `global_key`."""
        if self.beat_features is None:
            return ()
        bc, bb, be, per_bar, step = self.beat_features
        return tuple(key_sections(bc, bb, be, beats_per_bar=per_bar, quarters_per_beat=step, global_key=global_key))

    def with_lead(self, est: KeyEstimate, lead: Sequence[tuple[float, int]], lead_stem: str | None) -> KeyEstimate:
        """The key again, its profile the accompaniment's plus the lead's pitch classes (duration-weighted,
        LEAD_PROFILE_SHARE of it), then refined by the same harmonic function. `lead`: (seconds, MIDI pitch)
        of the melody taken from `lead_stem`. Unchanged when that stem's audio is in the chroma beside another
        stem's (a lead that joined a bass with no chord instrument: it is already most of the profile). When
        the lead's stem is the only one heard it is usually a full mix, where the melody is one voice under
        the accompaniment's sustained chords: the line transcribed from it joins the profile as a separate
        stem's would. (A lead alone over drums reads the same pitch content twice, which keeps its ranking.)"""
        hist = np.zeros(12)
        for seconds, pitch in lead:
            hist[int(round(pitch)) % 12] += max(0.0, float(seconds))
        own = float(self.chroma_mean.sum())
        joined = lead_stem in self.heard and len(self.heard) > 1
        if joined or est.key is None or hist.sum() <= 0 or own <= 0:
            return est
        profile = self.chroma_mean / own + LEAD_PROFILE_SHARE * hist / hist.sum()
        return self.refine(ranked(key_scores(profile, self.bass_mean)))

