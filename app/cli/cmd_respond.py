"""`accord respond (--in PORT --out PORT | --virtual) [--bpm N] [--bars N] [--silence-beats N] [--once] [--json]`.

Call and response, headless: listens on a MIDI input; when the player stops for the silence window, answers
on the output with a continuation of the phrase (the current consented model, in the phrase's key, on the
grid of --bpm), starting on the next bar line, then listens again. Each answer is an ordinary suggestion:
with --json one JSON object per line (notes, times scheduled and sent, credit, longest copied run).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from app.core.errors import AccordError
from app.core.music import TEMPO_MAX, TEMPO_MIN


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("respond", help="live call and response on MIDI ports",
                              description="Listen to a MIDI input and answer each phrase on a MIDI output.")
    p.add_argument("--in", dest="in_port", metavar="PORT", help="input port to listen to (see accord midi ports)")
    p.add_argument("--out", dest="out_port", metavar="PORT", help="output port to answer on")
    p.add_argument("--virtual", action="store_true", help='open ports named "Accord in" and "Accord out" instead')
    p.add_argument("--backend", choices=("jack", "platform"), help="default: JACK when a JACK server runs")
    p.add_argument("--bpm", type=float, default=120.0, help="tempo of the grid (default 120)")
    p.add_argument("--bars", type=int, default=2, help="length of each answer in bars (1..32, default 2)")
    p.add_argument("--silence-beats", type=float, default=4.0, help="pause that ends a phrase (default 4 = a bar)")
    p.add_argument("--grid", default="1/16", help="quantise on record: 1/4, 1/8, 1/16, 1/8t, 1/16t, off")
    p.add_argument("--channel", type=int, default=1, help="MIDI channel of the answers (1..16, default 1)")
    p.add_argument("--seed", type=int, help="random seed (reproducible answers)")
    p.add_argument("--clock-out", action="store_true", help="send MIDI clock on the output (Accord leads)")
    p.add_argument("--follow-clock", action="store_true", help="follow MIDI clock from the input (the DAW leads)")
    p.add_argument("--link", action="store_true", help="join an Ableton Link session on the local network")
    p.add_argument("--once", action="store_true", help="exit after the first answer has been played")
    p.add_argument("--timeout", type=float, metavar="S", help="give up after S seconds (exit 1)")
    p.add_argument("--json", action="store_true", help="print each answer as one JSON line")
    p.set_defaults(func=run)


def _settings(args: argparse.Namespace) -> Any:
    from app.core.live.recorder import GRIDS
    from app.core.live.session import LiveSettings

    if args.virtual and (args.in_port or args.out_port):
        raise AccordError("give --in PORT --out PORT, or --virtual, not both")
    if not args.virtual and not (args.in_port and args.out_port):
        raise AccordError("give both --in PORT and --out PORT, or --virtual (see accord midi ports)")
    if not TEMPO_MIN <= args.bpm <= TEMPO_MAX:
        raise AccordError(f"--bpm {args.bpm:g} is outside {TEMPO_MIN:g}–{TEMPO_MAX:g}")
    if not 1 <= args.bars <= 32:
        raise AccordError(f"--bars {args.bars} is not 1..32")
    if not 0 < args.silence_beats <= 64:
        raise AccordError(f"--silence-beats {args.silence_beats:g} must be above 0 and at most 64")
    if args.grid not in GRIDS:
        raise AccordError(f"--grid {args.grid!r} is not one of {', '.join(GRIDS)}")
    if not 1 <= args.channel <= 16:
        raise AccordError(f"--channel {args.channel} is not 1..16")
    return LiveSettings(tempo_bpm=args.bpm, silence_beats=args.silence_beats, answer_bars=args.bars, grid=args.grid,
                        channel=args.channel - 1, seed=args.seed, clock_out=args.clock_out,
                        follow_clock=args.follow_clock, link=args.link)


def run(args: argparse.Namespace, ctx: Any) -> int:
    from app.core.live.ports import choose_backend
    from app.core.live.responder import load_consented_model
    from app.core.live.session import LiveSession
    from app.core.music import pitch_name

    settings = _settings(args)
    model = load_consented_model(ctx.home())  # before any port opens: no model is one clear line
    backend = choose_backend(args.backend)
    session = LiveSession(settings, model=model, backend=backend, in_port=args.in_port, out_port=args.out_port,
                          virtual=args.virtual)
    session.start()
    deadline = None if args.timeout is None else time.monotonic() + args.timeout
    pending: dict[str, dict] = {}
    try:
        while deadline is None or time.monotonic() < deadline:
            time.sleep(0.02)
            for ev in session.poll_events():
                if ev.kind == "transport" and ev.data.get("state") == "started":
                    print(f"accord: listening on {ev.data['input']}, answering on {ev.data['output']} "
                          f"({backend.label}, {settings.tempo_bpm:g} BPM)", file=sys.stderr, flush=True)
                elif ev.kind == "error":
                    print(f"accord: {ev.data['message']}", file=sys.stderr, flush=True)
                elif ev.kind == "answer":
                    pending[ev.data["suggestion"]["id"]] = ev.data
                    if not args.json:
                        notes = ev.data["suggestion"]["notes"]["notes"]
                        print(f"answer in {ev.data['key']} from beat {ev.data['start_beat']:g}: "
                              + " ".join(pitch_name(n[0]) for n in notes), flush=True)
                elif ev.kind == "answer-sent":
                    answer = pending.pop(ev.data["id"], {})
                    if args.json:
                        s = answer.get("suggestion", {})
                        print(json.dumps({"id": ev.data["id"], "key": answer.get("key"),
                                          "start_beat": answer.get("start_beat"), "notes": s.get("notes"),
                                          "scheduled": ev.data["scheduled"], "sent": ev.data["sent"],
                                          "first_note_late_s": ev.data["first_note_late_s"],
                                          "credit": s.get("credit"), "contributors": s.get("contributors"),
                                          "longest_copied_run": s.get("longest_copied_run"),
                                          "model_id": s.get("model_id"), "phrase": answer.get("phrase")}), flush=True)
                    else:
                        run_ = answer.get("longest_copied_run", {})
                        print(f"  played (first note {ev.data['first_note_late_s'] * 1000:+.1f} ms from its time); "
                              f"longest copied run {run_.get('length')} notes", flush=True)
                    if args.once:
                        return 0
        print("accord: no answer before --timeout", file=sys.stderr)
        return 1
    finally:
        session.stop()
