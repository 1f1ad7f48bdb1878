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
