"""Decoding audio for transcription: every supported container, stereo to mono, resampling, refusals."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from app.core.catalogue.importing.audio_import import ANALYSIS_RATE, read_mono
from app.core.errors import ImportFailed
from app.core.transcription import PitchTrack, notes_from_pitch_track
from app.core.transcription.notes import ONSET_BIAS_SECONDS


@pytest.mark.parametrize("ext,fmt", [(".wav", "WAV"), (".flac", "FLAC"), (".aiff", "AIFF"), (".ogg", "OGG"),
                                     (".mp3", "MP3")])
def test_each_container_decodes_to_mono_at_the_analysis_rate(tmp_path, ext, fmt):
    rate = 44100
    t = np.arange(rate // 2) / rate
    stereo = np.stack([0.3 * np.sin(2 * np.pi * 440 * t), 0.3 * np.sin(2 * np.pi * 440 * t)], axis=1)
    path = tmp_path / f"tone{ext}"
    sf.write(str(path), stereo.astype(np.float32), rate, format=fmt)
    y, out_rate = read_mono(path)
    assert out_rate == ANALYSIS_RATE and y.ndim == 1 and y.dtype == np.float32
    assert abs(len(y) - ANALYSIS_RATE // 2) < ANALYSIS_RATE * 0.1  # lossy codecs pad a little
    assert 0.1 < float(np.max(np.abs(y))) < 0.5


def test_a_file_with_no_samples_is_refused(tmp_path):
    path = tmp_path / "empty.wav"
    sf.write(str(path), np.zeros((0, 1), dtype=np.float32), 22050)
    with pytest.raises(ImportFailed, match="empty.wav: contains no audio"):
        read_mono(path)


def test_damaged_files_get_the_stem_decoders_words_and_no_decoder_chatter(tmp_path, capfd):
    # a second soundfile loop here said "(Error opening b'/path/x.wav': Format not recognised.)" and let
    # libmpg123's "warning: Cannot read next header" through to the terminal
    tone = tmp_path / "tone.mp3"
    sf.write(str(tone), np.zeros(22050, np.float32), 22050, format="MP3")
    (tmp_path / "garbage.wav").write_bytes(b"\x01\x02not audio" * 50)
    (tmp_path / "cut.mp3").write_bytes(tone.read_bytes()[:30])
    sf.write(str(tmp_path / "loud.wav"), np.full(2205, 1e30, np.float32), 22050, subtype="FLOAT")
    reasons = {}
    for name in ("garbage.wav", "cut.mp3", "loud.wav"):
        with pytest.raises(ImportFailed) as info:
            read_mono(tmp_path / name)
        reasons[name] = str(info.value)
        assert reasons[name].startswith(f"{name}: ") and "b'" not in reasons[name]
    assert reasons["garbage.wav"] == "garbage.wav: not a readable audio file (format not recognised)"
    assert "absurdly loud" in reasons["loud.wav"]
    assert capfd.readouterr().err == ""


def test_segmentation_drops_transition_glitches_and_splits_on_silence():
    # the shared notes step (also the stem analysis'): 10 ms frames, a 2-frame glitch, a gap, a re-entry
    frames = [np.nan] * 5 + [60.1] * 20 + [60.6] * 2 + [62.0] * 20 + [np.nan] * 3 + [62.0] * 20
    f0 = 440.0 * 2 ** ((np.array(frames, dtype=float) - 69) / 12)
    notes = notes_from_pitch_track(PitchTrack(f0, sample_rate=100, hop=1))
    got = [(round(n.pitch), round(n.onset + ONSET_BIAS_SECONDS, 2), round(n.end + ONSET_BIAS_SECONDS, 2))
           for n in notes]
    assert got == [(60, 0.05, 0.25), (62, 0.27, 0.47), (62, 0.5, 0.7)]  # the glitch is no note of its own
