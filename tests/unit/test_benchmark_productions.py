"""The LMMS productions benchmark's truth and rows (benchmarks/realsongs/productions.py): what it states
must follow from the project and from the results, and a machine without LMMS gets a row saying so."""

from __future__ import annotations

from benchmarks.realsongs import productions as P


def test_meter_truth_is_what_a_listener_hears():
    assert P.meter_truth("4/4") == "4/4" and P.meter_truth("8/4") == "4/4" and P.meter_truth("6/8") == "6/8"
    assert P.meter_truth("1/1") is None


def _song(name, bpm, got, meter="4/4", key="C minor"):
    return {"name": name, "stems": 3, "truth_bpm": bpm, "truth_meter": "4/4", "accord_bpm": got,
            "accord_tempo_ok": got is not None and abs(got - bpm) <= 0.04 * bpm, "accord_meter": meter,
            "accord_key": key, "accord_roles": {}}


def test_track_rows_count_exact_tempo_meter_and_keys():
    rows = {r["metric"]: r for r in P.track_rows([_song("a", 140.0, 140.0), _song("b", 180.0, 90.0, "3/4", None)])}
    assert rows["production stems (LMMS, track by track)"]["value"] == 2
    assert rows["production stems: tempo within 4% [accord]"]["value"] == 0.5
    assert "exact BPM (<= 0.01): 1 of 2" in rows["production stems: tempo within 4% [accord]"]["note"]
    assert rows["production stems: meter right [accord]"]["value"] == 0.5
    assert rows["production stems: key answered [accord]"]["value"] == 0.5


def test_without_lmms_the_stems_are_skipped_with_the_reason(tmp_path, monkeypatch):
    monkeypatch.setattr(P, "can_render", lambda: "lmms is not installed (apt-get install lmms)")
    assert P.build_tracks(tmp_path) == []
    [row] = P.track_rows([])
    assert row["value"] == 0 and "apt-get install lmms" in row["note"]
