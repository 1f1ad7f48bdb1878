"""The transport state machine: play/pause/stop, seek, loop wrap-around, bars."""

from __future__ import annotations

import pytest

from app.core.audio.transport import Transport, TransportState
from app.core.music import BeatGrid, TimeSignature

RATE = 1000  # frames per second, so seconds and frames are easy to read


def playing() -> Transport:
    t = Transport(RATE)
    t.play()
    return t


def test_nothing_moves_until_play():
    t = Transport(RATE)
    assert t.state is TransportState.STOPPED
    assert t.segments(100) == [] and t.position_frames == 0
    t.play()
    assert t.segments(100) == [(0, 100, 0)]
    assert t.segments(100) == [(100, 100, 0)]
    assert t.position_seconds == pytest.approx(0.2)


def test_pause_keeps_the_position_and_stop_returns_to_start():
    t = playing()
    t.segments(250)
    t.pause()
    assert t.state is TransportState.PAUSED and t.segments(100) == [] and t.position_frames == 250
    t.toggle()
    assert t.playing and t.segments(50) == [(250, 50, 0)]
    t.stop()
    assert t.state is TransportState.STOPPED and t.position_frames == 0
    assert t.segments(10) == []


def test_seek_applies_immediately_for_display_and_at_the_next_block_for_audio():
    t = playing()
    t.segments(100)
    t.seek(2.5)
    assert t.position_frames == 2500
    assert t.segments(10) == [(2500, 10, 0)]
    t.seek(-3)
    assert t.position_frames == 0
    with pytest.raises(ValueError):
        t.seek(float("nan"))


def test_a_seek_is_not_lost_to_a_block_in_flight():
    t = playing()
    t.seek(1.0)  # the GUI seeks while...
    t.seek(2.0)  # ...twice, before the callback runs
    assert t.segments(10) == [(2000, 10, 0)]
    assert t.position_frames == 2010


def test_loop_wraps_and_splits_the_block_at_the_loop_end():
    t = playing()
    t.set_loop(1.0, 1.5)
    t.seek(1.45)
    assert t.segments(100) == [(1450, 50, 0), (1000, 50, 50)]
    assert t.position_frames == 1050
    assert t.segments(450) == [(1050, 450, 0)]
    assert t.segments(10) == [(1000, 10, 0)]


def test_a_loop_shorter_than_a_block_wraps_several_times():
    t = playing()
    t.set_loop(0.0, 0.03)
    segments = t.segments(100)
    assert segments == [(0, 30, 0), (0, 30, 30), (0, 30, 60), (0, 10, 90)]
    assert sum(n for _, n, _ in segments) == 100


def test_loop_from_before_its_start_and_past_its_end():
    t = playing()
    t.set_loop(1.0, 2.0)
    t.seek(0.95)
    assert t.segments(100) == [(950, 100, 0)]  # enters the loop normally
    t.seek(2.5)
    assert t.segments(100) == [(2500, 100, 0)]  # past the loop: plays on
    t.toggle_loop()
    assert not t.loop_enabled
    t.seek(1.95)
    assert t.segments(100) == [(1950, 100, 0)]  # loop off: no wrap
    assert t.toggle_loop() and t.loop_region == (1.0, 2.0)


def test_loop_is_validated_and_needs_a_region_to_enable():
    t = Transport(RATE)
    assert t.toggle_loop() is False
    with pytest.raises(ValueError):
        t.set_loop(2.0, 1.0)
    with pytest.raises(ValueError):
        t.set_loop(0.0, float("inf"))
    t.set_loop(0.5, 1.0, enabled=False)
    assert not t.loop_enabled and t.loop_frames == (500, 1000)
    t.clear_loop()
    assert t.loop_region is None


def test_reaching_the_end_pauses_there_and_play_restarts():
    t = playing()
    t.end_frame = 150
    assert t.segments(100) == [(0, 100, 0)]
    assert t.segments(100) == [(100, 50, 0)]
    assert t.state is TransportState.PAUSED and t.position_frames == 150
    t.play()
    assert t.segments(10) == [(0, 10, 0)]


def test_position_in_bars_once_a_grid_is_known():
    t = playing()
    assert t.position_bars is None and t.bar_beat() is None
    t.beat_grid = BeatGrid(tempo_bpm=120.0, time_signature=TimeSignature(3, 4), offset_seconds=0.5)
    t.seek(0.5 + 1.5 + 0.25)  # one bar of 3/4 at 120 BPM is 1.5 s; then half a beat
    assert t.position_bars == pytest.approx(1.0 + 0.5 / 3)
    bar, beat = t.bar_beat()
    assert bar == 2 and beat == pytest.approx(1.5)
