"""Saving and loading projects: round trip, relative paths, moved files, bad files → ProjectError naming the field."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from app.core.errors import ProjectError
from app.core.music import Chord, ChordSpan, ChordTimeline, Key, TimeSignature
from app.core.project.model import LoopRegion, Project, StemRef
from app.core.project.store import MAX_STEMS, load_project, save_project


def _song(tmp_path: Path) -> Project:
    stems_dir = tmp_path / "song" / "stems"
    stems_dir.mkdir(parents=True)
    stems = []
    for i, name in enumerate(("drums", "bass")):
        path = stems_dir / f"{name}.wav"
        path.write_bytes(b"RIFF-not-decoded-here")
        stems.append(StemRef(name=name, path=path, gain_db=-2.5 * i, pan=-0.5 + i, mute=bool(i), role=name,
                             content_sha256="ab" * 32))
    return Project(name="Song", stems=stems, master_gain_db=-1.0, tempo_bpm=97.5,
                   time_signature=TimeSignature(6, 8), key=Key.parse("F# minor"), downbeat_offset=0.12,
                   chords=ChordTimeline((ChordSpan(0, 3, Chord.parse("F#m")), ChordSpan(3, 6, Chord.parse("D")))),
                   loop=LoopRegion(2.0, 6.5), loop_enabled=True, suggestions=[{"id": "s1", "notes": [[60, 0, 1]]}],
                   tracks=[{"kind": "synth", "preset": "pluck"}], extras={"analysis": {"bpm": 97.5}})


def _stable(p: Project) -> dict:
    snap = p.snapshot()
    snap.pop("path")
    return snap


def test_round_trip_keeps_every_field(tmp_path):
    p = _song(tmp_path)
    path = save_project(p, tmp_path / "song" / "Song.accord")
    assert p.path == path
    q = load_project(path)
    assert _stable(q) == _stable(p)
    assert q.missing_stems == []


def test_paths_are_relative_to_the_project_file_and_human_readable(tmp_path):
    p = _song(tmp_path)
    path = save_project(p, tmp_path / "song" / "Song")  # the extension is added
    assert path.suffix == ".accord"
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["format"] == "accord-project" and doc["version"] == 1
    assert [s["path"] for s in doc["stems"]] == ["stems/drums.wav", "stems/bass.wav"]
    assert doc["key"] == "F# minor" and doc["time_signature"] == "6/8"
    assert "\n  " in path.read_text()  # indented, so a person can read and diff it


def test_moving_the_whole_folder_keeps_stems_found(tmp_path):
    p = _song(tmp_path)
    save_project(p, tmp_path / "song" / "Song.accord")
    shutil.move(tmp_path / "song", tmp_path / "moved")
    q = load_project(tmp_path / "moved" / "Song.accord")
    assert q.missing_stems == []
    assert q.stems[0].path == tmp_path / "moved" / "stems" / "drums.wav"


def test_moved_stem_files_are_reported_missing_and_the_project_still_opens(tmp_path):
    p = _song(tmp_path)
    path = save_project(p, tmp_path / "song" / "Song.accord")
    (tmp_path / "song" / "stems" / "bass.wav").rename(tmp_path / "elsewhere.wav")
    q = load_project(path)
    assert [s.name for s in q.missing_stems] == ["bass"]
    assert q.stems[1].missing and not q.stems[0].missing
    assert q.stems[1].gain_db == -2.5 and q.stems[1].mute  # its settings survive
    # Saving again keeps the missing stem where it was expected, so it is found once put back.
    save_project(q, path)
    (tmp_path / "elsewhere.wav").rename(tmp_path / "song" / "stems" / "bass.wav")
    assert load_project(path).missing_stems == []


def test_stems_moved_next_to_the_project_are_found(tmp_path):
    p = _song(tmp_path)
    path = save_project(p, tmp_path / "song" / "Song.accord")
    shutil.move(tmp_path / "song" / "stems" / "drums.wav", tmp_path / "song" / "drums.wav")
    q = load_project(path)
    assert not q.stems[0].missing and q.stems[0].path == tmp_path / "song" / "drums.wav"


def _write(tmp_path: Path, doc) -> Path:
    path = tmp_path / "bad.accord"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return path


def _valid_doc(tmp_path: Path) -> dict:
    p = _song(tmp_path)
    path = save_project(p, tmp_path / "song" / "Song.accord")
    return json.loads(path.read_text())


@pytest.mark.parametrize("mutate,needle", [
    (lambda d: d.__setitem__("version", 99), "newer Accord"),
    (lambda d: d.__setitem__("version", "1"), "version"),
    (lambda d: d.__setitem__("format", "something"), "not an Accord project"),
    (lambda d: d["stems"][1].__setitem__("gain_db", "loud"), "stems[1].gain_db"),
    (lambda d: d["stems"][0].__setitem__("pan", 3), "stems[0].pan"),
    (lambda d: d["stems"][0].__setitem__("mute", "yes"), "stems[0].mute"),
    (lambda d: d["stems"][0].pop("path"), "stems[0].path"),
    (lambda d: d["stems"][0].__setitem__("id", "../../x"), "stems[0].id"),
    (lambda d: d["stems"][1].__setitem__("id", d["stems"][0]["id"]), "same id"),
    (lambda d: d["stems"].__setitem__(0, [1, 2]), "stems[0]"),
    (lambda d: d.__setitem__("stems", {"a": 1}), "stems"),
    (lambda d: d.__setitem__("tempo_bpm", -4), "tempo_bpm"),
    (lambda d: d.__setitem__("key", "H major"), "key"),
    (lambda d: d.__setitem__("time_signature", "5/3"), "time_signature"),
    (lambda d: d.__setitem__("chords", [[0, 4, "Am"], [2, 6, "C"]]), "chords"),
    (lambda d: d.__setitem__("chords", [[0, "x", "Am"]]), "chords[0]"),
    (lambda d: d.__setitem__("chords", [[0, 4, "Qm"]]), "chords[0]"),
    (lambda d: d.__setitem__("loop", {"start": 5, "end": 1}), "loop"),
    (lambda d: d.__setitem__("suggestions", [1, 2]), "suggestions[0]"),
    (lambda d: d.__setitem__("extras", {"analysis": 3}), "extras.analysis"),
    (lambda d: d.__setitem__("sample_rate", 44100.5), "sample_rate"),
    (lambda d: d.__setitem__("stems", [{}] * (MAX_STEMS + 1)), "stems"),
    (lambda d: d.__setitem__("chords", [[0, 1, "C"]] * 30_000), "chords"),
    (lambda d: d.__setitem__("name", "x" * 100_000), "name"),
])
def test_bad_fields_give_an_error_naming_the_field(tmp_path, mutate, needle):
    doc = _valid_doc(tmp_path)
    mutate(doc)
    with pytest.raises(ProjectError) as info:
        load_project(_write(tmp_path, doc))
    assert needle in str(info.value)
    assert "bad.accord" in str(info.value)


@pytest.mark.parametrize("content,needle", [
    ("", "empty"),
    ("\x00\x01garbage\xff", "not"),
    ("{not json", "not valid JSON"),
    ("[1, 2, 3]", "document"),
    ("[" * 100_000 + "]" * 100_000, "valid"),
    ('{"format": "accord-project", "version": 1, "tempo_bpm": NaN}', "NaN"),
])
def test_garbage_files_are_refused_clearly(tmp_path, content, needle):
    path = tmp_path / "bad.accord"
    path.write_bytes(content.encode("utf-8", "surrogateescape") if isinstance(content, str) else content)
    with pytest.raises(ProjectError) as info:
        load_project(path)
    assert needle in str(info.value)


def test_huge_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.accord"
    with open(path, "wb") as fh:
        fh.truncate(64 * 1024 * 1024)  # sparse: costs no disk
    with pytest.raises(ProjectError, match="MB"):
        load_project(path)


def test_missing_file_and_minimal_document(tmp_path):
    with pytest.raises(ProjectError, match="not found"):
        load_project(tmp_path / "nope.accord")
    p = load_project(_write(tmp_path, {"format": "accord-project", "version": 1}))
    assert p.stems == [] and p.name == "bad" and p.tempo_bpm is None and p.time_signature == TimeSignature()


def test_a_failed_save_keeps_the_previous_file(tmp_path):
    p = _song(tmp_path)
    path = save_project(p, tmp_path / "song" / "Song.accord")
    before = path.read_bytes()
    p.extras["bad"] = {"x": object()}  # not JSON: the save must fail without touching the file
    with pytest.raises(ProjectError):
        save_project(p, path)
    assert path.read_bytes() == before


def test_a_number_too_large_for_a_float_is_a_clear_error_not_infinity(tmp_path):
    from app.core.errors import ProjectError
    from app.core.project.store import load_project

    path = tmp_path / "song.accord"
    path.write_text('{"format": "accord-project", "version": 1, "stems": [], "suggestions": '
                    '[{"id": "s1", "notes": {"notes": [[60, 1e400, 1.0]]}}]}', encoding="utf-8")
    with pytest.raises(ProjectError, match="out of range"):
        load_project(path)


def test_melody_json_refuses_non_finite_and_absurd_positions():
    from app.core.music import Melody

    for bad in ([60, float("inf"), 1.0], [60, 0.0, float("nan")], [60, 1e300, 1.0]):
        with pytest.raises(ValueError, match="bad note"):
            Melody.from_json({"notes": [bad]})
