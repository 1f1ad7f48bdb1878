"""The short GIL switch interval: held while an audio stream is open or a live session runs, restored when the
last holder lets go, whatever order they stop in."""

from __future__ import annotations

import sys

import pytest

from app.core import gil_switch
from app.core.audio.engine import AudioEngine, FakeStream
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


def test_an_open_audio_stream_holds_the_short_interval(default_interval):
    engine = AudioEngine(sample_rate=48000, blocksize=256, stream_factory=FakeStream)
    engine.open()
    assert sys.getswitchinterval() == pytest.approx(FAST_SWITCH_S)
    engine.reconnect()  # close and reopen: still one holder
    engine.close()
    assert sys.getswitchinterval() == pytest.approx(default_interval)


def test_a_stream_that_fails_to_open_does_not_hold_it(default_interval):
    class Broken(FakeStream):
        def start(self) -> None:
            raise OSError("device busy")

    engine = AudioEngine(sample_rate=48000, blocksize=256, stream_factory=Broken)
    with pytest.raises(Exception, match="device busy"):
        engine.open()
    assert sys.getswitchinterval() == pytest.approx(default_interval)
