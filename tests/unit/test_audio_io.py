"""Decoding and encoding audio: formats, rates, channel counts, resampling accuracy and bad inputs."""

from __future__ import annotations

import logging
import math
import struct
import tracemalloc

import numpy as np
import pytest
import soundfile as sf

from app.core.audio.io import (
    PROJECT_RATE,
    downmix_matrix,
    encode_audio,
    load_audio,
    sha256_file,
    write_audio,
)
from app.core.errors import AudioFileError
from app.core.tasks import Cancelled, CancelToken


def sine(freq: float, rate: int, seconds: float, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def wav_bytes(channels: int, rate: int, data: bytes, *, bits: int = 16, data_size: int | None = None,
              tag: int = 1) -> bytes:
    """A hand-built RIFF/WAVE file, so headers can lie."""
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, bits)
    size = len(data) if data_size is None else data_size
    body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", size) + data
    return b"RIFF" + struct.pack("<I", min(0xFFFFFFFF, 4 + len(body) - 4 + (size - len(data)))) + body


def pcm16(frames: int, channels: int = 2) -> bytes:
    x = (np.sin(np.arange(frames) / 5.0) * 10000).astype("<i2")
    return np.repeat(x, channels).tobytes()


# ---- formats, channels, rates -------------------------------------------------------------------------

@pytest.mark.parametrize("ext,subtype", [("wav", "PCM_16"), ("wav", "FLOAT"), ("flac", "PCM_24"),
                                         ("aiff", "PCM_16"), ("aif", "PCM_24"), ("ogg", "VORBIS"),
                                         ("mp3", "MPEG_LAYER_III")])
def test_each_format_decodes_to_float32_stereo_at_the_project_rate(tmp_path, ext, subtype):
    left, right = sine(440, PROJECT_RATE, 1.0, 0.5), sine(660, PROJECT_RATE, 1.0, 0.25)
    path = tmp_path / f"stem.{ext}"
    sf.write(path, np.stack([left, right]).T, PROJECT_RATE, subtype=subtype, format={"aif": "AIFF"}.get(ext))
    audio = load_audio(path)
    assert audio.samples.dtype == np.float32 and audio.samples.shape[0] == 2
    assert audio.samples.flags.c_contiguous and not audio.samples.flags.writeable
    assert audio.sample_rate == PROJECT_RATE and audio.source_rate == PROJECT_RATE
    assert audio.source_channels == 2 and audio.source_format == {"aif": "AIFF"}.get(ext, ext.upper())
    assert abs(audio.duration - 1.0) < 0.06  # lossy decoders may pad a frame
    assert audio.content_sha256 == sha256_file(path)
    if ext in ("ogg", "mp3"):  # lossy: levels only
        peaks = np.abs(audio.samples).max(axis=1)
        assert peaks[0] == pytest.approx(0.5, abs=0.05) and peaks[1] == pytest.approx(0.25, abs=0.05)
    else:
        tol = 1e-4 if subtype == "PCM_16" else 1e-6
        np.testing.assert_allclose(audio.samples[0], left, atol=tol)
        np.testing.assert_allclose(audio.samples[1], right, atol=tol)


def test_mono_goes_to_both_channels_at_full_level(tmp_path):
    x = sine(300, PROJECT_RATE, 0.2)
    sf.write(tmp_path / "mono.wav", x, PROJECT_RATE, subtype="FLOAT")
    audio = load_audio(tmp_path / "mono.wav")
    assert audio.source_channels == 1
    np.testing.assert_array_equal(audio.samples[0], x)
    np.testing.assert_array_equal(audio.samples[1], x)


def test_surround_downmix_follows_the_documented_matrix(tmp_path):
    rng = np.random.default_rng(3)
    x = (rng.uniform(-0.2, 0.2, size=(4800, 6))).astype(np.float32)  # FL FR FC LFE BL BR
    sf.write(tmp_path / "51.wav", x, PROJECT_RATE, subtype="FLOAT")
    audio = load_audio(tmp_path / "51.wav")
    k = math.sqrt(0.5)
    left = x[:, 0] + k * x[:, 2] + k * x[:, 4]
    right = x[:, 1] + k * x[:, 2] + k * x[:, 5]
    np.testing.assert_allclose(audio.samples[0], left, atol=1e-6)
    np.testing.assert_allclose(audio.samples[1], right, atol=1e-6)
    assert audio.source_channels == 6


def test_downmix_matrix_shapes():
    assert downmix_matrix(1).tolist() == [[1.0, 1.0]]
    assert downmix_matrix(2).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    m = downmix_matrix(24)
    assert m.shape == (24, 2) and m[3].tolist() == [0.0, 0.0]  # LFE dropped
    assert np.all(m.sum(axis=1)[np.arange(24) != 3] > 0)  # every other channel is heard somewhere
    with pytest.raises(ValueError):
        downmix_matrix(0)


@pytest.mark.parametrize("rate", [8000, 22050, 44100, 96000, 192000, 384000])
def test_any_sane_rate_is_resampled_to_the_project_rate(tmp_path, rate):
    sf.write(tmp_path / "r.wav", sine(1000, rate, 0.5), rate, subtype="FLOAT")
    audio = load_audio(tmp_path / "r.wav")
    assert audio.source_rate == rate and audio.sample_rate == PROJECT_RATE
    assert abs(audio.frames - PROJECT_RATE // 2) <= 2


def test_resampling_keeps_frequency_and_amplitude(tmp_path):
    left = sine(1000, 44100, 2.0, 0.5)
    sf.write(tmp_path / "k.flac", np.stack([left, left * 0.5]).T, 44100, subtype="PCM_24")
    both = load_audio(tmp_path / "k.flac").samples
    np.testing.assert_allclose(both[1], both[0] * 0.5, atol=1e-5)  # channels stay apart and aligned
    x = both[0]
    mid = x[PROJECT_RATE // 4: PROJECT_RATE // 4 + PROJECT_RATE]  # one second away from the edges
    spectrum = np.abs(np.fft.rfft(mid * np.hanning(mid.size)))
    peak_hz = np.argmax(spectrum) * PROJECT_RATE / mid.size
    assert peak_hz == pytest.approx(1000.0, abs=1.0)
    assert np.max(np.abs(mid)) == pytest.approx(0.5, abs=0.005)
    expected = 0.5 * np.sin(2 * np.pi * 1000 * (np.arange(mid.size) + PROJECT_RATE // 4) / PROJECT_RATE)
    assert np.sqrt(np.mean((mid - expected) ** 2)) < 1e-3  # in phase, not only the right pitch


def test_resampling_into_another_target_rate(tmp_path):
    sf.write(tmp_path / "a.wav", sine(440, PROJECT_RATE, 1.0), PROJECT_RATE)
    audio = load_audio(tmp_path / "a.wav", sample_rate=44100)
    assert audio.sample_rate == 44100 and abs(audio.frames - 44100) <= 2


def test_content_detected_despite_a_misleading_extension(tmp_path):
    path = tmp_path / "really_flac.wav"
    sf.write(path, sine(200, PROJECT_RATE, 0.1), PROJECT_RATE, format="FLAC")
    assert load_audio(path).source_format == "FLAC"


# ---- bad inputs ---------------------------------------------------------------------------------------

def _error(path) -> str:
    with pytest.raises(AudioFileError) as info:
        load_audio(path)
    assert info.value.path is not None and info.value.path.name == path.name
    return str(info.value)


def test_missing_empty_folder_and_unknown_extension(tmp_path):
    assert "not found" in _error(tmp_path / "nope.wav")
    (tmp_path / "empty.wav").write_bytes(b"")
    assert "empty" in _error(tmp_path / "empty.wav")
    (tmp_path / "dir.wav").mkdir()
    assert "folder" in _error(tmp_path / "dir.wav")
    (tmp_path / "notes.txt").write_text("hello")
    assert "not a supported audio type" in _error(tmp_path / "notes.txt")


def test_garbage_is_refused(tmp_path):
    for ext in ("wav", "flac", "mp3", "ogg", "aiff"):
        path = tmp_path / f"garbage.{ext}"
        path.write_bytes(np.random.default_rng(7).integers(0, 256, 3000, dtype=np.uint8).tobytes())
        message = _error(path)
        assert f"garbage.{ext}:" in message


def test_text_with_an_audio_extension_is_refused(tmp_path):
    path = tmp_path / "song.mp3"
    path.write_text("this is not audio\n" * 50)
    assert "song.mp3" in _error(path)


def test_truncated_header_is_refused(tmp_path):
    path = tmp_path / "cut.wav"
    path.write_bytes(wav_bytes(2, 44100, pcm16(100))[:30])
    assert "truncated" in _error(path) or "damaged" in _error(path)


def test_truncated_data_keeps_the_frames_that_are_there(tmp_path):
    full = wav_bytes(2, PROJECT_RATE, pcm16(100))
    path = tmp_path / "cut.wav"
    path.write_bytes(full[:44 + 50 * 4 + 3])  # header + 50 of 100 frames + a torn frame
    audio = load_audio(path)
    assert audio.frames == 50
    expected = (np.sin(np.arange(50) / 5.0) * 10000).astype("<i2") / 32768.0
    np.testing.assert_allclose(audio.samples[0], expected, atol=1e-6)


def test_truncated_flac_is_refused_or_shortened(tmp_path):
    path = tmp_path / "cut.flac"
    sf.write(path, sine(100, PROJECT_RATE, 1.0), PROJECT_RATE)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    try:
        audio = load_audio(path)
    except AudioFileError as exc:
        assert "cut.flac" in str(exc)
    else:
        assert 0 < audio.frames < PROJECT_RATE


def test_lying_header_does_not_allocate_what_it_claims(tmp_path):
    path = tmp_path / "liar.wav"
    path.write_bytes(wav_bytes(2, 44100, pcm16(50), data_size=0xFFFFFFF0))
    assert path.stat().st_size < 300
    tracemalloc.start()
    try:
        audio = load_audio(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert audio.frames <= 60  # 50 frames at 44.1 kHz, resampled to 48 kHz
    assert peak < 8 * 2**20, f"decoding a 250-byte file peaked at {peak / 2**20:.1f} MiB"


def test_flac_claiming_64_billion_frames_is_refused_without_allocating_them(tmp_path):
    path = tmp_path / "liar.flac"
    sf.write(path, sine(300, PROJECT_RATE, 0.1), PROJECT_RATE, subtype="PCM_16")
    data = bytearray(path.read_bytes())
    data[8 + 13] |= 0x0F  # STREAMINFO total samples: 36 bits, all ones
    data[8 + 14:8 + 18] = b"\xff\xff\xff\xff"
    path.write_bytes(bytes(data))
    assert sf.info(path).frames > 10**10
    tracemalloc.start()
    try:
        try:
            audio = load_audio(path)
        except AudioFileError as exc:
            assert "liar.flac" in str(exc) and "header does not match" in str(exc)
        else:
            assert audio.frames <= PROJECT_RATE // 10
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20


@pytest.mark.parametrize("channels,rate,words", [(0, 44100, "0 audio channels"), (2, 0, "sample rate"),
                                                 (2, 1, "sample rate 1 Hz"), (2, 4_000_000, "4000000 Hz"),
                                                 (2, 4000, "4000 Hz")])
def test_impossible_channel_counts_and_rates(tmp_path, channels, rate, words):
    path = tmp_path / "bad.wav"
    path.write_bytes(wav_bytes(channels, rate, pcm16(100, max(1, channels))))
    assert words in _error(path)


def test_zero_frames_is_refused(tmp_path):
    path = tmp_path / "silent.wav"
    path.write_bytes(wav_bytes(2, 44100, b""))
    assert "no audio" in _error(path)


def test_nan_and_inf_are_replaced_by_silence_with_a_warning(tmp_path, caplog):
    x = sine(100, PROJECT_RATE, 0.1)
    x[10], x[20], x[30] = np.nan, np.inf, -np.inf
    sf.write(tmp_path / "nan.wav", x, PROJECT_RATE, subtype="FLOAT")
    with caplog.at_level(logging.WARNING):
        audio = load_audio(tmp_path / "nan.wav")
    assert np.isfinite(audio.samples).all()
    assert audio.samples[0, 10] == 0 and audio.samples[1, 30] == 0
    assert audio.samples[0, 11] == x[11]
    assert "NaN" in caplog.text and "nan.wav" in caplog.text


def test_nan_survives_no_resampling_or_downmix(tmp_path, caplog):
    x = np.full((1000, 4), 0.1, dtype=np.float32)
    x[5, 2] = np.nan
    sf.write(tmp_path / "quad.wav", x, 44100, subtype="FLOAT")
    with caplog.at_level(logging.WARNING):
        assert np.isfinite(load_audio(tmp_path / "quad.wav").samples).all()
    assert "1 NaN" in caplog.text


def test_absurdly_loud_samples_are_damage_like_nan(tmp_path, caplog):
    # 1e30 in a float WAV overflowed the analysis into NaN (a traceback); int16 values stored as float still load
    x = sine(100, PROJECT_RATE, 0.1, amp=30000.0)
    x[10], x[20] = 1e30, -1e20
    sf.write(tmp_path / "loud.wav", x, PROJECT_RATE, subtype="FLOAT")
    with caplog.at_level(logging.WARNING):
        audio = load_audio(tmp_path / "loud.wav")
    assert audio.samples[0, 10] == 0 and audio.samples[0, 20] == 0 and audio.samples[0, 11] == x[11]
    assert "2 NaN, infinite or absurdly loud" in caplog.text
    sf.write(tmp_path / "all.wav", np.full(500, 1e30, np.float32), PROJECT_RATE, subtype="FLOAT")
    assert "absurdly loud" in _error(tmp_path / "all.wav")


@pytest.mark.parametrize("channels", [1, 2, 6])
def test_all_nan_is_refused(tmp_path, channels):
    x = np.full((500, channels), np.nan, dtype=np.float32)
    sf.write(tmp_path / "allnan.wav", x, PROJECT_RATE, subtype="FLOAT")
    assert "NaN" in _error(tmp_path / "allnan.wav")


def test_progress_and_cancel(tmp_path):
    sf.write(tmp_path / "long.wav", sine(100, 44100, 6.0), 44100)
    seen: list[float] = []
    load_audio(tmp_path / "long.wav", progress=lambda f, text="": seen.append(f))
    assert seen[-1] == 1.0 and len(seen) > 2 and seen == sorted(seen)
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        load_audio(tmp_path / "long.wav", cancel=token)


# ---- writing ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("ext", ["wav", "flac", "aiff", "aif", "ogg", "mp3"])
def test_write_audio_round_trips_by_extension(tmp_path, ext):
    x = np.stack([sine(440, PROJECT_RATE, 0.5), sine(220, PROJECT_RATE, 0.5, 0.3)])
    out = write_audio(tmp_path / f"out.{ext}", x, PROJECT_RATE)
    back = load_audio(out).samples
    if ext in ("ogg", "mp3"):
        assert np.abs(back).max() == pytest.approx(0.5, abs=0.06)
    else:
        np.testing.assert_allclose(back, x, atol=2e-7 * 2**8)  # PCM_24 default
    assert [p.name for p in tmp_path.iterdir()] == [f"out.{ext}"]  # no temp files left


def test_write_clips_pcm_but_keeps_float_overs(tmp_path):
    x = np.array([[0.5, 1.5, -2.0], [0.0, 0.25, 3.0]], dtype=np.float32)
    pcm = write_audio(tmp_path / "pcm.wav", x, PROJECT_RATE, subtype="PCM_16")
    flt = write_audio(tmp_path / "flt.wav", x, PROJECT_RATE, subtype="FLOAT")
    assert sf.read(pcm)[0].max() <= 1.0 and sf.read(pcm)[0][1, 0] > 0.99  # clipped, not wrapped around
    np.testing.assert_array_equal(sf.read(flt, dtype="float32")[0].T, x)


def test_write_refuses_unknown_types_and_bad_subtypes_naming_the_file(tmp_path):
    x = np.zeros((2, 10), dtype=np.float32)
    with pytest.raises(AudioFileError, match="out.xyz"):
        write_audio(tmp_path / "out.xyz", x, PROJECT_RATE)
    with pytest.raises(AudioFileError, match="out.wav"):
        write_audio(tmp_path / "out.wav", x, PROJECT_RATE, subtype="VORBIS")
    with pytest.raises(AudioFileError, match="shape"):
        encode_audio(tmp_path / "o.wav", np.zeros((3, 4, 5), np.float32), PROJECT_RATE)
    assert list(tmp_path.iterdir()) == []


# ---- second decoder and fuzzing -----------------------------------------------------------------------

def test_pedalboard_takes_over_lossy_files_soundfile_cannot_open(tmp_path, monkeypatch):
    from app.core.audio import readers

    sf.write(tmp_path / "song.ogg", np.stack([sine(440, 44100, 0.5)] * 2).T, 44100, format="OGG")
    sf.write(tmp_path / "song.wav", sine(440, 44100, 0.5), 44100)

    def refuse(path):
        raise RuntimeError("Error opening: format not recognised")

    monkeypatch.setattr(readers, "SoundfileReader", refuse)
    audio = load_audio(tmp_path / "song.ogg")  # the real pedalboard decoder
    assert audio.source_rate == 44100 and audio.source_format == "OGG"
    assert np.abs(audio.samples).max() == pytest.approx(0.5, abs=0.05)
    assert abs(audio.frames - PROJECT_RATE // 2) < 2000
    assert "song.wav" in _error(tmp_path / "song.wav")  # no second chance for PCM formats


@pytest.mark.parametrize("ext", ["wav", "flac", "ogg", "mp3", "aiff"])
def test_damaged_files_only_ever_raise_audio_file_error(tmp_path, ext):
    """Flip, cut and overwrite bytes of a real file: decode or a clear AudioFileError, nothing else."""
    source = tmp_path / f"src.{ext}"
    sf.write(source, np.stack([sine(440, 22050, 0.3)] * 2).T, 22050)
    data = bytearray(source.read_bytes())
    rng = np.random.default_rng(sum(map(ord, ext)))
    for case in range(25):
        damaged = bytearray(data)
        kind = case % 3
        if kind == 0:  # scribble over the header
            at = int(rng.integers(0, min(64, len(damaged))))
            damaged[at:at + 8] = rng.integers(0, 256, 8, dtype=np.uint8).tobytes()
        elif kind == 1:  # cut anywhere
            damaged = damaged[: int(rng.integers(1, len(damaged)))]
        else:  # random bytes anywhere
            for at in rng.integers(0, len(damaged), 16):
                damaged[at] = int(rng.integers(0, 256))
        path = tmp_path / f"d{case}.{ext}"
        path.write_bytes(bytes(damaged))
        try:
            audio = load_audio(path)
        except AudioFileError as exc:
            assert exc.path == path and str(exc).startswith(path.name)
        else:
            assert audio.samples.shape[0] == 2 and np.isfinite(audio.samples).all()


def test_a_file_decoding_to_far_more_than_its_size_suggests_grows_its_buffer(tmp_path):
    x = np.zeros((20 * PROJECT_RATE, 2), dtype=np.float32)  # silence: FLAC packs it into a few KB
    x[-1] = (0.5, -0.25)
    path = tmp_path / "quiet.flac"
    sf.write(path, x, PROJECT_RATE, subtype="PCM_16")
    assert path.stat().st_size * 16 < x.shape[0]  # beyond what the first buffer believes
    audio = load_audio(path)
    assert audio.frames == x.shape[0] and audio.samples.flags.c_contiguous
    assert audio.samples[:, -1].tolist() == [0.5, -0.25] and not audio.samples[:, :-1].any()
