"""`accord verify FILE... [--json] [--c2pa]`: check each file's signed provenance record.

Prints per file the status (verified / tampered / invalid-signature / unknown-signer / no-provenance),
the signer and the record in readable form. Exit code 0 only when every file verifies; 1 when one does
not; 2 when a file cannot be read at all.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from app.core.errors import AccordError
from app.core.provenance.identity import TrustList
from app.core.provenance.readable import describe_record
from app.core.provenance.verify import VerifyResult, verify_file


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("verify", help="check the signed provenance of exported files",
                              description="Check each file's Accord provenance record against your trust list.")
    p.add_argument("files", nargs="+", metavar="FILE", help="exported files (audio or MIDI) to check")
    p.add_argument("--json", action="store_true", help="print one JSON document with every result")
    p.add_argument("--c2pa", action="store_true", help="also read the C2PA manifest (WAV, FLAC and MP3 carry one; other "
                   "formats say so)")
    p.add_argument("--no-watermark", action="store_true",
                   help="do not look for the audio watermark when a file's tags hold no record")
    p.set_defaults(func=run)


def _watermark_fallback(args: argparse.Namespace, home: Any) -> Any:
    """verify_file's fallback (records from the export log, read once, only if a file needs them)."""
    if args.no_watermark:
        return None
    from app.core.provenance.watermark.lookup import watermark_fallback

    cache: list[list[dict]] = []

    def records() -> list[dict]:
        if not cache:
            from app.cli.cmd_detect import log_records

            cache.append(log_records(home))
        return cache[0]

    return watermark_fallback(records)


def _print(result: VerifyResult) -> None:
    print(f"{result.path}: {result.status}")
    print(f"  {result.reason}")
    if result.record:
        for line in describe_record(result.record):
            print(f"  {line}")
    if result.consent:
        print(f"  consent: {result.consent['summary']}")
        for problem in result.consent["invalid"]:
            print(f"    {problem}")
    if result.c2pa is not None:
        c = result.c2pa
        print(f"  C2PA: {c.get('state') or 'none'}{' — ' + c['message'] if c.get('message') and not c.get('present') else ''}")


def run(args: argparse.Namespace, ctx: Any) -> int:
    home = ctx.home()
    trust = TrustList.load(home.keys_dir)
    root_path = home.keys_dir / "c2pa" / "root.pem"
    try:
        root_pem = root_path.read_text("ascii") if args.c2pa and root_path.exists() else None
    except (OSError, UnicodeDecodeError) as exc:  # a damaged certificate: one line, not a traceback
        raise AccordError(f"the C2PA root certificate cannot be read ({exc})", path=root_path,
                          hint="recreate it by exporting with --c2pa") from exc
    results: list[dict[str, Any]] = []
    worst = 0
    fallback = _watermark_fallback(args, home)
    for name in args.files:
        try:
            try:
                result = verify_file(name, trust, check_c2pa=args.c2pa, c2pa_root_pem=root_pem,
                                     watermark_fallback=fallback)
            except AccordError:  # e.g. an .m4a: no tags Accord reads, but the sound may carry the mark
                by_mark = fallback(Path(name), trust, None) if fallback is not None and Path(name).is_file() \
                    else None
                if by_mark is None:
                    raise
                result = by_mark
        except AccordError as exc:
            worst = 2
            results.append({"path": name, "status": "error", "reason": str(exc)})
            if not args.json:
                print(f"{name}: error\n  {exc}")
            continue
        if not result.ok:
            worst = max(worst, 1)
        results.append(result.to_json())
        if not args.json:
            _print(result)
    if args.json:
        print(json.dumps({"results": results, "allVerified": worst == 0}, indent=2, sort_keys=True))
    return worst
