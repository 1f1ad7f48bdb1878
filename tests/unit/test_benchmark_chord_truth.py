"""The real-song benchmark's chord truth from MIDI notes (benchmarks/realsongs/chord_truth.py): chords read over
the harmonic rhythm as a musician labels them, reduced to maj/min, and what maj/min cannot name left out."""

from __future__ import annotations

import pretty_midi
import pytest

from benchmarks.realsongs.chord_truth import chords_truth

BPM = 120.0
BEAT = 60.0 / BPM


def _song(harmony: list[tuple[float, float, list[int]]], bass: list[tuple[float, float, int]]):
    """A 4/4 song at 120 BPM: harmony (start beat, beats, pitches) and bass (start beat, beats, pitch)."""
    pm = pretty_midi.PrettyMIDI(initial_tempo=BPM)
    pm.time_signature_changes.append(pretty_midi.TimeSignature(4, 4, 0.0))
    keys, low = pretty_midi.Instrument(0), pretty_midi.Instrument(33)
    for start, length, pitches in harmony:
        keys.notes += [pretty_midi.Note(90, p, start * BEAT, (start + length) * BEAT) for p in pitches]
    for start, length, pitch in bass:
        low.notes.append(pretty_midi.Note(90, pitch, start * BEAT, (start + length) * BEAT))
    pm.instruments += [keys, low]
    return pm, [keys, low], [low]


def _per_beat(spans: list[list], beats: int) -> list[str | None]:
    out: list[str | None] = []
    for b in range(beats):
        t = (b + 0.5) * BEAT
        out.append(next((label for s, e, label in spans if s <= t < e), None))
    return out


def test_a_boogie_bass_under_one_chord_is_that_chord_for_the_whole_bar():
    # F7 stabs on beats 2-4 over a boogie bass F, A, F, C (the per-beat version 3 read N F Dm Cm)
    pm, harmonic, bass = _song([(b, 1, [57, 63, 65]) for b in range(1, 4)], [(0, 1, 41), (1, 1, 45), (2, 1, 41),
                                                                            (3, 1, 48)])
    assert _per_beat(chords_truth(pm, harmonic, bass, end=4 * BEAT), 4) == ["F:maj"] * 4


def test_a_progression_one_chord_a_bar_and_a_change_at_the_half_bar():
    c, am, f, g = [60, 64, 67], [57, 60, 64], [53, 57, 60], [55, 59, 62]
    harmony = [(0, 4, c), (4, 4, am), (8, 2, f), (10, 2, g)]
    bass = [(0, 4, 36), (4, 4, 45), (8, 2, 41), (10, 2, 43)]
    pm, harmonic, low = _song(harmony, bass)
    got = _per_beat(chords_truth(pm, harmonic, low, end=12 * BEAT), 12)
    assert got == ["C:maj"] * 4 + ["A:min"] * 4 + ["F:maj"] * 2 + ["G:maj"] * 2


@pytest.mark.parametrize("pitches", [[48, 55, 60], [59, 62, 65]], ids=["open fifth", "diminished"])
def test_what_major_minor_cannot_name_is_left_out(pitches):
    pm, harmonic, bass = _song([(0, 4, pitches)], [])
    assert chords_truth(pm, harmonic, bass, end=4 * BEAT) == []


def test_silence_is_no_chord_and_a_unison_riff_is_left_out():
    # bar 1 C, bar 2 rests, bar 3 a unison riff on C (Harte's C:(1): neither a chord nor no chord), bar 4 C
    c = [60, 64, 67]
    pm, harmonic, bass = _song([(0, 4, c), (12, 4, c)], [(0, 4, 36), (8, 2, 36), (8, 2, 48), (10, 2, 48),
                                                         (12, 4, 36)])
    got = _per_beat(chords_truth(pm, harmonic, bass, end=16 * BEAT), 16)
    assert got == ["C:maj"] * 4 + ["N"] * 4 + [None] * 4 + ["C:maj"] * 4


def _mma_folder(folder, chart_key: str):
    """A song folder as the mma builder leaves it: role MIDI files and song.json with the chart's truth."""
    import json

    c, f, g = [60, 64, 67], [53, 57, 60], [55, 59, 62]
    pm, harmonic, bass = _song([(0, 4, c), (4, 4, f), (8, 4, g), (12, 4, c)],
                               [(0, 4, 36), (4, 4, 41), (8, 4, 43), (12, 4, 36)])
    folder.mkdir()
    for role, inst in (("harmony", harmonic[0]), ("bass", bass[0])):
        part = pretty_midi.PrettyMIDI(initial_tempo=BPM)
        part.instruments.append(inst)
        part.write(str(folder / f"{role}.mid"))
    chords = [[0.0, 4 * BEAT, "C:maj"], [4 * BEAT, 8 * BEAT, "F:maj"], [8 * BEAT, 12 * BEAT, "G:maj"],
              [12 * BEAT, 16 * BEAT, "C:maj"]]
    (folder / "song.json").write_text(json.dumps({"truth": {"key": chart_key, "bpm": BPM, "chords": chords,
                                                           "duration": 16 * BEAT}}))
    return folder


def test_the_derivations_are_checked_against_the_charts(tmp_path):
    from benchmarks.realsongs.chord_truth import chart_agreement
    from benchmarks.realsongs.truth import key_chart_agreement

    right = _mma_folder(tmp_path / "right", "C major")
    wrong = _mma_folder(tmp_path / "relative", "A minor")
    assert chart_agreement([right]) == {"beats": 16, "kept": 1.0, "agree": 1.0}
    assert key_chart_agreement([right]) == {"songs": 1, "mirex": 1.0, "exact": 1.0}
    assert key_chart_agreement([right, wrong]) == {"songs": 2, "mirex": pytest.approx(0.65), "exact": 0.5}


def _vamp_with_bass_ending(ending: list[tuple[float, float, int]]):
    """Eight bars of C–Am–F–G in C major (C the tonic: it opens, closes and sounds longest) whose bass ends on
    `ending` (start beat, beats, pitch) in the last bar, after the seven bars' roots."""
    c, am, f, g = [60, 64, 67], [57, 60, 64], [53, 57, 60], [55, 59, 62]
    bars = [c, am, f, g, c, am, f, c]
    roots = [36, 45, 41, 43, 36, 45, 41]
    pm, harmonic, bass = _song([(4 * i, 4, ch) for i, ch in enumerate(bars)],
                               [(4 * i, 4, r) for i, r in enumerate(roots)] + ending)
    return pm, harmonic, bass


def test_the_key_truth_reads_where_the_bass_rests_not_its_last_passing_note():
    from benchmarks.realsongs.truth import key_truth

    # a bass that holds C through the last bar and walks C–B–A only in its last beat: still C major
    # (version 1 read the last note alone and answered A minor)
    pm, harmonic, bass = _vamp_with_bass_ending([(28, 3, 36), (31, 0.5, 35), (31.5, 0.5, 33)])
    assert key_truth(pm, harmonic, bass) == ("C major", "pitch content")


def test_the_key_truth_takes_the_relative_where_the_bass_rests_on_its_tonic():
    from benchmarks.realsongs.truth import key_truth

    # the same pitch content ending on a long A in the bass: the song comes home to A, the relative minor
    pm, harmonic, bass = _vamp_with_bass_ending([(28, 0.5, 36), (28.5, 3.5, 33)])
    assert key_truth(pm, harmonic, bass) == ("A minor", "pitch content")


def test_a_cached_song_gets_its_pitch_content_key_derived_again(tmp_path):
    import json

    from benchmarks.realsongs import TRUTH_VERSION, _load
    from benchmarks.realsongs.truth import KEY_VERSION

    pm, harmonic, bass = _vamp_with_bass_ending([(28, 3, 36), (31, 0.5, 35), (31.5, 0.5, 33)])
    for role, inst in (("harmony", harmonic[0]), ("bass", bass[0])):
        part = pretty_midi.PrettyMIDI(initial_tempo=BPM)
        part.instruments.append(inst)
        part.write(str(tmp_path / f"{role}.mid"))
    for wav in ("mix.wav", "bass.wav", "harmony.wav"):
        (tmp_path / wav).write_bytes(b"")
    meta = {"truth_version": TRUTH_VERSION, "name": "vamp", "source": "mma", "mix": "mix.wav",
            "stems": {"bass": "bass.wav", "harmony": "harmony.wav"},
            "truth": {"key": "A minor", "key_source": "pitch content", "bpm": BPM}}  # version 1's answer
    (tmp_path / "song.json").write_text(json.dumps(meta))
    song = _load(tmp_path)
    assert (song.truth["key"], song.truth["key_version"]) == ("C major", KEY_VERSION)
    assert json.loads((tmp_path / "song.json").read_text())["truth"]["key"] == "C major"
