"""Transport clock (beats <-> seconds, tempo changes keep the phase) and the tempo tools."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.live.clock import TransportClock
from app.core.live.tempo_tools import TapTempo, render_click, snap_bpm


class FakeTime:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_beats_and_seconds_are_inverse_and_bar_lines_are_found():
    now = FakeTime()
    clock = TransportClock(120.0, now=now)
    assert clock.beat_at(100.0) == pytest.approx(0.0)
    assert clock.time_at(4.0) == pytest.approx(102.0)
    assert clock.next_bar_beat(0.0) == 0.0 and clock.next_bar_beat(0.1) == 4.0 and clock.next_bar_beat(4.0) == 4.0


def test_a_tempo_change_moves_the_grid_from_that_beat_on():
    now = FakeTime()
    clock = TransportClock(120.0, now=now)
    now.t = 101.0  # beat 2
    clock.set_tempo(60.0)
    assert clock.beat_now() == pytest.approx(2.0)  # the beat where the change happens keeps its time
    assert clock.time_at(3.0) == pytest.approx(102.0)  # one beat later at 60 BPM


def test_switching_time_source_keeps_the_beat():
    now, other = FakeTime(), FakeTime()
    clock = TransportClock(120.0, now=now)
    now.t = 103.0  # beat 6
    other.t = 5.0
    clock.use_time_source(other)
    assert clock.beat_now() == pytest.approx(6.0)
    assert clock.time_at(8.0) == pytest.approx(6.0)


def test_out_of_range_tempo_is_refused():
    with pytest.raises(ValueError, match="outside"):
        TransportClock(10.0)
    with pytest.raises(ValueError, match="outside"):
        TransportClock(120.0).set_tempo(float("nan"))


def test_click_has_one_accented_click_per_bar_and_follows_level():
    sr = 48000
    audio = render_click(tempo_bpm=120.0, beats=8, sample_rate=sr, level=0.5)
    assert audio.dtype == np.float32 and audio.shape == (2, 4 * sr)
    peaks = [float(np.abs(audio[0, int(b * 0.5 * sr): int(b * 0.5 * sr) + 1000]).max()) for b in range(8)]
    assert peaks[0] > peaks[1] * 1.3 and peaks[4] > peaks[5] * 1.3  # accent on bar lines
    assert all(p > 0.1 for p in peaks)
    silent_between = np.abs(audio[0, int(0.3 * sr): int(0.45 * sr)]).max()
    assert silent_between < 1e-3
    quieter = render_click(tempo_bpm=120.0, beats=8, sample_rate=sr, level=0.25)
    assert np.abs(quieter).max() == pytest.approx(np.abs(audio).max() / 2, rel=1e-3)
    flat = render_click(tempo_bpm=120.0, beats=4, sample_rate=sr, accent=False)
    assert np.abs(flat[0, :1000]).max() == pytest.approx(np.abs(flat[0, sr // 2: sr // 2 + 1000]).max(), rel=1e-3)


def test_tap_tempo_uses_the_median_gap_and_restarts_after_a_pause():
    tap = TapTempo()
    assert tap.tap(10.0) is None
    for t in (10.5, 11.0, 11.52, 12.0):
        bpm = tap.tap(t)
    assert bpm == pytest.approx(120.0, abs=1.0)
    assert tap.tap(20.0) is None  # a long pause starts again
    assert tap.tap(21.0) == pytest.approx(60.0)


def test_snap_to_whole_bpm_only_within_tolerance():
    assert snap_bpm(119.8) == 120.0
    assert snap_bpm(119.6) == 119.6
    assert snap_bpm(119.6, tolerance=0.5) == 120.0
    with pytest.raises(ValueError):
        snap_bpm(-3.0)
