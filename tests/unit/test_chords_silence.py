"""Which beats the chord step calls silence: quiet for the song is not enough, they must not be the tail of a chord
just struck (a quiet intro's decaying chords are chords; a break after a hit, a song's end and a quiet intro where
no chord is struck are N)."""

from __future__ import annotations

import numpy as np

from app.core.analysis.harmony.chords import decode_chords, estimate_chords
from app.core.music import CHORD_QUALITIES, BeatGrid, Chord, TimeSignature
from tests.helpers.chord_chroma import tone_beat_chroma

C, G, A_MIN = Chord(0, "maj"), Chord(7, "maj"), Chord(9, "min")


def _template(chord: Chord) -> np.ndarray:
    v = np.zeros(12)
    for step in CHORD_QUALITIES[chord.quality]:
        v[(chord.root_pc + step) % 12] = 1.0
    return v


def _read(chords: list[Chord | None], energy: list[float]) -> list[Chord]:
    """The chord read on each beat of a 4/4 song from clean chroma (None: a beat with nothing in it)."""
    bc = np.stack([np.zeros(12) if c is None else _template(c) for c in chords])
    bb = np.zeros_like(bc)
    for i, c in enumerate(chords):
        if c is not None:
            bb[i, c.root_pc] = 1.0
    grid = BeatGrid(120.0, TimeSignature(4, 4))
    est = estimate_chords(bc, bb, np.array(energy, float), np.arange(len(chords) + 1, dtype=float), grid)
    return [est.timeline.at(i + 0.5) for i in range(len(chords))]


def test_a_quiet_intros_decaying_chords_are_chords_not_silence():
    # two bars of stabs struck at a fifth of the loud song's median and falling to under a tenth of it within
    # each bar, then eight loud bars
    intro = [C] * 4 + [A_MIN] * 4
    decay = [0.2, 0.09, 0.07, 0.06] * 2
    got = _read(intro + [G] * 32, decay + [1.0] * 32)
    assert got[:8] == intro
    assert got[8:] == [G] * 32


def test_a_quiet_intro_where_no_chord_is_struck_is_silence():
    # soft percussion whose chroma happens to fit a chord, every beat under a tenth of the song's median
    got = _read([C] * 8 + [G] * 32, [0.06] * 8 + [1.0] * 32)
    assert got[:8] == [Chord(None)] * 8
    assert got[8:] == [G] * 32


def test_a_break_after_a_hit_is_silence():
    # a loud bar, then a bar whose beats fall to under a tenth of the hit at once: a break (the chroma of what
    # rings on is still the chord's, so only the energy can say it)
    got = _read([C] * 16 + [C] * 4 + [G] * 16, [1.0] * 16 + [0.08, 0.05, 0.04, 0.03] + [1.0] * 16)
    assert got[16:20] == [Chord(None)] * 4
    assert got[:16] == [C] * 16 and got[20:] == [G] * 16


def test_near_silence_is_silence_whatever_sounds_around_it():
    # a beat under SILENCE_SHARE of the song's median, right beside a quiet chord it is more than a quarter of
    got = _read([C] * 16 + [C, C, C, C], [1.0] * 16 + [0.05, 0.015, 0.015, 0.015])
    assert got[17:] == [Chord(None)] * 3


def test_the_tail_after_the_last_chord_is_silence():
    got = _read([G] * 16 + [None] * 8, [1.0] * 16 + [0.15, 0.05, 0.02, 0.01, 0.0, 0.0, 0.0, 0.0])
    assert got[:16] == [G] * 16
    assert got[17:] == [Chord(None)] * 7


def test_a_quiet_pad_over_a_loud_bass_note_is_its_chord_and_the_bass_alone_is_not():
    for parts, want in (([(37, 1.0), (61, 0.15), (64, 0.15), (68, 0.15)], Chord(1, "min")),  # C#m at -16 dB
                        ([(37, 1.0)], Chord(None))):
        cc, bb, be = tone_beat_chroma(parts)
        per_beat, _ = decode_chords(cc, bb, be, np.arange(len(cc)) % 4 == 0)
        assert set(per_beat) == {want}, (parts, per_beat)
