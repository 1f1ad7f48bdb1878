"""`accord mix`: the rendered file checked sample by sample against numpy, and bad input → exit 2."""

from __future__ import annotations

import math

import numpy as np
import pytest
import soundfile as sf

from app.cli.main import main

RATE = 48000


@pytest.fixture
def stems(tmp_path):
    rng = np.random.default_rng(42)
    drums = rng.uniform(-0.3, 0.3, size=(RATE // 2, 2)).astype(np.float32)
    bass = (0.4 * np.sin(2 * np.pi * 55 * np.arange(RATE // 3) / RATE)).astype(np.float32)  # mono, shorter
    keys = rng.uniform(-0.2, 0.2, size=(RATE // 4, 2)).astype(np.float32)
    sf.write(tmp_path / "drums.wav", drums, RATE, subtype="FLOAT")
    sf.write(tmp_path / "bass.flac", bass, RATE, subtype="PCM_24")
    sf.write(tmp_path / "keys.aiff", keys, RATE, subtype="FLOAT")
    bass_decoded = sf.read(tmp_path / "bass.flac", dtype="float32")[0]  # what PCM_24 keeps
    return tmp_path, {"drums": drums.T, "bass": np.stack([bass_decoded, bass_decoded]), "keys": keys.T}


def expected_mix(sources: dict, settings: dict, master_db: float = 0.0) -> np.ndarray:
    """The mix computed independently: dB → linear, constant-power pan, mute/solo, sum."""
    length = max(x.shape[1] for x in sources.values())
    out = np.zeros((2, length), dtype=np.float64)
    soloed = [n for n, s in settings.items() if s.get("solo")]
    for name, x in sources.items():
        s = settings.get(name, {})
        if s.get("mute") or (soloed and name not in soloed):
            continue
        gain = 10.0 ** ((s.get("gain", 0.0) + master_db) / 20.0)
        angle = (s.get("pan", 0.0) + 1.0) * math.pi / 4.0
        out[0, : x.shape[1]] += x[0] * gain * math.cos(angle)
        out[1, : x.shape[1]] += x[1] * gain * math.sin(angle)
    return out


def run(*argv: str) -> int:
    return main(["mix", *argv])


def test_mix_matches_numpy_sample_by_sample(stems, capsys):
    folder, sources = stems
    out = folder / "mix.wav"
    code = run(str(folder / "drums.wav"), str(folder / "bass.flac"), str(folder / "keys.aiff"),
               "-o", str(out), "--gain", "drums=-6", "--gain", "keys=3.5", "--pan", "bass=-0.4",
               "--pan", "keys=1", "--subtype", "FLOAT", "--no-watermark")  # exact samples, so no mark
    assert code == 0
    assert "mix.wav" in capsys.readouterr().out
    got, rate = sf.read(out, dtype="float32", always_2d=True)
    assert rate == RATE and got.shape == (RATE // 2, 2)
    want = expected_mix(sources, {"drums": {"gain": -6}, "keys": {"gain": 3.5, "pan": 1.0},
                                  "bass": {"pan": -0.4}})
    np.testing.assert_allclose(got.T, want, rtol=0, atol=2e-7)


def test_mute_solo_and_master(stems):
    folder, sources = stems
    out = folder / "solo.flac"
    code = run(str(folder / "drums.wav"), str(folder / "bass.flac"), str(folder / "keys.aiff"), "-o", str(out),
               "--solo", "drums", "--solo", "keys", "--mute", "keys", "--master", "-3", "--no-watermark")
    assert code == 0
    got = sf.read(out, dtype="float64", always_2d=True)[0].T
    want = expected_mix(sources, {"drums": {"solo": True}, "keys": {"solo": True, "mute": True}}, master_db=-3)
    np.testing.assert_allclose(got, want, atol=2.0 / 2**23)  # default PCM_24: one quantisation step
    assert np.abs(got[:, RATE // 4:]).max() > 0.01  # drums still play after keys end


def test_stems_at_other_rates_are_resampled(tmp_path):
    sf.write(tmp_path / "a.wav", np.zeros(44100, np.float32), 44100)
    assert run(str(tmp_path / "a.wav"), "-o", str(tmp_path / "o.wav")) == 0
    info = sf.info(tmp_path / "o.wav")
    assert info.samplerate == RATE and abs(info.frames - RATE) <= 2


@pytest.mark.parametrize("extra,words", [
    (["--gain", "guitar=3"], "no stem is named 'guitar'"),
    (["--mute", "vocals"], "no stem is named 'vocals'"),
    (["--pan", "drums=2"], "outside -1..1"),
    (["--pan", "drums=left"], "not a number"),
    (["--gain", "drums"], "NAME=VALUE"),
    (["--gain", "drums=nan"], "outside"),
    (["--master", "90"], "--master"),
])
def test_bad_options_exit_2_with_one_clear_line(stems, capsys, extra, words):
    folder, _ = stems
    out = folder / "x.wav"
    assert run(str(folder / "drums.wav"), "-o", str(out), *extra) == 2
    err = capsys.readouterr().err.strip()
    assert words in err and "\n" not in err and "Traceback" not in err
    assert not out.exists()


def test_bad_files_exit_2_and_write_nothing(tmp_path, capsys):
    (tmp_path / "broken.wav").write_bytes(b"RIFF0000WAVEjunk" * 4)
    assert run(str(tmp_path / "broken.wav"), "-o", str(tmp_path / "o.wav")) == 2
    assert "broken.wav" in capsys.readouterr().err
    sf.write(tmp_path / "ok.wav", np.zeros(100, np.float32), RATE)
    assert run(str(tmp_path / "ok.wav"), "-o", str(tmp_path / "o.txt")) == 2
    assert "o.txt" in capsys.readouterr().err
    assert run(str(tmp_path / "missing.flac"), "-o", str(tmp_path / "o.wav")) == 2
    assert "not found" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.wav", "ok.wav"]


def test_an_existing_folder_as_output_is_named_as_one(tmp_path, capsys):
    # was "cannot write '(no extension)' files" for `-o mixes`, and "Is a directory; the previous version is kept"
    sf.write(tmp_path / "ok.wav", np.zeros(100, np.float32), RATE)
    for folder in ("mixes", "mix.wav"):
        (tmp_path / folder).mkdir()
        assert run(str(tmp_path / "ok.wav"), "-o", str(tmp_path / folder)) == 2
        err = capsys.readouterr().err
        assert f"{folder}: is a folder, not a file" in err and len(err.strip().splitlines()) == 1
        assert list((tmp_path / folder).iterdir()) == []


def test_duplicate_names_are_refused_only_when_an_option_needs_them(tmp_path, capsys):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        sf.write(tmp_path / sub / "gtr.wav", np.full(100, 0.1, np.float32), RATE)
    paths = [str(tmp_path / "a" / "gtr.wav"), str(tmp_path / "b" / "gtr.wav")]
    assert run(*paths, "-o", str(tmp_path / "o.wav")) == 0
    assert run(*paths, "-o", str(tmp_path / "o2.wav"), "--mute", "gtr") == 2
    assert "several stems" in capsys.readouterr().err


@pytest.mark.parametrize("ext", ["wav", "flac", "mp3"])
def test_an_output_name_that_is_not_utf8_is_signed_verified_and_printed(tmp_path, ext):
    # the title tag came from the name's surrogate escape ("m\udcfe"): "could not be embedded", exit 2; and
    # under a UTF-8 locale (strict stdout) printing "wrote m\udcfe.flac" was a traceback
    import os
    import subprocess
    import sys

    sf.write(tmp_path / "ok.wav", np.full(4800, 0.1, np.float32), RATE)
    out = os.fsencode(tmp_path) + b"/m\xfe." + ext.encode()
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict"}
    for argv in (["mix", os.fsencode(tmp_path / "ok.wav"), "-o", out], ["verify", out]):
        proc = subprocess.run([sys.executable, "-m", "app.cli.main", *argv], capture_output=True, env=env,
                              timeout=120, check=False)
        assert proc.returncode == 0 and b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")
        assert b"m\xfe." + ext.encode() in proc.stdout
    assert b"verified" in proc.stdout
