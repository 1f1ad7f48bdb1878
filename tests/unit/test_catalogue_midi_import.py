"""Picking and cleaning the melody of real MIDI files (written with app.core.midifile or mido)."""

from __future__ import annotations

from pathlib import Path

import mido
import pytest

from app.core.catalogue.importing.midi_import import (
    choose,
    extract_melody,
    extract_with_detail,
    list_melody_candidates,
    melody_from_part,
)
from app.core.errors import MidiFileError
from app.core.midifile import MidiPart, read_midi, write_midi
from app.core.music import Key, Melody, Note, TimeSignature
from tests.helpers.catalogue_files import melody

LEAD = [72, 74, 76, 77, 79, 77, 76, 74]


def _chords(root=48, n=4) -> Melody:
    notes = []
    for i in range(n):
        for off in (0, 4, 7):
            notes.append(Note(root + off, i * 2.0, 2.0))
    return Melody(tuple(notes))


def test_named_lead_wins_even_when_lower(tmp_path):
    low_lead = melody([55, 57, 59, 60])
    path = write_midi(tmp_path / "a.mid", [MidiPart("Piano", melody(LEAD)), MidiPart("Lead Vocal", low_lead)],
                      tempo_bpm=100)
    assert extract_melody(path).pitches == [55, 57, 59, 60]
    assert list_melody_candidates(path)[0][2] == "Lead Vocal"


def test_most_lead_like_part_without_names(tmp_path):
    path = write_midi(tmp_path / "a.mid", [MidiPart("", _chords()), MidiPart("", melody([36, 38, 40, 41], step=1.0),
                                                                              program=33),
                                           MidiPart("", melody(LEAD))], tempo_bpm=100)
    assert extract_melody(path).pitches == LEAD
    cands = list_melody_candidates(path)
    assert [c[0] for c in cands][0] == 3 and len(cands) == 3


def test_user_can_choose_track_and_channel(tmp_path):
    path = write_midi(tmp_path / "a.mid", [MidiPart("lead", melody(LEAD)), MidiPart("bass", melody([36, 38]), channel=1)],
                      tempo_bpm=100)
    assert extract_melody(path, track=2).pitches == [36, 38]
    assert extract_melody(path, channel=1).pitches == [36, 38]
    with pytest.raises(MidiFileError, match="no notes on track 7"):
        extract_melody(path, track=7)


def test_skyline_keeps_the_top_line_and_cuts_overlaps(tmp_path):
    notes = (Note(60, 0, 1), Note(64, 0, 1), Note(67, 0, 2),  # chord: top G, held into the next onset
             Note(62, 1, 1), Note(65, 1, 1),  # a lower chord under the held G: top F wins at its onset
             Note(72, 2, 1))
    path = write_midi(tmp_path / "a.mid", [MidiPart("melody", Melody(notes))], tempo_bpm=120)
    m = extract_melody(path)
    assert [(n.pitch, n.onset, n.duration) for n in m.notes] == [(67, 0.0, 1.0), (65, 1.0, 1.0), (72, 2.0, 1.0)]


def test_overlapping_duplicates_merge_into_one_note(tmp_path):
    # a tie rendered as overlapping notes of one pitch, and a doubled layer: one note each
    track = mido.MidiTrack([mido.MetaMessage("track_name", name="melody"),
                            mido.Message("note_on", note=60, velocity=80, time=0),
                            mido.Message("note_on", note=60, velocity=80, time=240),
                            mido.Message("note_off", note=60, time=240),
                            mido.Message("note_off", note=60, time=240),
                            mido.Message("note_on", note=62, velocity=80, time=0),
                            mido.Message("note_off", note=62, time=480)])
    mf = mido.MidiFile(type=0, ticks_per_beat=480)
    mf.tracks.append(track)
    mf.save(str(tmp_path / "t.mid"))
    m = extract_melody(tmp_path / "t.mid")
    assert [(n.pitch, n.onset, n.duration) for n in m.notes] == [(60, 0.0, 1.5), (62, 1.5, 1.0)]


def test_type0_file_with_drums_and_two_channels(tmp_path):
    mf = mido.MidiFile(type=0, ticks_per_beat=96)
    t = mido.MidiTrack()
    t.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(90)))
    t.append(mido.MetaMessage("time_signature", numerator=3, denominator=4))
    t.append(mido.MetaMessage("key_signature", key="Em"))
    for i, p in enumerate([76, 78, 79, 81]):
        if i == 2:
            t.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(140)))  # tempo change mid-song
        t.append(mido.Message("note_on", channel=9, note=36, velocity=100, time=0))  # kick on every beat
        t.append(mido.Message("note_on", channel=0, note=p, velocity=90, time=0))
        t.append(mido.Message("note_on", channel=1, note=40, velocity=90, time=0))
        t.append(mido.Message("note_off", channel=9, note=36, time=48))
        t.append(mido.Message("note_off", channel=0, note=p, time=48))
        t.append(mido.Message("note_off", channel=1, note=40, time=0))
    mf.tracks.append(t)
    mf.save(str(tmp_path / "t0.mid"))
    m = extract_melody(tmp_path / "t0.mid")
    assert m.pitches == [76, 78, 79, 81]
    assert [n.onset for n in m.notes] == [0.0, 1.0, 2.0, 3.0]  # quarter notes, whatever the tempo map says
    assert m.tempo_bpm == pytest.approx(90.0, abs=0.01)
    assert m.time_signature == TimeSignature(3, 4) and m.key == Key(4, "minor")


@pytest.mark.parametrize("build,reason", [
    (lambda p: write_midi(p, [MidiPart("drums", melody([36, 38, 42]), channel=9)], tempo_bpm=100), "only drums"),
    (lambda p: write_midi(p, [], tempo_bpm=100), "has no notes"),
    (lambda p: p.write_bytes(b""), "empty"),
    (lambda p: p.write_bytes(b"MThd\x00\x00\x00\x06\x00\x01\x00\x02\x01\xe0MTrk\x00\x00\x00\xff\x00"), "damaged"),
])
def test_bad_midi_names_the_file(tmp_path, build, reason):
    path = tmp_path / "bad.mid"
    build(path)
    with pytest.raises(MidiFileError) as err:
        extract_melody(path)
    assert "bad.mid" in str(err.value) and reason in str(err.value)


# -- the part a musician calls the melody (issue 11) ------------------------------------------------------

def _line(pitches, step=0.5, start=0.0, repeat=1) -> Melody:
    seq = [p for _ in range(repeat) for p in pitches]
    return Melody(tuple(Note(p, start + i * step, step) for i, p in enumerate(seq)))


def test_a_busy_bass_line_is_not_the_melody(tmp_path):
    # unnamed parts, no bass program: a bass line with many more notes than the tune
    bass = _line([36, 43, 40, 43], step=0.25, repeat=40)  # 160 notes around C2–G2
    tune = _line([67, 69, 71, 72, 74, 72, 71, 69], repeat=5)  # 40 notes
    path = write_midi(tmp_path / "a.mid", [MidiPart("", bass, channel=1), MidiPart("", tune, channel=0)],
                      tempo_bpm=110)
    assert extract_melody(path).pitches[:8] == [67, 69, 71, 72, 74, 72, 71, 69]


def test_a_short_part_is_not_chosen_when_others_have_hundreds(tmp_path):
    fill = _line([84, 86, 88, 89, 91, 89, 88, 86])  # 8 high notes: an intro fill
    tune = _line([64, 65, 67, 69, 67, 65, 64, 62], repeat=30)  # 240 notes
    path = write_midi(tmp_path / "a.mid", [MidiPart("", fill), MidiPart("", tune, channel=1)], tempo_bpm=100)
    content = read_midi(path)
    choice = choose(content)
    assert choice.candidate.notes == 240 and not choice.warnings
    assert [c.excluded for c in choice.candidates] == ["", "short"]


def test_drums_are_never_a_candidate_and_a_bass_only_file_warns(tmp_path):
    drums = _line([36, 38, 42, 38], repeat=20)
    bass = _line([36, 38, 40, 41], repeat=3)
    path = write_midi(tmp_path / "a.mid", [MidiPart("", drums, channel=9), MidiPart("", bass, channel=1, program=33)],
                      tempo_bpm=100)
    choice = choose(read_midi(path))
    assert [c.channel for c in choice.candidates] == [1]
    assert any("no part looks like a melody" in w for w in choice.warnings)
    assert any("short" in w for w in choice.warnings)


def test_two_close_candidates_warn_that_the_choice_is_unclear(tmp_path):
    a = _line([72, 74, 76, 77, 79, 77, 76, 74], repeat=6)
    b = _line([70, 72, 74, 75, 77, 75, 74, 72], repeat=6)  # a second voice two semitones lower
    path = write_midi(tmp_path / "a.mid", [MidiPart("", a), MidiPart("", b, channel=1)], tempo_bpm=100)
    melody, detail = extract_with_detail(path)
    assert "choice is unclear" in detail


def test_doubled_parts_are_not_an_unclear_choice(tmp_path):
    a = _line([72, 74, 76, 77, 79, 77, 76, 74], repeat=6)
    path = write_midi(tmp_path / "a.mid", [MidiPart("", a), MidiPart("", a, channel=1, program=40)], tempo_bpm=100)
    assert choose(read_midi(path)).warnings == ()


def test_imported_melody_is_quantised_keeping_triplets(tmp_path):
    # humanised sixteenths in bar 1, eighth-note triplets in bar 2, and a 1/100-quarter grace blip
    notes = [Note(60 + i, i * 0.25 + (0.02 if i % 2 else -0.015 if i else 0.0), 0.22) for i in range(8)]
    notes += [Note(70 + i, 4.0 + i / 3 + (0.015 if i % 2 else 0.0), 0.3) for i in range(6)]
    notes += [Note(80, 7.0, 0.01), Note(79, 7.01, 0.99)]
    path = write_midi(tmp_path / "a.mid", [MidiPart("melody", Melody(tuple(notes)))], tempo_bpm=100)
    m = extract_melody(path)
    onsets = [n.onset for n in m.notes]
    assert onsets[:8] == [i * 0.25 for i in range(8)]
    assert onsets[8:14] == pytest.approx([4.0 + i / 3 for i in range(6)], abs=1e-6)
    assert all(n.duration >= 1 / 6 - 1e-9 for n in m.notes)  # nothing shorter than a sixteenth triplet
    assert m.notes[-1].pitch in (79, 80) and m.notes[-1].onset == 7.0


REAL_MIDI = sorted(Path("/work/realdata/x/usr/share/games/openttd/baseset/openmsx").glob("*.mid"))


@pytest.mark.skipif(not REAL_MIDI, reason="openttd-openmsx MIDI files are not on this machine")
def test_real_songs_never_get_a_bass_line_or_a_tiny_part():
    for path in REAL_MIDI:
        content = read_midi(path)
        choice = choose(content)
        busiest = max(len(p.notes) for p in content.parts if not p.is_drums)
        assert choice.candidate.mean_pitch >= 48, (path.name, choice.candidate)
        assert choice.candidate.program not in range(32, 40) or choice.candidate.mean_pitch >= 60, path.name
        assert choice.candidate.notes >= 0.25 * busiest, (path.name, choice.candidate)
        m = melody_from_part(content, choice.part)
        assert sum(n.duration < 1 / 16 for n in m.notes) == 0, path.name  # no note shorter than a 64th
