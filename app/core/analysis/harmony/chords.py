"""Chords per beat: beat-synchronous chroma against chord templates, smoothed by Viterbi decoding.

Emission: cosine similarity of the beat's chroma with each chord template, plus the bass chroma at the
chord's root (bass notes name roots), sharpened into log-probabilities. Transitions: a strong
self-transition bias, and chords change far more readily on a downbeat than inside a bar — the way songs
are written, and what keeps a passing melody note from flipping the chord.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.core.music import CHORD_QUALITIES, NO_CHORD, BeatGrid, Chord, ChordSpan, ChordTimeline

QUALITIES = ("maj", "min", "7", "maj7", "m7", "dim", "sus4")
# The bass chroma is not added to the chord evidence: walking and melodic bass lines pass through
# non-chord tones on most beats: on 24 rendered MMA backing tracks a large weight lost beats
# (0.90 of beats right at 0, 0.79 at the former 0.35); a little keeps roots when only a bass sounds. On 55
# rendered real songs (true beat grid, chord truth v3) 0.1 -> 0.05 and SHARPNESS 20 -> 40 score 0.623 -> 0.661
# of beats (mma charts 0.874 -> 0.891, openmsx 0.511 -> 0.559): the Viterbi held chords over real changes.
BASS_WEIGHT = 0.05
SHARPNESS = 40.0  # scales similarities into log-probabilities (12, then 20 before: too soft)
NO_CHORD_SCORE = 0.45  # similarity a beat must beat for any chord to be preferred over N (silence, drums)
CHANGE_ON_DOWNBEAT = 0.35
CHANGE_INSIDE_BAR = 0.03
# Extended chords win ties only with clear evidence: a plain triad is the safer label for a listener.
QUALITY_PRIOR = {"maj": 0.0, "min": 0.0, "7": -0.03, "maj7": -0.03, "m7": -0.03, "dim": -0.06, "sus4": -0.06}
# A seventh chord only when its seventh sounds: at least this share of the triad tones' mean level in the
# beat (else the template's fourth note is matching spill, and one Dm7 would cover a whole song)
SEVENTH_PRESENT = 0.6
SEVENTH_ABSENT_PENALTY = 0.25
# the added/suspended tone of sus4 likewise, and the third must be weak
SUS_THIRD_MAX = 0.35


@dataclass(frozen=True)
class ChordEstimate:
    timeline: ChordTimeline
    per_beat: tuple[Chord, ...]  # one per beat of the grid (beats in grid order)
    beat_quarters: tuple[float, ...]  # start of each beat in quarter notes
    confidences: tuple[float, ...] = ()  # one per span of the timeline: mean share of the chord's evidence


def _states() -> list[Chord]:
    return [Chord(root, q) for q in QUALITIES for root in range(12)] + [NO_CHORD]


def _templates(states: list[Chord]) -> np.ndarray:
    t = np.zeros((len(states), 12))
    for i, ch in enumerate(states):
        if ch.root_pc is None:
            t[i] = 1.0
            continue
        for step in CHORD_QUALITIES[ch.quality]:
            t[i, (ch.root_pc + step) % 12] = 1.0
        t[i, ch.root_pc] = 1.2  # the root sounds in more voices (and the bass)
    return t / np.linalg.norm(t, axis=1, keepdims=True)


def emission_scores(beat_chroma: np.ndarray, beat_bass: np.ndarray, beat_energy: np.ndarray,
                    states: list[Chord]) -> np.ndarray:
    """(beats, states) similarities in about 0..1.3."""
    t = _templates(states)
    norm = np.linalg.norm(beat_chroma, axis=1, keepdims=True)
    c = np.where(norm > 1e-9, beat_chroma / np.maximum(norm, 1e-9), 0.0)
    sim = c @ t.T
    bass_peak = beat_bass.max(axis=1, keepdims=True)
    bass = np.where(bass_peak > 1e-9, beat_bass / np.maximum(bass_peak, 1e-9), 0.0)
    for i, ch in enumerate(states):
        if ch.root_pc is None:
            sim[:, i] = NO_CHORD_SCORE
            continue
        sim[:, i] += BASS_WEIGHT * bass[:, ch.root_pc] + QUALITY_PRIOR[ch.quality]
        steps = CHORD_QUALITIES[ch.quality]
        if len(steps) == 4:
            triad = np.mean(beat_chroma[:, [(ch.root_pc + s) % 12 for s in steps[:3]]], axis=1)
            seventh = beat_chroma[:, (ch.root_pc + steps[3]) % 12]
            sim[seventh < SEVENTH_PRESENT * triad, i] -= SEVENTH_ABSENT_PENALTY
        elif ch.quality == "sus4":
            fifth = beat_chroma[:, (ch.root_pc + 7) % 12] + 1e-9
            thirds = np.maximum(beat_chroma[:, (ch.root_pc + 3) % 12], beat_chroma[:, (ch.root_pc + 4) % 12])
            sim[thirds > SUS_THIRD_MAX * fifth, i] -= SEVENTH_ABSENT_PENALTY
    # quiet beats (the song has not started, a break, a drums-only stretch) lean to no chord
    if beat_energy.size:
        loud = np.median(beat_energy[beat_energy > 0]) if np.any(beat_energy > 0) else 0.0
        quiet = beat_energy < 0.1 * loud if loud > 0 else np.ones(beat_energy.size, bool)
        sim[quiet, -1] = 2.0
    return sim


def viterbi(log_emit: np.ndarray, downbeat: np.ndarray) -> np.ndarray:
    """Most likely state path; transitions depend on whether a beat starts a bar."""
    n, k = log_emit.shape
    if n == 0:
        return np.zeros(0, int)

    def trans(p_change: float) -> np.ndarray:
        m = np.full((k, k), np.log(p_change / (k - 1)))
        np.fill_diagonal(m, np.log(1.0 - p_change))
        return m

    t_down, t_in = trans(CHANGE_ON_DOWNBEAT), trans(CHANGE_INSIDE_BAR)
    score = log_emit[0].copy()
    back = np.zeros((n, k), int)
    for i in range(1, n):
        cand = score[:, None] + (t_down if downbeat[i] else t_in)
        back[i] = np.argmax(cand, axis=0)
        score = cand[back[i], np.arange(k)] + log_emit[i]
    path = np.zeros(n, int)
    path[-1] = int(np.argmax(score))
    for i in range(n - 1, 0, -1):
        path[i - 1] = back[i, path[i]]
    return path


def beat_boundaries(grid: BeatGrid, duration_seconds: float) -> tuple[np.ndarray, np.ndarray]:
    """Beat start times (seconds) from the grid's first downbeat to the end, and their quarter positions."""
    step = grid.time_signature.pulse_quarters if grid.time_signature.is_compound else 1.0
    n = int(np.floor(grid.quarters(duration_seconds) / step + 1e-6))
    quarters = np.arange(n + 1) * step
    return np.array([grid.seconds(q) for q in quarters]), quarters


def estimate_chords(beat_chroma: np.ndarray, beat_bass: np.ndarray, beat_energy: np.ndarray,
                    beat_quarters: np.ndarray, grid: BeatGrid) -> ChordEstimate:
    """Chords on the grid's beats. beat_quarters has one more entry than beats (the end)."""
    states = _states()
    n = beat_chroma.shape[0]
    if n == 0:
        return ChordEstimate(ChordTimeline(), (), ())
    sim = emission_scores(beat_chroma, beat_bass, beat_energy, states)
    log_emit = SHARPNESS * sim
    log_emit -= log_emit.max(axis=1, keepdims=True)
    bar = grid.time_signature.bar_quarters
    starts = beat_quarters[:n]
    downbeat = np.abs(starts / bar - np.round(starts / bar)) < 1e-6
    path = viterbi(log_emit, downbeat)
    per_beat = tuple(states[i] for i in path)
    # per beat, the chosen chord's share of the (sharpened) evidence over all chords: a beat that fits C as
    # well as Am has about 0.5
    post = np.exp(log_emit)
    post /= post.sum(axis=1, keepdims=True)
    beat_conf = post[np.arange(n), path]
    spans: list[ChordSpan] = []
    confs: list[list[float]] = []
    for i, ch in enumerate(per_beat):
        s, e = float(beat_quarters[i]), float(beat_quarters[i + 1])
        if spans and spans[-1].chord == ch:
            spans[-1] = ChordSpan(spans[-1].start, e, ch)
            confs[-1].append(float(beat_conf[i]))
        else:
            spans.append(ChordSpan(s, e, ch))
            confs.append([float(beat_conf[i])])
    return ChordEstimate(ChordTimeline(tuple(spans)), per_beat, tuple(float(q) for q in starts),
                         tuple(round(float(np.mean(c)), 3) for c in confs))


def bar_chords(timeline: ChordTimeline, bar_quarters: float) -> list[Chord]:
    """The chord sounding at the start of each bar (for key refinement and display)."""
    if not timeline.spans:
        return []
    n = int(np.ceil(timeline.spans[-1].end / bar_quarters - 1e-6))
    return [timeline.at(b * bar_quarters) for b in range(n)]
