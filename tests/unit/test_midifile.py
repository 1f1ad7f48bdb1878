from __future__ import annotations

import pytest

from app.core.errors import MidiFileError
from app.core.midifile import MidiPart, read_midi, write_midi
from app.core.music import Melody, Note, TimeSignature


def test_round_trip_keeps_notes_tempo_and_meter(tmp_path):
    mel = Melody((Note(60, 0.0, 1.0, 80), Note(62, 1.0, 0.5), Note(64, 1.5, 2.5)))
    path = write_midi(tmp_path / "a.mid", [MidiPart("lead", mel, program=73)], tempo_bpm=93.0,
                      time_signature=TimeSignature(3, 4))
    content = read_midi(path)
    assert content.midi_type == 1
    assert content.time_signature == TimeSignature(3, 4)
    assert content.first_tempo_bpm == pytest.approx(93.0, abs=0.01)
    (part,) = content.parts
    assert part.name == "lead" and part.program == 73
    assert [(n.pitch, n.onset, n.duration) for n in part.notes] == [(60, 0.0, 1.0), (62, 1.0, 0.5), (64, 1.5, 2.5)]
    assert part.notes[0].velocity == 80


@pytest.mark.parametrize("data,reason", [
    (b"", "empty"),
    (b"RIFF0000WAVE", "not a MIDI file"),
    (b"MThd\x00\x00\x00\x06\x00\x01\x00\x02\x01", "damaged"),
    # a track chunk stating 2 GB where 4 bytes follow: mido's EOFError has no text of its own
    (b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x01\xe0MTrk\x7f\xff\xff\xff\x00\x90\x40\x40",
     "damaged: it ends in the middle of a track"),
])
def test_bad_files_name_the_file(tmp_path, data, reason):
    p = tmp_path / "bad.mid"
    p.write_bytes(data)
    with pytest.raises(MidiFileError) as err:
        read_midi(p)
    assert "bad.mid" in str(err.value) and reason in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(MidiFileError, match="not found"):
        read_midi(tmp_path / "gone.mid")


def test_names_outside_latin1_are_written_readably(tmp_path):
    mel = Melody((Note(60, 0.0, 1.0),))
    path = write_midi(tmp_path / "n.mid", [MidiPart("Idea 1 – Fm♭ 🎵 Dvořák", mel)], tempo_bpm=100,
                      copyright_text="© Zoë – 2026")
    (part,) = read_midi(path).parts
    assert part.name.startswith("Idea 1 - Fmb ? Dvorak")


def _one_track(events: bytes) -> bytes:
    import struct

    track = events + b"\x00\xff\x2f\x00"
    return b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480) + b"MTrk" + struct.pack(">I", len(track)) + track


def test_a_delta_time_longer_than_four_bytes_is_refused_naming_the_file(tmp_path):
    import pytest

    from app.core.errors import MidiFileError
    from app.core.midifile import read_midi

    path = tmp_path / "overlong.mid"
    path.write_bytes(_one_track(b"\x00\x90\x3c\x40" + b"\xff" * 8 + b"\x00\x80\x3c\x00"))
    with pytest.raises(MidiFileError, match="overlong.mid.*delta time over 4 bytes"):
        read_midi(path)
    ok = tmp_path / "ok.mid"  # the longest legal delta (4 bytes) still reads
    ok.write_bytes(_one_track(b"\x00\x90\x3c\x40" + b"\xff\xff\xff\x7f\x80\x3c\x00"))
    assert read_midi(ok).parts[0].notes[0].duration == 0x0FFFFFFF / 480


def test_a_header_track_count_that_lies_reads_the_tracks_that_are_there(tmp_path, caplog):
    import logging
    import struct

    notes = b"\x00\x90\x3c\x40\x83\x60\x80\x3c\x00"
    for claimed in (0xFFFF, 0x8000, 3):  # mido read 32768+ as a negative count: no tracks, "has no notes"
        data = bytearray(_one_track(notes))
        data[10:12] = struct.pack(">H", claimed)
        path = tmp_path / f"claims{claimed}.mid"
        path.write_bytes(bytes(data))
        with caplog.at_level(logging.WARNING):
            (part,) = read_midi(path).parts
        assert [n.pitch for n in part.notes] == [60]
        assert f"{path.name}: the header says {claimed} tracks but the file holds 1" in caplog.text


def test_tempo_events_outside_1_to_1000_bpm_are_ignored(tmp_path, caplog):
    import logging

    # a tempo of 1 microsecond per beat (60,000,000 BPM) made every suggestion from the phrase fail to export
    path = tmp_path / "fast.mid"
    path.write_bytes(_one_track(b"\x00\xff\x51\x03\x00\x00\x01\x00\x90\x3c\x40\x83\x60\x80\x3c\x00"
                                b"\x00\xff\x51\x03\x07\xa1\x20"))
    with caplog.at_level(logging.WARNING):
        content = read_midi(path)
    assert content.tempo_map == ((1.0, 120.0),)
    assert "fast.mid: ignored a tempo of 60000000 BPM" in caplog.text


def test_a_gap_longer_than_a_delta_time_is_refused_not_written(tmp_path):
    # a phrase read at beat 559,240 came back as suggestions with 5-byte delta times, which Accord then refused
    with pytest.raises(MidiFileError, match="x.mid: a note at beat 600,000 is further from the one before than a MIDI"):
        write_midi(tmp_path / "x.mid", [MidiPart("x", Melody((Note(60, 600_000.0, 1.0),)))], tempo_bpm=120)
    assert list(tmp_path.iterdir()) == []
    edge = Melody((Note(60, 0x0FFFFFFF / 480, 1.0),))  # the longest legal delta is still written, and reads back
    assert read_midi(write_midi(tmp_path / "edge.mid", [MidiPart("x", edge)], tempo_bpm=120)).parts
