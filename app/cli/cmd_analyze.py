"""`accord analyze STEM... [--lead STEM] [--role NAME=ROLE] [--json] [--no-cache]`: listen to the stems.

Prints tempo (exact when the music was made on a clock, with the raw fit; the runner-up tempo; a tempo map when it
changes), meter, the first downbeat's offset, the key with its confidence and runner-up, stem roles, the chord
timeline bar by bar (uncertain bars marked) and the lead melody's notes; `--json` prints the whole analysis as one JSON document
(the same data the studio stores in a project). Results are cached by stem content in Accord's home.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from app.cli.stem_args import STEM_HELP, StemPaths
from app.core.analysis.cache import AnalysisCache
from app.core.analysis.files import load_stem_inputs, resolve_stem_name
from app.core.analysis.result import ROLES, SongAnalysis
from app.core.errors import AnalysisError
from app.core.music import pitch_name


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("analyze", help="tempo, meter, key, chords and lead melody of stems",
                              description="Analyse audio stems: beat grid, key, chords, stem roles, lead melody.")
    p.add_argument("stems", nargs="+", metavar="STEM", action=StemPaths, help=STEM_HELP)
    p.add_argument("--lead", metavar="STEM", help="the stem to take the lead melody from (default: guessed)")
    p.add_argument("--role", action="append", default=[], metavar="NAME=ROLE",
                   help=f"set a stem's role ({', '.join(ROLES)}); repeatable")
    p.add_argument("--json", action="store_true", help="print the analysis as JSON")
    p.add_argument("--no-cache", action="store_true", help="ignore and don't write the analysis cache")
    p.set_defaults(func=run)


def _roles(items: list[str], paths: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        name, sep, role = item.partition("=")
        if not sep or role not in ROLES:
            raise AnalysisError(f"--role {item!r}: expected NAME=ROLE with ROLE one of {', '.join(ROLES)}")
        out[resolve_stem_name(name, paths)] = role
    return out


def _position(quarters: float, bar_q: float) -> str:
    bar = int(quarters // bar_q)
    beat = quarters - bar * bar_q
    return f"{bar + 1}.{beat + 1:.2f}"


def print_analysis(a: SongAnalysis) -> None:
    g = a.grid
    tempo_note = "" if a.tempo_determined else " (not determined: default)"
    # snapped: a whole or half BPM that the fit is not (the shown tempo is otherwise the fit, to 3 decimals)
    exact = bool(a.tempo_determined and a.tempo_fit_bpm and abs(a.tempo_fit_bpm - g.tempo_bpm) > 5e-4
                 and g.tempo_bpm * 2 == round(g.tempo_bpm * 2) and not g.follows_tempo)
    fit_note = f"  (fit {a.tempo_fit_bpm:.3f}, snapped to an exact BPM)" if exact else ""
    shown = f"{g.tempo_bpm:.3f}" if exact or g.tempo_bpm == round(g.tempo_bpm) else f"{g.tempo_bpm:.2f}"
    print(f"tempo: {shown} BPM{tempo_note}{fit_note}  confidence {a.tempo_confidence:.2f}")
    if a.tempo_determined and a.tempo_runner_up_bpm > 0:
        # half, double and 3:2 are the commonest misreadings: the next reading, which the studio offers in one click
        print(f"runner-up tempo: {a.tempo_runner_up_bpm:g} BPM ({a.tempo_runner_up_bpm / g.tempo_bpm:.3g}×)")
    if g.follows_tempo:
        low, high = g.tempo_range()
        print(f"played without a click: the grid follows the song's beats ({low:.1f}–{high:.1f} BPM; "
              f"{len(g.anchors)} beats)")
    if a.tempo_map:
        print("tempo map: " + ", ".join(f"{t:.1f} s {b:.1f}" for t, b in a.tempo_map))
    print(f"meter: {g.time_signature}")
    print(f"downbeat offset: {g.offset_seconds:.3f} s")
    # "D major (0.71; B minor 0.22)": the confidence and the runner-up, so a wrong guess is one look away
    print(f"key: {a.key_text}")
    for s in a.key_sections:
        bar_q = g.time_signature.bar_quarters
        print(f"  bars {int(s.start // bar_q) + 1}-{int(s.end // bar_q)}: {s.key.name} ({s.confidence:.2f})")
    print("roles: " + ", ".join(f"{n}={r} ({a.role_sources.get(n, '?')})" for n, r in a.roles.items()))
    bar_q = g.time_signature.bar_quarters
    print("chords:" + ("" if len(a.chords) else " none"))
    n_bars = int(-(-a.chords.spans[-1].end // bar_q)) if len(a.chords) else 0
    for bar in range(n_bars):
        lo, hi = bar * bar_q, (bar + 1) * bar_q
        symbols = [s.chord.symbol for s in a.chords if s.start < hi - 1e-9 and s.end > lo + 1e-9]
        confs = [c for s, c in zip(a.chords, a.chord_confidences, strict=False)
                 if s.start < hi - 1e-9 and s.end > lo + 1e-9]
        if confs and min(confs) < 0.5:  # say where the chords are a guess
            symbols.append(f"(?{min(confs):.2f})")
        print(f"  bar {bar + 1:>3}: {' '.join(symbols)}")
    if a.melody is None:
        print("lead melody: none")
    else:
        print(f"lead melody ({a.lead}): {len(a.melody)} notes")
        for n in a.melody.notes:
            print(f"  {_position(n.onset, bar_q):>8}  {pitch_name(n.pitch, a.key):<4} {n.duration:g}")
    for note in a.notes:
        print(f"note: {note}")


def run(args: argparse.Namespace, ctx: Any) -> int:
    paths = list(args.stems)
    roles = _roles(args.role, paths)
    lead = resolve_stem_name(args.lead, paths) if args.lead else None
    stems = load_stem_inputs(paths, roles=roles)
    cache = None if args.no_cache else AnalysisCache.in_home(ctx.home())
    from app.core.analysis.pipeline import analyze_stems  # the estimators load here, not for --help

    analysis = analyze_stems(stems, lead=lead, cache=cache)
    if args.json:
        print(json.dumps(analysis.to_json(), indent=2))
    else:
        print_analysis(analysis)
    return 0
