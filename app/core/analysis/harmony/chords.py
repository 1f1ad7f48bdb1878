"""Chords per beat, read over the harmonic-rhythm span: segments of beats scored against chord templates.

A chord is what sounds over a span of beats — often a bar or half a bar — not over one beat: a per-beat
arpeggio sounds one or two chord tones a beat, and a per-beat reading flips between chords on it. So the
decoder is segmental (a semi-Markov Viterbi over beat-synchronous chroma, as in the published
harmonic-rhythm models): each segment of 1..MAX_SEGMENT_BEATS beats is scored by how well its *mean*
chroma fits each chord template, times its length, and in part (SPAN_MEAN_SHARE) by how well its beats fit
it one by one; the root is also read in the bass notes' salience. Each segment boundary costs a penalty
that depends on where in the bar it falls (a downbeat is where chords change; inside the bar far less
often). Runs of segments with the same chord merge into one span.

Templates are harmonic-weighted (each chord tone with its first partials, as in HPCP chord templates), so
a single low note — whose 3rd and 5th partials sound its fifth and major third — does not read as a major
chord. "No chord" (N) is a state of its own: it wins on quiet beats (silence, a drums-only stretch) and on
beats where one pitch and its partials explain the chroma better than any chord (an unaccompanied riff).
A seventh (and the fourth of sus4) is only chosen when it sounds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from app.core.music import CHORD_QUALITIES, NO_CHORD, BeatGrid, Chord, ChordSpan, ChordTimeline, Key

QUALITIES = ("maj", "min", "7", "maj7", "m7", "dim", "sus4")
# partials of a tone folded to pitch classes: (semitones above the note, relative amplitude)
PARTIALS = ((0, 1.0), (0, 0.6), (7, 0.36), (0, 0.22), (4, 0.13))
CHORD_PARTIALS = ((0, 1.0),)
BASS_WEIGHT = 0.05  # a little bass at the chord's root keeps roots when only a bass sounds
SHARPNESS = 40.0  # scales similarities into log-probabilities per beat
NO_CHORD_SCORE = 0.45  # similarity a beat must beat for any chord to be preferred over N
ONE_NOTE_MARGIN = 0.15  # a single pitch must fit the beat by this much more than the best chord to be N (0.08
# until stop 49: a pad at -15 dB over a loud bass note read N; docs/analysis-evaluation.md, pass 29)
MAX_SEGMENT_BEATS = 4  # longest span read as one piece (a 4/4 bar); longer chords are several pieces
# log-penalty of a segment boundary, by where it falls: a downbeat, the middle of a bar, any other beat. Raised at
# stop 37 (were 0.5, 2.0, 4.0): they were set while the openmsx chord truth was read beat by beat, which rewarded
# reading a walking bass's notes as chord changes; against a truth read over the harmonic rhythm (checked on the
# mma charts, benchmarks/realsongs/chord_truth.py) the 58 songs went 0.813 -> 0.817 on the stems (mma 0.941 ->
# 0.945, openmsx 0.740 -> 0.744) and 0.795 -> 0.797 on the mixes. All three x4/3 gave 0.820 / 0.799, but an
# off-beat change then costs so much that a passing chord on beat 4 sharing two tones with the bar's chord is
# swallowed again (test_a_passing_chord_sharing_two_tones_is_read_on_its_beat: 19 -> 12 of 20); 4.5 keeps it.
BOUNDARY_DOWNBEAT = 0.5 * 4 / 3
BOUNDARY_HALF_BAR = 2.0 * 4 / 3
BOUNDARY_OTHER = 4.5
# A segment is scored this much on how its *mean* chroma fits a chord (an arpeggio's beats add up to the chord)
# and the rest on how its beats fit it one by one: a beat whose own chord is clearly another (a passing chord
# on beat 4, a change a beat early) then pays for being read as part of the span, so the harmonic rhythm can
# be faster than the boundary costs allow where the evidence is strong. On the 55 rendered real songs, with
# the bass notes' salience at the root (`span_bass`), 1.0 -> 0.75 went 0.701 -> 0.706 of beats (mma 0.942 ->
# 0.939, openmsx 0.594 -> 0.603; the mix alone 0.656 -> 0.663, both sets up); 0.5 and below lost mma beats
# (arpeggios read beat by beat). Either change alone cost one set a little; together both sets gain.
SPAN_MEAN_SHARE = 0.75
# Extended chords win ties only with clear evidence: a plain triad is the safer label for a listener.
QUALITY_PRIOR = {"maj": 0.0, "min": 0.0, "7": -0.03, "maj7": -0.03, "m7": -0.03, "dim": -0.06, "sus4": -0.06}
# A seventh chord only when its seventh sounds: at least this share of the triad tones' mean level
SEVENTH_PRESENT = 0.6
SEVENTH_ABSENT_PENALTY = 0.25
SUS_THIRD_MAX = 0.35  # sus4: the third must be weak beside the fifth
# Silence (N whatever the chroma): a beat under QUIET_SHARE of the song's median beat energy, unless it is the tail
# of a chord: it keeps DECAY_SHARE of a sounding beat among the DECAY_BEATS before it and is over SILENCE_SHARE of
# the median. The median alone made a quiet intro's decaying stabs silence (Skiessi's Onion read "Bm N | A N | G N";
# LMMS productions' chords 0.590 -> 0.594, the 149 GM songs unchanged; docs/analysis-evaluation.md, pass 29).
QUIET_SHARE = 0.1
DECAY_SHARE = 0.25
DECAY_BEATS = 4
SILENCE_SHARE = 0.02
# A chord whose thirds both sound under this share of its root and fifth (an open fifth: a power chord, an
# organ's or a horn section's bare fifths) says nothing about major or minor; see name_thirdless_by_key
THIRDLESS_SHARE = 0.3


@dataclass(frozen=True)
class ChordEstimate:
    timeline: ChordTimeline
    per_beat: tuple[Chord, ...]  # one per beat of the grid (beats in grid order)
    beat_quarters: tuple[float, ...]  # start of each beat in quarter notes
    confidences: tuple[float, ...] = ()  # one per span of the timeline: mean share of the chord's evidence


def _states() -> list[Chord]:
    return [Chord(root, q) for q in QUALITIES for root in range(12)] + [NO_CHORD]


def _tone_template(pcs: list[tuple[int, float]], partials: tuple[tuple[int, float], ...] = ()) -> np.ndarray:
    """Pitch-class template of tones (pc, weight), each with its partials."""
    t = np.zeros(12)
    for pc, weight in pcs:
        for step, amp in partials or PARTIALS:
            t[(pc + step) % 12] += weight * amp
    return t / np.linalg.norm(t)


def _templates(states: list[Chord]) -> np.ndarray:
    t = np.zeros((len(states), 12))
    for i, ch in enumerate(states):
        if ch.root_pc is None:
            t[i] = 1.0 / np.sqrt(12.0)
            continue
        # the root sounds in more voices (and the bass)
        t[i] = _tone_template([((ch.root_pc + s) % 12, 1.2 if s == 0 else 1.0) for s in CHORD_QUALITIES[ch.quality]],
                              CHORD_PARTIALS)
    return t


NOTE_TEMPLATES = np.stack([_tone_template([(pc, 1.0)]) for pc in range(12)])


def _unit(x: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(x, axis=-1, keepdims=True)
    return np.where(norm > 1e-9, x / np.maximum(norm, 1e-9), 0.0)


def _similarity(chroma: np.ndarray, bass: np.ndarray, states: list[Chord], templates: np.ndarray) -> np.ndarray:
    """(rows, states) fit of chroma rows (beats or segments) to the chord states, N excluded (-inf)."""
    sim = _unit(chroma) @ templates.T
    peak = bass.max(axis=-1, keepdims=True)
    b = np.where(peak > 1e-9, bass / np.maximum(peak, 1e-9), 0.0)
    for i, ch in enumerate(states):
        if ch.root_pc is None:
            sim[:, i] = -np.inf
            continue
        sim[:, i] += BASS_WEIGHT * b[:, ch.root_pc] + QUALITY_PRIOR[ch.quality]
        steps = CHORD_QUALITIES[ch.quality]
        if len(steps) == 4:
            triad = np.mean(chroma[:, [(ch.root_pc + s) % 12 for s in steps[:3]]], axis=1)
            seventh = chroma[:, (ch.root_pc + steps[3]) % 12]
            if steps[3] == 11:
                # a major seventh is the root's lower neighbour: a root spread by detuned oscillators or vibrato
                # sounds on both sides of itself, so only what the seventh holds beyond the upper neighbour
                # (the flat ninth, which pop harmony hardly uses) counts as a seventh
                seventh = seventh - chroma[:, (ch.root_pc + 1) % 12]
            sim[seventh < SEVENTH_PRESENT * triad, i] -= SEVENTH_ABSENT_PENALTY
        elif ch.quality == "sus4":
            fifth = chroma[:, (ch.root_pc + 7) % 12] + 1e-9
            thirds = np.maximum(chroma[:, (ch.root_pc + 3) % 12], chroma[:, (ch.root_pc + 4) % 12])
            sim[thirds > SUS_THIRD_MAX * fifth, i] -= SEVENTH_ABSENT_PENALTY
    return sim


def _quiet(beat_energy: np.ndarray) -> np.ndarray:
    """The beats that are silence (see QUIET_SHARE): quiet for the song, and not the tail of a chord just struck."""
    e = np.asarray(beat_energy, dtype=float)
    if not np.any(e > 0):
        return np.ones(e.size, bool)
    median = float(np.median(e[e > 0]))
    # the loudest of the DECAY_BEATS beats before each beat: the attack it may be the tail of
    before = np.lib.stride_tricks.sliding_window_view(np.concatenate([np.zeros(DECAY_BEATS), e]), DECAY_BEATS + 1)
    attack = before[:, :-1].max(axis=1)
    tail = (attack >= QUIET_SHARE * median) & (e >= DECAY_SHARE * attack) & (e >= SILENCE_SHARE * median)
    return (e < QUIET_SHARE * median) & ~tail


def emission_scores(beat_chroma: np.ndarray, beat_bass: np.ndarray, beat_energy: np.ndarray,
                    states: list[Chord]) -> np.ndarray:
    """(beats, states) per-beat similarities in about 0..1.3, N included (see `_no_chord_scores`)."""
    sim = _similarity(beat_chroma, beat_bass, states, _templates(states))
    sim[:, -1] = _no_chord_scores(beat_chroma, sim[:, :-1].max(axis=1), beat_energy)
    return sim


def _no_chord_scores(beat_chroma: np.ndarray, best_chord: np.ndarray, beat_energy: np.ndarray) -> np.ndarray:
    one_note = (_unit(beat_chroma) @ NOTE_TEMPLATES.T).max(axis=1)
    score = np.where(one_note > best_chord + ONE_NOTE_MARGIN, np.maximum(one_note, best_chord) + 0.1, NO_CHORD_SCORE)
    score[_quiet(beat_energy)] = 2.0
    return score


def _boundary_costs(downbeat: np.ndarray) -> np.ndarray:
    """Cost of a segment starting at each beat, from its place in the bar."""
    n = downbeat.size
    pos = np.zeros(n, int)
    for i in range(1, n):
        pos[i] = 0 if downbeat[i] else pos[i - 1] + 1
    downs = np.flatnonzero(downbeat)
    per_bar = int(np.median(np.diff(downs))) if downs.size > 1 else 4
    cost = np.full(n, BOUNDARY_OTHER)
    if per_bar % 2 == 0:
        cost[pos == per_bar // 2] = BOUNDARY_HALF_BAR
    cost[pos == 0] = BOUNDARY_DOWNBEAT
    return cost


def decode_chords(beat_chroma: np.ndarray, beat_bass: np.ndarray, beat_energy: np.ndarray,
                  downbeat: np.ndarray, *, no_chord_chroma: np.ndarray | None = None,
                  span_bass: np.ndarray | None = None) -> tuple[tuple[Chord, ...], np.ndarray]:
    """One chord per beat and its confidence (0..1), reading chords over segments of beats.

    `beat_chroma` (beats, 12) linear-magnitude chroma per beat; `beat_bass` the low register; `downbeat`
    (beats,) True where a bar starts. `no_chord_chroma` (beats, 12), if given, is the chroma the one-pitch
    test of N reads (the folded spectrum: a note-salience chroma credits a root-heavy triad's third and fifth
    to the root's partials and would make it one pitch). `span_bass` (beats, 12), if given, is the bass the
    segments' chords read at their root instead of `beat_bass` (the bass notes' salience, see
    `ChromaFeatures.beat_sync`); the one-pitch test keeps `beat_bass`, the folded low spectrum, beside the
    folded spectrum it reads (a decaying bass note's salience is faint and can fall to a neighbouring note)."""
    states = _states()
    templates = _templates(states)
    n = beat_chroma.shape[0]
    if n == 0:
        return (), np.zeros(0)
    root_bass = beat_bass if span_bass is None else span_bass
    beat_sim = _similarity(beat_chroma, root_bass, states, templates)
    n_chroma = beat_chroma if no_chord_chroma is None else no_chord_chroma
    n_sim = beat_sim if n_chroma is beat_chroma and root_bass is beat_bass else \
        _similarity(n_chroma, beat_bass, states, templates)
    n_score = SHARPNESS * _no_chord_scores(n_chroma, n_sim[:, :-1].max(axis=1), beat_energy)
    quiet = _quiet(beat_energy)
    w = np.where(quiet, 0.0, 1.0)[:, None]
    # cumulative sums for segment means (quiet beats carry no chroma) and per-beat N scores
    cs_c = np.vstack([np.zeros(12), np.cumsum(beat_chroma * w, axis=0)])
    cs_b = np.vstack([np.zeros(12), np.cumsum(root_bass * w, axis=0)])
    cs_n = np.concatenate([[0.0], np.cumsum(n_score)])
    cs_q = np.concatenate([[0], np.cumsum(quiet)])
    # per-beat fits summed over a segment (N's column and quiet beats count 0: N is scored separately below,
    # and a chord is never read over a quiet beat)
    cs_s = np.vstack([np.zeros(len(states)), np.cumsum(np.where(np.isfinite(beat_sim), beat_sim, 0.0) * w, axis=0)])
    cost = _boundary_costs(np.asarray(downbeat, bool))
    # scores of every segment, by length: seg[length][start] over states
    seg: dict[int, np.ndarray] = {}
    for length in range(1, min(MAX_SEGMENT_BEATS, n) + 1):
        starts = np.arange(n - length + 1)
        ends = starts + length
        mean_c = (cs_c[ends] - cs_c[starts]) / length
        mean_b = (cs_b[ends] - cs_b[starts]) / length
        mean_c = mean_c / np.maximum(mean_c.max(axis=1, keepdims=True), 1e-9)
        s = SHARPNESS * (SPAN_MEAN_SHARE * length * _similarity(mean_c, mean_b, states, templates)
                         + (1.0 - SPAN_MEAN_SHARE) * (cs_s[ends] - cs_s[starts]))
        s[cs_q[ends] - cs_q[starts] > 0, :-1] = -np.inf  # a chord is never read over a quiet beat
        s[:, -1] = cs_n[ends] - cs_n[starts]
        seg[length] = s
    seg_best = {length: s.max(axis=1) for length, s in seg.items()}
    best = np.full(n + 1, -np.inf)
    best[0] = 0.0
    choice = np.zeros(n + 1, int)  # length of the segment ending at each beat
    for end in range(1, n + 1):
        for length in range(1, min(MAX_SEGMENT_BEATS, end) + 1):
            start = end - length
            total = best[start] + seg_best[length][start] - cost[start]
            if total > best[end]:
                best[end], choice[end] = total, length
    path = np.zeros(n, int)
    conf = np.zeros(n)
    end = n
    while end > 0:
        length = int(choice[end])
        s = seg[length][end - length]
        j = int(np.argmax(s))
        # the chord's share of the segment's evidence per beat (softmax over states)
        p = np.exp((s - s.max()) / length)
        path[end - length:end] = j
        conf[end - length:end] = p[j] / p.sum()
        end -= length
    _absorb_lone_no_chord(path, conf, quiet, no_chord=len(states) - 1)
    return tuple(states[i] for i in path), conf


def _absorb_lone_no_chord(path: np.ndarray, conf: np.ndarray, quiet: np.ndarray, *, no_chord: int) -> None:
    """A single sounding beat read as N between chords takes the next chord (the last beat: the previous one).
    A triad voiced heavily on its root has the chroma of that root's partials (its 3rd and 5th partials are the
    fifth and the major third), so the one-pitch rule can call its downbeat N; an unaccompanied line lasts longer
    than a beat, and a quiet beat (a break) stays N."""
    n = len(path)
    for i in range(n):
        lone = path[i] == no_chord and not quiet[i] and (i == 0 or path[i - 1] != no_chord) \
            and (i + 1 == n or path[i + 1] != no_chord)
        if lone and n > 1:
            j = i + 1 if i + 1 < n else i - 1
            path[i], conf[i] = path[j], conf[j]


def beat_boundaries(grid: BeatGrid, duration_seconds: float) -> tuple[np.ndarray, np.ndarray]:
    """Beat start times (seconds) from the grid's first downbeat to the end, and their quarter positions."""
    step = grid.time_signature.pulse_quarters if grid.time_signature.is_compound else 1.0
    n = int(np.floor(grid.quarters(duration_seconds) / step + 1e-6))
    quarters = np.arange(n + 1) * step
    return np.array([grid.seconds(q) for q in quarters]), quarters


def is_downbeat(quarters: float, grid: BeatGrid) -> bool:
    bar = grid.time_signature.bar_quarters
    return abs(quarters / bar - round(quarters / bar)) < 1e-6


def estimate_chords(beat_chroma: np.ndarray, beat_bass: np.ndarray, beat_energy: np.ndarray,
                    beat_quarters: np.ndarray, grid: BeatGrid, *, no_chord_chroma: np.ndarray | None = None,
                    span_bass: np.ndarray | None = None) -> ChordEstimate:
    """Chords on the grid's beats. beat_quarters has one more entry than beats (the end); `no_chord_chroma`
    and `span_bass` as in `decode_chords`."""
    n = beat_chroma.shape[0]
    if n == 0:
        return ChordEstimate(ChordTimeline(), (), ())
    starts = beat_quarters[:n]
    downbeat = np.array([is_downbeat(float(q), grid) for q in starts], bool)
    per_beat, beat_conf = decode_chords(beat_chroma, beat_bass, beat_energy, downbeat, no_chord_chroma=no_chord_chroma,
                                        span_bass=span_bass)
    return _estimate(per_beat, [float(q) for q in beat_quarters[:n + 1]], [float(c) for c in beat_conf])


def _estimate(per_beat: tuple[Chord, ...], bounds: list[float], beat_conf: list[float]) -> ChordEstimate:
    """The estimate from one chord per beat: runs of one chord are one span, with its beats' mean confidence.
    `bounds`: each beat's start and the last one's end (quarter notes)."""
    spans: list[ChordSpan] = []
    confs: list[list[float]] = []
    for i, ch in enumerate(per_beat):
        if spans and spans[-1].chord == ch:
            spans[-1] = ChordSpan(spans[-1].start, bounds[i + 1], ch)
            confs[-1].append(beat_conf[i])
        else:
            spans.append(ChordSpan(bounds[i], bounds[i + 1], ch))
            confs.append([beat_conf[i]])
    return ChordEstimate(ChordTimeline(tuple(spans)), tuple(per_beat), tuple(bounds[:-1]),
                         tuple(round(float(np.mean(c)), 3) for c in confs))


def _diatonic_quality(root: int, key: Key) -> str | None:
    """'maj' or 'min': the key's own triad on this root (natural minor in a minor key), None when the root or its
    fifth is outside the key, or on a minor key's dominant, where the major V (harmonic minor) and the minor v
    are both the key's own."""
    scale = set(key.scale)
    if root not in scale or (root + 7) % 12 not in scale:
        return None
    if key.mode == "minor" and key.degree(root) == 7:
        return None
    return "maj" if (root + 4) % 12 in scale else "min"


def _spans_of(per_beat: Sequence[Chord]) -> list[tuple[int, int]]:
    """[first, last] beat index of each run of one chord."""
    runs, i, n = [], 0, len(per_beat)
    while i < n:
        j = i
        while j + 1 < n and per_beat[j + 1] == per_beat[i]:
            j += 1
        runs.append((i, j))
        i = j + 1
    return runs


def _open_fifth(ch: Chord, mean: np.ndarray) -> bool:
    """A major or minor triad whose thirds both sound under THIRDLESS_SHARE of its root and fifth."""
    if ch.root_pc is None or ch.quality not in ("maj", "min"):
        return False
    r, fifth = float(mean[ch.root_pc]), float(mean[(ch.root_pc + 7) % 12])
    thirds = max(float(mean[(ch.root_pc + 3) % 12]), float(mean[(ch.root_pc + 4) % 12]))
    return thirds < THIRDLESS_SHARE * min(r, fifth)


def open_fifth_beats(est: ChordEstimate, beat_chroma: np.ndarray) -> tuple[bool, ...]:
    """Per beat: its span is an open fifth (see THIRDLESS_SHARE), a chord that says nothing about major or minor,
    whatever quality the templates or the key gave it."""
    flags = [False] * len(est.per_beat)
    if beat_chroma.shape[0] < len(est.per_beat):
        return tuple(flags)
    for i, j in _spans_of(est.per_beat):
        if _open_fifth(est.per_beat[i], beat_chroma[i:j + 1].mean(axis=0)):
            flags[i:j + 1] = [True] * (j + 1 - i)
    return tuple(flags)


def name_thirdless_by_key(est: ChordEstimate, beat_chroma: np.ndarray,
                          key_at: Callable[[float], Key | None]) -> ChordEstimate:
    """Each span of a major or minor triad whose thirds hardly sound (both under THIRDLESS_SHARE of its root and
    fifth, in the span's mean chroma) takes the quality the key gives that root: C5 in D minor is C, not Cm.
    `key_at(quarter)`: the key at a place (a modulated section's, else the song's; None: leave the span).

    Without a third the templates tie, and a faint leak of another tone picks one of them at random (MMA's
    Blues68 organ plays bare fifths: read Dm Cm Bbm A in D minor, against the chart's Dm C Bb A7). Musicians name
    such chords by the key they are in, and the suggestions that read them then lock to the key's own third."""
    if not est.per_beat or beat_chroma.shape[0] < len(est.per_beat):
        return est
    per_beat = list(est.per_beat)
    for i, j in _spans_of(est.per_beat):
        ch = per_beat[i]
        if not _open_fifth(ch, beat_chroma[i:j + 1].mean(axis=0)):
            continue
        key = key_at(float(est.beat_quarters[i]))
        quality = None if key is None else _diatonic_quality(ch.root_pc, key)
        if quality is not None and quality != ch.quality:
            per_beat[i:j + 1] = [Chord(ch.root_pc, quality)] * (j + 1 - i)
    if per_beat == list(est.per_beat):
        return est
    # the spans again (a renamed span can now run on into its neighbour), each beat keeping its span's confidence
    n = len(per_beat)
    beat_conf = [0.0] * n
    k = 0
    for span, conf in zip(est.timeline.spans, est.confidences, strict=False):
        while k < n and est.beat_quarters[k] < span.end - 1e-9:
            beat_conf[k] = conf
            k += 1
    return _estimate(tuple(per_beat), list(est.beat_quarters) + [est.timeline.spans[-1].end], beat_conf)


def bar_chords(timeline: ChordTimeline, bar_quarters: float) -> list[Chord]:
    """The chord sounding at the start of each bar (for key refinement and display)."""
    if not timeline.spans:
        return []
    n = int(np.ceil(timeline.spans[-1].end / bar_quarters - 1e-6))
    return [timeline.at(b * bar_quarters) for b in range(n)]
