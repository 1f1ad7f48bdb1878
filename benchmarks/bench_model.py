"""Melody model benchmark: IDyOM parity (bits/note), training/forgetting speed, generation speed and
constraint satisfaction, side by side in one run.

Parity: 10-fold cross-validation by melody on the Bach chorale soprano lines BWV 253–438 (189 here, 185 in
Pearce 2005), folds shuffled with seeds 0..S-1 and the figures averaged (IDyOM also shuffles; the seed moves
the figure by about ±0.02 bits). IDyOM's published figures are printed beside ours.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.core.model import (  # noqa: E402
    Constraints,
    ModelSettings,
    as_usable_works,
    continue_phrase,
    forget,
    idyom_benchmark_set,
    train,
)
from app.core.model.generation.generate import DEFAULT_REPEAT_DAMPING, DEFAULT_TEMPERATURE  # noqa: E402
from app.core.model.ppm.evaluate import bits_per_event, cross_validate  # noqa: E402
from app.core.model.ppm.predict import PredictionSettings  # noqa: E402
from app.core.model.ppm.viewpoints import Events, parse_viewpoints  # noqa: E402
from app.core.model.settings import DEFAULT_DUR_VIEWPOINTS, SELECTED_PITCH_VIEWPOINTS  # noqa: E402
from app.core.model.training import TrainingWork  # noqa: E402
from app.core.music import PITCH_CLASS_NAMES, Chord, ChordTimeline, Key  # noqa: E402

IDYOM = {"ltm": 2.444, "both+": 2.347, "best": 1.953}


def _row(metric, value, unit, target=None, ok=None, note=""):
    return {"metric": metric, "value": value, "unit": unit, "target": target or "", "ok": ok, "note": note}


def _names(names):
    return [v.name for v in parse_viewpoints(names)]


def parity(seeds: list[int]) -> list[dict]:
    melodies = [Events.from_melody(m) for _, m in idyom_benchmark_set()]
    ltm_only = PredictionSettings(ltm_plus=False, use_stm=False)
    both = PredictionSettings()
    system = parse_viewpoints(SELECTED_PITCH_VIEWPOINTS + DEFAULT_DUR_VIEWPOINTS)
    default = ModelSettings()
    figures: dict[str, list[float]] = {k: [] for k in ("ltm", "both+", "best", "default", "event")}
    t0 = time.perf_counter()
    for seed in seeds:
        plain = cross_validate(melodies, parse_viewpoints(["cpitch"]), folds=10, seed=seed, settings=ltm_only)
        figures["ltm"].append(bits_per_event(plain["pitch"], ["cpitch"], ltm_only)[0])
        res = cross_validate(melodies, parse_viewpoints(["cpitch"]) + system, folds=10, seed=seed, settings=both)
        figures["both+"].append(bits_per_event(res["pitch"], ["cpitch"], both)[0])
        figures["best"].append(bits_per_event(res["pitch"], _names(SELECTED_PITCH_VIEWPOINTS), both)[0])
        pitch = bits_per_event(res["pitch"], _names(default.pitch_viewpoints), both)[0]
        figures["default"].append(pitch)
        figures["event"].append(pitch + bits_per_event(res["dur"], _names(default.dur_viewpoints), both)[0])
    cv_seconds = (time.perf_counter() - t0) / len(seeds)
    unshuffled = cross_validate(melodies, parse_viewpoints(["cpitch"]), folds=10, seed=None, settings=ltm_only)
    mean = {k: float(np.mean(v)) for k, v in figures.items()}
    spread = {k: f"seeds {seeds[0]}..{seeds[-1]}: {min(v):.3f}..{max(v):.3f}" for k, v in figures.items()}
    return [
        _row("pitch LTM C*I (cpitch)", mean["ltm"], "bits", "<= 2.45", mean["ltm"] <= 2.45,
             f"IDyOM 2.444; {spread['ltm']}"),
        _row("pitch BOTH+ (cpitch)", mean["both+"], "bits", "<= 2.35", mean["both+"] <= 2.35,
             f"IDyOM 2.347; {spread['both+']}"),
        _row("pitch best multi-viewpoint", mean["best"], "bits", "<= 1.95", mean["best"] <= 1.95,
             f"IDyOM 1.953; {len(SELECTED_PITCH_VIEWPOINTS)} selected viewpoints; {spread['best']}"),
        _row("pitch shipped default", mean["default"], "bits", "", None,
             f"{', '.join(default.pitch_viewpoints)}; {spread['default']}"),
        _row("event (pitch+duration) default", mean["event"], "bits", "", None, spread["event"]),
        _row("pitch LTM, unshuffled folds", bits_per_event(unshuffled["pitch"], ["cpitch"], ltm_only)[0], "bits",
             "", None, "contiguous BWV blocks: tunes shared between chorales fall in one fold"),
        _row("10-fold CV time (12 viewpoints)", cv_seconds, "s", "", None, "per seed, all 189 melodies"),
    ]


def speed(quick: bool) -> tuple[list[dict], object, list]:
    works = as_usable_works(idyom_benchmark_set())
    times, cpu = [], []
    for _ in range(3 if quick else 7):
        t0, c0 = time.perf_counter(), time.process_time()
        train(works[:100])
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    pitch_only = ModelSettings(pitch_viewpoints=("cpitch",), dur_viewpoints=("dur",),
                               generation_pitch_viewpoints=("cpitch",), generation_dur_viewpoints=("dur",))
    single = []
    for _ in range(3 if quick else 7):
        c0 = time.process_time()
        train(works[:100], settings=pitch_only)
        single.append(time.process_time() - c0)
    model = train(works)
    fg, fg_cpu = [], []
    for w in works[:10 if quick else 30]:
        t0, c0 = time.perf_counter(), time.process_time()
        forget(model, [w.id])
        fg.append(time.perf_counter() - t0)
        fg_cpu.append(time.process_time() - c0)
        model.add_work(TrainingWork.from_usable(w))
    train_s, forget_ms = statistics.median(times), statistics.median(fg) * 1000
    rows = [_row("train 100 melodies (7 viewpoints + index)", train_s, "s", "<= 0.2", train_s <= 0.2,
                 f"median of {len(times)}"),
            _row("train 100 melodies, CPU time", statistics.median(cpu), "s", "", None,
                 "the machine is shared: CPU time is the load-independent figure"),
            _row("train 100 melodies, cpitch + dur only, CPU", statistics.median(single), "s", "", None,
                 "2 viewpoints"),
            _row("forget one work", forget_ms, "ms", "<= 5", forget_ms <= 5,
                 f"median of {len(fg)}; CPU median {statistics.median(fg_cpu) * 1000:.1f} ms")]
    return rows, model, works


def _chords(key: Key, bars: int, start: float) -> ChordTimeline:
    names = ["C", "F", "G", "Am"] if key.mode == "major" else ["Am", "Dm", "E", "F"]
    shift = (key.tonic_pc - (0 if key.mode == "major" else 9)) % 12
    symbols = []
    for b in range(bars):
        c = Chord.parse(names[b % 4])
        symbols.append(PITCH_CLASS_NAMES[(c.root_pc + shift) % 12] + ("m" if c.quality == "min" else ""))
    return ChordTimeline.from_symbols(symbols, quarters_each=4.0, start=start)


def _longest_copy(pitches: list[int], corpus: np.ndarray) -> int:
    """Independent check: longest run of notes whose intervals occur in one work (works joined by a sentinel)."""
    iv = np.diff(np.array(pitches))
    run = np.zeros(len(corpus), dtype=np.int64)
    best = 0
    for x in iv:
        nxt = np.zeros_like(run)
        hit = corpus == x
        nxt[1:] = np.where(hit[1:], run[:-1] + 1, 0)
        nxt[0] = int(hit[0])
        run = nxt
        best = max(best, int(run.max()))
    return best + 1 if len(pitches) else 0


def generation(model, works, quick: bool) -> list[dict]:
    corpus = np.concatenate([np.append(np.diff([n.pitch for n in w.melody.notes]), 10_000) for w in works])
    four_four = [w for w in works if w.melody.time_signature.numerator == 4]
    timings, cpu, total, good = [], [], 0, 0
    requests = 12 if quick else 70
    for r in range(requests):
        src = four_four[(r * 7) % len(four_four)].melody
        key = src.key or Key(0)
        prime = src.between(0, 8)
        lo, hi = min(src.pitches) - 3, max(src.pitches) + 3
        c = Constraints(key=key, chords=_chords(key, 8, 8.0), bars=8, start=8.0, pitch_range=(lo, hi),
                        density=(2, 8), max_copy=8)
        t0, c0 = time.perf_counter(), time.process_time()
        suggestions = continue_phrase(model, prime, c, n=8, seed=r)
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        if r >= 3:  # the first requests fill the model's estimate memo
            timings.append(dt)
            cpu.append(dc)
        for s in suggestions:
            total += 1
            ok = len(s.notes) > 0
            for n in s.notes:
                ok &= lo <= n.pitch <= hi and n.pitch % 12 in key.melodic_scale
                if c.time_signature.strong_beat(n.onset % 4.0):
                    ok &= n.pitch % 12 in c.chords.at(n.onset).pitch_classes
            notes = s.notes.notes
            ok &= abs(notes[0].onset - 8.0) < 1e-9 and abs(notes[-1].end - c.end) < 1e-9
            ok &= all(abs(a.end - b.onset) < 1e-9 for a, b in zip(notes, notes[1:], strict=False))
            for b in range(8):
                k = sum(1 for n in notes if 8.0 + 4 * b <= n.onset < 12.0 + 4 * b)
                ok &= 2 <= k <= 8
            ok &= _longest_copy(s.notes.pitches, corpus) <= 8
            good += bool(ok)
    p95 = float(np.percentile(timings, 95)) * 1000
    return [_row("8 suggestions x 8 bars, all constraints, k=8", p95, "ms", "<= 50 p95", p95 <= 50,
                 f"median {np.median(timings) * 1000:.0f} ms over {len(timings)} requests (warm)"),
            _row("8 x 8 bars generation, CPU time p95", float(np.percentile(cpu, 95)) * 1000, "ms", "", None,
                 f"median {np.median(cpu) * 1000:.0f} ms"),
            _row("suggestions satisfying hard constraints", 100.0 * good / max(1, total), "%", "100",
                 good == total and total >= (96 if quick else 500), f"{good} of {total}, independent checker")]


def _repeat_stats(seqs: list[tuple[int, ...]]) -> tuple[float, int, float]:
    """(share of consecutive note pairs on the same pitch, longest same-pitch run, mean per-melody longest)."""
    pairs = sum(len(s) - 1 for s in seqs)
    same = sum(1 for s in seqs for a, b in zip(s, s[1:], strict=False) if a == b)
    longest = []
    for s in seqs:
        run = best = 1
        for a, b in zip(s, s[1:], strict=False):
            run = run + 1 if a == b else 1
            best = max(best, run)
        longest.append(best)
    return same / max(1, pairs), max(longest, default=0), float(np.mean(longest)) if longest else 0.0


def repeats(works, quick: bool) -> list[dict]:
    """Repeated pitches in suggestions of a small model (the studio's demo: 30 chorales), with and without
    the repeat damping, against the training melodies' own rate."""
    demo = works[:30]
    model = train(demo)
    requests = 8 if quick else 16
    seqs: dict[float, list[tuple[int, ...]]] = {1.0: [], DEFAULT_REPEAT_DAMPING: []}
    for r in range(requests):
        src = next(w.melody for w in works[r * 11:] + works if w.melody.time_signature.numerator == 4)
        key = src.key or Key(0)
        lo, hi = min(src.pitches) - 3, max(src.pitches) + 3
        for chords in (True, False):
            c = Constraints(key=key, chords=_chords(key, 8, 8.0) if chords else None, bars=8, start=8.0,
                            pitch_range=(lo, hi), density=(2, 8), max_copy=8)
            for damping, out in seqs.items():
                out += [s.notes.pitches for s in continue_phrase(model, src.between(0, 8), c, n=4, seed=r,
                                                                 repeat_damping=damping)]
    data_rate, data_run, data_mean = _repeat_stats([w.melody.pitches for w in demo])
    all_rate, all_run, _ = _repeat_stats([w.melody.pitches for w in works])
    (b_rate, b_run, b_mean), (a_rate, a_run, a_mean) = (_repeat_stats(seqs[1.0]),
                                                        _repeat_stats(seqs[DEFAULT_REPEAT_DAMPING]))
    n = len(seqs[1.0])
    return [_row("repeated pitches, training melodies", 100 * data_rate, "%", "", None,
                 f"30 demo chorales; all {len(works)}: {100 * all_rate:.1f} %, longest run {all_run}"),
            _row("repeated pitches, suggestions, no damping (before)", 100 * b_rate, "%", "", None,
                 f"{n} suggestions x 8 bars from the 30-chorale model, T={DEFAULT_TEMPERATURE}"),
            _row(f"repeated pitches, suggestions, damping {DEFAULT_REPEAT_DAMPING:g} (default)", 100 * a_rate, "%",
                 "near the data", a_rate <= data_rate + 0.05, f"{n} suggestions"),
            _row("longest same-pitch run, training melodies", data_run, "notes", "", None,
                 f"mean per melody {data_mean:.2f}"),
            _row("longest same-pitch run, suggestions, no damping (before)", b_run, "notes", "", None,
                 f"mean per suggestion {b_mean:.2f}"),
            _row("longest same-pitch run, suggestions, default damping", a_run, "notes", "", a_run <= data_run + 1,
                 f"mean per suggestion {a_mean:.2f}")]


def run(quick: bool) -> list[dict]:
    rows = parity([0] if quick else [0, 1, 2])
    speed_rows, model, works = speed(quick)
    return rows + speed_rows + generation(model, works, quick) + repeats(works, quick)


def _arg(name: str, default: str) -> str:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


if __name__ == "__main__":
    if "--scale" in sys.argv:  # career/label sizes, one process per size (see benchmarks/model_scale.py)
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import model_scale

        sizes = [int(x) for x in _arg("--sizes", ",".join(map(str, model_scale.DEFAULT_SIZES))).split(",")]
        for row in model_scale.rows(model_scale.run_sizes(_arg("--impl", "app"), sizes)):
            print(row)
    else:
        for row in run("--quick" in sys.argv):
            print(row)
