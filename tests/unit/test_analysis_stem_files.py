"""Stems read from files for the analysis (`load_stem_inputs`): one channel as the analysis hears it, and a
file longer than the analysis takes refused before the rest of it is decoded."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from app.core.analysis import files
from app.core.analysis.signal import ANALYSIS_RATE, mono_at
from app.core.audio.io import load_audio
from app.core.errors import AudioFileError


def _stereo(path, seconds: float, rate: int = 44100):
    t = np.arange(int(seconds * rate)) / rate
    left, right = 0.3 * np.sin(2 * np.pi * 220 * t), 0.2 * np.sin(2 * np.pi * 330 * t + 1.0)
    sf.write(str(path), np.stack([left, right], axis=1).astype(np.float32), rate)
    return path


def test_stems_are_read_as_the_mean_of_their_channels(tmp_path):
    path = _stereo(tmp_path / "keys.wav", 2.0)
    (stem,) = files.load_stem_inputs([path])
    stereo = load_audio(path, sample_rate=ANALYSIS_RATE).samples
    assert stereo.shape[0] == 2 and stem.samples.shape == (1, stereo.shape[1])
    assert stem.name == "keys" and stem.sample_rate == ANALYSIS_RATE
    # what the analysis then takes from it is bit for bit what it took from the stereo samples
    assert np.array_equal(mono_at(stem.samples, stem.sample_rate), mono_at(stereo, ANALYSIS_RATE))


def test_a_file_longer_than_the_analysis_takes_is_refused_by_name(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "MAX_SECONDS", 3)
    short, long = _stereo(tmp_path / "bass.wav", 2.0), _stereo(tmp_path / "room tone.wav", 4.0)
    with pytest.raises(AudioFileError, match="longer than 0.05 minutes") as err:
        files.load_stem_inputs([short, long])
    assert "room tone.wav" in str(err.value)


def test_one_channel_at_the_analysis_rate_is_not_copied_and_cannot_be_written_through(tmp_path):
    (stem,) = files.load_stem_inputs([_stereo(tmp_path / "pad.wav", 1.0)])
    mono = mono_at(stem.samples, stem.sample_rate)
    assert np.shares_memory(mono, stem.samples) and mono.flags.c_contiguous
    with pytest.raises(ValueError, match="read-only"):
        mono[0] = 1.0
    resampled = mono_at(stem.samples, stem.sample_rate, 8000)  # another rate: a new array, as before
    assert not np.shares_memory(resampled, stem.samples) and resampled.size == 8000
