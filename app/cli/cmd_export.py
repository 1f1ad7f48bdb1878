"""`accord export PROJECT [--what mix|stems|suggestion ID] [--format F] -o OUT [--c2pa] [--model FILE]
[--without SUGGESTION_ID]`.

Every exported file carries the signed provenance record (created with your identity, made on first
use) and is logged in the catalogue's export log; files that credit training works get a credit
statement (HTML + CSV) beside them (`NAME.EXT.credits.html/.csv`). Each credited work's consent is re-checked
at the moment of signing: a kept suggestion crediting a work that is no longer usable stops the export with
the suggestion and work named (regenerate it, or leave it out with --without).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from app.cli.identity_prompt import signing_identity
from app.core.errors import AccordError, ProvenanceError
from app.core.project.export.files import EXPORT_FORMATS
from app.core.project.export.project import export_project

_EXT_FORMAT = {".wav": "wav24", ".flac": "flac", ".aif": "aiff", ".aiff": "aiff", ".mp3": "mp3", ".ogg": "ogg",
               ".mid": "midi", ".midi": "midi"}


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("export", help="export the mix, stems or a suggestion with signed provenance",
                              description="Export with a signed provenance record embedded in every file.")
    p.add_argument("project", metavar="PROJECT", help="an Accord project file")
    p.add_argument("--what", nargs="+", default=["mix"], metavar="WHAT",
                   help="mix (default) | stems | suggestion ID")
    p.add_argument("--format", choices=EXPORT_FORMATS, default=None,
                   help="wav (24-bit), wav16, wav24, wav32f, flac, aiff, mp3, ogg, midi (default: from -o, else wav24)")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="output file (mix/suggestion) or folder")
    p.add_argument("--c2pa", action="store_true", help="add a C2PA manifest too (WAV, FLAC, MP3 only; for AIFF, "
                   "OGG and MIDI it is skipped, with a warning, and the Accord record alone is embedded)")
    p.add_argument("--model", metavar="FILE", help="model file whose training works the record lists "
                   "(default: the current model, when the suggestions came from it)")
    p.add_argument("--no-statement", action="store_true", help="do not write credit statements")
    p.add_argument("--without", action="append", default=[], metavar="SUGGESTION_ID",
                   help="leave this kept suggestion out (e.g. one crediting a work whose consent was revoked)")
    p.add_argument("--skip-missing", action="store_true", help="export even when stem files of the project are "
                   "missing, leaving them out of the mix (as the studio plays it); without it, that is an error")
    p.add_argument("--no-watermark", action="store_true", help="export audio without the keyed watermark")
    p.add_argument("--watermark-strength", type=float, default=None, metavar="DB",
                   help="watermark strength in dB, 0.1-3 (default 0.5; higher survives more, is less hidden)")
    p.set_defaults(func=run)


def _what(values: list[str]) -> tuple[str, str | None]:
    if values[0] in ("mix", "stems") and len(values) == 1:
        return values[0], None
    if values[0] == "suggestion" and len(values) == 2:
        return "suggestion", values[1]
    raise AccordError(f"--what {' '.join(values)}: expected 'mix', 'stems' or 'suggestion ID'")


def _manifest(args: argparse.Namespace, home: Any) -> Any:
    from app.core.provenance.model_manifest import load_model_manifest

    if args.model:
        return load_model_manifest(Path(args.model), required=True)
    return load_model_manifest(home.current_model_path, required=False)


def _interrupt_on_sigterm() -> None:
    """A terminated export unwinds like Ctrl-C, so its temp file is removed (no `.accord-tmp-*` left)."""
    import signal
    import threading

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, stop)


def run(args: argparse.Namespace, ctx: Any) -> int:
    from app.core.project.store import load_project

    _interrupt_on_sigterm()

    what, suggestion_id = _what(args.what)
    out = Path(args.output)
    fmt = args.format or _EXT_FORMAT.get(out.suffix.lower(), "wav24")
    if out.suffix and what != "stems" and _EXT_FORMAT.get(out.suffix.lower()) not in (None, fmt) and not (
            fmt.startswith("wav") and out.suffix.lower() == ".wav"):
        raise AccordError(f"-o {out.name} does not match --format {fmt}")
    home = ctx.home()
    project = load_project(args.project)
    identity = signing_identity(home)
    manifest = _manifest(args, home)
    from app.core.catalogue.store import Catalogue

    # consent is re-checked against it at signing; the export log lives there too
    catalogue = Catalogue.open(home.catalogue_path, identity=identity)
    try:
        results = export_project(project, what=what, suggestion_id=suggestion_id, format=fmt, out=out,
                                 identity=identity, catalogue=catalogue, model_manifest=manifest,
                                 c2pa_keys_dir=home.keys_dir if args.c2pa else None,
                                 statements=not args.no_statement, without=args.without,
                                 watermark=not args.no_watermark, watermark_strength_db=args.watermark_strength,
                                 refuse_missing_stems=not args.skip_missing)
    finally:
        catalogue.close()
    if not results:
        raise ProvenanceError("nothing to export", hint="the project has no stems or suggestion tracks")
    for r in results:
        shares = ", ".join(f"{s['name']} {s['bp'] / 100:.2f}%" for s in r.record.get("contributorShares") or [])
        extra = " +C2PA" if r.c2pa else ""
        print(f"wrote {r.path}{extra} (signed by {r.record['signer']['name']}"
              f"{'; credit: ' + shares if shares else ''})")
    if args.c2pa and any(not r.c2pa for r in results):
        print(f"accord: C2PA skipped for {fmt.upper()} (C2PA is supported for WAV, FLAC and MP3); the signed Accord "
              "record is embedded all the same", file=sys.stderr)
    if not all(r.logged for r in results):
        print("warning: the catalogue's export log could not be written (see above)", file=sys.stderr)
    return 0
