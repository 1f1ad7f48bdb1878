"""Key and chord estimation with known answers (synthetic audio and synthetic chroma)."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.analysis.harmony.chords import QUALITIES, beat_boundaries, decode_chords, estimate_chords
from app.core.analysis.harmony.chroma import chroma_features
from app.core.analysis.harmony.key import estimate_key, key_sections
from app.core.analysis.harmony.key_function import refine_with_chords
from app.core.analysis.signal import ANALYSIS_RATE, mix, mono_at
from app.core.music import CHORD_QUALITIES, BeatGrid, Chord, Key, TimeSignature
from tests.helpers.songs import make_song


def _chroma(song, names=("bass", "harmony", "lead")):
    return chroma_features(mix([mono_at(song.stems[n], song.sample_rate) for n in names]), ANALYSIS_RATE)


@pytest.mark.parametrize("key", [Key(2, "major"), Key(9, "minor"), Key(6, "minor"), Key(10, "major")])
def test_key_of_a_synthetic_song(key):
    song = make_song(11, key=key, seconds=8.0, tempo_bpm=120.0)
    f = _chroma(song)
    est = estimate_key(f.chroma, f.bass, weights=f.energy)
    grid = BeatGrid(120.0, song.time_signature, song.offset_seconds)
    times, quarters = beat_boundaries(grid, song.duration_seconds)
    bc, bb, be = f.beat_sync(times)
    chords = estimate_chords(bc, bb, be, quarters, grid)
    bars = [chords.timeline.at(b * song.time_signature.bar_quarters) for b in range(4)]
    refined = refine_with_chords(est, bars)
    assert refined.key == key
    assert 0.0 <= refined.confidence <= 1.0


def test_drums_only_has_no_key():
    song = make_song(3, seconds=6.0)
    f = _chroma(song, ("drums",))
    est = estimate_key(f.chroma, f.bass, weights=f.energy)
    assert est.key is None and "no clear key" in est.reason


def test_empty_chroma_has_no_key():
    est = estimate_key(np.zeros((12, 0)))
    assert est.key is None and est.reason


def _template(chord: Chord) -> np.ndarray:
    v = np.zeros(12)
    for step in CHORD_QUALITIES[chord.quality]:
        v[(chord.root_pc + step) % 12] = 1.0
    return v


def test_every_quality_is_recognised_from_clean_chroma():
    chords = [Chord(r, q) for q in QUALITIES for r in (0, 5, 11)]
    per = 4  # one bar of 4 beats each
    bc = np.repeat(np.stack([_template(c) for c in chords]), per, axis=0)
    bb = np.zeros_like(bc)
    for i, c in enumerate(chords):
        bb[i * per:(i + 1) * per, c.root_pc] = 1.0
    grid = BeatGrid(120.0, TimeSignature(4, 4))
    quarters = np.arange(bc.shape[0] + 1, dtype=float)
    est = estimate_chords(bc, bb, np.ones(bc.shape[0]), quarters, grid)
    got = [est.timeline.at(i * per + 0.5) for i in range(len(chords))]
    assert got == chords


def test_viterbi_keeps_a_chord_through_a_passing_note_and_silence_is_no_chord():
    c, g = Chord(0, "maj"), Chord(7, "maj")
    rows = [_template(c)] * 4 + [_template(g)] * 4
    rows[2] = _template(c) * 0.6 + _template(Chord(2, "min")) * 0.4  # a passing D and F over C inside the bar
    bc = np.stack(rows + [np.zeros(12)] * 4)
    bb = np.zeros_like(bc)
    energy = np.array([1.0] * 8 + [0.0] * 4)
    grid = BeatGrid(100.0, TimeSignature(4, 4))
    est = estimate_chords(bc, bb, energy, np.arange(13, dtype=float), grid)
    assert [s.chord for s in est.timeline] == [c, g, Chord(None)]
    assert est.timeline.spans[0].end == 4.0


def test_decoder_empty_input():
    per_beat, conf = decode_chords(np.zeros((0, 12)), np.zeros((0, 12)), np.zeros(0), np.zeros(0, bool))
    assert per_beat == () and conf.size == 0


def test_a_strong_long_modulation_is_reported_as_a_section():
    c_major = np.array([1, 0, .6, 0, .8, .6, 0, 1, 0, .6, 0, .5])
    d_major = np.roll(c_major, 2)
    beats = np.stack([c_major] * 64 + [d_major] * 64)
    bass = np.zeros_like(beats)
    bass[:64, 0] = 1
    bass[64:, 2] = 1
    sections = key_sections(beats, bass, np.ones(128), beats_per_bar=4, quarters_per_beat=1.0,
                            global_key=Key(0, "major"))
    assert sections and sections[0].key == Key(2, "major")
    assert sections[0].start >= 32 and sections[-1].end == 128
    assert key_sections(beats[:64], bass[:64], np.ones(64), beats_per_bar=4, quarters_per_beat=1.0,
                        global_key=Key(0, "major")) == []


def test_a_modulating_song_reports_its_second_key_as_a_section():
    """20 bars in C major, then 12 bars in E major (same tempo and meter): the song's key is C major and
    the last bars are a section in E major."""
    from app.core.analysis import StemInput, analyze_stems

    ts = TimeSignature(4, 4)
    a = make_song(31, meter=ts, tempo_bpm=150.0, key=Key(0, "major"), seconds=32.0)
    b = make_song(32, meter=ts, tempo_bpm=150.0, key=Key(4, "major"), seconds=19.2)
    sr = a.sample_rate
    bar = int(round(4 * 60.0 / 150.0 * sr))
    a_end = int(round(a.offset_seconds * sr)) + 20 * bar
    b_start = int(round(b.offset_seconds * sr))
    stems = []
    for name in ("drums", "bass", "harmony"):
        joined = np.concatenate([a.stems[name][:, :a_end], b.stems[name][:, b_start:b_start + 12 * bar]], axis=1)
        stems.append(StemInput(name, joined, sr, f"{name}-modulating"))
    result = analyze_stems(stems)
    assert result.key == Key(0, "major")
    assert result.key_sections and result.key_sections[-1].key == Key(4, "major")
    assert 64.0 <= result.key_sections[-1].start <= 96.0 and result.key_sections[-1].end >= 120.0


@pytest.mark.parametrize("kind", ["hum", "noise", "blip"])
def test_no_key_is_guessed_from_a_hum_noise_or_a_blip(kind):
    sr = ANALYSIS_RATE
    n = sr * 4
    rng = np.random.default_rng(2)
    y = {"hum": np.sin(2 * np.pi * 50 * np.arange(n) / sr),
         "noise": rng.standard_normal(n),
         "blip": np.pad(np.sin(2 * np.pi * 440 * np.arange(sr // 20) / sr), (sr, n - sr - sr // 20))}[kind]
    f = chroma_features((0.3 * y / np.abs(y).max()).astype(np.float32), sr)
    est = estimate_key(f.chroma, f.bass, weights=f.energy, fps=f.fps)
    assert est.key is None and est.reason
