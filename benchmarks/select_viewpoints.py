"""Forward viewpoint selection (IDyOM's hill climbing), run once on the chorales; the result is the default.

    python benchmarks/select_viewpoints.py [--seeds 0 1 2] [--folds 10]

Per-viewpoint long/short-term tables are computed once per seed by cross-validation; selection then only
re-combines them (numpy), adding at each step the candidate that lowers the mean bits per note most, and
stopping when none helps. The chosen lists are printed as Python tuples to paste into
app/core/model/settings.py (DEFAULT_PITCH_VIEWPOINTS / DEFAULT_DUR_VIEWPOINTS).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.core.model.datasets import idyom_benchmark_set  # noqa: E402
from app.core.model.ppm.evaluate import bits_per_event, cross_validate  # noqa: E402
from app.core.model.ppm.predict import PredictionSettings  # noqa: E402
from app.core.model.ppm.viewpoints import Events, parse_viewpoints  # noqa: E402

PITCH_CANDIDATES = ("cpitch", "cpint", "cpintfref", "cpint*dur", "cpintfref*cpint", "cpitch*dur",
                    "cpintfref*dur", "cpint*ioi", "cpintfref*fib", "cpint*posinbar", "cpintfref*posinbar",
                    "contour*dur", "cpitch*posinbar", "cpintfref*contour")
DUR_CANDIDATES = ("dur", "dur*posinbar", "dur*ioi", "dur*fib")


def forward_select(tables_by_seed, candidates, settings) -> tuple[list[str], float]:
    chosen: list[str] = []
    best = float("inf")
    while True:
        trial = []
        for c in candidates:
            if c in chosen:
                continue
            names = chosen + [c]
            score = float(np.mean([bits_per_event(t, names, settings)[0] for t in tables_by_seed]))
            trial.append((score, c))
        if not trial:
            break
        score, c = min(trial)
        if score >= best - 1e-4:
            break
        best = score
        chosen.append(c)
        print(f"  + {c:<22} {score:.4f}", flush=True)
    return chosen, best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--folds", type=int, default=10)
    args = parser.parse_args(argv)
    melodies = [Events.from_melody(m) for _, m in idyom_benchmark_set()]
    base = PredictionSettings()
    vps = parse_viewpoints(PITCH_CANDIDATES + DUR_CANDIDATES)
    runs = [cross_validate(melodies, vps, folds=args.folds, seed=s, settings=base) for s in args.seeds]
    for target, cands in (("pitch", PITCH_CANDIDATES), ("dur", DUR_CANDIDATES)):
        results = []
        for comb in ("geometric", "arithmetic"):
            for vb in (1.0, 2.0, 3.0):
                for lb in (1.0, 2.0, 3.0):
                    s = PredictionSettings(viewpoint_combination=comb, viewpoint_bias=vb,
                                           ltm_stm_combination=comb, ltm_stm_bias=lb)
                    print(f"{target} {comb} viewpoint bias {vb} ltm-stm bias {lb}", flush=True)
                    chosen, score = forward_select([r[target] for r in runs], cands, s)
                    results.append((score, comb, vb, lb, chosen))
        score, comb, vb, lb, chosen = min(results, key=lambda r: r[0])
        print(f"BEST {target}: {score:.4f} {comb} vb={vb} lb={lb} {tuple(chosen)}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
