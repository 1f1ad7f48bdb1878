"""The beat grid on real songs played without a click (benchmarks/realsongs/drift.py), beside essentia's and
librosa's beat trackers, and on the same songs as written (one tempo) to show the grid stays exact there.

Metric: beat F-measure at ± 50 ms (mir_eval.beat.f_measure: a hit is an estimated beat within 50 ms of a
truth beat, each used once, so a grid at twice the tempo or off by half a beat scores low), over the song from
its fifth second on (mir_eval's convention of ignoring the first beats, where trackers settle). Accord's beats
are its grid's beats from bar 1 (every quarter, every dotted quarter in 6/8), read from the stems and from the
mix; the peers read the mix. Also: the share of songs whose grid follows the tempo (anchors).
"""

from __future__ import annotations

import time

import numpy as np

from app.core.analysis import analyze_stems
from app.core.analysis.files import load_stem_inputs
from app.core.analysis.harmony.chords import beat_boundaries

TOLERANCE_S = 0.05
SKIP_S = 5.0


def _f(truth: list[float] | np.ndarray, estimate: np.ndarray) -> float:
    import mir_eval

    t = mir_eval.beat.trim_beats(np.asarray(truth, dtype=float), min_beat_time=SKIP_S)
    e = mir_eval.beat.trim_beats(np.asarray(estimate, dtype=float), min_beat_time=SKIP_S)
    return float(mir_eval.beat.f_measure(t, e, f_measure_threshold=TOLERANCE_S))


def _accord(paths, truth) -> tuple[float, bool, float]:
    t0 = time.perf_counter()
    a = analyze_stems(load_stem_inputs(list(paths)))
    seconds = time.perf_counter() - t0
    times, _ = beat_boundaries(a.grid, float(truth[-1]) + 1.0)
    return _f(truth, times), a.grid.follows_tempo, seconds


def _peers(mix) -> dict[str, np.ndarray]:
    import librosa

    out: dict[str, np.ndarray] = {}
    y, sr = librosa.load(str(mix), sr=22050, mono=True)
    out["librosa"] = librosa.beat.beat_track(y=y, sr=sr, units="time")[1]
    try:
        import essentia
        import essentia.standard as es

        essentia.log.infoActive = essentia.log.warningActive = False
        y44 = es.MonoLoader(filename=str(mix), sampleRate=44100)()
        out["essentia"] = np.asarray(es.RhythmExtractor2013(method="multifeature")(y44)[1])
    except ImportError:
        pass
    return out


def run(quick: bool) -> list[dict]:
    from benchmarks.realsongs import build as build_real
    from benchmarks.realsongs import drift
    from benchmarks.realsongs.downbeats import truth_beats
    from benchmarks.realsongs.sources import default_cache

    cache = default_cache()
    real = build_real(cache)
    rows: list[dict] = []
    for title, names in ((("", drift.QUICK_SONGS),) if quick else (("", drift.SONGS), ("check set: ", drift.CHECK_SONGS))):
        pairs = drift.build(real, cache, names)
        if not pairs:
            return [{"metric": "(area skipped)", "value": "-", "unit": "", "ok": None,
                     "note": "the real-song set could not be built (python benchmarks/run.py analysis builds it)"}]
        rows += _rows(title, pairs, truth_beats)
    return rows


def _rows(title: str, pairs: list, truth_beats) -> list[dict]:
    """The table for one set of (song as written, song drifting) pairs."""
    scores: dict[str, list[float]] = {}
    follows = {"drift": 0, "clock": 0}
    seconds = []
    for song, drifted in pairs:
        for label, truth, stems, mix in (("drift", drifted.truth_beats, drifted.stems.values(), drifted.mix),
                                         ("clock", truth_beats(song.mix.parent), song.stems.values(), song.mix)):
            if not truth:
                continue
            f_stems, followed, secs = _accord(stems, truth)
            f_mix, _, _ = _accord([mix], truth)
            seconds.append(secs)
            follows[label] += followed
            scores.setdefault(f"{label} accord stems", []).append(f_stems)
            scores.setdefault(f"{label} accord mix", []).append(f_mix)
            for peer, beats in _peers(mix).items():
                scores.setdefault(f"{label} {peer}", []).append(_f(truth, beats))
            print(f"  {song.name:<20} {label}: stems {f_stems:.3f} mix {f_mix:.3f}"
                  f"{' (grid follows)' if followed else ''}", flush=True)
    n = len(pairs)
    rows = []
    for name, values in scores.items():
        label, system = name.split(" ", 1)
        rows.append({"metric": f"{title}beat F ±50 ms, {'no click' if label == 'drift' else 'on a clock'} [{system}]",
                     "value": float(np.mean(values)), "unit": "F",
                     "note": f"{len(values)} real songs (openmsx, mma), {'tempo drifting ±2 % + 3 % rush' if label == 'drift' else 'as written'}"})
    best_peer = max((float(np.mean(v)) for k, v in scores.items() if k.startswith("drift ") and "accord" not in k),
                    default=0.0)
    drift_stems = float(np.mean(scores.get("drift accord stems", [0.0])))
    rows.append({"metric": f"{title}no click: Accord stems vs best peer", "value": drift_stems - best_peer, "unit": "F",
                 "target": ">= 0", "ok": drift_stems >= best_peer})
    rows.append({"metric": f"{title}grids that follow the tempo, no click", "value": follows["drift"] / n, "unit": "share",
                 "target": ">= 0.9", "ok": follows["drift"] / n >= 0.9})
    rows.append({"metric": f"{title}grids that follow the tempo, on a clock", "value": follows["clock"] / n,
                 "unit": "share", "note": "music made on a clock keeps one exact tempo"})
    rows.append({"metric": f"{title}analysis per song (stems)", "value": float(np.median(seconds)), "unit": "s",
                 "note": "median, drift and clock"})
    return rows
