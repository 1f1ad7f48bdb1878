"""Meter from the accents per beat: how many beats a bar has (a pattern repeating every 3, 4 or 5 beats,
tested for significance), which beat is the downbeat, and where bar 1 starts. `tempo.py` measures the accents
(low-band onsets, the whole envelope and harmonic change at each beat) and calls these.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.core.music import TimeSignature

# the beat the music starts on is bar 1 unless the accents say otherwise this clearly (in accent units, a sum
# of z-scores): stems bounced from a DAW and MIDI songs start on bar 1; on 55 rendered real songs bar 1
# within 50 ms went 26 -> 47 with it (0.5: 33, 1: 42), the synthetic set (pickup-free too) unchanged
FIRST_BEAT_BONUS = 2.0
# a song without a kit starts on a one-beat pickup when the chords' falls by a fifth land at least this many more
# times on the beats after its strong beats than on them (see starts_on_a_pickup)
PICKUP_FIFTHS = 2
TRIPLE_P = 0.1  # significance a 3-beat accent pattern needs before the bar is 3/4 (see triple)
QUINTUPLE_P = 0.001  # ...and a 5-beat one before the bar is 5/4, a far rarer meter (see quintuple)
FOUR_PULSE_P = 0.05  # significance a compound beat's 4-pulse pattern needs over its 2-pulse one (see four_pulse_bars)
FOUR_PULSE_MIN = 32  # ...heard over at least this many pulses: eight bars of 12/8
# swung eighths: the strongest onsets between the beats within SWING_TOLERANCE beats of the last third, busier than
# the half by SWING_OVER and busy at all (SWING_MIN of the beats' level, as a compound beat's thirds must be)
SWING_TOLERANCE = 0.06
SWING_OVER = 2.0
SWING_MIN = 0.1
SWING_BINS = 48  # positions a beat is folded into


def zscore(x: np.ndarray) -> np.ndarray:
    sd = float(np.std(x))
    return (x - float(np.mean(x))) / sd if sd > 1e-12 else np.zeros_like(x)


def _explained(acc: np.ndarray, m: int) -> float:
    """Share of the accents' variance that a pattern repeating every m beats explains (one mean per phase)."""
    z = zscore(acc)
    if z.size < 2 * m:
        return 0.0
    means = np.array([float(np.mean(z[j::m])) for j in range(m)])
    counts = np.array([z[j::m].size for j in range(m)])
    return float(np.sum(counts * means ** 2) / max(float(np.sum(z ** 2)), 1e-12))


def pattern_fit(acc: np.ndarray, m: int) -> tuple[float, float]:
    """(adjusted R², F-test p) of a pattern of m free means repeating every m beats in the accents: the share
    of their variance it explains with the share m means explain by chance, (m - 1)/(n - 1), taken off, and
    how likely a pattern that strong is when there is none."""
    from scipy.stats import f as f_dist

    n = acc.size
    r = _explained(acc, m)
    adjusted = 1.0 - (1.0 - r) * (n - 1) / (n - m)
    f = (r / (m - 1)) / max((1.0 - r) / (n - m), 1e-12)
    return adjusted, float(f_dist.sf(f, m - 1, n - m))


def triple(acc: np.ndarray) -> bool:
    """Bars of three beats rather than four: a pattern repeating every 3 beats explains more of the accents
    than one repeating every 4. (The autocorrelation at lags 3 and 6 it replaces is fooled by a backbeat:
    anything that repeats every 2 beats also correlates at lag 6; be_sharp and five other real 4/4 songs read
    3/4 that way.) A pattern every 2 beats is one every 4, never one every 3.

    Each is judged by its adjusted R² (see pattern_fit): four means explain more of pure noise than three.
    And 3/4 needs a 3-beat pattern that is there at all (an F-test on the three means at the TRIPLE_P level),
    else the bar is the common 4/4: accents with no bar pattern (a kick and a snare of equal low end) read 3/4
    by a margin below chance. The level: real 3/4 songs (minutes long) give p < 0.005; a 16-s synthetic waltz
    0.05-0.2; mma's 4/4 swing 0.19."""
    if acc.size < 8:
        return False
    (adj3, p3), (adj4, _) = pattern_fit(acc, 3), pattern_fit(acc, 4)
    return adj3 > adj4 and p3 < TRIPLE_P


def quintuple(acc: np.ndarray) -> bool:
    """Bars of five beats (5/4: "Take Five", the "Mission: Impossible" theme): a pattern repeating every 5 beats
    explains more of the accents than one every 3 or 4 (adjusted R²), at the QUINTUPLE_P level. 5/4 is rare in
    the music people bring (one song in the 55 rendered real songs), so it needs far stronger evidence than
    3/4: that song's 5-beat pattern gives p = 5e-12 on its stems and 6e-7 on its mix; of the 54 songs in 4/4,
    3/4 and 6/4, the smallest is 0.007 (stems; midnight_snow_run, whose tempo changes) and 0.15 (mixes)."""
    if acc.size < 4 * 5:
        return False
    adj5, p5 = pattern_fit(acc, 5)
    return adj5 > max(pattern_fit(acc, 3)[0], pattern_fit(acc, 4)[0]) and p5 < QUINTUPLE_P


def four_pulse_bars(acc: np.ndarray) -> bool:
    """Bars of four compound pulses rather than two: a triplet feel written in 4/4 (a 12/8 ballad, a shuffle or a
    swing played with both triplet eighths), not a 6/8. Charts, lead sheets and DAW sessions write these in 4/4 and
    a musician taps the pulse as the quarter note; As 12/8 in the studio writes the same beats in 12/8.
    A pattern repeating every 4 pulses always explains at least what one every 2 does (it contains it), so the
    four means must explain significantly more than the two: a nested F-test at the FOUR_PULSE_P level (the
    conventional 5 %). On the rendered real songs the 6/8 grooves
    give p = 0.11 and 0.53 (mma Blues68, stems and mix), the 4/4 triplet feels 4e-12 to 0.015 (JazzRock,
    RockBallad, SlowRock, HighFive; mma Rock128's and KwestBallad's mixes), over 54 to 206 pulses. A short loop
    says too little (FOUR_PULSE_MIN): a 6/8 whose chords change every other bar has a 4-pulse pattern too, and over
    16 seconds (18–26 pulses) two of the synthetic 6/8 songs gave p = 0.048 and 0.002 that way; it stays 6/8."""
    n = acc.size
    if n < FOUR_PULSE_MIN:
        return False
    r2, r4 = _explained(acc, 2), _explained(acc, 4)
    from scipy.stats import f as f_dist

    f = ((r4 - r2) / 2.0) / max((1.0 - r4) / (n - 4), 1e-12)
    return float(f_dist.sf(f, 2, n - 4)) < FOUR_PULSE_P


def swung(env: np.ndarray, beats: np.ndarray, period: float | np.ndarray) -> bool:
    """Swung eighths on a simple beat: what is played between the beats sits on the beat's last third (long-short),
    not on its half. A swing, a shuffle or a jazz ride plays the "and" about two thirds into the beat, often without
    the first third (so the beat does not read compound); charts write it 4/4 with eighths played swung, and a melody
    over it swings too (the suggestions' feel). The envelope is folded over the beats (its mean at SWING_BINS
    positions of the beat); the song swings when the strongest position between the beats is the last third, give or
    take a sixteenth-note triplet's width (SWING_TOLERANCE: real and programmed swing ratios vary) and twice as busy
    as the half. `env`: an onset envelope, `beats`: the beats in its frames, `period`: frames per beat (one per beat
    where the beats follow a song played without a click: a constant grid drifts across its offbeats).

    On the rendered real songs (stems) whose drum parts play between the beats on its thirds, 17 of the 19 that do
    not read compound read so (mma's swing, jazz and shuffle grooves, openmsx's redfarn songs; the misses are
    Charleston heard at half its tempo and a ballad whose hats land at 0.73 of the beat); of 113 that play straight, 4
    (a swung bass over straight drums in mma's WRock, a jazz waltz, and a song heard at 4/3 of its tempo, where
    straight eighths fall on two thirds of the wrong beat)."""
    if beats.size < 8:
        return False
    phases = np.arange(SWING_BINS) / SWING_BINS
    per = np.asarray(period, dtype=float).reshape(-1, 1)
    fold = np.interp(beats[:, None] + phases[None, :] * per, np.arange(env.size), env, left=0.0, right=0.0)
    fold = fold.mean(axis=0) / (float(np.mean(fold[:, 0])) + 1e-12)
    between = np.flatnonzero((phases >= 0.15) & (phases <= 0.85))
    peak = between[int(np.argmax(fold[between]))]
    return bool(abs(phases[peak] - 2.0 / 3.0) <= SWING_TOLERANCE and fold[peak] >= SWING_MIN
                and fold[peak] >= SWING_OVER * fold[SWING_BINS // 2])


def fold_contrast(acc: np.ndarray, m: int, first: int | None = None) -> tuple[float, int]:
    """(contrast, phase) of the strongest beat of the bar; `first`: the beat the music starts on, which
    gets FIRST_BEAT_BONUS (bar 1 starts where the song starts far more often than not)."""
    if acc.size < 2 * m:
        return 0.0, (first or 0) % m
    means = np.array([float(np.mean(acc[j::m])) for j in range(m)])
    if first is not None:
        means[first % m] += FIRST_BEAT_BONUS
    j = int(np.argmax(means))
    others = np.delete(means, j)
    return float(means[j] - others.mean()), j


def bar_one(downbeat: float, first_onset: float, period: float, bar: float) -> float:
    """Bar 1 (frames): the downbeat at or just before the first sound (within 0.3 beat after it counts as at
    it). A song that starts on a pickup has the pickup in bar 1, as its MIDI file and a DAW session have it,
    not before the grid; a bar that would start before the audio (over 0.3 beat) starts one bar later."""
    k = np.ceil((downbeat - (first_onset + 0.3 * period)) / bar)
    offset = downbeat - k * bar
    if offset < -0.3 * period:
        offset += bar
    return max(float(offset), 0.0)


def meter_from_accents(acc: np.ndarray, first: int | None, compound: bool) -> tuple[int, TimeSignature, int]:
    """(beats per bar, meter, the downbeat's phase among the beats) from the accents per beat."""
    if compound:
        return 2, TimeSignature(6, 8), fold_contrast(acc, 2, first)[1]
    # bar accents recur every 3 beats in 3/4, every 5 in 5/4 and every 4 (and 2) in 4/4
    if quintuple(acc):
        return 5, TimeSignature(5, 4), fold_contrast(acc, 5, first)[1]
    if triple(acc):
        return 3, TimeSignature(3, 4), fold_contrast(acc, 3, first)[1]
    return 4, TimeSignature(4, 4), fold_contrast(acc, 4, first)[1]


def starts_on_a_pickup(roots: Sequence[int | None], per_bar: int) -> bool:
    """A song whose bar 1 was put at its first sound starts a beat before its first downbeat: the chords' roots
    falling by a fifth (V–I, ii–V, I–IV: the progressions that cadence) land on the beats after the bar's strong
    ones (beats 2 and 4 of 4/4, 2 of 3/4) at least PICKUP_FIFTHS times more often than on them. Harmonic arrivals
    mark the strong beats (Lerdahl & Jackendoff's metrical preference rule for harmony; Temperley & Sleator 1999);
    the falls by a fifth are those a hymn's or a chorale's passing chords seldom make, where any change of chord
    (every beat in a chorale) says nothing. `roots`: the chord's root pitch class on each beat from bar 1 (None:
    no chord). Only for 4/4 and 3/4; other meters False.

    Rendered Bach chorales start on a one-beat pickup in 51 of 73 in 4/4 and have no kit to say where beat 1 is;
    the first sound took bar 1 in all of them. On the 40 that chose the margin, bar 1 within 50 ms went 13 -> 27
    of 40 on the stems with 2 (1: 28, but it fires on one whose bar 1 was right; 3: 21), 13 -> 29 on the mixes; on
    the 40 held out, 8 -> 28 and 8 -> 29, none made wrong. Songs with a kit are not asked (their kick and snare say
    where beat 1 is): on the 149 rendered pop songs' mixes, read without a drum stem, it fired on 4 (two heard at
    half their tempo) and was wrong on all 4 until a kit inside the mix stopped it (roles.kit_inside)."""
    strong = {4: (0, 2), 3: (0,)}.get(per_bar)
    if strong is None or len(roots) < 2 * per_bar:
        return False
    lands = np.zeros(per_bar)
    for i in range(1, len(roots)):
        a, b = roots[i - 1], roots[i]
        if a is not None and b is not None and (a - b) % 12 == 7:
            lands[i % per_bar] += 1
    on = sum(lands[s] for s in strong)
    after = sum(lands[(s + 1) % per_bar] for s in strong)
    return bool(after - on >= PICKUP_FIFTHS)
