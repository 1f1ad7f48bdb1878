from __future__ import annotations

import pytest

from app.core.music import BeatGrid, Chord, ChordTimeline, Key, Melody, Note, TimeSignature, parse_pitch_class


@pytest.mark.parametrize("text,pc", [("C", 0), ("F#", 6), ("Bb", 10), ("cb", 11), ("E#", 5)])
def test_pitch_class_names(text, pc):
    assert parse_pitch_class(text) == pc


@pytest.mark.parametrize("text,key", [("C", Key(0, "major")), ("Am", Key(9, "minor")),
                                      ("F# minor", Key(6, "minor")), ("Bb major", Key(10, "major"))])
def test_key_parsing(text, key):
    assert Key.parse(text) == key


def test_bad_key_is_a_readable_value_error():
    with pytest.raises(ValueError, match="not a key"):
        Key.parse("H major")


def test_scales():
    assert Key(9, "minor").scale == (9, 11, 0, 2, 4, 5, 7)
    assert 8 in Key(9, "minor").melodic_scale  # G# leading tone in A minor
    assert Key(0).degree(67) == 7


@pytest.mark.parametrize("sym,pcs", [("C", {0, 4, 7}), ("Am", {9, 0, 4}), ("G7", {7, 11, 2, 5}),
                                     ("Dm7", {2, 5, 9, 0}), ("Bdim", {11, 2, 5}), ("Fsus4", {5, 10, 0})])
def test_chord_symbols(sym, pcs):
    chord = Chord.parse(sym)
    assert chord.pitch_classes == pcs
    assert chord.symbol == sym
    assert Chord.parse("N").is_no_chord


def test_chord_timeline_lookup():
    tl = ChordTimeline.from_symbols(["Am", "F", "C", "G"], quarters_each=4)
    assert tl.at(0).symbol == "Am" and tl.at(5.5).symbol == "F" and tl.at(15.9).symbol == "G"
    assert tl.at(16).is_no_chord
    assert tl.with_chord(1, Chord.parse("Dm")).at(4).symbol == "Dm"


def test_time_signatures():
    assert TimeSignature(6, 8).bar_quarters == 3.0 and TimeSignature(6, 8).is_compound
    assert TimeSignature(4, 4).strong_beat(2.0) and not TimeSignature(4, 4).strong_beat(1.0)
    assert TimeSignature(6, 8).strong_beat(1.5)
    with pytest.raises(ValueError):
        TimeSignature(4, 3)


def test_beat_grid_conversions():
    grid = BeatGrid(tempo_bpm=120, time_signature=TimeSignature(3, 4), offset_seconds=0.25)
    assert grid.seconds(4) == pytest.approx(2.25)
    assert grid.quarters(2.25) == pytest.approx(4)
    assert grid.bar_of(0.25 + 1.5) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        BeatGrid(tempo_bpm=0)


def test_melody_json_round_trip_and_sorting():
    mel = Melody((Note(64, 1.0, 1.0), Note(60, 0.0, 1.0, 70)), key=Key(0), tempo_bpm=90)
    assert mel.pitches == [60, 64]
    again = Melody.from_json(mel.to_json())
    assert again == mel
    with pytest.raises(ValueError):
        Melody.from_json({"notes": [[200, 0, 1]]})


def test_bar_beat_counts_the_felt_pulse():
    from app.core.music import TimeSignature

    assert TimeSignature(4, 4).bar_beat(5.5) == (2, 2, 0.5)
    assert TimeSignature(12, 8).bar_beat(4.5) == (1, 4, 0.0)  # four dotted-quarter beats a bar
    assert TimeSignature(5, 4).bar_beat(10.0) == (3, 1, 0.0)
    bar, beat, into = TimeSignature(4, 4).bar_beat(-0.01)  # a bounce starting just before its first downbeat
    assert (bar, beat) == (0, 4) and into == pytest.approx(0.99)
    assert TimeSignature(6, 8).bar_beat(-1.5)[:2] == (0, 2)


def test_keys_are_named_with_the_fewer_accidentals_and_read_back():
    assert Key(1, "major").name == "Db major" and Key(8, "minor").name == "G# minor"  # not C# major, Ab minor
    assert Key(11, "major").name == "B major" and Key(1, "minor").name == "C# minor" and Key(8).name == "Ab major"
    for pc in range(12):
        for mode in ("major", "minor"):
            assert Key.parse(Key(pc, mode).name) == Key(pc, mode)
