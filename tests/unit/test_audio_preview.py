"""A preview heard beside the song (the catalogue's Hear): through FakeStream, without a device."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

from app.core.audio.engine import AudioEngine, FakeStream
from app.core.audio.mix import MixState, TrackMix
from app.core.audio.preview import EDGE_FADE_FRAMES, Preview
from app.core.errors import PlaybackError

RATE = 48000
BLOCK = 256
G = math.sqrt(0.5)  # the song's track is centre-panned


def tone(frames: int, value: float = 0.25) -> np.ndarray:
    return np.full((2, frames), value, dtype=np.float32)


def engine_with_song(value: float = 0.5) -> AudioEngine:
    engine = AudioEngine(sample_rate=RATE, blocksize=BLOCK, stream_factory=FakeStream)
    song = np.full((2, RATE), value, dtype=np.float32)
    song.flags.writeable = False
    engine.set_mix(MixState((TrackMix("song", song),)))
    return engine


def test_a_preview_plays_once_while_the_song_is_stopped_and_leaves_the_transport_alone():
    engine = engine_with_song()
    engine.transport.seek(0.5)
    preview = engine.play_preview(tone(4 * BLOCK))
    assert engine.available and engine.previewing
    out = engine.stream.pump(6)
    middle = out[EDGE_FADE_FRAMES:4 * BLOCK - EDGE_FADE_FRAMES]
    np.testing.assert_allclose(middle, 0.25, rtol=1e-6)
    assert out[0, 0] == 0.0 and 0.0 < out[EDGE_FADE_FRAMES // 2, 0] < 0.25  # faded in: no click
    assert not out[4 * BLOCK:].any()  # played out: silence after its end
    assert preview.finished and not engine.previewing and preview.frames_left == 0
    assert not engine.transport.playing
    assert engine.transport.position_frames == RATE // 2  # the song's playhead did not move


def test_a_preview_sums_with_the_playing_song():
    engine = engine_with_song(0.5)
    engine.play()
    engine.play_preview(tone(8 * BLOCK, 0.1))
    out = engine.stream.pump(3)
    np.testing.assert_allclose(out[BLOCK:], 0.5 * G + 0.1, rtol=1e-5)


def test_stop_fades_the_preview_out_within_one_block():
    engine = engine_with_song()
    preview = engine.play_preview(tone(RATE))
    engine.stream.pump(2)
    engine.stop_preview()
    fading = engine.stream.pump(1)[:, 0]
    assert fading[0] == pytest.approx(0.25, rel=0.01) and fading[-1] < 0.01
    assert np.all(np.diff(fading) <= 1e-7)  # a ramp down, not a cut
    assert preview.finished and not engine.previewing
    assert not engine.stream.pump(2).any()


def test_starting_the_song_fades_a_preview_out():
    engine = engine_with_song(0.0)
    engine.play_preview(tone(RATE))
    engine.stream.pump(1)
    engine.play()
    engine.stream.pump(1)
    assert not engine.previewing
    assert not engine.stream.pump(1).any()  # the song (silent here) alone


def test_a_new_preview_replaces_the_old_one_with_a_fade():
    engine = engine_with_song()
    first = engine.play_preview(tone(RATE, 0.25))
    engine.stream.pump(2)
    second = engine.play_preview(tone(RATE, 0.5))
    block = engine.stream.pump(1)[:, 0]
    assert first.finished and not second.finished
    # the old one fades from 0.25 while the new one fades in from 0: no jump at the switch
    assert abs(float(block[0]) - 0.25) < 0.02
    np.testing.assert_allclose(engine.stream.pump(1), 0.5, rtol=1e-6)


def test_the_preview_copies_its_samples_and_checks_its_arguments():
    samples = tone(1000)
    preview = Preview(samples, gain=0.5)
    assert samples[0, 500] == 0.25  # the caller's buffer is not faded or scaled
    assert preview.samples[0, 500] == pytest.approx(0.125)
    with pytest.raises(ValueError, match="shaped"):
        Preview(np.zeros(10, dtype=np.float32))
    with pytest.raises(ValueError, match="gain"):
        Preview(tone(10), gain=float("nan"))
    assert Preview(np.zeros((2, 0), dtype=np.float32)).finished


def test_without_an_output_a_preview_raises_a_clear_playback_error():
    def no_device(*_args, **_kw):
        raise PlaybackError("no audio output device was found")

    engine = AudioEngine(sample_rate=RATE, blocksize=BLOCK, stream_factory=no_device)
    with pytest.raises(PlaybackError, match="no audio output"):
        engine.play_preview(tone(100))
    assert not engine.previewing


def test_the_callback_keeps_no_memory_per_preview_block():
    engine = engine_with_song()
    engine.play()
    engine.play_preview(tone(RATE))
    stream = engine.stream
    buf = np.zeros((BLOCK, 2), dtype=np.float32)
    stream.callback(buf, BLOCK, None, None)  # warm the ramp caches
    if not hasattr(sys, "getallocatedblocks"):
        pytest.skip("needs CPython's block counter")
    before = sys.getallocatedblocks()
    for _ in range(50):
        stream.callback(buf, BLOCK, None, None)
    assert sys.getallocatedblocks() - before < 20  # no growth per block (numpy views are freed at once)


def test_a_melody_preview_starts_a_beat_before_the_first_note_and_stops_at_its_length():
    from app.core.audio.preview import melody_preview
    from app.core.music import Melody, Note

    late = Melody(tuple(Note(60 + i % 5, 32.5 + i, 0.5) for i in range(200)), tempo_bpm=120.0)
    audio = melody_preview(late, sample_rate=RATE, seconds=10.0)
    assert audio.dtype == np.float32 and audio.shape[0] == 2
    assert 10.0 <= audio.shape[1] / RATE <= 10.6  # 10 s of line and a short release, not 100 s
    first = int(np.argmax(np.abs(audio[0]) > 1e-3)) / RATE
    assert first == pytest.approx(0.75, abs=0.02)  # a beat (0.5 s) and the note's half beat in: 32.5 -> 1.5
    assert melody_preview(Melody(()), sample_rate=RATE).shape == (2, 0)


def test_a_line_over_its_song_lines_up_with_the_song():
    """A transcription heard over its bounce: the line on the song's own grid (bar 1 at 1 s into the file) and the
    song's own samples start at the same place, a beat before the first note."""
    from app.core.audio.preview import melody_over_song
    from app.core.music import BeatGrid, Melody, Note

    song_rate = 22050
    grid = BeatGrid(tempo_bpm=120.0, offset_seconds=1.0)  # quarter 2 is 2.0 s into the file
    melody = Melody((Note(69, 2.0, 1.0), Note(72, 3.0, 1.0)), tempo_bpm=120.0)
    silent = np.zeros(song_rate * 10, dtype=np.float32)
    click = silent.copy()
    click[2 * song_rate] = 1.0  # the song's own event at 2.0 s, where the first note is
    alone = melody_over_song(melody, grid, silent, song_rate=song_rate, sample_rate=RATE, seconds=3.0)
    both = melody_over_song(melody, grid, click, song_rate=song_rate, sample_rate=RATE, seconds=3.0, song_gain=1.0)
    assert alone.shape == both.shape and alone.shape[1] <= 3 * RATE
    line_starts = int(np.argmax(np.abs(alone[0]) > 1e-3)) / RATE
    song_peak = int(np.argmax(np.abs(both[0] - alone[0]))) / RATE
    assert line_starts == pytest.approx(0.5, abs=0.01)  # a beat (0.5 s at 120) before the first note
    assert song_peak == pytest.approx(0.5, abs=0.01)  # the song under it, at the same moment
    assert np.abs(both).max() <= 1.0
