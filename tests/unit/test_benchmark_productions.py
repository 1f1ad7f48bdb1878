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


def test_chord_rows_add_the_beats_of_the_songs_with_a_chord_truth():
    per_song = [{"name": "a", "accord-mix_chords": (30, 40), "essentia_chords": (10, 40)},
                {"name": "b", "accord-mix_chords": (5, 10)}, {"name": "c", "accord-mix_chords": None}]
    rows = {r["metric"]: r for r in P.chord_rows(per_song, ("accord-mix", "essentia"), "productions")}
    assert rows["productions: chords per beat maj/min [accord-mix]"]["value"] == 0.7  # 35 of 50
    assert rows["productions: chords per beat maj/min [essentia]"]["value"] == 0.25
    assert "50 beats of 2 songs" in rows["productions: chords per beat maj/min [accord-mix]"]["note"]


def test_key_rows_score_only_the_songs_whose_notes_give_a_key():
    per_song = [{"name": "a", "truth_key": "C minor", "accord-mix_key": "C minor", "essentia_key": "Eb major"},
                {"name": "b", "truth_key": "G major", "accord-mix_key": "D major", "essentia_key": "G major"},
                {"name": "c", "truth_key": None, "accord-mix_key": "A minor", "essentia_key": "A minor"}]
    rows = {r["metric"]: r for r in P.key_rows(per_song, ("accord-mix", "essentia"), "productions")}
    assert rows["productions: key MIREX weighted [accord-mix]"]["value"] == 0.75  # (1 + 0.5) / 2
    assert rows["productions: key MIREX weighted [essentia]"]["value"] == 0.65  # (0.3 + 1) / 2
    assert "exact 1 of 2 songs" in rows["productions: key MIREX weighted [accord-mix]"]["note"]
    assert P.key_rows([per_song[2]], ("accord-mix",), "productions") == []


def test_the_key_truth_is_read_once_and_cached_beside_the_renders(tmp_path, monkeypatch):
    project = tmp_path / "Song.mmp"
    project.write_text('<?xml version="1.0"?><lmms-project><head bpm="120"/><song><trackcontainer>'
                       '<track type="0" name="Keys"><instrumenttrack basenote="57"><instrument name="organic"/>'
                       '</instrumenttrack><pattern pos="0" len="192">'
                       + "".join(f'<note pos="{i * 16}" len="16" key="{k}"/>'
                                 for i, k in enumerate((48, 52, 55, 53, 57, 48, 55, 59, 50, 48, 52, 55))) +
                       '</pattern></track></trackcontainer></song></lmms-project>')
    first = P.note_truth(project, tmp_path)
    assert first["key"] == "C major" and first["notes"] == 12
    # twelve short notes in one bar: each beat's chord is named in the maj/min vocabulary, or N
    assert [c[2] for c in first["chords"]] and all(c[2].endswith((":maj", ":min")) or c[2] == "N"
                                                   for c in first["chords"])
    project.write_text("not xml any more")  # a second call reads the cache, not the project
    assert P.note_truth(project, tmp_path)["key"] == "C major"
    (tmp_path / "Song.key.json").unlink()
    assert P.note_truth(project, tmp_path)["key"] is None  # unreadable: no truth, and said so in the log
