"""Render-ahead: cache hits/misses, buffers ready before playback, A/B by swapping mix states."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from app.core.audio.mix import MixState, TrackMix, render, render_offline
from app.core.audio.prerender import Prerenderer, content_digest
from app.core.audio.synth.settings import RenderSettings, render_suggestion
from app.core.errors import AccordError
from app.core.music import BeatGrid, Melody, Note

SR = 48000
GRID = BeatGrid(120.0)


def melody(seed: int, bars: int = 2) -> Melody:
    rng = np.random.default_rng(seed)
    return Melody(tuple(Note(int(rng.integers(55, 80)), i * 0.5, 0.45, 100) for i in range(bars * 8)))


def test_cache_hits_and_misses():
    a, b = melody(1), melody(2)
    with Prerenderer(sample_rate=SR) as pr:
        first = pr.submit("a", a, GRID).result(timeout=30)
        assert (pr.hits, pr.misses) == (0, 1)
        again = pr.submit("a", a, GRID).result(timeout=30)
        assert again is first and (pr.hits, pr.misses) == (1, 1)
        pr.submit("a", a, GRID, RenderSettings(instrument="bell")).result(timeout=30)  # new settings
        pr.submit("a", a.shifted(1.0), GRID).result(timeout=30)  # edited notes
        pr.submit("b", b, GRID).result(timeout=30)
        assert (pr.hits, pr.misses) == (1, 4)
        assert pr.submit("a", a, GRID).result(timeout=30) is first  # the old settings are still cached
        assert not first.samples.flags.writeable


def test_concurrent_submits_of_one_render_share_it():
    gate = threading.Event()
    calls = []

    def slow_render(*args, **kw):
        calls.append(1)
        gate.wait(10)
        return render_suggestion(*args, **kw)

    with Prerenderer(sample_rate=SR, render=slow_render) as pr:
        f1 = pr.submit("x", melody(3), GRID)
        f2 = pr.submit("x", melody(3), GRID)
        assert f1 is f2 and pr.ready("x") is None
        gate.set()
        assert f1.result(timeout=30).samples.shape[0] == 2
    assert len(calls) == 1


def test_buffers_are_ready_before_playback_and_mixed_exactly():
    stems = [TrackMix("drums", np.full((2, SR * 3), 0.01, np.float32))]
    ids = ["s1", "s2", "s3"]
    with Prerenderer(sample_rate=SR) as pr:
        for i, sid in enumerate(ids):
            pr.submit(sid, melody(10 + i), GRID, RenderSettings(instrument="pluck", fx="room"))
        assert pr.wait(ids, timeout=30)
        state = pr.ab_state(stems, ids, "s2")
        assert state.audible == ("drums", "suggestion:s2")
        expected = render_offline(MixState((stems[0], pr.ready("s2").track()), sample_rate=SR))
        np.testing.assert_allclose(render_offline(state), expected, atol=1e-6)
        assert np.abs(render_offline(state)[:, :SR]).max() > 0.05


def test_unready_suggestions_are_left_out_until_rendered():
    gate = threading.Event()

    def gated(*args, **kw):
        gate.wait(10)
        return render_suggestion(*args, **kw)

    with Prerenderer(sample_rate=SR, render=gated) as pr:
        pr.submit("late", melody(4), GRID)
        state = pr.ab_state([], ["late"], "late")
        assert state.tracks == ()  # the callback never waits on a render
        gate.set()
        assert pr.wait(["late"], timeout=30)
        assert pr.ab_state([], ["late"], "late").audible == ("suggestion:late",)


def test_ab_switch_at_a_block_boundary_has_no_gap():
    with Prerenderer(sample_rate=SR) as pr:
        for sid, seed in (("A", 5), ("B", 6)):
            pr.submit(sid, melody(seed), GRID, RenderSettings(instrument="soft keys"))
        assert pr.wait(["A", "B"], timeout=30)
        state_a = pr.ab_state([], ["A", "B"], "A")
        state_b = pr.ab_state([], ["A", "B"], "B")
    block, switch_at = 512, 40  # like the engine: the state is read once per block
    out = np.empty((2, block * 80), np.float32)
    for i in range(80):
        render(state_a if i < switch_at else state_b, out[:, i * block : (i + 1) * block], i * block)
    a_full, b_full = render_offline(state_a, frames=out.shape[1]), render_offline(state_b, frames=out.shape[1])
    cut = switch_at * block
    np.testing.assert_array_equal(out[:, :cut], a_full[:, :cut])
    np.testing.assert_array_equal(out[:, cut:], b_full[:, cut:])
    assert np.abs(out[:, cut : cut + block]).max() > 0, "B must sound straight after the switch"


def test_failed_render_reports_and_is_not_cached(tmp_path):
    with Prerenderer(sample_rate=SR) as pr:
        future = pr.submit("sf", melody(7), GRID, RenderSettings(soundfont=str(tmp_path / "missing.sf2")))
        assert isinstance(future.exception(timeout=30), AccordError)
        assert pr.ready("sf") is None and not pr.wait(["sf"], timeout=5)
        with pytest.raises(AccordError, match="unknown instrument"):
            pr.submit("bad", melody(7), GRID, RenderSettings(instrument="kazoo"))


def test_discard_and_eviction_free_memory():
    with Prerenderer(sample_rate=SR, max_cache_bytes=1) as pr:
        pr.submit("a", melody(8), GRID).result(timeout=30)
        pr.submit("b", melody(9), GRID).result(timeout=30)
        assert pr.ready("a") is None and pr.ready("b") is not None  # the oldest went first
        pr.discard("b")
        assert pr.ready("b") is None and pr.cache_bytes == 0


def test_content_digest_and_settings_round_trip():
    m = melody(1)
    assert content_digest(m, GRID, SR) == content_digest(m, GRID, SR)
    assert content_digest(m, GRID, SR) != content_digest(m, BeatGrid(121.0), SR)
    # a grid following a song's own beats: the same tempo and bar 1, other beats, another render
    follows = [BeatGrid(GRID.tempo_bpm, anchors=((0.0, 0.0), (q, q * s)))
               for q, s in ((64.0, 60.0 / GRID.tempo_bpm), (64.0, 0.98 * 60.0 / GRID.tempo_bpm))]
    assert content_digest(m, follows[0], SR) != content_digest(m, follows[1], SR)
    settings = RenderSettings(instrument="bass", fx="warm", gain_db=-3.0)
    assert RenderSettings.from_json(settings.to_json()).digest() == settings.digest()
    with pytest.raises(AccordError, match="program 300"):
        RenderSettings.from_json({"soundfont": "default", "program": 300})


def test_ab_tracks_plug_into_a_project_mix_as_extra_tracks():
    with Prerenderer(sample_rate=SR) as pr:
        pr.submit("one", melody(11), GRID)
        pr.submit("two", melody(12), GRID)
        assert pr.wait(["one", "two"], timeout=30)
        tracks = pr.ab_tracks(["one", "two", "never-submitted"], "two", suggestion_gain_db=-3.0)
    assert [(t.name, t.mute, t.gain_db) for t in tracks] == [("suggestion:one", True, -3.0),
                                                             ("suggestion:two", False, -3.0)]


def test_priority_jumps_the_queue_and_cancelled_jobs_can_be_resubmitted():
    gate, started = threading.Event(), threading.Event()
    order = []

    def recording(melody, *args, **kw):
        order.append(melody.notes[0].pitch)
        started.set()
        gate.wait(10)
        return render_suggestion(melody, *args, **kw)

    def solo_note(pitch):
        return Melody((Note(pitch, 0.0, 0.5),))

    with Prerenderer(sample_rate=SR, max_workers=1, render=recording) as pr:
        busy = pr.submit("busy", solo_note(60), GRID)  # occupies the only worker
        assert started.wait(10)
        later = [pr.submit(f"q{p}", solo_note(p), GRID) for p in (61, 62, 63)]
        pr.submit("q63", solo_note(63), GRID, priority=1)  # the artist auditions this one now
        dropped = pr.submit("gone", solo_note(64), GRID)
        assert dropped.cancel()
        gate.set()
        for f in (busy, *later):
            f.result(timeout=30)
        assert order == [60, 63, 61, 62]
        again = pr.submit("gone", solo_note(64), GRID)
        assert again is not dropped and again.result(timeout=30).samples.shape[0] == 2
