"""`accord model judge [--folds 5] [--bars 4] [--json]`: do the model's continuations look like your catalogue?

Held-out phrases of the usable works against the model's continuations of the same primes, feature by feature
(overlapping area 0..1 and KL divergence, Yang & Lerch 2020) and by a classifier that tries to tell them apart
(cross-validated accuracy; 50 % = indistinguishable). Uses the current model's configuration when there is one.
"""

from __future__ import annotations

import argparse
import json
import logging
from typing import Any

from app.core.catalogue.store import Catalogue
from app.core.catalogue.types import MELODY_MODEL_USE
from app.core.model.modelfile import read_manifest
from app.core.model.settings import ModelSettings
from app.core.musicality import judge_works

log = logging.getLogger(__name__)


def register(model_subparsers: Any) -> None:
    judge = model_subparsers.add_parser(
        "judge", help="compare the model's continuations with held-out phrases of your works",
        description=__doc__.split("\n\n")[1])
    judge.add_argument("--folds", type=int, default=5, help="cross-validation folds (default 5)")
    judge.add_argument("--bars", type=int, default=4, help="length of each compared phrase in bars (default 4)")
    judge.add_argument("--windows", type=int, default=2, help="phrases taken from each held-out work (default 2)")
    judge.add_argument("--seed", type=int, default=0, help="seed for folds and generation (default 0)")
    judge.add_argument("--json", action="store_true", help="print the whole report as JSON")
    judge.set_defaults(func=run_judge)


def run_judge(args: argparse.Namespace, ctx: Any) -> int:
    home = ctx.home()
    settings = ModelSettings()
    if home.current_model_path.exists():
        settings = ModelSettings.from_json(read_manifest(home.current_model_path)["settings"])
    with Catalogue.open(home.catalogue_path) as cat:
        usable = cat.usable_works(MELODY_MODEL_USE)
    report = judge_works(usable, folds=args.folds, bars=args.bars, windows=args.windows, seed=args.seed,
                         settings=settings, progress=lambda f, t="": log.info("%3d%% %s", int(f * 100), t))
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{report['phrases']} phrases of {report['bars']} bars from {report['works']} works, "
          f"{report['folds']} folds ({report['generation_failures']} generation failures)")
    print(f"  classifier telling suggestions from your phrases: {report['classifier_accuracy']:.0%} accurate "
          "(50% = indistinguishable)")
    print(f"  {'feature':<24} {'overlap':>8} {'KL':>8}   medians (yours / suggestions)")
    for name, r in report["features"].items():
        medians = f"{r['real_median']:g} / {r['generated_median']:g}" if "real_median" in r else ""
        print(f"  {name:<24} {r['overlap_area']:>8.3f} {r['kl_divergence']:>8.3f}   {medians}")
    return 0
