"""Tempo, beats, meter and the first downbeat → a `BeatGrid`: one constant tempo, or through the song's tracked
beats when it was played without a click (step 5, follow.py).

Method (why it looks like this):
1. An onset-strength envelope (log-mel spectral flux, hop 256 at 22.05 kHz ≈ 11.6 ms) of the rhythmic stems
   (onsets.py).
2. A first periodicity from the whole-song autocorrelation (weak log-normal prior at 120 BPM), refined by
   fitting a constant-tempo pulse train (period and phase) to the envelope: BeatGrid is constant-tempo, and
   the fit over the whole song gives well under 1 % tempo error where frame-quantised autocorrelation alone
   gives up to ~2.5 %.
3. Which metrical level is the felt beat (the 2x, 1/2, 3/2, 2/3 and 3x errors): pulse strength under a
   tempo prior over the periods related to the first one (beatlevel.py), measured on an envelope below
   3 kHz with a 40 dB floor (quiet hi-hat spill does not count like a kick or a snare) and, with a drum
   kit, on its kick and snare alone; then a clean kick-1-3/snare-2-4 alternation read at the half-note
   level is split into its beats. With a kit, the beat's phase is where the kick, the kit and the rhythm
   section all have onsets, on the period fitted over every onset (beatlevel.drum_beat_phase).
4. Meter: a beat whose thirds carry more onset energy than its halves is compound (6/8, two dotted-quarter
   pulses per bar; four a bar are a triplet feel written 4/4 at the pulse); otherwise the accent sequence
   (low-band onsets plus harmonic change per beat) is tested for a pattern every 3, 4 or 5 beats (3/4 and 5/4
   only when significant, see meter.py); the strongest phase of the winner is the downbeat, and bar 1 the
   downbeat at or before the first sound (bar_one).
5. Unless the tempo snapped to a clock's exact BPM: the beat tracked through the song (follow.py); where the
   constant grid misses its beats, meter and bar 1 are read again on them and the grid passes through them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from app.core.analysis.rhythm import follow, meter
from app.core.analysis.rhythm.beatfit import fit_grid, refined_onsets
from app.core.analysis.rhythm.beatlevel import (
    MAX_BEAT_BPM,
    choose_beat_level,
    chroma_change,
    clearly_better_phase,
    drum_beat_phase,
    ranked_beat_levels,
)
from app.core.analysis.rhythm.meter import bar_one, four_pulse_bars, meter_from_accents, pattern_fit, zscore
from app.core.analysis.rhythm.onsets import OnsetFeatures
from app.core.music import BeatGrid

log = logging.getLogger(__name__)

MIN_ONSETS = 4
# An onset is a rise of at least this much log-mel flux (dB, mean over the bands). A steady tone's envelope
# only ripples (0.1-0.7 dB peaks: a drone, a test tone, a held organ chord) and its ripples had been read as a
# beat with a tempo; every onset peak of the 785 real stems and mixes of the benchmark sets rises 1.0 dB or
# more (docs/analysis-evaluation.md, stop 43).
MIN_ONSET_DB = 1.0
COMPOUND_RATIO = 1.5  # thirds of the beat this much busier than its halves: a compound (6/8) pulse
SWING_BALANCE = 0.35  # the weaker third at least this share of the stronger: both played, not a swing
COMPOUND_MIN = 0.1  # ...and busy at all (relative to the beats)
# ...and its beats stronger than a simple pulse two thirds as long (see _simple_pulse)
SIMPLE_OVER_COMPOUND = 1.0
ONE_PULSE_BAR_P = 0.2  # a compound beat with no 2-pulse accent pattern this significant is a 3/4 bar
START_BEATS = 9  # beats whose median length is the tempo at bar 1 (to place a bar 1 before the first tracked one)
ONSET_LAG = 0.045  # seconds the flux peak trails an attack (n_fft 1024 window), measured on synthetic hits


@dataclass(frozen=True)
class TempoResult:
    grid: BeatGrid | None
    confidence: float  # 0..1
    reason: str = ""  # why no grid could be determined
    fit_bpm: float = 0.0  # the least-squares tempo before snapping to an exact whole/half BPM
    tempo_map: tuple[tuple[float, float], ...] = ()  # (seconds, BPM) when the tempo really changes
    # the felt beat that scored next, as a ratio to the chosen tempo (0.5: half, 1.5: three against two; 0: none).
    # On the rendered real songs whose tempo is missed, the notated tempo is most often this runner-up
    runner_up_ratio: float = 0.0
    triplet_feel: bool = False  # the beat divides in three: 4/4 for a 12/8 feel (four pulses a bar), or a swing
    swing: bool = False  # ...by swung eighths on a simple beat (meter.swung), not both triplet eighths


def _global_tempo(env: np.ndarray, fps: float) -> float:
    """A first tempo: the whole-song autocorrelation of the envelope under a log-normal prior at 120 BPM.

    One FFT instead of librosa's windowed tempogram (which costs ~2 s on four minutes); the pulse fit and
    the level choice below refine it.
    """
    x = env - float(np.mean(env))
    n = 1 << int(np.ceil(np.log2(2 * x.size)))
    spec = np.fft.rfft(x, n)
    ac = np.fft.irfft(spec * np.conj(spec), n)[: x.size]
    lags = np.arange(x.size, dtype=float)
    with np.errstate(divide="ignore"):
        bpm = np.where(lags > 0, 60.0 * fps / np.maximum(lags, 1e-9), 0.0)
    valid = (bpm >= 40.0) & (bpm <= 320.0)
    if not np.any(valid):
        return 120.0
    prior = np.exp(-0.5 * (np.log2(np.maximum(bpm, 1e-9) / 120.0)) ** 2)
    score = np.where(valid, np.maximum(ac, 0.0) * prior, -np.inf)
    return float(bpm[int(np.argmax(score))])


def _peaky(env: np.ndarray) -> np.ndarray:
    from scipy.ndimage import maximum_filter1d

    return maximum_filter1d(env, size=5, mode="nearest")


def _at(env: np.ndarray, positions: np.ndarray) -> np.ndarray:
    return np.interp(positions, np.arange(env.size), env, left=0.0, right=0.0)


def _grid(start: float, period: float, n: int) -> np.ndarray:
    k0 = -int(np.floor(start / period))
    k1 = int(np.ceil((n - 1 - start) / period))
    return start + period * np.arange(k0, k1 + 1)


def _fit_pulse(env: np.ndarray, period0: float) -> tuple[float, float, float]:
    """(period, phase, score) of the constant pulse train near period0 that best matches env."""
    n = env.size
    best = (period0, 0.0, -1.0)
    for period in period0 * np.linspace(0.95, 1.05, 101):
        phases = np.arange(0.0, period, 0.5)
        k = np.arange(int((n - 1) // period) + 1)
        pos = phases[:, None] + period * k[None, :]
        vals = _at(env, pos)
        valid = pos <= n - 1
        scores = (vals * valid).sum(axis=1) / np.maximum(1, valid.sum(axis=1))
        i = int(np.argmax(scores))
        if scores[i] > best[2]:
            best = (float(period), float(phases[i]), float(scores[i]))
    return best


@dataclass(frozen=True)
class _Level:
    period: float
    phase: float
    bpm: float
    off2: float
    off3: float


def _level(env: np.ndarray, period: float, phases: list[float], fps: float) -> _Level:
    n = env.size
    best_phase, best_mean = phases[0] % period, -1.0
    for ph in phases:
        g = _grid(ph % period, period, n)
        m = float(np.mean(_at(env, g))) if g.size else 0.0
        if m > best_mean:
            best_phase, best_mean = ph % period, m
    g = _grid(best_phase, period, n)
    base = float(np.mean(_at(env, g))) + 1e-12
    off2 = float(np.mean(_at(env, g + period / 2))) / base
    # a compound pulse plays both thirds of the beat; a swung or shuffled one only the second (long-short)
    t1, t2 = float(np.mean(_at(env, g + period / 3))), float(np.mean(_at(env, g + 2 * period / 3)))
    off3 = 0.5 * (t1 + t2) / base if min(t1, t2) >= SWING_BALANCE * max(t1, t2) else 0.0
    log.debug("thirds %.2f %.2f halves %.2f", t1 / base, t2 / base, off2)
    return _Level(period, best_phase, 60.0 * fps / period, off2, off3)


def _simple_pulse(env: np.ndarray, level: _Level, fps: float) -> _Level | None:
    """The pulse of 2/3 the beat (on the best of its thirds) when it is more accented than the beat, else None.

    A beat with busy thirds is a compound one (6/8) only if it is the level the accents mark. A fast 4/4
    (a house or reggaeton track at 177-200 BPM, eighths on the hats) can be read at a dotted-quarter beat:
    its thirds are the eighths, so they look busy, but then every other beat falls on an off-beat eighth
    and the quarter pulse, 2/3 of that beat, carries the kick and snare. In a real 6/8 the opposite holds:
    that 2/3 pulse lands on two weak eighths of every three."""
    n = env.size
    base = float(np.mean(_at(env, _grid(level.phase, level.period, n))))
    phases = [level.phase + k * level.period / 3 for k in range(3)]
    means = [float(np.mean(_at(env, _grid(ph, 2 * level.period / 3, n)))) for ph in phases]
    log.debug("compound beat %.3f, 2/3 pulse %.3f", base, max(means))
    if max(means) <= SIMPLE_OVER_COMPOUND * base:
        return None
    return _level(env, 2 * level.period / 3, [phases[int(np.argmax(means))]], fps)


def _bars_of_one_pulse(feat: OnsetFeatures, level: _Level, chroma: np.ndarray | None, chroma_fps: float) -> bool:
    """A compound beat that is the bar of a fast 3/4: no accent pattern repeats every two of its pulses.

    A waltz at 150-200 quarter notes is felt one to the bar, and its oom-pah-pah then looks like a compound
    beat (the "pahs" are both thirds). A 6/8 bar has two such pulses, its downbeat the stronger (and chords
    change on it), so its accents repeat every two pulses; a waltz's pulses are all downbeats. Over the 88
    rendered real songs, the compound readings of 6/8 and 12/8-feel songs give p < 1e-5 for a 2-pulse pattern
    and the 16-second synthetic 6/8 songs up to 0.05; mma's VieneseWaltz stems 0.65 (read 6/8 at 90, not 3/4
    at 180)."""
    if 3.0 * level.bpm > MAX_BEAT_BPM:
        return False
    acc = _accents(feat, _grid(level.phase, level.period, feat.env.size), chroma, chroma_fps)
    return acc.size >= 8 and pattern_fit(acc, 2)[1] >= ONE_PULSE_BAR_P


def _accents(feat: OnsetFeatures, beats: np.ndarray, chroma: np.ndarray | None, chroma_fps: float) -> np.ndarray:
    low = _at(_peaky(feat.low), beats)
    full = _at(_peaky(feat.env), beats)
    acc = zscore(low) + 0.5 * zscore(full)
    if chroma is not None and chroma.shape[1] > 2 and beats.size > 2:
        # harmonic change at a beat: chords and bass notes change on bar lines far more often than inside
        acc = acc + 1.5 * zscore(chroma_change(chroma, chroma_fps, beats / feat.fps))
    return acc


def estimate_grid(feat: OnsetFeatures, *, chroma: np.ndarray | None = None, chroma_fps: float = 0.0,
                  kit: OnsetFeatures | None = None) -> TempoResult:
    """The song's beat grid from onset features (and, optionally, a chroma of the harmonic stems).

    `kit`: onset features of the drum stems alone (may be `feat` itself). The felt beat (which metrical
    level) is then chosen on the rhythm stems' body *and* the kit's kick and snare (`kit_body`): a bass
    line is often syncopated (notes on the off-beat eighths) and hi-hats can be loud, and either makes the
    eighth-note level look as strong as the beat and doubles the tempo; a musician taps along with the
    kick and snare (see beatlevel.choose_beat_level).
    """
    import librosa

    env, fps = feat.env, feat.fps
    duration = env.size / fps
    if duration < 1.5:
        return TempoResult(None, 0.0, "too short to find a beat (under 1.5 s)")
    if float(np.max(env, initial=0.0)) < 1e-3 or float(np.std(env)) < 1e-4:
        return TempoResult(None, 0.0, "no rhythmic onsets (silence or a steady sound)")
    peaky = _peaky(env)
    # onsets relative to the song's typical strong onsets (99th percentile), not its loudest frame (a first hit)
    delta = max(0.3 * float(np.percentile(env, 99)), 0.05 * float(np.max(env)))
    peaks = librosa.util.peak_pick(env, pre_max=3, post_max=3, pre_avg=10, post_avg=10, delta=delta, wait=5)
    if peaks.size < MIN_ONSETS:
        return TempoResult(None, 0.0, f"too few onsets to find a beat ({peaks.size})")
    if np.count_nonzero(env[peaks] >= MIN_ONSET_DB) < MIN_ONSETS:
        return TempoResult(None, 0.0, "no rhythmic onsets (a steady sound: nothing starts)")
    tempo0 = _global_tempo(env, fps)
    period, phase, score = _fit_pulse(peaky, 60.0 * fps / max(tempo0, 30.0))
    log.debug("first tempo %.2f, pulse fit %.2f", tempo0, 60.0 * fps / period)
    kit_env = kit_low = None
    if kit is not None and kit.kit_body is not None and kit.kit_body.size == feat.body.size:
        kit_env, kit_low = _peaky(kit.kit_body), _peaky(kit.kick if kit.kick is not None else kit.low)
    harmony = (chroma, chroma_fps) if chroma is not None and chroma_fps > 0 else None
    levels = ranked_beat_levels(_peaky(feat.body), period, phase, fps, kit_env, _peaky(feat.low), kit_low, harmony)
    _score, beat_period, beat_phase = levels[0]
    # the next felt beat, as a tempo ratio to the chosen one (the studio offers it: see TempoResult.runner_up_ratio)
    runner_up_ratio = beat_period / levels[1][1] if len(levels) > 1 else 0.0
    level = _level(peaky, beat_period, [beat_phase], fps)
    # the phase is judged on the period fitted over every onset (a pulse train 0.05 % off blurs the phase search)
    pre = fit_grid(refined_onsets(env, peaks), level.period, level.phase, fps)
    if kit_env is not None and kit_low is not None:
        # the beat's phase where the kick and the snare play: see drum_beat_phase
        ph = drum_beat_phase((_peaky(feat.body), kit_env, kit_low), pre.period, pre.phase, step=0.5)
        level = _level(peaky, pre.period, [ph], fps)
    else:
        # without a kit (a whole mix, pitched stems) the fit's phase is where the strongest onsets are, which in
        # an eighth-note groove with loud off-beat hats can be the off-beat all song long (mma 8Beat's mix: bar 1
        # 3.5 beats off, chords straddling every beat); the rhythm section's body and its low band (kick, bass)
        # move it by half a beat when they clearly say so (the follower's margin, as in follow.on_the_beat). On the
        # 58 real mixes this moved only that song; a search over every phase also moved it but put a drifting
        # mix (run_for_your_life) on a phase whose felt level was half the tempo.
        ph = clearly_better_phase((_peaky(feat.body), _peaky(feat.low)), pre.period, pre.phase,
                                  follow.HALF_BEAT_MARGIN)
        if ph != pre.phase:
            level = _level(peaky, pre.period, [ph], fps)
    log.debug("beat level %.2f BPM at phase %.2f s", level.bpm, level.phase / fps)
    n_pulses = duration * level.bpm / 60.0
    if n_pulses < 3:
        return TempoResult(None, 0.0, "too few beats to measure a tempo")
    compound = level.off3 > COMPOUND_RATIO * level.off2 and level.off3 > COMPOUND_MIN
    if compound and (simple := _simple_pulse(peaky, level, fps)) is not None:
        compound, level = False, simple
    if compound and _bars_of_one_pulse(feat, level, chroma, chroma_fps):
        compound, level = False, _level(peaky, level.period / 3.0, [level.phase], fps)
    beats = _grid(level.phase, level.period, env.size)
    acc = _accents(feat, beats, chroma, chroma_fps)
    onset_frames = np.flatnonzero(peaky > 0.25 * np.percentile(peaky, 99))
    first_onset = float(onset_frames[0]) if onset_frames.size else 0.0
    # in envelope frames (which trail the attack by ONSET_LAG), the sound may start before its first flux peak
    first_onset = min(first_onset, (feat.first_sound + ONSET_LAG) * fps)
    first_beat = int(np.argmin(np.abs(beats - first_onset))) if beats.size else 0
    first = first_beat if beats.size and abs(beats[first_beat] - first_onset) <= 0.25 * level.period else None
    # four compound pulses a bar: a triplet feel, written 4/4 as charts write swing and 12/8 ballads (four_pulse_bars)
    triplet_feel = compound and four_pulse_bars(acc)
    compound = compound and not triplet_feel
    per_bar, ts, down = meter_from_accents(acc, first, compound)
    # least squares over every onset, then an exact BPM when the music was made on a clock (beatfit.py)
    scale = 1.5 if compound else 1.0
    fit = fit_grid(refined_onsets(env, peaks), level.period, float(beats[down] if beats.size > down else level.phase),
                   fps, quarters_per_beat=scale)
    quarter_bpm = (fit.snapped_bpm or fit.bpm) * scale
    log.debug("fit %.4f BPM (snapped %s) phase %.3f s, residual %.4f s over %d onsets", fit.bpm, fit.snapped_bpm,
              fit.phase / fps, fit.residual_s, fit.n_onsets)
    level = _Level(fit.period, fit.phase % fit.period, 60.0 * fps / fit.period, level.off2, level.off3)
    beats = _grid(level.phase, level.period, env.size)
    down = int(np.argmin(np.abs(beats - fit.phase))) % per_bar
    bar_frames = per_bar * level.period
    first_down = beats[down] if beats.size > down else level.phase
    offset_frames = bar_one(first_down, first_onset, level.period, bar_frames)
    log.debug("first onset %.2f s, downbeat phase %d of %d, bar 1 at %.2f s", first_onset / fps, down, per_bar,
              offset_frames / fps)
    beat_frames = _grid(offset_frames, level.period, env.size)
    beat_frames = beat_frames[beat_frames >= offset_frames - 1e-6]
    swing = not compound and not triplet_feel and meter.swung(env, beat_frames, level.period)
    lag = min(ONSET_LAG, offset_frames / fps)
    beat_times = tuple(float(b / fps - lag) for b in beat_frames)
    downbeat_times = beat_times[::per_bar]
    mean_env = float(np.mean(peaky)) + 1e-12
    strength = float(np.mean(_at(peaky, beat_frames))) / mean_env if beat_frames.size else 0.0
    confidence = float(np.clip((strength - 1.0) / 1.5, 0.0, 1.0))
    quarter_bpm = float(np.clip(quarter_bpm, 20.0, 400.0))
    grid = BeatGrid(tempo_bpm=quarter_bpm if fit.snapped_bpm else round(quarter_bpm, 3), time_signature=ts,
                    offset_seconds=float(offset_frames / fps - lag), beat_times=beat_times,
                    downbeat_times=downbeat_times)
    if fit.snapped_bpm is None:
        # music played without a click: a grid that follows its beats where the constant one is off them
        tracked = follow.track_beats(env, fps, level.period, refined_onsets(env, peaks))
        # on the beat the constant grid's phase was chosen by (the kit's kick and snare, else the body)
        tracked = follow.on_the_beat(tracked, (_peaky(feat.body),) if kit_env is None or kit_low is None
                                     else (_peaky(feat.body), kit_env, kit_low))
        if follow.needs_following(tracked, beat_frames, fps):
            tracked, ratio = _felt_level(tracked, feat, kit_env, kit_low)
            grid = _following_grid(feat, tracked, chroma, chroma_fps, first_onset, compound,
                                   float(np.clip(grid.tempo_bpm * ratio, 20.0, 400.0))) or grid
            swing = not compound and not triplet_feel and meter.swung(env, tracked[:-1], np.diff(tracked))
    return TempoResult(grid, confidence, fit_bpm=round(fit.bpm * scale, 4),
                       tempo_map=tuple((t, round(b * scale, 2)) for t, b in fit.tempo_map),
                       runner_up_ratio=runner_up_ratio, triplet_feel=triplet_feel or swing, swing=swing)


def _felt_level(tracked: np.ndarray, feat: OnsetFeatures, kit_env: np.ndarray | None,
                kit_low: np.ndarray | None) -> tuple[np.ndarray, float]:
    """The felt beat chosen again on the song straightened by its tracked beats (follow.straightened): the level
    was chosen on a steady pulse, which a drifting tempo blurs (a ska song drifting read at half tempo). Returns
    the beats at the chosen level and its tempo relative to the tracked one (2: twice as fast)."""
    if tracked.size < 16:
        return tracked, 1.0
    p0 = float(np.median(np.diff(tracked)))

    def warp(env: np.ndarray | None) -> np.ndarray | None:
        return None if env is None else follow.straightened(env, tracked, p0)

    period, phase = choose_beat_level(warp(_peaky(feat.body)), p0, 0.0, feat.fps, warp(kit_env),
                                      warp(_peaky(feat.low)), warp(kit_low))
    regrouped = follow.regrouped(tracked, period / p0, phase / p0)
    if regrouped is None or regrouped.size < 8:
        return tracked, 1.0
    return regrouped, p0 / period


def _following_grid(feat: OnsetFeatures, tracked: np.ndarray, chroma: np.ndarray | None, chroma_fps: float,
                    first_onset: float, compound: bool, tempo_bpm: float) -> BeatGrid | None:
    """A grid through the tracked beats (frames; follow.py): meter and downbeat read again on them, bar 1 the
    downbeat at or just before the first sound, anchors (quarters, seconds after bar 1) one per beat. Its
    `tempo_bpm` (shown, and the metronome's) stays the constant fit's: the song's mean tempo, or the tempo that
    holds longest when the song changes tempo (as a tempo map reports it)."""
    fps = feat.fps
    p0 = float(np.median(np.diff(tracked[:START_BEATS]))) if tracked.size > 1 else 0.0
    if p0 <= 0:
        return None
    acc = _accents(feat, tracked, chroma, chroma_fps)
    fb = int(np.argmin(np.abs(tracked - first_onset)))
    first = fb if abs(tracked[fb] - first_onset) <= 0.25 * p0 else None
    per_bar, ts, down = meter_from_accents(acc, first, compound)
    qpb = 1.5 if compound else 1.0
    downs = np.arange(down % per_bar, tracked.size, per_bar)
    at_start = downs[tracked[downs] <= first_onset + 0.3 * p0]
    if at_start.size:
        j, offset = int(at_start[-1]), float(tracked[at_start[-1]])
    else:  # the first tracked downbeat comes after the first sound: bar 1 a bar (or more) before it
        j = int(downs[0]) if downs.size else 0
        offset = bar_one(float(tracked[j]), first_onset, p0, per_bar * p0)
    lag = min(ONSET_LAG, max(offset, 0.0) / fps)
    seconds = tracked / fps - lag
    bar1 = offset / fps - lag
    quarters = (np.arange(tracked.size) - j) * qpb + (round((tracked[j] - offset) / p0) * qpb if not at_start.size
                                                      else 0.0)
    keep = (quarters > 0) & (seconds > bar1)
    anchors = ((0.0, 0.0),) + tuple((float(q), float(t - bar1)) for q, t in zip(quarters[keep], seconds[keep],
                                                                                  strict=True))
    if len(anchors) < 2:
        return None
    # bar 1, then the tracked beats after it (bar 1 is a tracked beat, or a bar before the first one)
    beat_times = (float(bar1),) + tuple(float(t) for t in seconds[keep])
    on_bar = np.isclose(np.mod(quarters[keep], ts.bar_quarters), 0.0, atol=1e-6)
    downbeat_times = (float(bar1),) + tuple(float(t) for t in seconds[keep][on_bar])
    try:
        return BeatGrid(tempo_bpm=tempo_bpm, time_signature=ts, offset_seconds=float(bar1),
                        beat_times=beat_times, downbeat_times=downbeat_times, anchors=anchors)
    except ValueError:  # a tracked stretch outside 20–400 BPM: keep the constant grid
        return None
