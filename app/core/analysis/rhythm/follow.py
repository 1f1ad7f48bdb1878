"""The beat followed through a tempo that moves: music played without a click.

Why: a band, or a singer with a guitar, recorded without a click drifts — a few per cent over a song, often
rushing. A constant-tempo grid fitted over the whole song crosses the real beats and sits off them elsewhere:
on 14 real songs (openttd-openmsx, mma) rendered with such a drift (±2 % wander, +3 % rush) its beat F-measure
at ±50 ms was 0.33, essentia's tracker 0.88, librosa's 0.74; following the beats, 0.97 (a check set of 14
other songs: 0.35 → 0.91, essentia 0.84)
(`python benchmarks/run.py drift`). Bars, chords per beat and every suggestion are placed on that grid.

Method: dynamic-programming beat tracking (Ellis 2007, the recursion of `librosa.beat.beat_track`, here in
`_dp_beats`, compiled once and cached, without the GIL) on the onset envelope at
the beat level already chosen (the felt beat, see tempo.py), its tempo prior per frame the local tempo of
16-beat windows fitted by least squares over the onsets (beatfit), so the path follows a tempo change
instead of fighting it, and can keep close to it (TIGHTNESS 1600, chosen on that set among 100 — librosa's
default, which let the path glide onto the off-beat for bars in syncopated passages — 400, 1600 and 6400);
the path or its half-beat shift, by where the kit plays (`on_the_beat`); then the tracked beat times smoothed by a straight-line fit over 9 beats
(Savitzky–Golay, order 1), which puts each beat between envelope frames. The grid follows these beats only
where the constant grid would be off the beat (`needs_following`): music made on a clock keeps its exact BPM.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from app.core.analysis.rhythm.beatfit import window_periods

WINDOW_BEATS = 16  # local tempo windows (hop: half of it)
LOCAL_BAND = (0.8, 1.25)  # a window's period outside this × the song's is another metrical level, not a tempo
SMOOTH_BEATS = 9  # beats in the straight-line fit that places each tracked beat
TIGHTNESS = 1600.0  # how closely the path keeps the local tempo prior (see the module notes)
OFF_BEAT_S = 0.05  # a tracked beat this far from every beat of the constant grid: that grid is off the beat...
OFF_BEAT_SHARE = 0.15  # ...at this share of the song's beats or more: follow the tracked beats
# The half-beat shift must score this many times the path: on the drifting rhumba and modern_motion (kit: body,
# kick and snare) the off-beat path scored 1/1.48 and 1/2.6 of its shift; on coconut_run2, where only the body
# is there to judge, the right path scored 1/1.05 of it (a product of one envelope's ratio: ambiguous, keep)
HALF_BEAT_MARGIN = 1.25
MAX_STEP_RATIO = 1.3  # consecutive beat lengths differ by at most this factor, else the tracking slipped


def local_periods(onsets: np.ndarray, period: float, n_frames: int) -> np.ndarray:
    """The beat period (frames) at each frame, from windows of WINDOW_BEATS beats, hop half a window, each fitted
    by least squares over the onsets (frames) near its beats and half-beats, interpolated between the windows'
    centres; the song's `period` where a window has too few onsets or finds another metrical level."""
    t = np.sort(np.asarray(onsets, dtype=float))
    windows = window_periods(t, period, WINDOW_BEATS, band=LOCAL_BAND)
    centres = [s + WINDOW_BEATS * period / 2 for s, _ in windows]
    # another metrical level (a half-time fill, a swung figure) is not a tempo: keep the song's
    periods = [p if LOCAL_BAND[0] * period <= p <= LOCAL_BAND[1] * period else period for _, p in windows]
    if not centres:
        return np.full(n_frames, float(period))
    return np.interp(np.arange(n_frames, dtype=float), centres, periods)


def track_beats(env: np.ndarray, fps: float, period: float, onsets: np.ndarray) -> np.ndarray:
    """Beat frames (fractional, smoothed) through the whole envelope at the beat level of `period` (frames)."""
    periods = local_periods(onsets, period, env.size)
    e = np.asarray(env, dtype=float)
    e = e / (float(np.std(e, ddof=1)) + 1e-12) if e.size > 1 else e
    # the onsets smoothed by a Gaussian 1/32 of a beat wide (Ellis 2007's local score)
    half = int(round(float(np.median(periods))))
    window = np.exp(-0.5 * (np.arange(-half, half + 1) * 32.0 / max(half, 1)) ** 2)
    local = np.convolve(e, window, mode="same")
    beats = _dp_beats(local, np.round(periods), TIGHTNESS).astype(float)
    if beats.size >= SMOOTH_BEATS:
        from scipy.signal import savgol_filter

        beats = savgol_filter(beats, SMOOTH_BEATS, 1, mode="interp")
    return beats


def on_the_beat(beats: np.ndarray, envs: tuple[np.ndarray, ...]) -> np.ndarray:
    """The tracked beats, or the points halfway between them when those are where `envs` all have their onsets.

    The tracker follows whatever pulse is strongest in the full-band envelope: in a rhumba or under off-beat
    chords that is the off-beat, all song long. The constant grid's phase was chosen where the kick and the
    snare (or the rhythm section's body, without a kit) play (beatlevel.drum_beat_phase); the same product of
    each envelope's mean at the beats, relative to its own mean, decides here between the path and its
    half-beat shift — the shift only when clearly better (HALF_BEAT_MARGIN)."""
    if beats.size < 3:
        return beats
    from scipy.ndimage import maximum_filter1d

    mid = 0.5 * (beats[1:] + beats[:-1])
    # each envelope's peak within a frame of the place: a smoothed beat sits between envelope frames
    peaks = [maximum_filter1d(np.asarray(env, dtype=float), 3) for env in envs]

    def score(pos: np.ndarray) -> float:
        s = 1.0
        for env, peak in zip(envs, peaks, strict=True):
            i = np.clip(np.round(pos).astype(int), 0, env.size - 1)
            s *= float(np.mean(peak[i])) / (float(np.mean(env)) + 1e-12)
        return s

    return mid if score(mid) > HALF_BEAT_MARGIN * score(beats[:-1]) else beats


def straightened(env: np.ndarray, beats: np.ndarray, period: float) -> np.ndarray:
    """`env` resampled so that the tracked `beats` (frames) fall every `period` frames from frame 0: the song as
    if played on a click at its typical tempo, where a level choice made for a steady pulse holds again."""
    u = np.arange(int((beats.size - 1) * period), dtype=float)
    where = np.interp(u, np.arange(beats.size) * period, beats)
    return np.interp(where, np.arange(env.size, dtype=float), np.asarray(env, dtype=float))


def regrouped(beats: np.ndarray, ratio: float, phase_beats: float) -> np.ndarray | None:
    """The tracked beats at another level: twice as many (ratio 0.5: the midpoints added), or every other one
    (ratio 2; `phase_beats` says which: the chosen pulse's phase in tracked beats). None for other ratios."""
    if abs(ratio - 0.5) <= 0.05:
        out = np.empty(2 * beats.size - 1)
        out[0::2], out[1::2] = beats, 0.5 * (beats[1:] + beats[:-1])
        return out
    if abs(ratio - 2.0) <= 0.1:
        return beats[int(round(phase_beats)) % 2::2]
    return None


def steady(beats: np.ndarray) -> bool:
    """The tracked beats never skip or double a beat: consecutive beat lengths within MAX_STEP_RATIO."""
    if beats.size < 4:
        return False
    d = np.diff(beats)
    if np.any(d <= 0):
        return False
    r = d[1:] / d[:-1]
    return bool(np.all((r <= MAX_STEP_RATIO) & (r >= 1.0 / MAX_STEP_RATIO)))


def off_beat_share(tracked: np.ndarray, constant: np.ndarray, fps: float) -> float:
    """Share of the tracked beats farther than OFF_BEAT_S from every beat of the constant grid (frames)."""
    if tracked.size == 0 or constant.size == 0:
        return 0.0
    c = np.sort(constant)
    i = np.clip(np.searchsorted(c, tracked), 1, max(1, c.size - 1))
    d = np.minimum(np.abs(tracked - c[i - 1]), np.abs(tracked - c[np.minimum(i, c.size - 1)]))
    return float(np.mean(d / fps > OFF_BEAT_S))


def needs_following(tracked: np.ndarray, constant: np.ndarray, fps: float) -> bool:
    """Follow the tracked beats when they are steady and the constant grid misses OFF_BEAT_SHARE of them."""
    return steady(tracked) and off_beat_share(tracked, constant, fps) >= OFF_BEAT_SHARE


@njit(cache=True, nogil=True)
def _dp_beats(local: np.ndarray, periods: np.ndarray, tightness: float) -> np.ndarray:  # pragma: no cover - numba
    """Ellis's (2007) dynamic program: the best chain of beats through `local` (the smoothed onset strength)
    whose spacing keeps close to the per-frame period `periods` (a log-ratio penalty × `tightness`); the
    same recursion as librosa's `beat_track`, compiled once and cached on disk, and run without the GIL
    (librosa recompiles its version in every process: 2.7 s the first time, holding the GIL, which the
    studio's audio callback needs)."""
    n = local.size
    cum = np.zeros(n)
    back = np.full(n, -1, np.int64)
    thresh = 0.01 * local.max()
    first = True
    for i in range(n):
        p = periods[i]
        best, where = -np.inf, -1
        lo = i - int(2 * p) - 1
        loc = i - int(np.round(p / 2))
        while loc > lo and loc >= 0:
            s = cum[loc] - tightness * (np.log(i - loc) - np.log(p)) ** 2
            if s > best:
                best, where = s, loc
            loc -= 1
        cum[i] = local[i] + best if where >= 0 else local[i]
        if first and local[i] < thresh:
            back[i] = -1
        else:
            back[i] = where
            first = False
    # the last beat: the last local maximum of the cumulative score above half their median
    peaks = [i for i in range(1, n - 1) if cum[i] > cum[i - 1] and cum[i] >= cum[i + 1]]
    if not peaks:
        return np.zeros(0, np.int64)
    values = np.array([cum[i] for i in peaks])
    limit = 0.5 * np.median(values)
    tail = peaks[-1]
    for i in peaks[::-1]:
        if cum[i] > limit:
            tail = i
            break
    out = []
    k = tail
    while k >= 0:
        out.append(k)
        k = back[k]
    return np.array(out[::-1], np.int64)
