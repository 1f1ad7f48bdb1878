"""`accord analyze`: real files in, readable text or JSON out; bad input → one line on stderr, exit 2."""

from __future__ import annotations

import json
import re

import pytest
import soundfile as sf

from app.cli.main import main
from app.core.analysis import SongAnalysis
from app.core.music import Key, TimeSignature
from tests.helpers.songs import make_song


@pytest.fixture(scope="module")
def song_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stems")
    song = make_song(21, meter=TimeSignature(3, 4), tempo_bpm=132.0, key=Key(5, "minor"), seconds=8.0)
    names = {"drums": "Drum Bus.wav", "bass": "bass.flac", "harmony": "keys.wav", "lead": "take1.wav"}
    for stem, filename in names.items():
        sf.write(folder / filename, song.stems[stem].T, song.sample_rate, subtype="FLOAT" if filename.endswith("wav")
                 else "PCM_24")
    return song, [str(folder / n) for n in names.values()]


def test_json_output(song_files, capsys):
    song, paths = song_files
    assert main(["analyze", *paths, "--lead", "take1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    analysis = SongAnalysis.from_json(data)
    assert analysis.grid.tempo_bpm == pytest.approx(132.0, rel=0.02)
    assert analysis.time_signature == TimeSignature(3, 4)
    assert analysis.grid.offset_seconds == pytest.approx(song.offset_seconds, abs=0.05)
    assert analysis.key == Key(5, "minor") and 0 < data["key_confidence"] <= 1
    assert data["roles"] == {"Drum Bus": "drums", "bass": "bass", "keys": "harmony", "take1": "lead"}
    assert data["lead"] == "take1" and len(data["melody"]["notes"]) >= 0.85 * len(song.melody)
    got = [analysis.chords.at(q + 0.5) for q in range(0, 12, 3)]
    want = [song.chords.at(q + 0.5) for q in range(0, 12, 3)]
    assert [(c.root_pc, c.triad_family) for c in got] == [(c.root_pc, c.triad_family) for c in want]
    assert {s["name"] for s in data["stems"]} == {"Drum Bus", "bass", "keys", "take1"}


def test_text_output_and_role_override(song_files, capsys):
    _song, paths = song_files
    assert main(["analyze", *paths, "--role", "keys=lead"]) == 0
    out = capsys.readouterr().out
    # with the keys stem taken as the lead, the chords are heard from the bass and the melody stem (guessed to
    # be harmony) and the keys' transcribed line joins the key profile; the song is in F minor and the line
    # must carry a key with its confidence and runner-up, F minor being one of the two (Accord reads Ab
    # major, the relative, with F minor a close runner-up: a chord part taken as a melody; see docs/analysis-evaluation.md)
    assert "tempo: 13" in out and "meter: 3/4" in out
    # the next felt beat, one of the related levels (half, double, 3:2...) of the tempo shown
    runner = re.search(r"^runner-up tempo: ([\d.]+) BPM \(([\d.]+)×\)$", out, re.M)
    assert runner and float(runner.group(2)) in (0.333, 0.5, 0.667, 0.75, 1.33, 1.5, 2.0, 3.0), out
    key_line = next(line for line in out.splitlines() if line.startswith("key: "))
    assert re.fullmatch(r"key: [A-G][#b]? (major|minor) \(\d\.\d\d; [A-G][#b]? (major|minor) \d\.\d\d\)", key_line)
    assert "F minor" in key_line
    assert "keys=lead (user)" in out and "lead melody (keys)" in out and "bar   1:" in out


def test_drums_only_says_no_key(song_files, capsys):
    _song, paths = song_files
    assert main(["analyze", paths[0]]) == 0
    out = capsys.readouterr().out
    assert "key: none" in out and "could not determine the key" in out


@pytest.mark.parametrize("args,message", [
    (["--lead", "nope"], "not one of the stems"),
    (["--role", "keys=kazoo"], "expected NAME=ROLE"),
])
def test_bad_options_exit_2(song_files, capsys, args, message):
    _song, paths = song_files
    assert main(["analyze", *paths, *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_unreadable_file_exit_2(tmp_path, capsys):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF\x00\x00not audio")
    assert main(["analyze", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "broken.wav" in err and len(err.strip().splitlines()) == 1


def test_samples_far_beyond_full_scale_exit_2_not_a_traceback(tmp_path, capsys):
    # a float WAV of 1e30 samples overflowed the chroma into NaN: ValueError from scipy's nnls
    import numpy as np

    sf.write(tmp_path / "blown.wav", np.full(48000, 1e30, np.float32), 48000, subtype="FLOAT")
    assert main(["analyze", str(tmp_path / "blown.wav")]) == 2
    err = capsys.readouterr().err
    assert "blown.wav: every sample is NaN, infinite or absurdly loud" in err and len(err.strip().splitlines()) == 1


def test_a_folder_of_exported_tracks_is_its_stems_in_counting_order(song_files, tmp_path, capsys):
    # a DAW export: numbered tracks, a non-audio file beside them; 10_ must come after 2_, not before it
    import shutil
    from pathlib import Path

    song, paths = song_files
    export = tmp_path / "Song export"
    export.mkdir()
    for number, src in zip((1, 2, 10, 11), paths, strict=True):
        shutil.copy(src, export / f"{number}_{Path(src).name}")
    (export / "notes.txt").write_text("mix notes")
    assert main(["analyze", str(export), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [s["name"] for s in data["stems"]] == ["1_Drum Bus", "2_bass", "10_keys", "11_take1"]
    assert data["grid"]["tempo_bpm"] == pytest.approx(132.0, rel=0.02)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "readme.txt").write_text("x")
    with pytest.raises(SystemExit) as exit_info:
        main(["analyze", str(empty)])
    assert exit_info.value.code == 2
    assert "empty: no audio files in this folder" in capsys.readouterr().err


def test_a_stem_left_out_with_role_fx_is_not_heard(song_files, tmp_path, capsys):
    song, paths = song_files
    riser = tmp_path / "Riser FX.wav"  # named for an effect: left out without being told
    sf.write(riser, song.stems["harmony"].T[::-1] * 2.0, song.sample_rate, subtype="FLOAT")

    def heard(*argv):
        assert main(["analyze", *argv, "--json"]) == 0
        data = json.loads(capsys.readouterr().out)
        return data, (data["grid"], data["key"], data["chords"])

    _, without = heard(*paths, "--role", "bass=fx")
    data, beside = heard(*paths, str(riser), "--role", "bass=fx")
    assert data["roles"]["Riser FX"] == "fx" and data["roles"]["bass"] == "fx"
    assert data["role_sources"]["Riser FX"] == "name" and data["role_sources"]["bass"] == "user"
    assert beside == without
    _, as_a_part = heard(*paths, str(riser), "--role", "bass=fx", "--role", "Riser FX=other")
    assert as_a_part != without  # the same file heard as a part changes what is heard: the test can tell
    assert main(["analyze", paths[1], "--role", "bass=fx"]) == 2
    assert "every stem is marked fx" in capsys.readouterr().err
