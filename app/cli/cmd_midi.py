"""`accord midi ports [--json] [--backend jack|platform]`: the MIDI ports Accord can listen to and play to.

JACK when a JACK server is running, else the platform's MIDI system (CoreMIDI, WinMM, ALSA) via python-rtmidi.
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("midi", help="MIDI devices (list ports)", description="MIDI devices.")
    sub = p.add_subparsers(dest="midi_command", metavar="WHAT", required=True)
    ports = sub.add_parser("ports", help="list MIDI inputs and outputs",
                           description="List the MIDI ports Accord can listen to (inputs) and play to (outputs).")
    ports.add_argument("--backend", choices=("jack", "platform"), help="default: JACK when a JACK server is "
                       "running, else the platform's MIDI system")
    ports.add_argument("--json", action="store_true", help='print {"inputs": [...], "outputs": [...]}')
    ports.set_defaults(func=run_ports)


def run_ports(args: argparse.Namespace, ctx: Any) -> int:
    from app.core.audio.readers import quiet_c_stderr
    from app.core.errors import AccordError
    from app.core.live.ports import choose_backend, list_ports

    unavailable = None
    with quiet_c_stderr():  # ALSA prints its own "cannot open /dev/snd/seq" lines; we say it once, plainly
        try:
            backend = choose_backend(args.backend)
            found = list_ports(backend)
            name, label = backend.name, backend.label
        except AccordError as exc:
            if args.backend:  # the user asked for this MIDI system: its absence is the answer
                raise
            unavailable, name, label = str(exc), None, "none"
            found = {"inputs": [], "outputs": []}
    if args.json:
        print(json.dumps({"backend": name, "inputs": found["inputs"], "outputs": found["outputs"],
                          **({"unavailable": unavailable} if unavailable else {})}))
        return 0
    print(f"MIDI system: {label}" + (f" ({unavailable}; Accord works without MIDI)" if unavailable else ""))
    for kind in ("inputs", "outputs"):
        print(f"{kind}:")
        for port in found[kind] or ["(none)"]:
            print(f"  {port}")
    return 0
