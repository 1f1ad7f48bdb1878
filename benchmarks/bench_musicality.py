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

from app.core.catalogue.importing.midi_import import choose_part, extract_melody  # noqa: E402
from app.core.errors import AccordError  # noqa: E402
from app.core.midifile import read_midi  # noqa: E402
from app.core.model import (  # noqa: E402
    Constraints,
    as_usable_works,
    continue_phrase,
    idyom_benchmark_set,
    train,
)
from app.core.model.style.profile import STUDIO_STYLE  # noqa: E402
from app.core.model.style.sources import part_pitches  # noqa: E402
from app.core.musicality import judge_works  # noqa: E402
from app.core.project.cocreation.song_constraints import lead_pitch_range  # noqa: E402
from benchmarks.debian_data import midi_files  # noqa: E402

OA_TARGET = 0.8
CLASSIFIER_TARGET = 0.65


def _openmsx(*, raw: bool = False) -> list:
    """(name, melody) per song; with raw, (name, melody, the chosen part's notes as imported)."""
    melodies = []
    for path in midi_files("openttd-openmsx"):
        try:
            m = extract_melody(path)
            melodies.append((path.stem, m, choose_part(read_midi(path)).notes) if raw else (path.stem, m))
        except AccordError:
            continue
    return melodies


def _source_copy_rows(songs: list) -> list[dict]:
    """Item 5: suggestions (studio style, k = 8) from a model of all the songs, checked against the parts as
    imported (before merging/quantising) as well as the learned lines; the longest runs against both."""
    works = as_usable_works([(n, m) for n, m, _ in songs], composer="OpenMSX authors")
    model = train(works)
    sources = {w.id: part_pitches(raw) for w, (_, _, raw) in zip(works, songs, strict=True)}
    learned_runs, source_runs = [], []
    for i, w in enumerate(works[:12]):
        m = w.melody
        bq = m.time_signature.bar_quarters
        prime = m.with_notes([n for n in m.notes if n.onset < 2 * bq - 1e-9])
        if len(prime.notes) < 2:
            continue
        c = Constraints(key=m.key, time_signature=m.time_signature, bars=4, start=2 * bq,
                        pitch_range=lead_pitch_range(m))
        try:
            made = continue_phrase(model, prime, c, n=4, seed=i, style=STUDIO_STYLE, sources=sources)
        except AccordError:
            continue
        learned_runs += [s.longest_copied_run["length"] for s in made]
        source_runs += [s.longest_copied_run["source_length"] for s in made]
    if not learned_runs:
        return []
    note = f"{len(learned_runs)} suggestions, studio style, k = 8"
    return [{"metric": "openmsx: longest copied run vs the learned melodies", "value": max(learned_runs),
             "unit": "notes", "target": "<= 8", "ok": max(learned_runs) <= 8, "note": note},
            {"metric": "openmsx: longest copied run vs the parts as imported", "value": max(source_runs),
             "unit": "notes", "target": "<= 8", "ok": max(source_runs) <= 8, "note": note}]


def _judge_both(name: str, works: list, windows: int) -> list[dict]:
    """The judge without the learned style (suggestions as before issue 15) and with the studio's."""
    rows = []
    for label, style in (("plain", None), ("studio style", STUDIO_STYLE)):
        t0 = time.perf_counter()
        report = judge_works(works, folds=5, windows=windows, style=style)
        rows += _rows(f"{name} ({label})", report, time.perf_counter() - t0)
    return rows


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
    top = report.get("giveaways", [])[:4]
    if top:  # what still tells suggestions from real phrases (the classifier's largest weights)
        rows.append({"metric": f"{name}: largest classifier weight", "value": top[0]["feature"], "unit": "",
                     "note": "; ".join(f"{g['feature']} {g['weight']:+.2f} (real {g['real_mean']:.3g}, "
                                       f"suggestions {g['generated_mean']:.3g})" for g in top)})
    importance = report.get("importance", {})
    if importance:  # accuracy without each feature / with it alone (mean of 4 CV draws): what gives it away
        ranked = sorted((k for k in importance if k != "all features"), key=lambda k: importance[k]["without"])
        rows.append({"metric": f"{name}: feature the classifier needs most", "value": ranked[0], "unit": "",
                     "note": f"accuracy, mean of 4 CV draws: all {importance['all features']['without']:.3f}; "
                             + "; ".join(f"without {k} {importance[k]['without']:.3f} (alone "
                                         f"{importance[k]['alone']:.3f})" for k in ranked)})
    rows.append({"metric": f"{name}: judge time", "value": round(seconds, 2), "unit": "s"})
    return rows


def run(quick: bool) -> list[dict]:
    rows: list[dict] = []
    chorales = idyom_benchmark_set()
    if quick:
        chorales = chorales[:60]
    rows += _judge_both("chorales", as_usable_works(chorales), 2)
    songs = _openmsx(raw=True)
    openmsx = [(n, m) for n, m, _ in songs]
    if len(openmsx) < 10:
        rows.append({"metric": "openmsx: judge", "value": "skipped", "unit": "",
                     "note": "Debian package openttd-openmsx could not be fetched (apt-get download)"})
        return rows
    rows += _judge_both("openmsx", as_usable_works(openmsx, composer="OpenMSX authors"), 4 if quick else 8)
    rows += _source_copy_rows(songs)
    return rows
