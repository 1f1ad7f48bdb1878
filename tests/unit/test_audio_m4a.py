"""AAC and Apple Lossless `.m4a` (and raw `.aac`): what phones, GarageBand and Voice Memos export. libsndfile has no
AAC decoder, so these were refused ("'.m4a' is not a supported audio type"); PyAV's FFmpeg decodes them now. Each file
here is really encoded by FFmpeg (tests/helpers/m4a.py)."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.audio.formats import AUDIO_EXTENSIONS, SOUNDFILE_FORMAT_BY_SUFFIX
from app.core.audio.io import load_audio, output_format, write_audio
from app.core.catalogue.importing.audio_import import ANALYSIS_RATE, read_mono
from app.core.catalogue.importing.audio_import import AUDIO_EXTENSIONS as CATALOGUE_AUDIO
from app.core.errors import AudioFileError, ImportFailed
from app.core.tasks import Cancelled, CancelToken
from app.ui.dialogs.messages import AUDIO_FILTER
from tests.helpers.m4a import tone, write_m4a

RATE = 44100


def _peak_hz(x: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    return float(np.argmax(spectrum) * rate / x.size)


def test_an_aac_bounce_decodes_to_stereo_at_the_project_rate(tmp_path):
    path = write_m4a(tmp_path / "bounce.m4a", tone(2.0, RATE, freq=440.0, level=0.5), RATE)
    audio = load_audio(path)  # 48 kHz, the project rate
    assert audio.source_format == "M4A (AAC)" and audio.source_rate == RATE and audio.source_channels == 2
    assert audio.sample_rate == 48000 and audio.duration == pytest.approx(2.0, abs=0.05)  # AAC pads a frame or so
    middle = audio.samples[0, 24000:72000]
    assert _peak_hz(middle, 48000) == pytest.approx(440.0, abs=2.0)
    assert float(np.sqrt(np.mean(middle ** 2))) == pytest.approx(0.5 / np.sqrt(2), rel=0.05)
    assert len(audio.content_sha256) == 64


def test_apple_lossless_decodes_to_the_samples_it_holds(tmp_path):
    rng = np.random.default_rng(7)
    samples = (0.25 * rng.standard_normal((2, RATE))).clip(-1, 1).astype(np.float32)
    path = write_m4a(tmp_path / "take.m4a", samples, RATE, codec="alac")
    audio = load_audio(path, sample_rate=RATE)
    assert audio.source_format == "M4A (ALAC)"
    assert audio.frames == RATE
    np.testing.assert_allclose(audio.samples, samples, atol=2.0 ** -23)  # FFmpeg's ALAC keeps 24 bits


def test_a_mono_raw_aac_goes_to_both_sides(tmp_path):
    path = write_m4a(tmp_path / "memo.aac", tone(1.0, RATE, freq=330.0, channels=1), RATE)
    audio = load_audio(path, sample_rate=RATE)
    assert audio.source_channels == 1
    np.testing.assert_array_equal(audio.samples[0], audio.samples[1])
    assert _peak_hz(audio.samples[0, 4410:39690], RATE) == pytest.approx(330.0, abs=2.0)


def test_the_catalogue_reads_an_m4a_as_mono_at_the_analysis_rate(tmp_path):
    path = write_m4a(tmp_path / "song.m4a", tone(1.0, RATE), RATE)
    y, rate = read_mono(path)
    assert rate == ANALYSIS_RATE and y.ndim == 1 and abs(y.size - ANALYSIS_RATE) < ANALYSIS_RATE * 0.05
    assert ".m4a" in CATALOGUE_AUDIO and ".aac" in CATALOGUE_AUDIO


def test_the_studio_offers_m4a_when_adding_stems():
    assert ".m4a" in AUDIO_EXTENSIONS and "*.m4a" in AUDIO_FILTER and "*.aac" in AUDIO_FILTER


@pytest.mark.parametrize(("content", "reason"), [
    (b"\x00\x00\x00\x18ftypM4A " + b"not an mpeg-4 file " * 20, "no MPEG-4 audio could be found"),
    (b"plain text, renamed" * 30, "no MPEG-4 audio could be found"),
])
def test_a_damaged_or_misnamed_m4a_gets_a_clear_reason(tmp_path, content, reason):
    path = tmp_path / "broken.m4a"
    path.write_bytes(content)
    with pytest.raises(AudioFileError, match=reason) as info:
        load_audio(path)
    assert str(info.value).startswith("broken.m4a: ")


def test_a_cut_off_download_is_refused_or_keeps_what_is_there(tmp_path):
    whole = write_m4a(tmp_path / "whole.m4a", tone(3.0, RATE), RATE)
    cut = tmp_path / "cut.m4a"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])  # FFmpeg (and Apple) write the index last
    with pytest.raises(AudioFileError, match="its index .* is missing") as info:
        load_audio(cut)
    assert str(info.value).startswith("cut.m4a: ")
    with pytest.raises(ImportFailed, match="cut.m4a: the file is incomplete"):
        read_mono(cut)
    # raw AAC has no index: a cut copy keeps the audio before the cut, as a cut WAV does
    adts = write_m4a(tmp_path / "whole.aac", tone(3.0, RATE), RATE)
    half = tmp_path / "half.aac"
    half.write_bytes(adts.read_bytes()[: adts.stat().st_size // 2])
    assert load_audio(half, sample_rate=RATE).duration == pytest.approx(1.5, abs=0.1)


def test_decoding_an_m4a_can_be_cancelled(tmp_path):
    path = write_m4a(tmp_path / "long.m4a", tone(8.0, RATE), RATE)
    token = CancelToken()
    seen = []

    def progress(fraction, text=""):
        seen.append(fraction)
        if fraction > 0.1:
            token.cancel()

    with pytest.raises(Cancelled):
        load_audio(path, progress=progress, cancel=token)
    assert seen and max(seen) < 1.0  # a header's duration gives the progress


def test_m4a_is_read_but_never_written(tmp_path):
    assert ".m4a" not in SOUNDFILE_FORMAT_BY_SUFFIX
    with pytest.raises(AudioFileError, match=r"cannot write '\.m4a' files"):
        output_format(tmp_path / "mix.m4a")
    with pytest.raises(AudioFileError):
        write_audio(tmp_path / "mix.m4a", np.zeros((2, 100), np.float32), RATE)
    assert not (tmp_path / "mix.m4a").exists()


def test_the_verify_dialog_offers_m4a():
    from app.ui.dialogs.verify import FILE_FILTER

    assert "*.m4a" in FILE_FILTER and "*.aac" in FILE_FILTER and "*.mid" in FILE_FILTER


def test_an_opus_voice_note_decodes(tmp_path, caplog):
    """A messenger's voice note (Ogg Opus named .opus): libsndfile does not take the name, FFmpeg decodes it."""
    path = write_m4a(tmp_path / "idea.opus", tone(2.0, 48000, freq=523.25, channels=1), 48000, codec="libopus")
    with caplog.at_level("WARNING"):
        audio = load_audio(path)
    assert "truncated" not in caplog.text  # Opus's pre-skip is not a missing part of the file
    assert audio.source_format == "OPUS (OPUS)" and audio.source_channels == 1
    assert audio.duration == pytest.approx(2.0, abs=0.05)
    assert _peak_hz(audio.samples[0, 24000:72000], 48000) == pytest.approx(523.25, abs=2.0)
    garbage = tmp_path / "broken.opus"
    garbage.write_bytes(b"OggS not really" * 40)
    with pytest.raises(AudioFileError, match="broken.opus: not readable audio: no Opus audio could be found"):
        load_audio(garbage)
