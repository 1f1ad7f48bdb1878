"""Harmonic function settles the key the profiles rank (`key.py`): the chords' diatonic fit, cadences and
tonic at phrase edges (`functional_scores`, `refine_with_chords`), the relative major/minor by where the song
rests (`settle_relative`), the parallel mode by the tonic chord's own third (`settle_parallel`), and the
lead melody's pitch classes joining the profile once it is known (`KeyInputs.with_lead`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from app.core.analysis.harmony.key import (
    KeyEstimate,
    KeySection,
    key_of_index,
    key_scores,
    key_sections,
    ranked,
    relative_key,
)
from app.core.music import Chord, Key

if TYPE_CHECKING:
    from app.core.analysis.harmony.chords import ChordEstimate

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
        key = key_of_index(i)
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

    The lead's phrase-final notes may settle what the chords leave open, never overturn what they say: where
    the chords alone rest on the estimate more than on the relative, the estimate stays. A minor melody often
    ends its phrases on the third, the relative major's tonic; midnight_snow_run's lead (as transcribed) ends 22
    of 27 phrases on G over chords that are Am and Em throughout and never G, and read G major.
    """
    if est.key is None:
        return est
    rel = relative_key(est.key)
    own = tonic_evidence(est.key, bars, phrase_bars=phrase_bars, phrase_final_pcs=phrase_final_pcs)
    other = tonic_evidence(rel, bars, phrase_bars=phrase_bars, phrase_final_pcs=phrase_final_pcs)
    if other - own < RELATIVE_SWITCH_MARGIN:
        return est
    if phrase_final_pcs and tonic_evidence(est.key, bars, phrase_bars=phrase_bars) > tonic_evidence(
            rel, bars, phrase_bars=phrase_bars):
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
    diminished ones carry no major/minor third and count for neither). `spans`: (seconds or beats, chord).

    Where the third decides (switching the mode or confirming it), the two modes' confidences are shared out by
    it too (see _split_by_third): the profiles alone had JazzRock's F# minor and F# major at 50 % each although
    its chords on F# are F#m more than three times as long as F#, and the studio showed that tie (now 76 / 24)."""
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
    # `heard`: time on the tonic with the third of the *other* mode than the estimate's; `own`: with its own
    heard, own = (major, minor) if est.key.mode == "minor" else (minor, major)
    parallel = Key(t, "major" if est.key.mode == "minor" else "minor")

    def decides(winner: float, loser: float) -> bool:
        return sounding > 0 and winner >= PARALLEL_THIRD_RATIO * loser and winner >= PARALLEL_MIN_TONIC_SHARE * sounding

    if decides(heard, own):
        return _split_by_third(parallel, est.key, heard, own, est)
    if decides(own, heard) and est.runner_up == parallel:
        return _split_by_third(est.key, parallel, own, heard, est)
    return est


def _split_by_third(key: Key, other: Key, key_time: float, other_time: float, est: KeyEstimate) -> KeyEstimate:
    """`key` first and its parallel `other` as runner-up, the two modes' confidence shared by the tonic chord's
    third: their joint confidence (the estimate's, plus its runner-up's when that is the parallel) split in the
    ratio of the time each third sounds, plus one beat each (a song with only F#m on F# is not certain beyond
    what was heard)."""
    joint = est.confidence + (est.runner_up_confidence if est.runner_up in (key, other) else 0.0)
    share = (key_time + 1.0) / (key_time + other_time + 2.0)
    return KeyEstimate(key, round(joint * share, 3), "", est.scores, other, round(joint * (1.0 - share), 3))


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
    # (length, chord) of the beats whose chord's third sounds, for settle_parallel (see `with_mode_spans`)
    mode_spans: tuple[tuple[float, Chord], ...] = ()

    @classmethod
    def of(cls, chroma: np.ndarray, bass: np.ndarray | None, weights: np.ndarray, bars: Sequence[Chord],
           beats: Sequence[Chord], downbeat: np.ndarray, downbeat_bass: Sequence[int], *,
           heard: Sequence[str], beat_features: tuple | None = None) -> KeyInputs:
        w = np.asarray(weights, dtype=float)
        total = float(w.sum()) or 1.0
        return cls((chroma * w).sum(axis=1) / total, None if bass is None else (bass * w).sum(axis=1) / total,
                   tuple(bars), tuple(beats), downbeat, tuple(downbeat_bass), tuple(heard), beat_features)

    def with_mode_spans(self, est: ChordEstimate, open_fifths: Sequence[bool]) -> KeyInputs:
        """These inputs with the chords settle_parallel reads: one (beat length, chord) per beat of `est`, leaving
        out the beats of an open fifth (`open_fifths`). A power chord's or a bare-fifth riff's quality came from a
        template tie or from the key itself (chords.name_thirdless_by_key, under the key's first reading), so
        counted as the tonic chord's third it would vote for the very mode it was named by: G5 riffs named G under
        a first G major reading would turn a later G minor estimate (the lead's notes joined) back to G major."""
        ends = list(est.beat_quarters[1:]) + [est.timeline.spans[-1].end if est.timeline.spans else 0.0]
        spans = tuple((float(e - q), ch) for q, e, ch, open_ in zip(est.beat_quarters, ends, est.per_beat, open_fifths,
                                                                     strict=False) if not open_)
        return replace(self, mode_spans=spans)

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

