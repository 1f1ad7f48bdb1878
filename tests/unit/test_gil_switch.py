"""The short GIL switch interval: held while the song plays or a live session runs, restored when the
last holder lets go, whatever order they stop in."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from app.core import gil_switch
from app.core.audio.engine import AudioEngine, FakeStream
from app.core.audio.mix import MixState, TrackMix
from app.core.gil_switch import FAST_SWITCH_S, FastSwitch


@pytest.fixture
def default_interval(monkeypatch):
    """Python's default interval and no holder: engines other tests left open (in this worker process) hold the
    process-wide count, which comes back as it was after the test."""
    before = sys.getswitchinterval()
    monkeypatch.setattr(gil_switch, "_holders", 0)
    monkeypatch.setattr(gil_switch, "_before", 0.005)
    sys.setswitchinterval(0.005)
    yield 0.005
    sys.setswitchinterval(before)


def test_holders_are_counted_and_the_interval_comes_back_whatever_the_order(default_interval):
    a, b = FastSwitch(), FastSwitch()
    a.hold()
    assert sys.getswitchinterval() == pytest.approx(FAST_SWITCH_S)
    b.hold()
    a.release()  # the first holder stops while the second still needs it
    assert sys.getswitchinterval() == pytest.approx(FAST_SWITCH_S)
    b.release()
    assert sys.getswitchinterval() == pytest.approx(default_interval)


def test_hold_and_release_are_idempotent(default_interval):
    a, b = FastSwitch(), FastSwitch()
    a.hold()
    a.hold()
    b.hold()
    b.release()
    b.release()  # a second release must not take the first holder's share
    assert sys.getswitchinterval() == pytest.approx(FAST_SWITCH_S)
    a.release()
    a.release()
    assert sys.getswitchinterval() == pytest.approx(default_interval)
    assert not a.held


def test_an_interval_already_shorter_is_kept(default_interval):
    sys.setswitchinterval(0.0005)
    a = FastSwitch()
    a.hold()
    assert sys.getswitchinterval() == pytest.approx(0.0005)
    a.release()
    assert sys.getswitchinterval() == pytest.approx(0.0005)


def test_the_engine_holds_the_short_interval_while_the_song_plays(default_interval):
    engine = AudioEngine(sample_rate=48000, blocksize=256, stream_factory=FakeStream)
    engine.open()
    assert sys.getswitchinterval() == pytest.approx(default_interval)  # open and silent: workers run freely
    engine.play()
    assert sys.getswitchinterval() == pytest.approx(FAST_SWITCH_S)
    engine.pause()
    assert sys.getswitchinterval() == pytest.approx(default_interval)
    engine.play()
    engine.stop()
    assert sys.getswitchinterval() == pytest.approx(default_interval)
    engine.play()
    engine.close()  # closing while playing lets go too
    assert sys.getswitchinterval() == pytest.approx(default_interval)


def test_a_song_that_ends_by_itself_lets_go_at_the_next_poll(default_interval):
    engine = AudioEngine(sample_rate=48000, blocksize=256, stream_factory=FakeStream)
    engine.set_mix(MixState((TrackMix("a", np.zeros((2, 1024), dtype=np.float32)),)))
    engine.play()
    engine.stream.pump(8)  # past the end: the transport pauses itself in the callback
    assert not engine.transport.playing
    assert sys.getswitchinterval() == pytest.approx(FAST_SWITCH_S)  # the callback takes no lock to let go
    engine.poll()
    assert sys.getswitchinterval() == pytest.approx(default_interval)


def test_a_stream_that_fails_to_open_does_not_hold_it(default_interval):
    class Broken(FakeStream):
        def start(self) -> None:
            raise OSError("device busy")

    engine = AudioEngine(sample_rate=48000, blocksize=256, stream_factory=Broken)
    with pytest.raises(Exception, match="device busy"):
        engine.play()
    assert sys.getswitchinterval() == pytest.approx(default_interval)
