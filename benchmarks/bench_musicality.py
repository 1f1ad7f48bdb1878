"""Musicality, judged independently of the model (issue 15; Yang & Lerch 2020): held-out catalogue phrases vs
the model's continuations of their primes, per feature (overlapping area, KL divergence, medians) and a
cross-validated classifier that tries to tell them apart (0.5 = indistinguishable).

Sets: the Bach chorale soprano lines BWV 253-438 (IDyOM's set) and a real MIDI catalogue nobody here wrote:
the General-MIDI songs of Debian's `openttd-openmsx` (melody part chosen by Accord's MIDI importer).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.core.catalogue.midi_import import extract_melody  # noqa: E402
from app.core.errors import AccordError  # noqa: E402
from app.core.model import as_usable_works, idyom_benchmark_set  # noqa: E402
from app.core.musicality import judge_works  # noqa: E402
from benchmarks.debian_data import midi_files  # noqa: E402

OA_TARGET = 0.8
CLASSIFIER_TARGET = 0.65


def _openmsx() -> list:
    melodies = []
    for path in midi_files("openttd-openmsx"):
        try:
            melodies.append((path.stem, extract_melody(path)))
        except AccordError:
            continue
    return melodies


def _rows(name: str, report: dict, seconds: float) -> list[dict]:
    rows = [
        {"metric": f"{name}: classifier accuracy (real vs suggestion)", "value": report["classifier_accuracy"],
         "unit": "", "target": f"<= {CLASSIFIER_TARGET}", "ok": report["classifier_accuracy"] <= CLASSIFIER_TARGET,
         "note": f"{report['phrases']} phrase pairs, {report['works']} works, {report['folds']} folds"},
    ]
    for feature, r in report["features"].items():
        medians = (f"; median real {r['real_median']:g} vs suggestions {r['generated_median']:g}"
                   if "real_median" in r else "")
        rows.append({"metric": f"{name}: overlap {feature}", "value": r["overlap_area"], "unit": "",
                     "target": f">= {OA_TARGET}", "ok": r["overlap_area"] >= OA_TARGET,
                     "note": f"KL {r['kl_divergence']:g}{medians}"})
    rows.append({"metric": f"{name}: judge time", "value": round(seconds, 2), "unit": "s"})
    return rows


def run(quick: bool) -> list[dict]:
    rows: list[dict] = []
    chorales = idyom_benchmark_set()
    if quick:
        chorales = chorales[:60]
    t0 = time.perf_counter()
    report = judge_works(as_usable_works(chorales), folds=5, windows=2)
    rows += _rows("chorales", report, time.perf_counter() - t0)
    openmsx = _openmsx()
    if len(openmsx) < 10:
        rows.append({"metric": "openmsx: judge", "value": "skipped", "unit": "",
                     "note": "Debian package openttd-openmsx could not be fetched (apt-get download)"})
        return rows
    t0 = time.perf_counter()
    report = judge_works(as_usable_works(openmsx, composer="OpenMSX authors"), folds=5, windows=4 if quick else 8)
    rows += _rows("openmsx", report, time.perf_counter() - t0)
    return rows
