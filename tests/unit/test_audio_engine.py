"""The playback engine, driven through FakeStream (no device): play, A/B swaps, counters, failures."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.core.audio.engine import AudioEngine, FakeStream, list_output_devices
from app.core.audio.mix import MixState, TrackMix
from app.core.errors import PlaybackError

RATE = 48000
G = math.sqrt(0.5)  # centre pan


def constant(value: float, frames: int = RATE) -> np.ndarray:
    x = np.full((2, frames), value, dtype=np.float32)
    x.flags.writeable = False
    return x


def engine_with(value: float = 0.5, frames: int = RATE) -> AudioEngine:
    engine = AudioEngine(sample_rate=RATE, blocksize=256, stream_factory=FakeStream)
    engine.set_mix(MixState((TrackMix("a", constant(value, frames)),)))
    return engine


def test_play_renders_the_mix_and_advances_the_position():
    engine = engine_with(0.5)
    engine.open()
    assert engine.available and engine.unavailable_reason is None
    stream = engine.stream
    assert stream.active and stream.blocksize == 256
    assert not stream.pump(2).any()  # open but not playing: silence, position kept
    assert engine.transport.position_frames == 0
    engine.play()
    out = stream.pump(4)
    np.testing.assert_allclose(out, 0.5 * G, rtol=1e-6)
    assert engine.transport.position_frames == 4 * 256
    assert engine.blocks_rendered == 6


def test_set_mix_while_playing_switches_at_the_next_block():
    engine = engine_with(0.5)
    engine.play()
    first = engine.stream.pump(1)
    engine.set_mix(MixState((TrackMix("b", constant(0.25)),)))
    second = engine.stream.pump(1)  # crossfades from the old mix to the new one (click-free A/B)
    third = engine.stream.pump(1)
    np.testing.assert_allclose(first, 0.5 * G, rtol=1e-6)
    np.testing.assert_allclose(second[-1], 0.25 * G, rtol=1e-6)
    assert np.all(second[:, 0] < 0.5 * G) and np.all(second[:, 0] >= 0.25 * G - 1e-7)
    np.testing.assert_allclose(third, 0.25 * G, rtol=1e-6)
    assert engine.transport.position_frames == 768  # the swap does not move the playhead


def test_pause_seek_and_stop():
    engine = engine_with()
    engine.play()
    engine.stream.pump(3)
    engine.pause()
    assert not engine.stream.pump(1).any() and engine.transport.position_frames == 768
    engine.seek(0.5)
    engine.play()
    engine.stream.pump(1)
    assert engine.transport.position_frames == RATE // 2 + 256
    engine.stop()
    assert engine.transport.position_frames == 0 and not engine.stream.pump(1).any()


def test_loop_in_the_callback_repeats_the_region():
    ramp = np.tile(np.arange(RATE, dtype=np.float32) / RATE, (2, 1))
    ramp.flags.writeable = False
    engine = AudioEngine(sample_rate=RATE, blocksize=256, stream_factory=FakeStream)
    engine.set_mix(MixState((TrackMix("ramp", ramp, pan=-1.0),)))
    engine.transport.set_loop(100 / RATE, 300 / RATE)
    engine.transport.seek(100 / RATE)
    engine.play()
    left = engine.stream.pump(2)[:, 0]
    expected = np.concatenate([np.arange(100, 300)] * 3)[:512] / RATE
    np.testing.assert_allclose(left, expected, rtol=1e-6)


def test_the_end_of_the_song_pauses_with_silence_after_it():
    engine = engine_with(0.5, frames=300)
    engine.play()
    out = engine.stream.pump(2)
    assert out[:300].all() and not out[300:].any()
    assert not engine.transport.playing


def test_underruns_are_counted_and_the_meter_holds_peaks_until_polled():
    engine = engine_with(0.5)
    engine.play()
    engine.stream.pump(2, underflow=True)
    engine.stream.pump(1)
    assert engine.underruns == 2
    left, right = engine.meter()
    assert left == pytest.approx(0.5 * G) and right == pytest.approx(0.5 * G)
    assert engine.meter() == (0.0, 0.0)


def test_the_callback_never_raises():
    engine = engine_with()
    engine.open()
    engine.play()
    bad = np.ones((256, 2), np.int16)  # a buffer numpy refuses to add float32 into
    engine.callback(bad, 256, None, None)
    assert engine.callback_errors == 1 and not bad.any()


def test_a_factory_that_raises_makes_playback_unavailable():
    def broken(*args):
        raise OSError("PortAudio library not found")

    engine = AudioEngine(stream_factory=broken)
    with pytest.raises(PlaybackError, match="PortAudio library not found"):
        engine.open()
    assert not engine.available and "PortAudio" in engine.unavailable_reason
    with pytest.raises(PlaybackError):
        engine.play()
    # everything else still works without a device
    engine.set_mix(MixState((TrackMix("a", constant(0.1)),)))
    engine.seek(0.25)
    assert engine.transport.position_seconds == 0.25


def test_a_stream_that_fails_to_start_is_closed_and_reported():
    made = []

    class NoStart(FakeStream):
        def start(self):
            made.append(self)
            raise RuntimeError("device busy")

    engine = AudioEngine(stream_factory=NoStart)
    with pytest.raises(PlaybackError, match="device busy"):
        engine.open()
    assert made[0].closed and engine.stream is None


def test_a_dying_stream_is_reported_by_poll_and_reconnect_recovers():
    errors: list[str] = []
    engine = engine_with()
    engine.on_error = errors.append
    engine.play()
    engine.stream.pump(1)
    engine.poll()
    assert errors == []
    dead = engine.stream
    dead.fail()
    engine.poll()
    assert len(errors) == 1 and "stopped" in errors[0]
    assert not engine.available and not engine.transport.playing and dead.closed
    position = engine.transport.position_frames
    engine.reconnect()
    assert engine.available and engine.stream is not dead
    engine.play()
    engine.stream.pump(1)
    assert engine.transport.position_frames == position + 256


def test_mix_at_another_rate_is_refused():
    engine = AudioEngine(sample_rate=RATE, stream_factory=FakeStream)
    with pytest.raises(PlaybackError, match="44100"):
        engine.set_mix(MixState(sample_rate=44100))


def test_context_manager_closes_the_stream():
    with engine_with() as engine:
        engine.open()
        stream = engine.stream
    assert stream.closed and engine.stream is None


def test_fake_stream_needs_start():
    stream = FakeStream(lambda *a: None, RATE, 256)
    with pytest.raises(RuntimeError):
        stream.pump()


def test_list_output_devices_never_fails():
    devices = list_output_devices()
    assert isinstance(devices, list)
    for d in devices:
        assert {"index", "name", "default_samplerate"} <= set(d)


def test_default_stream_without_an_output_device_says_so():
    if list_output_devices():
        pytest.skip("this machine has an output device; the test must not open it")
    engine = AudioEngine()
    with pytest.raises(PlaybackError, match="no audio output device"):
        engine.open()
    assert not engine.available and "no audio output device" in engine.unavailable_reason
    with pytest.raises(PlaybackError):
        engine.reconnect()


def test_default_stream_without_sounddevice_says_so(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "sounddevice", None)  # import now raises ImportError
    engine = AudioEngine()
    with pytest.raises(PlaybackError, match="sounddevice"):
        engine.open()
    assert list_output_devices() == []


def test_set_output_reopens_with_the_new_device_and_block_size():
    engine = engine_with()
    engine.open()
    first = engine.stream
    engine.set_output(device="USB DAC", blocksize=512)
    assert first.closed and engine.stream.device == "USB DAC" and engine.stream.blocksize == 512
    engine.play()
    assert engine.stream.pump(1).shape == (512, 2) and engine.transport.position_frames == 512
    engine.set_output(blocksize=1024)
    assert engine.stream.device == "USB DAC" and engine.stream.blocksize == 1024
    with pytest.raises(PlaybackError, match="block size"):
        engine.set_output(blocksize=3)


def test_mix_swap_while_playing_crossfades_over_one_block_without_a_step():
    """A/B switching: swapping from a loud constant track to a silent one ramps down over one block."""
    from app.core.audio.engine import AudioEngine, FakeStream
    from app.core.audio.mix import MixState, TrackMix

    n = 48000
    loud = MixState((TrackMix("a", np.full((2, n), 0.5, dtype=np.float32), pan=0.0),))
    quiet = MixState((TrackMix("b", np.zeros((2, n), dtype=np.float32)),))
    engine = AudioEngine(blocksize=256, stream_factory=FakeStream)
    engine.set_mix(loud)
    engine.play()
    before = engine.stream.pump(2)
    engine.set_mix(quiet)
    switched = engine.stream.pump(2)
    level = before[-1, 0]
    assert level > 0.3
    first = switched[:256, 0]
    assert np.all(np.diff(first) <= 1e-6)  # monotone ramp down, no jump
    assert np.max(np.abs(np.diff(np.concatenate([[level], first])))) < 0.01
    assert np.all(switched[256:] == 0.0)  # the second block is the new mix alone


def test_mix_swap_while_stopped_takes_effect_at_once():
    from app.core.audio.engine import AudioEngine, FakeStream
    from app.core.audio.mix import MixState, TrackMix

    engine = AudioEngine(blocksize=128, stream_factory=FakeStream)
    engine.set_mix(MixState((TrackMix("a", np.full((2, 1000), 0.5, dtype=np.float32)),)))
    engine.set_mix(MixState((TrackMix("b", np.full((2, 1000), 0.25, dtype=np.float32)),)))
    engine.play()
    out = engine.stream.pump(1)
    assert np.allclose(out[:, 0], 0.25 * np.cos(np.pi / 4))
