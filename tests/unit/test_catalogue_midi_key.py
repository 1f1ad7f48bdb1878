"""A MIDI work whose file states no key gets the key of all its parts' notes (midi_import.pitch_content_key).

Before, such a work had no key and the model guessed it from the melody part alone: on the 118 mma charts' MIDI
files with their key signatures removed, that guess had the tonic right on 48; all the parts' notes on 101
(`python benchmarks/run.py catalogue_midi_key`). Real MIDI files are written here with mido and read back through
the catalogue's importer.
"""

from __future__ import annotations

import mido

from app.core.catalogue.importing.midi_import import extract_with_detail
from app.core.midifile import MidiPart, write_midi
from app.core.music import Key, Melody, Note


def _chords(roots_and_thirds, bass, *, beats=4.0):
    """Block chords (root position triads) a bar each, and a bass on each bar's root."""
    chords, low = [], []
    for i, (root, third) in enumerate(roots_and_thirds):
        for p in (root, root + third, root + 7):
            chords.append(Note(60 + p, i * beats, beats))
        low.append(Note(bass[i], i * beats, beats))
    return Melody(tuple(chords)), Melody(tuple(low))


def _song(path, progression, bass, tune):
    chords, low = _chords(progression, bass)
    return write_midi(path, [MidiPart("tune", Melody(tuple(Note(p, i * 1.0, 1.0) for i, p in enumerate(tune)))),
                             MidiPart("chords", chords, channel=1), MidiPart("bass", low, channel=2, program=33)],
                      tempo_bpm=100)


def test_a_file_without_a_key_signature_gets_the_key_of_all_its_parts(tmp_path):
    # I–IV–V–I in G with a tune that sits on D and B, the fifth and the third: alone it reads as another key
    song = _song(tmp_path / "g.mid", [(7, 4), (0, 4), (2, 4), (7, 4)], [43, 36, 38, 43],
                 [74, 71, 74, 71, 72, 76, 72, 76, 74, 78, 74, 78, 74, 71, 74, 71])
    melody, detail = extract_with_detail(song)
    assert melody.key == Key(7, "major"), melody.key
    assert "in G major (from all its parts' notes: the file states no key)" in detail


def test_the_bass_at_the_end_settles_the_relative_minor(tmp_path):
    # C–F–G–C–Dm–G–Am: the profile of its notes says C major (so it would without the rule); it ends resting on A
    song = _song(tmp_path / "am.mid", [(0, 4), (5, 4), (7, 4), (0, 4), (2, 3), (7, 4), (9, 3)],
                 [36, 41, 43, 36, 38, 43, 45],
                 [72, 76, 79, 76, 77, 81, 77, 72, 74, 79, 74, 71, 72, 76, 72, 67, 74, 77, 74, 72, 71, 74, 79, 74,
                  76, 72, 69, 69])
    melody, _detail = extract_with_detail(song)
    assert melody.key == Key(9, "minor"), melody.key


def test_a_key_signature_in_the_file_still_wins(tmp_path):
    song = _song(tmp_path / "sig.mid", [(7, 4), (0, 4), (2, 4), (7, 4)], [43, 36, 38, 43], [74, 71] * 8)
    mf = mido.MidiFile(str(song))
    mf.tracks[0].insert(0, mido.MetaMessage("key_signature", key="E", time=0))  # the writer's word, right or not
    mf.save(str(song))
    melody, detail = extract_with_detail(song)
    assert melody.key == Key(4, "major") and "the file states no key" not in detail


def test_a_line_of_one_pitch_class_has_no_key(tmp_path):
    drone = Melody(tuple(Note(48 + 12 * (i % 2), i * 1.0, 1.0) for i in range(16)))  # C3 and C4: no key to hear
    song = write_midi(tmp_path / "drone.mid", [MidiPart("drone", drone)], tempo_bpm=100)
    melody, detail = extract_with_detail(song)
    assert melody.key is None and "states no key" not in detail
