"""wav24.write_pcm24 writes the same bytes as libsndfile (soundfile) for 24-bit WAV, and encode_audio uses it
only where that holds (finite samples); everything else still goes through libsndfile."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from app.core.audio import wav24
from app.core.audio.io import encode_audio


def _edge_values() -> np.ndarray:
    k = np.arange(-3000, 3000, dtype=np.float64)
    ties = np.concatenate([(k + 0.5) / 2 ** 31, (k + 0.5) / 2 ** 23, (k + 0.5) / 8388607.0]).astype(np.float32)
    special = np.array([1.0, -1.0, 0.0, -0.0, 1.5, -1.5, np.nextafter(np.float32(1), np.float32(0)),
                        np.nextafter(np.float32(-1), np.float32(0)), 1e-30, -1e-30, 2 ** -24, -(2 ** -24)],
                       dtype=np.float32)
    return np.concatenate([ties, special])


def _reference(tmp_path, samples: np.ndarray, rate: int) -> bytes:
    ref = tmp_path / "ref.wav"
    with sf.SoundFile(str(ref), "w", samplerate=rate, channels=samples.shape[0], format="WAV",
                      subtype="PCM_24") as fh:
        fh.write(np.clip(samples.T.astype(np.float32), -1.0, 1.0))
    return ref.read_bytes()


@pytest.mark.parametrize("channels,frames", [(2, 48_001), (1, 9_999), (2, 1), (1, 0)])
def test_same_bytes_as_libsndfile(tmp_path, channels, frames):
    rng = np.random.default_rng(frames)
    x = (0.6 * rng.standard_normal((channels, frames))).astype(np.float32)  # some overs: clipped alike
    edges = _edge_values()
    x.reshape(-1)[:min(len(edges), x.size)] = edges[:x.size]
    ours = tmp_path / "ours.wav"
    wav24.write_pcm24(ours, x, 44100)
    assert ours.read_bytes() == _reference(tmp_path, x, 44100)


def test_many_blocks_keep_their_order(tmp_path, monkeypatch):
    monkeypatch.setattr(wav24, "_FRAMES_PER_BLOCK", 1000)  # 37 blocks through the two-thread pipeline
    x = np.random.default_rng(5).uniform(-1, 1, (2, 36_500)).astype(np.float32)
    ours = tmp_path / "ours.wav"
    wav24.write_pcm24(ours, x, 48000)
    assert ours.read_bytes() == _reference(tmp_path, x, 48000)


def test_encode_audio_takes_numpy_path_only_for_finite_24_bit_wav(tmp_path, monkeypatch):
    calls = []
    real = wav24.write_pcm24
    monkeypatch.setattr(wav24, "write_pcm24", lambda *a: calls.append(1) or real(*a))
    x = np.random.default_rng(6).uniform(-1, 1, (2, 5000)).astype(np.float32)
    encode_audio(tmp_path / "a.wav", x, 48000, format="WAV", subtype="PCM_24")
    assert calls == [1]
    assert (tmp_path / "a.wav").read_bytes() == _reference(tmp_path, x, 48000)
    encode_audio(tmp_path / "b.wav", x, 48000, format="WAV", subtype="PCM_16")
    x[0, 10] = np.nan  # libsndfile's own handling of a NaN stays in charge
    encode_audio(tmp_path / "c.wav", x, 48000, format="WAV", subtype="PCM_24")
    assert calls == [1]
    data, rate = sf.read(str(tmp_path / "c.wav"), dtype="float32")
    assert rate == 48000 and data.shape == (5000, 2)
