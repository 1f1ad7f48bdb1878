"""`accord model info [MODEL]` and `accord model evaluate [--folds 10] [--seed S]` (both with --json).

info: the manifest (id, version, creation time, settings, training works with consent), the fingerprint,
and whether the model is stale (names a work the catalogue no longer allows).
evaluate: k-fold cross-validation by work over the usable works, bits per note for the pitch and for the
whole event, with the model's configuration (or the default one when there is no model yet).
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

from app.cli import cmd_model_judge
from app.core.catalogue.store import Catalogue
from app.core.catalogue.types import MELODY_MODEL_USE
from app.core.errors import AccordError
from app.core.model.modelfile import read_manifest, stale_work_ids
from app.core.model.ppm.evaluate import evaluate_works
from app.core.model.settings import ModelSettings

log = logging.getLogger(__name__)
NO_MODEL = "no model yet: import works, grant consent, run accord train"


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("model", help="inspect or evaluate the melody model",
                              description="Inspect or evaluate the melody model.")
    sub = p.add_subparsers(dest="model_command", metavar="ACTION", parser_class=type(p))
    info = sub.add_parser("info", help="manifest, fingerprint and staleness of a model file")
    info.add_argument("model", nargs="?", metavar="MODEL", help="model file (default: the current model)")
    info.add_argument("--json", action="store_true", help="print the manifest as JSON")
    info.set_defaults(func=run_info)
    ev = sub.add_parser("evaluate", help="k-fold cross-validation (bits per note) over the usable works")
    ev.add_argument("--folds", type=int, default=10, help="number of folds, at least 2 and at most the number of "
                    "usable works (default 10)")
    ev.add_argument("--seed", type=int, default=0, help="fold shuffling seed (default 0)")
    ev.add_argument("--model", metavar="MODEL", help="take the configuration from this model file")
    ev.add_argument("--json", action="store_true", help="print the result as JSON")
    ev.set_defaults(func=run_evaluate)
    rep = sub.add_parser("report", help="training-data report (HTML): works, contributors, consent, fingerprint")
    rep.add_argument("model", nargs="?", metavar="MODEL", help="model file (default: the current model)")
    rep.add_argument("-o", "--output", required=True, metavar="FILE", help="the HTML report to write")
    rep.set_defaults(func=run_report)
    cmd_model_judge.register(sub)
    p.set_defaults(func=lambda args, ctx: (p.print_help(), 2)[1])


def _usable_ids(home) -> set[int]:
    with Catalogue.open(home.catalogue_path) as cat:
        return cat.usable_work_ids(MELODY_MODEL_USE)


def run_info(args: argparse.Namespace, ctx: Any) -> int:
    home = ctx.home()
    path = Path(args.model) if args.model else home.current_model_path
    if not path.exists():
        raise AccordError(NO_MODEL if not args.model else "model file not found", path=path if args.model else None)
    manifest = read_manifest(path)
    stale = stale_work_ids(manifest, _usable_ids(home))
    if args.json:
        print(json.dumps({"path": str(path), "manifest": manifest, "fingerprint": manifest.get("fingerprint"),
                          "stale": bool(stale), "stale_work_ids": stale}, indent=2))
        return 0
    s = manifest.get("settings", {})
    print(f"{path}")
    print(f"  model {manifest['model_id']} version {manifest['version']}, created {manifest['created_at']}")
    print(f"  fingerprint {manifest.get('fingerprint')}")
    print(f"  viewpoints: pitch {', '.join(s.get('pitch_viewpoints', []))}; duration "
          f"{', '.join(s.get('dur_viewpoints', []))}; order cap {s.get('order_cap')}")
    works = manifest.get("works", [])
    print(f"  {len(works)} training works:")
    for w in works:
        grants = ", ".join(f"{c['contributor']} ({c['recorded_at']})" for c in w.get("consent", []))
        print(f"    {w['id']:>5}  {w['title']}  sha256 {w['sha256'][:12]}…  consent: {grants or '-'}")
    if stale:
        print(f"  STALE: works {', '.join(map(str, stale))} are no longer usable — run accord train to update")
    else:
        print("  up to date with the catalogue's consent")
    return 0


def run_report(args: argparse.Namespace, ctx: Any) -> int:
    from app.core.provenance.report import write_model_report

    home = ctx.home()
    path = Path(args.model) if args.model else home.current_model_path
    if not path.exists():
        raise AccordError(NO_MODEL if not args.model else "model file not found", path=path if args.model else None)
    print(f"wrote {write_model_report(read_manifest(path), args.output)}")
    return 0


def run_evaluate(args: argparse.Namespace, ctx: Any) -> int:
    home = ctx.home()
    settings = ModelSettings()
    path = Path(args.model) if args.model else home.current_model_path
    if path.exists():
        settings = ModelSettings.from_json(read_manifest(path)["settings"])
    with Catalogue.open(home.catalogue_path) as cat:
        usable = cat.usable_works(MELODY_MODEL_USE)
    if args.folds < 2:
        raise AccordError(f"--folds must be at least 2, not {args.folds}")
    try:
        result = evaluate_works(usable, settings=settings, folds=args.folds, seed=args.seed,
                                progress=lambda f, t="": log.info("%3d%% %s", int(f * 100), t))
    except ValueError as exc:
        raise AccordError(str(exc), hint="import more works and grant consent") from exc
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{result['folds']}-fold cross-validation over {result['works']} works ({result['notes']} notes), "
          f"seed {result['seed']}")
    print(f"  pitch: {result['pitch_bits_per_note']:.3f} bits/note   event (pitch + duration): "
          f"{result['event_bits_per_note']:.3f} bits/note")
    for f in result["per_fold"]:
        print(f"    fold {f['fold']:>2}: pitch {f['pitch_bits_per_note']:.3f}  event {f['event_bits_per_note']:.3f}")
    return 0
