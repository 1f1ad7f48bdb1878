"""`accord catalogue parts`: which part or transcription a work's melody comes from, and choosing another.

    accord catalogue parts WORK_ID [--json]            the candidates, the one in use marked
    accord catalogue parts WORK_ID --use N [--json]    make candidate N the work's melody
    accord catalogue parts FILE.mid [--json]           a MIDI file's parts before importing it

For a MIDI work the candidates are the file's parts (track and channel; the drum channel is never one),
best first, with the reason a part is not the default (bass, short, percussive). For an audio work they
are the transcriptions (basic-pitch's lead line, pYIN's pitch track). Choosing re-reads the imported file,
which must still be where it was and unchanged.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from app.core import analysis  # the ears load on first use: `catalogue list` never hears anything
from app.core.catalogue import Catalogue
from app.core.catalogue.importing.melody_source import NoAlternatives, melody_candidates, use_candidate
from app.core.catalogue.importing.midi_import import choose
from app.core.errors import CatalogueError
from app.core.midifile import read_midi

EXIT_OK = 0


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def _file_parts(args) -> int:
    choice = choose(read_midi(args.target))
    rows = choice.candidates
    if args.json:
        _print_json({"file": args.target, "candidates": [{"index": i, **c.to_json()} for i, c in enumerate(rows)],
                     "chosen": 0, "warnings": list(choice.warnings)})
        return EXIT_OK
    print(f"{'#':>3} {'track':>5} {'channel':>7} {'notes':>5} {'pitch':>5} {'score':>6}  name")
    for i, c in enumerate(rows):
        mark = "   <- chosen by default" if i == 0 else (f"   ({c.excluded} part)" if c.excluded else "")
        print(f"{i:>3} {c.track:>5} {c.channel + 1:>7} {c.notes:>5} {c.mean_pitch:>5.0f} {c.score:>6.2f}  "
              f"{c.name or '-'}{mark}")
    for w in choice.warnings:
        print(f"warning: {w}", file=sys.stderr)
    return EXIT_OK


def _progress(enabled: bool):
    def report(fraction: float, text: str = "") -> None:
        if enabled:
            print(f"\r{fraction * 100:5.1f} % {text[:60]:<60}", end="", file=sys.stderr, flush=True)
    return report


def work_number(text: str) -> int:
    """argparse type of a work's number. SQLite ids stop at 2**63 - 1: binding a larger one raised
    OverflowError (a traceback from `accord catalogue show 99999999999999999999`)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a work number (see `accord catalogue list`)") from None
    if not 1 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"{text} is not a work number (see `accord catalogue list`)")
    return value


def _parts(args, ctx) -> int:
    if not args.target.isdigit():
        if args.use is not None:
            raise CatalogueError("--use needs a work id (import the file first: `accord catalogue add FILE`)")
        return _file_parts(args)
    try:
        work_id = work_number(args.target)
    except argparse.ArgumentTypeError as exc:
        raise CatalogueError(str(exc)) from None
    with Catalogue.open(ctx.home().catalogue_path) as cat:
        if args.use is not None:
            cand, choice, melody = use_candidate(cat, work_id, args.use, ears=analysis.whole_mix_reading,
                                                 progress=_progress(sys.stderr.isatty() and not args.json))
            if sys.stderr.isatty() and not args.json:
                print(file=sys.stderr)
            if args.json:
                _print_json({"work": work_id, "chosen": cand.to_json(), "notes": len(melody.notes),
                             "melody_sha256": choice.melody_sha256, "source_detail": choice.label})
            else:
                print(f"work {work_id}: melody now from {cand.label} ({len(melody.notes)} notes)")
                print(f"  {choice.label}")
            return EXIT_OK
        try:
            cands = melody_candidates(cat, work_id)
        except NoAlternatives as exc:  # a fact about the work, not bad input: say it, with nothing to list
            if args.json:
                _print_json({"work": work_id, "candidates": [], "fixed": exc.reason})
            else:
                print(exc.reason)
            return EXIT_OK
    if args.json:
        _print_json({"work": work_id, "candidates": [c.to_json() for c in cands]})
        return EXIT_OK
    print(f"{'#':>3}  {'notes':>5} {'score':>6}  source")
    for c in cands:
        notes = "-" if c.notes is None else str(c.notes)
        score = "-" if c.score is None else f"{c.score:.2f}"
        extra = "   <- in use" if c.current else (f"   ({c.note})" if c.note else "")
        print(f"{c.index:>3}  {notes:>5} {score:>6}  {c.label}{extra}")
    print(f"choose another with: accord catalogue parts {work_id} --use N")
    return EXIT_OK


def add_parts_command(cmd) -> None:
    """Register `parts` with cmd_catalogue's sub-command helper `cmd(name, func, help)`."""
    parts = cmd("parts", _parts, "show which part or transcription a work's melody comes from; pick another")
    parts.add_argument("target", metavar="WORK_ID|FILE.mid",
                       help="a work id (its candidates) or a MIDI file (its parts, before importing)")
    parts.add_argument("--use", type=int, metavar="N", help="make candidate N the work's melody")
