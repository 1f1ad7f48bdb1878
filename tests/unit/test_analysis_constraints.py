"""From an analysis to the model's Constraints and prime; the artist's corrections take precedence."""

from __future__ import annotations

import pytest

from app.core.analysis.harmony.key import KeySection
from app.core.analysis.result import SongAnalysis
from app.core.errors import ConstraintError
from app.core.music import BeatGrid, Chord, ChordTimeline, Key, Melody, Note, TimeSignature
from app.core.project.cocreation.song_constraints import (
    apply_project_edits,
    constraints_from_analysis,
    first_harmony_bar,
    lead_pitch_range,
    prime_from_analysis,
)
from app.core.project.model import Project


def _analysis(**kw) -> SongAnalysis:
    ts = kw.pop("ts", TimeSignature(4, 4))
    chords = ChordTimeline.from_symbols(["C", "Am", "F", "G7"] * 2, quarters_each=ts.bar_quarters)
    melody = Melody(tuple(Note(p, i * 1.0, 1.0) for i, p in enumerate([64, 65, 67, 72, 71, 69, 67, 62] * 4)),
                    key=Key(0), time_signature=ts, tempo_bpm=96.0)
    base = dict(grid=BeatGrid(96.0, ts, 0.25), tempo_determined=True, tempo_confidence=0.9, key=Key(0),
                key_confidence=0.8, key_sections=(), chords=chords, melody=melody, lead="vox",
                roles={"vox": "lead"}, role_sources={"vox": "name"}, stems=(("vox", "a" * 64),), duration_seconds=20.0)
    base.update(kw)
    return SongAnalysis(**base)


def test_constraints_carry_key_chords_grid_tempo_and_range():
    c = constraints_from_analysis(_analysis(), start_bar=2, bars=2)
    assert c.key == Key(0) and c.time_signature == TimeSignature(4, 4) and c.tempo_bpm == 96.0
    assert c.start == 8.0 and c.end == 16.0 and c.bars == 2
    assert [(s.start, s.end, s.chord.symbol) for s in c.chords] == [(8.0, 12.0, "F"), (12.0, 16.0, "G7")]
    assert c.chord_tones_on_strong_beats
    assert c.pitch_range == (62 - 3, 72 + 3)
    assert c.max_copy == 8 and not c.chromatic


def test_options_and_overrides():
    c = constraints_from_analysis(_analysis(), bars=1, pitch_range=(55, 70), max_copy=4, chromatic=True,
                                  key_override=Key(9, "minor"), use_chords=False, density=(2, 6))
    assert c.key == Key(9, "minor") and c.pitch_range == (55, 70) and c.max_copy == 4 and c.chromatic
    assert c.chords is None and not c.chord_tones_on_strong_beats and c.density == (2, 6)
    with pytest.raises(ConstraintError):
        constraints_from_analysis(_analysis(), bars=0)
    with pytest.raises(ConstraintError):
        constraints_from_analysis(_analysis(), start_bar=-1)
    with pytest.raises(ConstraintError):
        constraints_from_analysis(_analysis(), pitch_range=(80, 60))


def test_a_modulated_section_gives_its_own_key_and_compound_meter_bars():
    a = _analysis(key_sections=(KeySection(12.0, 24.0, Key(7), 0.9),))
    assert constraints_from_analysis(a, start_bar=3).key == Key(7)
    assert constraints_from_analysis(a, start_bar=1).key == Key(0)
    six = _analysis(ts=TimeSignature(6, 8))
    c = constraints_from_analysis(six, start_bar=2, bars=1)
    assert c.start == 6.0 and c.end == 9.0 and c.time_signature == TimeSignature(6, 8)


def test_no_key_no_chords_no_melody():
    a = _analysis(key=None, chords=ChordTimeline(), melody=None)
    c = constraints_from_analysis(a)
    assert c.key is None and c.chords is None and c.pitch_range == (48, 84)
    assert len(prime_from_analysis(a, 2, 2)) == 0


def test_lead_pitch_range_is_at_least_an_octave():
    narrow = Melody((Note(60, 0, 1), Note(62, 1, 1)))
    low, high = lead_pitch_range(narrow)
    assert high - low >= 12 and low <= 57 and high >= 65


def test_prime_is_the_lead_before_the_range():
    a = _analysis()
    prime = prime_from_analysis(a, start_bar=2, bars=1)
    assert [n.onset for n in prime.notes] == [4.0, 5.0, 6.0, 7.0]
    assert prime.tempo_bpm == 96.0 and prime.key == Key(0)
    assert len(prime_from_analysis(a, 0, 4)) == 0
    long_note = _analysis(melody=Melody((Note(60, 3.0, 4.0),)))
    assert prime_from_analysis(long_note, 1, 1).notes[0].duration == 1.0  # cut at the range start


def test_project_corrections_win():
    p = Project()
    p.tempo_bpm, p.key, p.downbeat_offset = 100.0, Key(2), 0.5
    p.chords = ChordTimeline.from_symbols(["D"], quarters_each=4)
    a = apply_project_edits(_analysis(), p)
    assert a.grid.tempo_bpm == 100.0 and a.grid.offset_seconds == 0.5 and a.key == Key(2)
    assert [s.chord for s in a.chords] == [Chord(2)]
    assert constraints_from_analysis(a).tempo_bpm == 100.0


def test_a_new_melody_starts_where_the_first_chord_does():
    """A song without its melody yet: new melodies begin at the bar of its first chord (after a drum intro), or at
    bar 1 when no chord was heard."""
    ts = TimeSignature(3, 4)
    intro = ChordTimeline.from_symbols(["N", "N", "N", "C", "G7"], quarters_each=ts.bar_quarters)
    assert first_harmony_bar(_analysis(ts=ts, chords=intro, melody=None)) == 3
    assert first_harmony_bar(_analysis(melody=None)) == 0
    assert first_harmony_bar(_analysis(chords=ChordTimeline(()), melody=None)) == 0
