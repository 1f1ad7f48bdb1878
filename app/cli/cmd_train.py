"""`accord train [-o MODEL] [--json]`: (re)train the melody model on the catalogue's usable works.

Only `Catalogue.usable_works()` feeds training. An existing model is updated in place of retraining when it
can be read: works no longer usable are forgotten (exact count subtraction), new ones added; the result is
the same model as training from scratch on the usable works (same fingerprint).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from app.core.catalogue.store import Catalogue
from app.core.catalogue.types import MELODY_MODEL_USE
from app.core.errors import AccordError
from app.core.project.model_training import train_usable

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("train", help="train the melody model on the usable (consented) works",
                              description="Train or update the melody model on the catalogue's usable works.")
    p.add_argument("-o", "--output", metavar="MODEL", help="model file (default: the home's current model)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def _progress(fraction: float, text: str = "") -> None:
    """Progress with the time left: one updating line on a terminal (stderr), log lines otherwise.
    Ctrl-C cancels: the model file is written atomically at the end, so nothing changes."""
    if sys.stderr.isatty():
        end = "\n" if fraction >= 1.0 else ""
        print(f"\r\033[K{int(fraction * 100):3d}% {text}", end=end, file=sys.stderr, flush=True)
    else:
        log.info("%3d%% %s", int(fraction * 100), text)


def _waiting(catalogue_path: Path) -> tuple[int, dict[str, list[int]]]:
    """(usable works, {contributor: [works waiting for their consent]}) from the catalogue."""
    waiting: dict[str, list[int]] = {}
    usable = 0
    with Catalogue.open(catalogue_path) as cat:
        for w in cat.works(MELODY_MODEL_USE):
            usable += w.state.usable
            for name in w.state.pending if w.state.state == "pending" else ():
                waiting.setdefault(name, []).append(w.id)
    return usable, waiting


def _who(waiting: dict[str, list[int]]) -> str:
    return "; ".join(f"{name} on work{'s' if len(ids) > 1 else ''} {', '.join(map(str, ids))}"
                     for name, ids in waiting.items())


def run(args: argparse.Namespace, ctx: Any) -> int:
    home = ctx.home()
    out = Path(args.output) if args.output else home.current_model_path
    usable, waiting = _waiting(home.catalogue_path)
    if not usable and waiting:  # say exactly who the training waits for
        first = next(iter(waiting))
        raise AccordError(f"no usable works to train on: consent is pending from {_who(waiting)}",
                          hint=f"when they agree: accord catalogue consent {' '.join(map(str, waiting[first]))} "
                               f"--grant --contributor \"{first}\"")
    outcome = train_usable(home.catalogue_path, out, progress=_progress)
    model, action, removed, added = outcome.model, outcome.action, outcome.removed, outcome.added
    works = [{"id": w.id, "title": w.title} for w in sorted(model.works.values(), key=lambda w: w.id)]
    result = {"model": str(out), "action": action, "model_id": model.model_id, "version": model.version,
              "fingerprint": model.fingerprint, "works": works, "removed": removed, "added": added,
              "pending": waiting}
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{action} {out} (model {model.model_id}, version {model.version}) on {len(model.works)} works")
    for w in works:
        print(f"  {w['id']:>5}  {w['title']}")
    if removed:
        print(f"forgot works: {', '.join(map(str, removed))}")
    if added and action == "updated":
        print(f"learned works: {', '.join(map(str, added))}")
    if not model.works:
        print("the model is now empty: no work is usable")
    if waiting:
        print(f"not used until they consent: {_who(waiting)}")
    print(f"fingerprint {model.fingerprint}")
    return 0
