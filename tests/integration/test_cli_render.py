"""`accord render`: a suggestion alone and with stems, on the MIDI file's tempo, in every output format.
(Renders here are compared sample by sample, so they are written without the audio watermark.)"""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from app.cli.main import main
from app.core.audio.io import load_audio
from app.core.audio.synth.soundfont import find_soundfonts, tinysoundfont_available
from app.core.midifile import MidiPart, write_midi
from app.core.music import Melody, Note

RATE = 48000
TEMPO = 100.0  # 0.6 s per quarter


@pytest.fixture
def suggestion(tmp_path):
    notes = (Note(67, 1.0, 0.9, 110), Note(71, 3.0, 0.9, 90), Note(74, 5.0, 1.5, 100))
    path = tmp_path / "idea.mid"
    write_midi(path, [MidiPart("Idea", Melody(notes), program=80)], tempo_bpm=TEMPO)
    return path


def onsets(mono: np.ndarray, rel: float = 0.02, gap: int = RATE // 4) -> list[int]:
    above = np.flatnonzero(np.abs(mono) > rel * np.abs(mono).max())
    found, last = [], -10 * gap
    for i in above:
        if i - last > gap:
            found.append(int(i))
        last = i
    return found


def test_render_alone_follows_the_midi_tempo(suggestion, tmp_path, capsys):
    out = tmp_path / "idea.wav"
    assert main(["render", "--no-watermark", str(suggestion), "--instrument", "pluck", "-o", str(out)]) == 0
    assert "idea.wav" in capsys.readouterr().out
    audio, rate = sf.read(out, dtype="float32", always_2d=True)
    assert rate == RATE and np.all(np.isfinite(audio)) and np.abs(audio).max() <= 1.0
    expected = [round(q * 60.0 / TEMPO * RATE) for q in (1.0, 3.0, 5.0)]
    found = onsets(audio[:, 0])
    assert len(found) == 3
    assert all(abs(f - e) <= RATE // 1000 for f, e in zip(found, expected, strict=True))
    assert audio.shape[0] >= round(6.5 * 0.6 * RATE)


def test_render_with_stems_mixes_them_under_the_suggestion(suggestion, tmp_path):
    t = np.arange(RATE * 5) / RATE
    stem = (0.3 * np.sin(2 * np.pi * 55.0 * t)).astype(np.float32)
    sf.write(tmp_path / "bass.wav", np.stack([stem, stem], axis=1), RATE, subtype="FLOAT")
    alone, mixed = tmp_path / "alone.wav", tmp_path / "mixed.flac"
    assert main(["render", "--no-watermark", str(suggestion), "--instrument", "lead", "-o", str(alone)]) == 0
    assert main(["render", "--no-watermark", str(suggestion), "--instrument", "lead", "--stems", str(tmp_path / "bass.wav"),
                 "--tempo-from", "midi", "-o", str(mixed)]) == 0
    a, _ = sf.read(alone, dtype="float32", always_2d=True)
    m, rate = sf.read(mixed, dtype="float32", always_2d=True)
    assert rate == RATE and m.shape[0] == max(a.shape[0], len(stem))
    centre = np.sqrt(0.5)  # the mixer's constant-power centre pan: -3 dB per side
    want = np.zeros_like(m)
    want[: len(stem)] += centre * stem[:, None]
    want[: a.shape[0]] += centre * a
    np.testing.assert_allclose(m, want, atol=2e-4)


def test_with_stems_the_analysed_grid_places_the_notes(suggestion, tmp_path):
    pipeline = pytest.importorskip("app.core.analysis.pipeline", reason="stem analysis has not landed yet")
    from app.core.analysis.cache import AnalysisCache
    from app.core.home import AccordHome

    bpm, offset, seconds = 90.0, 0.25, 8.0  # the stems' own tempo differs from the MIDI file's 100 BPM
    clicks = np.zeros(int(RATE * seconds), np.float32)
    n = np.arange(960)
    burst = (0.8 * np.exp(-n / 120.0) * np.sin(2 * np.pi * 1800 * n / RATE)).astype(np.float32)
    for k in range(int((seconds - offset) * bpm / 60)):
        start = int(round((offset + k * 60 / bpm) * RATE))
        clicks[start : start + 960] += burst * (1.0 if k % 4 == 0 else 0.5)
    sf.write(tmp_path / "clicks.wav", np.stack([clicks, clicks], axis=1), RATE, subtype="FLOAT")
    out = tmp_path / "placed.wav"
    assert main(["render", "--no-watermark", str(suggestion), "--instrument", "pluck", "--stems", str(tmp_path / "clicks.wav"),
                 "-o", str(out)]) == 0
    decoded = load_audio(tmp_path / "clicks.wav")
    analysis = pipeline.analyze_stems(  # the CLI filled the home's analysis cache: this is a cache hit
        [pipeline.StemInput("clicks.wav", decoded.samples, RATE, decoded.content_sha256)],
        cache=AnalysisCache.in_home(AccordHome.resolve()))
    grid = analysis.grid
    assert analysis.tempo_determined and abs(grid.tempo_bpm - TEMPO) > 2.0
    mixed, _ = sf.read(out, dtype="float32", always_2d=True)
    residual = mixed[: len(clicks), 0] - np.sqrt(0.5) * clicks  # what is left is the suggestion
    first = onsets(residual)[0]
    assert abs(first - round(grid.seconds(1.0) * RATE)) <= RATE // 1000


@pytest.mark.parametrize("ext", ["flac", "aiff", "ogg", "mp3"])
def test_format_follows_the_extension(suggestion, tmp_path, ext):
    out = tmp_path / f"idea.{ext}"
    assert main(["render", "--no-watermark", str(suggestion), "--instrument", "bell", "--fx", "room", "-o", str(out)]) == 0
    info = sf.info(str(out))
    assert info.samplerate == RATE and info.channels == 2 and info.duration > 3.0


def test_fx_chain_from_a_json_file(suggestion, tmp_path):
    chain = tmp_path / "chain.json"
    chain.write_text(json.dumps({"name": "mine", "effects": [{"type": "delay", "delay_seconds": 0.3,
                                                              "feedback": 0.4, "mix": 0.4}]}))
    dry, wet = tmp_path / "dry.wav", tmp_path / "wet.wav"
    assert main(["render", "--no-watermark", str(suggestion), "-o", str(dry)]) == 0
    assert main(["render", "--no-watermark", str(suggestion), "--fx", str(chain), "-o", str(wet)]) == 0
    d, _ = sf.read(dry, dtype="float32")
    w, _ = sf.read(wet, dtype="float32")
    assert d.shape == w.shape and not np.allclose(d, w, atol=1e-3)


@pytest.mark.skipif(not tinysoundfont_available() or not find_soundfonts(),
                    reason="needs tinysoundfont (pip install --no-deps tinysoundfont) and a GM SoundFont")
def test_render_with_the_default_soundfont_uses_the_part_program(suggestion, tmp_path):
    out = tmp_path / "gm.wav"
    assert main(["render", "--no-watermark", str(suggestion), "--soundfont", "default", "-o", str(out)]) == 0
    audio, _ = sf.read(out, dtype="float32", always_2d=True)
    found = onsets(audio[:, 0])
    assert abs(found[0] - round(0.6 * RATE)) <= RATE // 1000  # GM 80 starts on its first sample


def test_bad_input_is_one_line_and_exit_2(suggestion, tmp_path, capsys):
    cases = [
        (["render", str(suggestion), "-o", str(tmp_path / "x.txt")], "cannot write '.txt'"),
        (["render", str(tmp_path / "none.mid"), "-o", str(tmp_path / "x.wav")], "file not found"),
        (["render", str(suggestion), "--plugin", str(tmp_path / "Synth.vst3"), "-o", str(tmp_path / "x.wav")],
         "plugin not found"),
        (["render", str(suggestion), "--fx", "cathedral", "-o", str(tmp_path / "x.wav")], "unknown effects preset"),
        (["render", str(suggestion), "--stems", str(tmp_path / "missing.wav"), "-o", str(tmp_path / "x.wav")],
         "missing.wav"),
        (["render", str(suggestion), "--soundfont", "default", "--program", "200", "-o", str(tmp_path / "x.wav")],
         "outside 0–127"),
    ]
    for argv, message in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert message in err and len(err.splitlines()) == 1, (argv, err)
    assert not (tmp_path / "x.wav").exists()


def test_drum_only_midi_is_refused(tmp_path, capsys):
    drums = tmp_path / "drums.mid"
    write_midi(drums, [MidiPart("Kit", Melody((Note(36, 0.0, 0.5),)), channel=9)], tempo_bpm=120.0)
    assert main(["render", "--no-watermark", str(drums), "-o", str(tmp_path / "d.wav")]) == 2
    assert "no notes outside the drum channel" in capsys.readouterr().err


def test_all_parts_mixes_every_non_drum_part(tmp_path):
    path = tmp_path / "two.mid"
    write_midi(path, [MidiPart("Top", Melody((Note(72, 0.0, 1.0, 100),))),
                      MidiPart("Low", Melody((Note(48, 2.0, 1.0, 100),)), channel=1),
                      MidiPart("Kit", Melody((Note(36, 1.0, 0.5),)), channel=9)], tempo_bpm=120.0)
    first, both = tmp_path / "first.wav", tmp_path / "both.wav"
    assert main(["render", "--no-watermark", str(path), "--instrument", "pluck", "-o", str(first)]) == 0
    assert main(["render", "--no-watermark", str(path), "--instrument", "pluck", "--all-parts", "-o", str(both)]) == 0
    a, _ = sf.read(first, dtype="float32", always_2d=True)
    b, _ = sf.read(both, dtype="float32", always_2d=True)
    (only,) = onsets(a[:, 0])
    found = onsets(b[:, 0])
    assert only <= RATE // 1000 and len(found) == 2 and abs(found[1] - RATE) <= RATE // 1000  # quarter 2 at 120 BPM; no drum hit at 0.5 s
