"""The studio's metronome on a grid that follows a song played without a click: every click on the grid's beat."""

from __future__ import annotations

import numpy as np

from app.core.music import BeatGrid
from app.ui.live.metronome import MetronomeSettings, click_tracks

SR = 8000


def _onsets(tracks, length: int) -> np.ndarray:
    y = np.zeros(length, np.float32)
    for t in tracks:
        a = t.samples[0]
        n = min(a.size, length - t.offset_frames)
        y[t.offset_frames:t.offset_frames + n] += a[:n]
    loud = np.flatnonzero(np.abs(y) > 1e-3)
    return loud[np.concatenate([[True], np.diff(loud) > 0.1 * SR])]  # the first loud sample of each click


def test_each_click_is_on_the_followed_grids_beat():
    # a tempo wandering ±3 % around 100 BPM over 16 bars
    beat = 60.0 / 100.0 / (1.0 + 0.03 * np.sin(np.arange(64) * 2 * np.pi / 64))
    anchors = tuple((float(q), float(s)) for q, s in zip(range(65), np.concatenate([[0.0], np.cumsum(beat)]),
                                                        strict=True))
    grid = BeatGrid(100.0, offset_seconds=0.5, anchors=anchors)
    cache: dict = {}
    tracks = click_tracks(grid, sample_rate=SR, length_s=grid.seconds(64.0), settings=MetronomeSettings(on=True),
                          cache=cache)
    clicks = _onsets(tracks, int(grid.seconds(64.0) * SR) + SR) / SR
    expected = np.array([grid.seconds(q) for q in range(64)])
    assert clicks.size == expected.size
    assert np.max(np.abs(clicks - expected)) < 0.001  # each click on its beat, to the sample
    steady_clicks = np.array([grid.offset_seconds + q * 0.6 for q in range(64)])
    assert np.max(np.abs(clicks - steady_clicks)) > 0.1  # where one steady click would be
    # a steady grid's click, from the same cache, is its one shared block again
    steady = click_tracks(BeatGrid(100.0), sample_rate=SR, length_s=20.0, settings=MetronomeSettings(on=True),
                          cache=cache)
    assert len({id(t.samples) for t in steady}) == 1 and all(not isinstance(k[0], str) for k in cache)
