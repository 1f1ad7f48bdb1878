"""Without drums the chords say where the beat is (beatlevel.harmonic_beat): a hymn that changes chord on every
quarter note is not read at its eighth notes; pop harmony, once a bar, moves no level."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from app.core.analysis.rhythm.beatlevel import chroma_change, harmonic_beat

FPS = 86.0  # onset envelope frames a second
CHROMA_FPS = 43.0


def _chroma(bpm: float, beats_per_chord: float, seconds: float = 40.0, *, seed: int = 0) -> np.ndarray:
    """A chroma whose chord (three pitch classes of a random triad) changes every `beats_per_chord` beats."""
    rng = np.random.default_rng(seed)
    n = int(seconds * CHROMA_FPS)
    span = beats_per_chord * 60.0 / bpm * CHROMA_FPS
    out = np.full((12, n), 0.02)
    previous = -1
    for k in range(int(n / span) + 1):
        root = int(rng.integers(12))
        while root == previous:  # a change every span
            root = int(rng.integers(12))
        previous = root
        a, b = int(k * span), int((k + 1) * span)
        for pc in (root, (root + 4) % 12, (root + 7) % 12):
            out[pc, a:b] = 1.0
    return out


def _period(bpm: float) -> float:
    return 60.0 * FPS / bpm


def test_a_chord_on_every_quarter_makes_the_quarter_the_beat_not_the_eighth():
    chroma, n = _chroma(65.0, 1.0), int(40.0 * FPS)
    assert harmonic_beat(chroma, CHROMA_FPS, FPS, _period(65.0), 0.0, n)
    assert not harmonic_beat(chroma, CHROMA_FPS, FPS, _period(130.0), 0.0, n)  # chords on half its pulses
    # half a beat off: the chords change between its pulses, not on them
    assert not harmonic_beat(chroma, CHROMA_FPS, FPS, _period(65.0), _period(130.0), n)


@pytest.mark.parametrize("beats_per_chord", [4.0, 8.0])
def test_pop_harmony_once_a_bar_or_two_marks_no_beat_level(beats_per_chord):
    chroma, n = _chroma(110.0, beats_per_chord), int(40.0 * FPS)
    for bpm in (55.0, 110.0, 220.0):
        assert not harmonic_beat(chroma, CHROMA_FPS, FPS, _period(bpm), 0.0, n)


def test_no_harmony_or_too_short_marks_nothing():
    flat = np.full((12, 400), 0.5)
    assert not harmonic_beat(flat, CHROMA_FPS, FPS, _period(70.0), 0.0, int(400 / CHROMA_FPS * FPS))
    assert not harmonic_beat(_chroma(65.0, 1.0, seconds=5.0), CHROMA_FPS, FPS, _period(65.0), 0.0, int(5 * FPS))
    assert not harmonic_beat(np.zeros((12, 1)), CHROMA_FPS, FPS, _period(65.0), 0.0, 1000)


def test_chroma_change_is_zero_for_the_same_chord_and_one_for_disjoint_ones():
    chroma = np.zeros((12, 30))
    chroma[[0, 4, 7], :10] = 1.0
    chroma[[0, 4, 7], 10:20] = 1.0
    chroma[[2, 5, 9], 20:] = 1.0
    change = chroma_change(chroma, 10.0, np.array([0.0, 1.0, 2.0]))
    assert change[0] == 0.0 and change[1] == pytest.approx(0.0, abs=1e-6) and change[2] == pytest.approx(1.0, abs=1e-6)


def _chorale_stems(name: str, bpm: float = 65.0):
    """A Bach chorale from music21's corpus, nobody here wrote it, rendered with the GM SoundFont as the benchmark's
    chorale set renders it: the soprano on an oboe, alto and tenor on a piano, the bass on an acoustic bass."""
    music21 = pytest.importorskip("music21")
    from app.core.analysis.inputs import StemInput
    from app.core.audio.synth.soundfont import (
        find_soundfonts,
        render_melody_soundfont,
        tinysoundfont_available,
    )
    from app.core.music import BeatGrid, Note

    if not tinysoundfont_available() or not find_soundfonts():
        pytest.skip("needs tinysoundfont and a GM SoundFont (apt install timgm6mb-soundfont)")
    score = music21.corpus.parse(f"bach/{name}")
    parts = [p.stripTies() for p in score.parts]
    roles = (("lead", 68, parts[:1]), ("harmony", 0, parts[1:3]), ("bass", 32, parts[3:]))
    sr, stems = 22050, []
    for role, program, group in roles:
        notes = [Note(n.pitch.midi, float(n.offset), float(n.quarterLength), 90)
                 for p in group for n in p.flatten().notes if n.isNote and n.quarterLength > 0]
        audio = render_melody_soundfont(notes, BeatGrid(bpm), program=program, sample_rate=sr)
        stems.append(StemInput(role, audio, sr, hashlib.sha256(audio.tobytes()).hexdigest()))
    return bpm, stems


@pytest.mark.parametrize("name", ["bwv102.7", "bwv144.3"])
def test_a_bach_chorale_at_65_without_drums_reads_65_not_its_eighth_notes(name):
    from app.core.analysis import analyze_stems

    bpm, stems = _chorale_stems(name)
    analysis = analyze_stems(stems)
    assert analysis.grid.tempo_bpm == pytest.approx(bpm, rel=0.02)  # was read at 130: its passing eighths
