"""The beat grid by least squares over every onset, snapped to an exact BPM, and a tempo map when it changes.

Why: a pulse-train search over whole envelope frames (11.6 ms) leaves up to ~0.1 % tempo error, which is
32 ms of drift by bar 8 at 120 BPM. Every onset that falls near a beat or half-beat of the first grid is a
measurement of that grid: regressing onset times on their grid indices gives the period and phase to well
under a millisecond per beat over a song. When the fitted tempo lies within a small tolerance of a whole
(or half) BPM and the onsets sit tightly on the grid, the music was made on a clock at that tempo (a DAW,
a sequencer): the exact value is reported and the phase refitted with it, so the grid stays on the beat
for the whole song. A song whose local tempo moves away from the global one for several bars gets a tempo
map (seconds, BPM) instead, and no snapping.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SNAP_TOLERANCE_BPM = 0.06  # |fit - whole| within this: a clock-made tempo
SNAP_MAX_RESIDUAL_S = 0.02  # ...and onsets that sit on the grid to within this (rms)
# ...and a local tempo that holds: two overlapping MAP_WINDOW_BEATS windows in a row at most this far from the
# song's tempo. A clock-made song's windows agree to 0.33 % or better (the 113 rendered real songs that snap: mma
# charts, openmsx MIDI); 28 songs played without a click (benchmarks' drift sets) drift 1.6–20 %. The residual
# alone let a song drifting ±2 % round a half BPM snap to it (Jive at 151.5), and a snapped grid is never followed.
SNAP_MAX_LOCAL_CHANGE = 0.01
FIRST_WINDOW_BEATS = 16  # the least-squares fit starts on this many beats either side of the anchor beat
NEAR = 0.1  # an onset within this share of a beat from a beat or half-beat position measures the grid
MAP_WINDOW_BEATS = 16  # local tempo windows for the tempo map
MAP_MIN_CHANGE = 0.04  # a window this far off the global tempo (relative) is a real tempo change
METRICAL_RATIOS = (0.5, 2.0 / 3.0, 0.75, 4.0 / 3.0, 1.5, 2.0)  # ...unless it is another metrical level
METRICAL_TOLERANCE = 0.02  # a true change to within 2 % of 4/3 or 3/2 is rare; a swung level is exact


@dataclass(frozen=True)
class GridFit:
    period: float  # frames per beat
    phase: float  # frame of a beat
    bpm: float  # as fitted (raw)
    snapped_bpm: float | None  # the exact whole/half BPM when the fit is clock-like, else None
    residual_s: float  # rms distance of the used onsets from the grid
    n_onsets: int
    tempo_map: tuple[tuple[float, float], ...] = ()  # (seconds, BPM) when the tempo really changes


def refined_onsets(env: np.ndarray, peaks: np.ndarray) -> np.ndarray:
    """Peak frames refined to a fraction of a frame (parabola through the peak and its neighbours)."""
    p = peaks[(peaks > 0) & (peaks < env.size - 1)].astype(int)
    a, b, c = env[p - 1], env[p], env[p + 1]
    den = a - 2.0 * b + c
    shift = np.where(np.abs(den) > 1e-12, 0.5 * (a - c) / np.where(np.abs(den) > 1e-12, den, 1.0), 0.0)
    return p + np.clip(shift, -0.5, 0.5)


def _regress(t: np.ndarray, idx: np.ndarray) -> tuple[float, float, np.ndarray]:
    """t ≈ phase + period * idx / 2 (idx counts half-beats); returns (period, phase, residuals)."""
    x = idx / 2.0
    design = np.stack([np.ones_like(x), x], axis=1)
    (phase, period), *_ = np.linalg.lstsq(design, t, rcond=None)
    return float(period), float(phase), t - (phase + period * x)


def _match(t: np.ndarray, period: float, phase: float) -> tuple[np.ndarray, np.ndarray]:
    """Onsets near a beat or half-beat of the grid, and their half-beat indices."""
    pos = (t - phase) / (period / 2.0)
    idx = np.round(pos)
    near = np.abs(pos - idx) * 0.5 <= NEAR
    return t[near], idx[near]


def fit_grid(onsets: np.ndarray, period: float, phase: float, fps: float, *, quarters_per_beat: float = 1.0) -> GridFit:
    """Refine (period, phase) in frames from onset frames; see the module notes. Snapping is judged in
    quarter notes per minute (`quarters_per_beat` 1.5 for a dotted-quarter pulse); `bpm` stays per beat."""
    t = np.sort(np.asarray(onsets, dtype=float))
    cur_p, cur_ph = float(period), float(phase)
    resid = np.zeros(0)
    used = 0
    # the first grid may drift by a beat over a song (0.3 % is 0.7 beats in 4 minutes): fit a window around
    # the anchor first and double it, so every onset is matched to the beat it belongs to
    horizon = FIRST_WINDOW_BEATS * cur_p
    for _ in range(12):
        window = t[np.abs(t - phase) <= horizon] if horizon < np.inf else t
        tm, idx = _match(window, cur_p, cur_ph)
        if tm.size < 8:  # a quiet intro around the anchor: widen the window rather than give up the fit
            if horizon == np.inf:
                break
            horizon = horizon * 2.0 if window.size < t.size else np.inf
            continue
        p, ph, resid = _regress(tm, idx)
        # drop outliers (flams, grace notes, a late fill) and fit again
        mad = float(np.median(np.abs(resid - np.median(resid)))) + 1e-9
        keep = np.abs(resid - np.median(resid)) <= 4.0 * 1.4826 * mad + 0.5
        if keep.sum() >= 8:
            p, ph, resid = _regress(tm[keep], idx[keep])
        if not 0.9 * period <= p <= 1.1 * period:
            break
        cur_p, cur_ph, used = p, ph, int(keep.sum())
        if horizon == np.inf:
            break
        horizon = horizon * 2.0 if window.size < t.size else np.inf
    bpm = 60.0 * fps / cur_p
    res_s = float(np.sqrt(np.mean(resid ** 2))) / fps if resid.size else float("inf")
    local = [(float(w / fps), 60.0 * fps / p) for w, p in window_periods(t, cur_p, MAP_WINDOW_BEATS)] \
        if t.size >= 32 else []
    tempo_map = _tempo_map(local, 60.0 * fps / cur_p)
    if tempo_map:  # the grid follows the tempo that holds longest (a constant-tempo grid can follow one)
        ends = [s for s, _ in tempo_map[1:]] + [float(t[-1] / fps)]
        longest = max(range(len(tempo_map)), key=lambda i: ends[i] - tempo_map[i][0])
        bpm = tempo_map[longest][1]
        cur_p = 60.0 * fps / bpm
    clock_like = not tempo_map and _steady(local, 60.0 * fps / cur_p)
    snapped_q = snap_bpm(bpm * quarters_per_beat, res_s) if clock_like else None
    snapped = None if snapped_q is None else snapped_q / quarters_per_beat
    if snapped is not None:
        cur_p = 60.0 * fps / snapped
        tm, idx = _match(t, cur_p, cur_ph)
        if tm.size:
            r = tm - (cur_ph + cur_p * idx / 2.0)
            cur_ph += float(np.median(r))
    return GridFit(cur_p, cur_ph, bpm, snapped, res_s, used, tempo_map)


def snap_bpm(bpm: float, residual_s: float) -> float | None:
    """The whole (or else half) BPM within SNAP_TOLERANCE_BPM of the fit, for tightly timed onsets."""
    if residual_s > SNAP_MAX_RESIDUAL_S:
        return None
    for step in (1.0, 0.5):
        exact = round(bpm / step) * step
        if abs(bpm - exact) <= SNAP_TOLERANCE_BPM:
            return float(exact)
    return None


def _steady(local: list[tuple[float, float]], bpm: float) -> bool:
    """No two overlapping windows in a row off the song's tempo by more than SNAP_MAX_LOCAL_CHANGE (a window
    at another metrical level counts as on it; one odd window is a fill)."""
    devs = [0.0 if _metrical_relative(b / bpm) else abs(b / bpm - 1.0) for _, b in local]
    return all(min(a, b) <= SNAP_MAX_LOCAL_CHANGE for a, b in zip(devs, devs[1:], strict=False))


def _tempo_map(local: list[tuple[float, float]], bpm: float) -> tuple[tuple[float, float], ...]:
    """From the local tempo per window of MAP_WINDOW_BEATS beats ((start s, BPM), see `window_periods`) and the
    song's: a map only when some windows differ for real."""
    if not local:
        return ()
    # a window at 2/3, 3/4, 4/3, 3/2, 1/2 or 2 times the song's tempo has found another metrical level (a
    # swung eighth, a dotted figure, a half-time fill), not a new tempo: it keeps the song's tempo
    local = [(s, bpm if _metrical_relative(b / bpm) else b) for s, b in local]
    off = [abs(b / bpm - 1.0) > MAP_MIN_CHANGE for _, b in local]
    # a real change lasts: two overlapping windows in a row (one odd window is a fill or a fermata)
    if not any(a and b for a, b in zip(off, off[1:], strict=False)):
        return ()
    out: list[tuple[float, float]] = []
    for s, b in local:
        b = round(b, 2)
        if not out or abs(b / out[-1][1] - 1.0) > MAP_MIN_CHANGE / 2:
            out.append((round(s, 3), b))
    return tuple(out)


def window_periods(t: np.ndarray, period: float, window_beats: int, *,
                   band: tuple[float, float] = (0.67, 1.5)) -> list[tuple[float, float]]:
    """(start, local period) of windows of `window_beats` beats over the sorted onsets `t` (frames), hop half a
    window, windows with under 8 onsets skipped: the period whose beat/half-beat grid holds most of the window's
    onsets (`_local_period`), refined by least squares over them when the refit stays within `band` × `period`."""
    span = window_beats * period
    out: list[tuple[float, float]] = []
    for s in np.arange(t[0], t[-1] - span / 2, span / 2) if t.size else ():
        w = t[(t >= s) & (t < s + span)]
        if w.size < 8:
            continue
        p = _local_period(w, period)
        tm, idx = _match(w, p, float(w[0]))
        if tm.size >= 6:
            p2, _, _ = _regress(tm, idx)
            p = p2 if band[0] * period <= p2 <= band[1] * period else p
        out.append((float(s), float(p)))
    return out


def _metrical_relative(ratio: float) -> bool:
    return any(abs(ratio / r - 1.0) <= METRICAL_TOLERANCE for r in METRICAL_RATIOS)


def _local_period(w: np.ndarray, period: float) -> float:
    """The period within 0.7–1.4 of the global one whose beat/half-beat grid holds most of these onsets."""
    periods = period * np.linspace(0.7, 1.4, 141)
    anchors = w[:6]
    pos = (w[None, None, :] - anchors[None, :, None]) / (periods[:, None, None] / 2.0)  # one array op
    share = (np.abs(pos - np.round(pos)) * 0.5 <= NEAR / 2).mean(axis=2).max(axis=1)
    # prefer the period nearest the global one among those within 0.02 of the best share (held notes fit many)
    good = np.flatnonzero(share >= share.max() - 0.02)
    return float(periods[good[np.argmin(np.abs(periods[good] - period))]])
