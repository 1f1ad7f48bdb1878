"""The real-song benchmark's "one click away" rows for bar 1 and the beat's phase (benchmarks.realsongs.downbeats)."""

from __future__ import annotations

import pytest

from benchmarks.realsongs.downbeats import bar_one_on_a_beat, bar_one_rows, half_a_beat_off, one_click_rows

TRUTH = [0.5 * i for i in range(40)]  # 120 BPM from 0 s


def test_a_grid_on_the_and_is_half_a_beat_off_and_one_on_the_beat_or_drifting_is_not():
    assert half_a_beat_off(TRUTH, [0.25 + 0.5 * i for i in range(38)]) is True
    assert half_a_beat_off(TRUTH, [0.5 * i + 0.01 for i in range(38)]) is False  # on the beat already
    assert half_a_beat_off(TRUTH, [0.167 + 0.5 * i for i in range(38)]) is False  # a third of a beat off
    assert half_a_beat_off(TRUTH, [0.25 + 0.52 * i for i in range(36)]) is False  # drifts through every phase
    assert half_a_beat_off(None, [1.0, 2.0]) is None and half_a_beat_off(TRUTH, [1.0]) is None


def test_bar_one_on_any_of_the_midis_beats_is_whole_beats_away():
    assert bar_one_on_a_beat(TRUTH, 1.52) is True and bar_one_on_a_beat(TRUTH, 1.25) is False
    assert bar_one_on_a_beat(None, 1.0) is None and bar_one_on_a_beat(TRUTH, None) is None


def _row(bar_ok, on_a_beat, on, half):
    return {"truth_bar_one": 0.0, "accord_bar_one_ok": bar_ok, "accord_bar_one_on_a_beat": on_a_beat,
            "accord_on_beat": on, "accord_half_beat_off": half}


def test_the_rows_count_right_or_one_click_away():
    songs = [_row(True, True, True, False), _row(False, True, False, True), _row(False, False, False, False),
             _row(False, False, True, False)]
    rows = {r["metric"]: r["value"] for r in one_click_rows(songs, ("accord",), "held-out casio")}
    assert rows["held-out casio: bar 1 right or whole beats away [accord]"] == 0.5
    assert rows["held-out casio: beats on the beat or half a beat off [accord]"] == 0.75
    real = {r["metric"]: r["value"] for r in bar_one_rows(songs, ("accord",))}
    assert real["real: bar 1 within 50 ms [accord]"] == 0.25 and real["real: beats on the MIDI's beats [accord]"] == 0.5
    assert real["real: beats on the beat or half a beat off [accord]"] == 0.75


def test_the_midi_grid_chord_row_sums_beats_over_songs():
    from benchmarks.realsongs.evaluate import midi_grid_chord_row

    row = midi_grid_chord_row([{"accord_chords_on_midi_grid": [9, 10]}, {"accord_chords_on_midi_grid": [1, 10]},
                               {"name": "no MIDI grid"}], "held-out")
    assert row["metric"] == "held-out: chords per beat on the MIDI's grid (Re-read Chords) [accord]"
    assert row["value"] == 0.5 and row["note"].startswith("2 songs")


def test_the_midi_grid_passes_through_the_midis_beats(tmp_path):
    import pretty_midi

    from benchmarks.realsongs.downbeats import truth_grid

    pm = pretty_midi.PrettyMIDI(initial_tempo=90.0)
    inst = pretty_midi.Instrument(0)
    inst.notes.append(pretty_midi.Note(90, 60, 0.0, 1.0))
    inst.notes.append(pretty_midi.Note(90, 64, 10.0, 11.0))
    pm.instruments.append(inst)
    pm.write(str(tmp_path / "harmony.mid"))
    g = truth_grid(tmp_path)
    assert g.tempo_bpm == pytest.approx(90.0, rel=1e-4) and g.offset_seconds == 0.0
    assert g.seconds(8.0) == pytest.approx(8 * 60.0 / 90.0, rel=1e-4)
    assert truth_grid(tmp_path / "nothing here") is None
