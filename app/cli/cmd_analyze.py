"""`accord analyze STEM... [--lead STEM] [--role NAME=ROLE] [--json] [--no-cache]`: listen to the stems.

Prints tempo, meter, the first downbeat's offset, the key with its confidence, stem roles, the chord
timeline bar by bar and the lead melody's notes; `--json` prints the whole analysis as one JSON document
(the same data the studio stores in a project). Results are cached by stem content in Accord's home.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from app.core.analysis import AnalysisCache, SongAnalysis, analyze_stems
from app.core.analysis.files import load_stem_inputs, resolve_stem_name
from app.core.analysis.roles import ROLES
from app.core.errors import AnalysisError
from app.core.music import pitch_name


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("analyze", help="tempo, meter, key, chords and lead melody of stems",
                              description="Analyse audio stems: beat grid, key, chords, stem roles, lead melody.")
    p.add_argument("stems", nargs="+", metavar="STEM", help="audio files (WAV, FLAC, AIFF, OGG, MP3)")
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
    print(f"tempo: {g.tempo_bpm:.2f} BPM{tempo_note}  confidence {a.tempo_confidence:.2f}")
    print(f"meter: {g.time_signature}")
    print(f"downbeat offset: {g.offset_seconds:.3f} s")
    print(f"key: {a.key.name + f'  confidence {a.key_confidence:.2f}' if a.key else 'none'}")
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
    analysis = analyze_stems(stems, lead=lead, cache=cache)
    if args.json:
        print(json.dumps(analysis.to_json(), indent=2))
    else:
        print_analysis(analysis)
    return 0
