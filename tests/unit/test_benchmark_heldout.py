"""The real-song benchmark's held-out grooves and its felt-beat tempo score."""

from __future__ import annotations

import pytest

from benchmarks.realsongs import charts
from benchmarks.realsongs.evaluate import SYSTEMS, heldout_rows
from benchmarks.realsongs.scoring import felt_bpm, tempo_ok


@pytest.mark.parametrize("bpm, meter, beat", [(120.0, "6/8", 80.0), (126.0, "12/8", 84.0), (96.0, "4/4", 96.0),
                                              (150.0, "3/4", 150.0), (90.0, None, 90.0), (None, "6/8", None)])
def test_the_felt_beat_of_a_compound_meter_is_the_dotted_quarter(bpm, meter, beat):
    assert felt_bpm(bpm, meter) == beat


def test_notations_of_the_same_beats_agree_on_the_felt_beat_and_octaves_do_not():
    # MMA's Rock128: 4/4 with triplets at 84, heard as 6/8 at 126 quarter notes: the same beats
    assert tempo_ok(felt_bpm(84.0, "4/4"), felt_bpm(126.0, "6/8"))
    assert not tempo_ok(84.0, 126.0)
    # half or double tempo stays wrong
    assert not tempo_ok(felt_bpm(84.0, "4/4"), felt_bpm(168.0, "4/4"))
    assert not tempo_ok(felt_bpm(120.0, "6/8"), felt_bpm(120.0, "4/4"))


@pytest.mark.parametrize("which, prefix, n", [("heldout", "mmh-", 30), ("casio", "mmc-", 30), ("more", "mmo-", 31)])
def test_the_held_out_grooves_are_other_styles_than_the_main_set(which, prefix, n):
    main, held = charts.charts(), charts.charts(which)
    assert [c.name for c in main[:3]] == ["mma-00-basicrock", "mma-01-50srock", "mma-02-popballad"]  # unchanged
    assert [c.name for c in charts.charts("heldout")[:2]] == ["mmh-00-60srock", "mmh-01-jazzrock"]  # unchanged
    assert len(held) == len(charts.SETS[which][0]) == n
    assert len({c.name for c in held}) == len(held) and all(c.name.startswith(prefix) for c in held)
    others = {c.groove.lower() for w in charts.SETS if w != which for c in charts.charts(w)}
    assert not {c.groove.lower() for c in held} & others
    assert all(c.name.replace("-", "").isalnum() for c in held)  # "R&B" makes a folder name without "&"
    assert {c.mode for c in held} == {"major", "minor"} and len({c.tonic for c in held}) == 12
    for c in held:
        text = c.text()
        assert f"Groove {c.groove}" in text and text.count("\n") == len(c.bars) + 4


def _row(name: str, ok: bool, key: float, chords: tuple[int, int], meter: str = "4/4") -> dict:
    row = {"name": name, "truth_bpm": 120.0, "truth_meter": "4/4"}
    for s in SYSTEMS:
        row.update({f"{s}_bpm": 120.0 if ok else 60.0, f"{s}_tempo_ok": ok, f"{s}_beat_ok": ok,
                    f"{s}_tempo_or_runner_up_ok": ok or name.endswith("+"),
                    f"{s}_mirex": key, f"{s}_chords": chords, f"{s}_meter": meter, f"{s}_on_beat": ok})
    return row


def test_held_out_rows_report_each_system():
    rows = {r["metric"]: r for r in heldout_rows([_row("a", True, 1.0, (9, 10)), _row("b", False, 0.5, (1, 10))])}
    assert rows["held-out mma grooves (no constant chosen on them)"]["value"] == 2
    assert rows["held-out: tempo within 4% [accord]"]["value"] == 0.5
    assert "exact BPM (<=0.01) on 0.50" in rows["held-out: tempo within 4% [essentia]"]["note"]
    assert rows["held-out: key MIREX weighted [accord-mix]"]["value"] == 0.75
    assert rows["held-out: chords per beat maj/min [accord]"]["value"] == 0.5
    assert rows["held-out: meter right [accord]"]["value"] == 1.0
    assert heldout_rows([])[0]["value"] == 0
    casio = {r["metric"] for r in heldout_rows([_row("a", True, 1.0, (9, 10))], "held-out casio")}
    assert "held-out casio: tempo within 4% [accord]" in casio and not any(m.startswith("held-out:") for m in casio)


def test_the_runner_up_row_counts_songs_right_as_shown_or_by_their_runner_up():
    rows = {r["metric"]: r for r in heldout_rows([_row("a", True, 1.0, (9, 10)), _row("b+", False, 0.5, (1, 10)),
                                                  _row("c", False, 0.5, (1, 10))])}
    assert rows["held-out: tempo within 4% [accord]"]["value"] == pytest.approx(1 / 3)
    assert rows["held-out: tempo within 4%, shown or its runner-up [accord]"]["value"] == pytest.approx(2 / 3)
    assert "held-out: tempo within 4%, shown or its runner-up [essentia]" not in rows  # a studio offer, not a peer's


def test_held_out_rows_report_the_key_truth_check_when_given():
    songs = [_row("a", True, 1.0, (9, 10))]
    check = {"songs": 30, "mirex": 0.857, "exact": 0.8}
    rows = {r["metric"]: r for r in heldout_rows(songs, "held-out casio", check)}
    row = rows["held-out casio: key truth from MIDI notes, MIREX against the charts"]
    assert row["value"] == 0.857 and "exact on 0.80 of 30 songs" in row["note"]
    assert not any("key truth" in r["metric"] for r in heldout_rows(songs, "held-out casio"))
    assert not any("key truth" in r["metric"] for r in heldout_rows(songs, "held-out casio", {"songs": 0}))
