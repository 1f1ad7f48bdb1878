"""Synth speed: an 8-bar suggestion per built-in instrument (target ≥ 200× real time), the SoundFont
player, and the render-ahead queue for a batch of 8 suggestions (render share of the issue-6 targets)."""

from __future__ import annotations

import concurrent.futures as cf
import time

import numpy as np

from app.core.audio.prerender import Prerenderer
from app.core.audio.synth import INSTRUMENTS, render_melody
from app.core.audio.synth.settings import RenderSettings
from app.core.music import BeatGrid, Melody, Note

SR = 48000
GRID = BeatGrid(120.0)  # 8 bars of 4/4 = 16 s
BARS = 8


def suggestion(seed: int) -> Melody:
    """A typical suggestion: 8 bars of eighths, quarters and dotted notes (about 40 notes)."""
    rng = np.random.default_rng(seed)
    notes, q, pitch = [], 0.0, 67
    while q < BARS * 4:
        dur = float(rng.choice([0.5, 0.5, 1.0, 1.0, 1.5, 2.0]))
        pitch = int(np.clip(pitch + rng.integers(-4, 5), 55, 84))
        notes.append(Note(pitch, q, dur * 0.9, int(rng.integers(70, 120))))
        q += dur
    return Melody(tuple(notes))


def _best(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def run(quick: bool) -> list[dict]:
    repeats = 2 if quick else 5
    melody = suggestion(1)
    seconds = GRID.seconds(BARS * 4)
    rows = []
    for name in INSTRUMENTS:
        render_melody(melody, GRID, instrument=name)  # warm numpy/FFT plans
        t = _best(lambda n=name: render_melody(melody, GRID, instrument=n, sample_rate=SR), repeats)
        factor = seconds / t
        rows.append({"metric": f"8-bar render, {name}", "value": round(factor, 1), "unit": "x realtime",
                     "target": ">= 200", "ok": factor >= 200,
                     "note": f"{len(melody)} notes, {t * 1000:.1f} ms incl. 1 s tail, cold wavetables"})
    rows.append(_soundfont_row(melody, seconds, repeats))
    rows += _prerender_rows()
    return rows


def _soundfont_row(melody: Melody, seconds: float, repeats: int) -> dict:
    try:
        from app.core.audio.synth.soundfont import SoundFontPlayer

        player = SoundFontPlayer(sample_rate=SR)
    except Exception as exc:  # optional feature: report why instead of failing the run
        return {"metric": "8-bar render, SoundFont", "value": 0.0, "unit": "x realtime", "ok": None,
                "note": f"skipped: {exc}"}
    t = _best(lambda: player.render(melody, GRID, program=0), repeats)
    return {"metric": "8-bar render, SoundFont (GM piano)", "value": round(seconds / t, 1), "unit": "x realtime",
            "target": "", "ok": None, "note": f"{player.path.name}, {t * 1000:.1f} ms"}


def _prerender_rows() -> list[dict]:
    rows = []
    melodies = {f"s{i}": suggestion(10 + i) for i in range(8)}
    for fx in ("dry", "room"):
        settings = RenderSettings(instrument="lead", fx=fx)
        with Prerenderer(sample_rate=SR, max_workers=2) as pr:
            t0 = time.perf_counter()
            futures = [pr.submit(sid, m, GRID, settings) for sid, m in melodies.items()]
            next(cf.as_completed(futures)).result()
            first = time.perf_counter() - t0
            cf.wait(futures)
            everything = time.perf_counter() - t0
            if any(f.exception() is not None for f in futures):
                raise RuntimeError("a prerender failed")
        note = f"render share only (lead, fx {fx!r}, 2 workers); model time is not included"
        rows += [
            {"metric": f"prerender 8, fx {fx}: first ready", "value": round(first * 1000, 1), "unit": "ms",
             "target": "<= 300", "ok": first <= 0.3, "note": note},
            {"metric": f"prerender 8, fx {fx}: all ready", "value": round(everything * 1000, 1), "unit": "ms",
             "target": "<= 1000", "ok": everything <= 1.0, "note": note},
        ]
    return rows
