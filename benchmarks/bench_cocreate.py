"""Co-creation latency and A/B switching, headless, through the same core path the studio's panel uses.

- Suggest → first suggestion audible (8 bars; model + render): from starting the generation to the first
  prerendered buffer being ready (target ≤ 300 ms); all 8 ready (target ≤ 1 s). The model is loaded once
  beforehand, as the panel does when it opens; its load time is reported too.
- A/B during playback: the engine on a FakeStream plays the demo stems plus 8 suggestions; every 12 blocks
  the audition switches (with the panel's crossfade). Underruns are counted as blocks whose callback took
  longer (CPU time) than the block lasts (what a real device would drop); discontinuities as switches whose
  suggestion signal has a kink (second difference) above 1.5× the two suggestions' own there, plus silent
  blocks where the reference is not silent. For scale, the same check on a plain swap is reported.
- Render of an 8-bar suggestion with the built-in synth (wavetables warm, as in the prerenderer): ≥ 200×.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

RUNS_QUICK, RUNS_FULL = 3, 8


def _setup(root: Path):
    from app.core.home import AccordHome
    from app.core.project.cocreation.cocreate import song_context
    from app.core.project.demo import ensure_demo_project
    from app.core.project.demo_catalogue import ensure_demo_catalogue, load_current_model
    from app.core.project.store import load_project

    home = AccordHome.resolve(root)
    ensure_demo_catalogue(home)
    t = time.perf_counter()
    model = load_current_model(home)
    load_s = time.perf_counter() - t
    project = load_project(ensure_demo_project(home))
    return home, model, project, song_context(project), load_s


def _latency(model, ctx, runs: int) -> tuple[list[float], list[float]]:
    from app.core.audio.prerender import Prerenderer
    from app.core.audio.synth import RenderSettings
    from app.core.project.cocreation.ab_switch import placed
    from app.core.project.cocreation.cocreate import SuggestRequest, generate_suggestions, plan

    firsts, alls = [], []
    settings = RenderSettings()
    with Prerenderer(sample_rate=48000, max_workers=2) as pre:
        for run in range(runs):
            p = plan(ctx, SuggestRequest(mode="continue", start_bar=8, bars=8, count=8, seed=1000 + run))
            ids: list[str] = []
            first: list[float] = []
            t0 = time.perf_counter()

            def ready(_f, t0=t0, first=first) -> None:  # noqa: ANN001
                if not first:
                    first.append(time.perf_counter() - t0)

            def on_result(s, ids=ids, ready=ready) -> None:  # noqa: ANN001
                ids.append(s.id)
                shifted, local, _offset = placed(s.notes, ctx.grid, 48000)  # as the studio renders it
                pre.submit(s.id, shifted, local, settings, on_ready=ready, priority=1 if len(ids) == 1 else 0)

            generate_suggestions(model, p, on_result=on_result)
            pre.wait(ids, timeout=30)
            alls.append(time.perf_counter() - t0)
            firsts.append(first[0] if first else float("inf"))
            for sid in ids:
                pre.discard(sid)
    return firsts, alls


def _stems(project) -> list:
    from app.core.audio.io import load_audio
    from app.core.audio.mix import TrackMix

    return [TrackMix(s.name, load_audio(s.path, sample_rate=48000).samples, pan=s.pan) for s in project.stems]


def _ab(model, ctx, project, switches: int) -> dict:
    from app.core.audio.engine import AudioEngine, FakeStream
    from app.core.audio.mix import MixState, render_offline
    from app.core.audio.prerender import Prerenderer
    from app.core.project.cocreation.ab_switch import DEFAULT_FADE_FRAMES, crossfade_tracks, placed
    from app.core.project.cocreation.cocreate import SuggestRequest, generate_suggestions, plan

    stems = _stems(project)
    p = plan(ctx, SuggestRequest(mode="fill", start_bar=0, bars=8, count=8, seed=77))
    found = generate_suggestions(model, p)
    offsets = {}
    with Prerenderer(sample_rate=48000) as pre:
        for s in found:
            shifted, local, offsets[s.id] = placed(s.notes, ctx.grid, 48000)
            pre.submit(s.id, shifted, local)
        pre.wait([s.id for s in found], timeout=60)
        ids = [s.id for s in found]
        full = {sid: pre.ready(sid).track(offset_frames=offsets[sid]) for sid in ids}
    plain = {sid: MixState(tuple(stems) + tuple(replace(full[o], mute=o != sid) for o in ids)) for sid in ids}
    engine = AudioEngine(sample_rate=48000, blocksize=256, stream_factory=FakeStream)
    engine.open()
    block, every = engine.blocksize, 12
    engine.set_mix(plain[ids[0]])
    engine.play()
    out, times, walls, bounds = [], [], [], []
    active = ids[0]

    def pump() -> None:
        # CPU time of this thread: what the callback costs, not how often a busy machine preempts it
        t, w = time.thread_time(), time.perf_counter()
        out.append(engine.stream.pump(1))
        times.append(time.thread_time() - t)
        walls.append(time.perf_counter() - w)

    for k in range(switches):
        for _ in range(every):
            pump()
        new = ids[(k + 1) % len(ids)]
        at = engine.transport.position_frames + 3 * block
        others = [tr for tr in plain[new].tracks[len(stems):] if tr.name not in (full[active].name, full[new].name)]
        pieces = crossfade_tracks(full[active], full[new], at, fade_frames=DEFAULT_FADE_FRAMES)
        engine.set_mix(MixState(tuple(stems) + pieces + tuple(others)))
        bounds.append((at, new, active))
        active = new
        # the studio swaps in the plain state after the fade has played (here: after 8 more blocks)
        for _ in range(8):
            pump()
        engine.set_mix(plain[active])
    signal = np.concatenate(out).T
    n = signal.shape[1]
    block_s = block / 48000
    underruns = sum(1 for t in times if t > block_s)
    refs = {sid: render_offline(plain[sid], frames=n) for sid in ids}
    # The mixer is a sum, so output minus the stems is the suggestions' part alone. A click is a kink: the
    # second difference around the switch exceeding 1.5x the larger of the two suggestions' own there (a
    # bright synth has steep slopes of its own, so the first difference would hide the kink).
    stems_only = render_offline(MixState(tuple(stems)), frames=n)
    melody = signal - stems_only
    solo = {sid: refs[sid] - stems_only for sid in ids}

    def kink(x: np.ndarray) -> float:
        return float(np.abs(np.diff(x.astype(np.float64), n=2, axis=1)).max()) if x.shape[1] > 2 else 0.0

    clicks = hard_clicks = gaps = 0
    for at, new, old in bounds:
        lo, hi = max(0, at - 1024), min(n, at + DEFAULT_FADE_FRAMES + 1024)
        own = max(kink(solo[new][:, lo:hi]), kink(solo[old][:, lo:hi]))
        if kink(melody[:, lo:hi]) > 1.5 * own + 1e-4:
            clicks += 1
        hard = np.concatenate([solo[old][:, lo:at], solo[new][:, at:hi]], axis=1)  # what a plain swap would do
        if kink(hard) > 1.5 * own + 1e-4:
            hard_clicks += 1
        for b0 in range(lo - lo % block, hi, block):
            seg, ref = signal[:, b0:b0 + block], refs[new][:, b0:b0 + block]
            if np.abs(seg).max() == 0.0 and np.abs(ref).max() > 0.0:
                gaps += 1
    return {"switches": switches, "underruns": underruns, "clicks": clicks, "gaps": gaps, "hard_clicks": hard_clicks,
            "callback_p99_ms": float(np.percentile(times, 99) * 1000), "block_ms": block_s * 1000,
            "wall_max_ms": float(max(walls) * 1000),
            "errors": engine.callback_errors}


def _render_speed(model, ctx) -> tuple[float, int]:
    from app.core.audio.synth import render_melody
    from app.core.music import BeatGrid
    from app.core.project.cocreation.cocreate import SuggestRequest, generate_suggestions, plan

    s = generate_suggestions(model, plan(ctx, SuggestRequest(start_bar=8, bars=8, count=1, seed=5)))[0]
    melody = s.notes.shifted(-s.notes.notes[0].onset // 4 * 4)
    grid = BeatGrid(tempo_bpm=ctx.grid.tempo_bpm, time_signature=ctx.time_signature)
    cache: dict = {}
    render_melody(melody, grid, cache=cache)  # warm the wavetables, as the prerenderer keeps them
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        audio = render_melody(melody, grid, cache=cache)
        best = min(best, time.perf_counter() - t)
    return audio.shape[1] / 48000 / best, len(melody.notes)


def run(quick: bool) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        home, model, project, ctx, load_s = _setup(Path(tmp))
        firsts, alls = _latency(model, ctx, RUNS_QUICK if quick else RUNS_FULL)
        ab = _ab(model, ctx, project, 10 if quick else 40)
        factor, notes = _render_speed(model, ctx)
    first_med, all_med = statistics.median(firsts), statistics.median(alls)
    return [
        {"metric": "suggest_to_first_audible_8bars", "value": first_med * 1000, "unit": "ms", "target": "<= 300",
         "ok": first_med <= 0.3, "note": f"median of {len(firsts)}, max {max(firsts) * 1000:.0f} ms; model + render"},
        {"metric": "suggest_all_8_audible", "value": all_med * 1000, "unit": "ms", "target": "<= 1000",
         "ok": all_med <= 1.0, "note": f"median of {len(alls)}, max {max(alls) * 1000:.0f} ms"},
        {"metric": "model_load_once", "value": load_s * 1000, "unit": "ms", "note": "30 demo works; at panel open"},
        {"metric": "ab_switch_underruns", "value": ab["underruns"], "unit": "blocks", "target": "0",
         "ok": ab["underruns"] == 0,
         "note": f"{ab['switches']} switches; callback CPU p99 {ab['callback_p99_ms']:.3f} ms of a "
                 f"{ab['block_ms']:.2f} ms block (wall max {ab['wall_max_ms']:.2f} ms on a shared machine)"},
        {"metric": "ab_switch_discontinuities", "value": ab["clicks"] + ab["gaps"], "unit": "count", "target": "0",
         "ok": ab["clicks"] + ab["gaps"] == 0 and ab["errors"] == 0,
         "note": f"clicks {ab['clicks']}, silent blocks {ab['gaps']}, callback errors {ab['errors']}; a plain "
                 f"swap at the same points would click {ab['hard_clicks']} times"},
        {"metric": "render_8bar_suggestion_builtin", "value": factor, "unit": "x rt", "target": ">= 200",
         "ok": factor >= 200, "note": f"{notes} notes, warm wavetables (the synth benchmark measures cold)"},
    ]
