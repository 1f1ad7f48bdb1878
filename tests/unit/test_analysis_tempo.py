"""Tempo, meter and downbeat on synthetic rhythms with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.analysis.harmony.chroma import chroma_features
from app.core.analysis.rhythm.meter import quintuple
from app.core.analysis.rhythm.onsets import onset_features
from app.core.analysis.rhythm.tap import tap_tempo
from app.core.analysis.rhythm.tempo import estimate_grid
from app.core.analysis.signal import ANALYSIS_RATE, mix, mono_at
from app.core.music import TimeSignature
from tests.helpers.songs import make_song


def _grid_of(song):
    """As the pipeline does it: onsets of the rhythm stems, harmonic change from the pitched ones."""
    y = mix([mono_at(song.stems[n], song.sample_rate) for n in ("drums", "bass")])
    h = mix([mono_at(song.stems[n], song.sample_rate) for n in ("bass", "harmony")])
    c = chroma_features(h, ANALYSIS_RATE)
    return estimate_grid(onset_features(y, ANALYSIS_RATE), chroma=c.chroma, chroma_fps=c.fps)


@pytest.mark.parametrize("meter,tempo", [(TimeSignature(4, 4), 96.0), (TimeSignature(3, 4), 140.0),
                                         (TimeSignature(6, 8), 120.0), (TimeSignature(4, 4), 172.0),
                                         (TimeSignature(4, 4), 64.0)])
def test_tempo_meter_and_downbeat_are_found(meter, tempo):
    song = make_song(7, meter=meter, tempo_bpm=tempo, seconds=10.0)
    result = _grid_of(song)
    assert result.grid is not None, result.reason
    assert result.grid.tempo_bpm == pytest.approx(tempo, rel=0.02)
    assert result.grid.time_signature == meter
    assert result.grid.offset_seconds == pytest.approx(song.offset_seconds, abs=0.05)
    # beats are listed from bar 1 on, one per quarter (per dotted quarter in 6/8 counts as 2 beats: eighths
    # are not listed), and downbeats are a subset of beats
    assert result.grid.beat_times[0] == pytest.approx(result.grid.offset_seconds)
    assert set(result.grid.downbeat_times) <= set(result.grid.beat_times)


def test_silence_and_short_audio_say_why():
    silent = estimate_grid(onset_features(np.zeros(ANALYSIS_RATE * 5, np.float32), ANALYSIS_RATE))
    assert silent.grid is None and "onset" in silent.reason
    short = estimate_grid(onset_features(np.random.default_rng(0).standard_normal(ANALYSIS_RATE).astype(np.float32),
                                         ANALYSIS_RATE))
    assert short.grid is None and "short" in short.reason


def test_a_single_click_does_not_invent_a_tempo_or_crash():
    y = np.zeros(ANALYSIS_RATE * 4, np.float32)
    y[ANALYSIS_RATE: ANALYSIS_RATE + 200] = 1.0
    result = estimate_grid(onset_features(y, ANALYSIS_RATE))
    assert result.grid is None or result.confidence < 0.5


def _tone(seconds: float, *, gaps_every: float | None = None, vibrato: float = 0.0) -> np.ndarray:
    """An organ-like held A (220 Hz, six partials), optionally with vibrato, optionally re-struck."""
    t = np.arange(int(seconds * ANALYSIS_RATE)) / ANALYSIS_RATE
    phase = 2 * np.pi * 220 * t + vibrato * np.sin(2 * np.pi * 5.5 * t)
    y = sum(np.sin(k * phase) / k for k in range(1, 7)).astype(np.float32) * 0.2
    if gaps_every:  # a short silence before each re-strike: an onset every `gaps_every` seconds
        y[(t % gaps_every) > gaps_every - 0.08] = 0.0
    return y


@pytest.mark.parametrize("vibrato", [0.0, 0.4])  # none, and ±17 cents at 5.5 Hz
def test_a_steady_tone_has_no_beat(vibrato):
    """A drone or a held chord only ripples the onset envelope; its ripples were read as a beat (140 BPM,
    "played without a click")."""
    result = estimate_grid(onset_features(_tone(8.0, vibrato=vibrato), ANALYSIS_RATE))
    assert result.grid is None and "steady sound" in result.reason


def test_the_same_tone_struck_on_a_pulse_has_its_beat():
    result = estimate_grid(onset_features(_tone(8.0, gaps_every=0.5), ANALYSIS_RATE))
    assert result.grid is not None, result.reason
    assert result.grid.tempo_bpm == pytest.approx(120.0, rel=0.04)


def test_tap_tempo():
    assert tap_tempo([0.0, 0.5, 1.0, 1.5]) == pytest.approx(120.0)
    assert tap_tempo([0.0, 0.5, 1.0, 1.52, 2.0]) == pytest.approx(120.0, rel=0.01)  # median shrugs off a late tap
    assert tap_tempo([1.0]) is None
    assert tap_tempo([0.0, 0.01]) is None  # a double click is not a tempo


# (6/8 without drums is not here: a long-short figure alone cannot tell 6/8 from a swung 4/4, and real songs
# swing far more often; a compound pulse needs both thirds of the beat played, see tempo._level)
@pytest.mark.parametrize("meter,tempo", [(TimeSignature(4, 4), 135.0), (TimeSignature(3, 4), 100.0)])
def test_without_drums_the_pitched_stems_carry_the_beat(meter, tempo):
    song = make_song(12, meter=meter, tempo_bpm=tempo, seconds=12.0)
    y = mix([mono_at(song.stems[n], song.sample_rate) for n in ("bass", "harmony", "lead")])
    h = mix([mono_at(song.stems[n], song.sample_rate) for n in ("bass", "harmony")])
    c = chroma_features(h, ANALYSIS_RATE)
    result = estimate_grid(onset_features(y, ANALYSIS_RATE), chroma=c.chroma, chroma_fps=c.fps)
    assert result.grid is not None, result.reason
    assert result.grid.tempo_bpm == pytest.approx(tempo, rel=0.02)
    assert result.grid.time_signature == meter


@pytest.mark.parametrize("seed,tempo", [(1, 120.0), (3, 90.0)])
def test_five_four_is_heard_from_its_bar_pattern(seed, tempo):
    # 3 + 2 bars (kick on 1 and 4, snare on 3 and 5) with a chord per bar; 5/4 needs strong evidence (it is
    # rare), so the song lasts as long as a real one's first verse and chorus, not an 8-bar excerpt
    song = make_song(seed, meter=TimeSignature(5, 4), tempo_bpm=tempo, seconds=40.0)
    result = _grid_of(song)
    assert result.grid is not None, result.reason
    assert result.grid.time_signature == TimeSignature(5, 4)
    assert result.grid.tempo_bpm == pytest.approx(tempo, rel=0.02)
    assert result.grid.offset_seconds == pytest.approx(song.offset_seconds, abs=0.05)


def test_a_five_beat_accent_pattern_needs_to_be_there_and_to_beat_three_and_four():
    rng = np.random.default_rng(5)
    noise = rng.standard_normal(200)
    assert not quintuple(noise)  # no pattern at all
    assert quintuple(noise + np.tile([3.0, 0.0, 1.0, 1.5, 0.5], 40))
    assert not quintuple(noise + np.tile([3.0, 0.0, 1.0, 0.0], 50))  # a 4/4 bar
    assert not quintuple(noise + np.tile([3.0, 0.0, 0.0], 67)[:200])  # a 3/4 bar
    # 8 bars with a 5-beat tendency that would be significant for 3/4 (p ~ 0.005 < TRIPLE_P) are not evidence
    # enough for a rare meter
    assert not quintuple(rng.standard_normal(40) + np.tile([1.6, 0.0, 0.0, 0.0, 0.0], 8))


def _pattern_track(bpm: float, pattern: list[tuple[int, str]], seconds: float = 16.0, seed: int = 0) -> np.ndarray:
    """A drum track from (sixteenth of a 4/4 bar, "k"|"s"|"h") hits: a pitched kick, a toned snare, a hat."""
    rng = np.random.default_rng(seed)
    sr, q = ANALYSIS_RATE, 60.0 / bpm
    y = np.zeros(int(seconds * sr))
    t = np.arange(int(0.3 * sr)) / sr
    sounds = {"k": np.sin(2 * np.pi * np.cumsum(50 + 100 * np.exp(-t / 0.02)) / sr) * np.exp(-t / 0.08),
              "s": np.sin(2 * np.pi * 190 * t) * np.exp(-t / 0.04)
              + 0.4 * rng.standard_normal(t.size) * np.exp(-t / 0.05),
              "h": np.diff(rng.standard_normal(t.size + 1)) * np.exp(-t / 0.015) * 0.3}
    for bar in range(int(seconds / (4 * q))):
        for i, name in pattern:
            s = int((bar * 4 * q + i * q / 4 + 0.2) * sr)
            sig = sounds[name] * rng.uniform(0.8, 1.0)
            if s + sig.size <= y.size:
                y[s:s + sig.size] += sig
    return y.astype(np.float32)


@pytest.mark.parametrize("bpm", [177.0, 200.0])
def test_a_fast_dembow_is_four_four_not_six_eight(bpm):
    # reggaeton's dembow (kick on every quarter, snares on the 3-3-2 sixteenths, eighth hats) at the tempo LMMS's
    # demo songs write it: read at a dotted-quarter beat its thirds are the busy eighths, so it looked compound
    # (CapDan-ReggaetonTry, DirtyLove and Socceroos-Progress read 6/8); the quarter pulse carries the kicks
    dembow = [(i, "k") for i in (0, 4, 8, 12)] + [(i, "s") for i in (3, 6, 11, 14)] + [(i, "h") for i in range(0, 16, 2)]
    f = onset_features(_pattern_track(bpm, dembow), ANALYSIS_RATE)
    grid = estimate_grid(f, kit=f).grid
    assert grid is not None and grid.time_signature == TimeSignature(4, 4)
    assert grid.tempo_bpm == pytest.approx(bpm, rel=0.01) or grid.tempo_bpm == pytest.approx(bpm / 2, rel=0.01)


def test_a_clip_shorter_than_one_fft_frame_gives_features_without_a_library_warning():
    import warnings

    from app.core.analysis.rhythm.onsets import onset_features

    y = np.random.default_rng(0).standard_normal(220).astype(np.float32) * 0.1
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # librosa's "n_fft is too large" would land on the user's stderr
        feat = onset_features(y, 22050)
    assert feat.env.size >= 1 and np.isfinite(feat.env).all()
