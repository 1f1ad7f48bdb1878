"""`accord detect FILE... [--json] [--record R] [--no-speed-search]`: look for Accord's audio watermark.

For each file: whether a watermark of a key in your trust list is present, its 64-bit id, a confidence,
and — when your export log (or the record given with --record) holds the record with that id — who
signed it and what it says. Works on any audio ffmpeg or soundfile can decode (MP3, AAC, OGG, ...),
with or without tags. Exit code 0 when every file carries a mark, 1 when one does not, 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from app.core.errors import AccordError


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("detect", help="look for Accord's audio watermark (survives tag stripping, MP3...)",
                              description="Find the keyed audio watermark of a trusted signer and the record it names.")
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="audio files of any format ffmpeg or soundfile decodes (MP3, AAC, OGG, WAV, FLAC…)")
    p.add_argument("--json", action="store_true", help="print one JSON document with every result")
    p.add_argument("--record", action="append", default=[], metavar="R",
                   help="a record to match (a JSON file, or a file Accord exported with its record); repeatable")
    p.add_argument("--no-speed-search", action="store_true", help="skip the +-3.5 %% speed search (faster)")
    p.set_defaults(func=run)


def log_records(home: Any) -> list[dict]:
    """Records in this machine's export log that name a watermark ([] when there is no catalogue)."""
    from app.core.provenance.watermark.lookup import records_from_log

    if not Path(home.catalogue_path).exists():
        return []
    from app.core.catalogue.store import Catalogue

    catalogue = Catalogue.open(home.catalogue_path)
    try:
        return records_from_log(catalogue)
    finally:
        catalogue.close()


def _print(report: Any) -> None:
    from app.core.provenance.readable import describe_record

    print(f"{report.path}: {'watermark found' if report.present else 'no watermark'}")
    if report.detection is not None:
        d = report.detection
        print(f"  id {d.wm_hex} (key {d.key_id}), confidence {d.confidence:.9f}, bits read right before "
              f"correction {d.agreement:.0%}, speed {d.speed:.4f}, at {d.at_s:.1f} s")
    print(f"  {report.message}")
    if report.record:
        for line in describe_record(report.record):
            print(f"  {line}")


def run(args: argparse.Namespace, ctx: Any) -> int:
    from app.core.provenance.identity import TrustList
    from app.core.provenance.watermark.lookup import inspect_file, record_from_file

    home = ctx.home()
    trust = TrustList.load(home.keys_dir)
    records = [record_from_file(r) for r in args.record] + log_records(home)
    worst = 0
    out: list[dict] = []
    for name in args.files:
        try:
            report = inspect_file(name, trust, records, speed_search=not args.no_speed_search)
        except AccordError as exc:
            worst = 2
            out.append({"path": name, "present": None, "error": str(exc)})
            if not args.json:
                print(f"{name}: error\n  {exc}")
            continue
        if not report.present:
            worst = max(worst, 1)
        out.append(report.to_json())
        if not args.json:
            _print(report)
    if args.json:
        print(json.dumps({"results": out}, indent=2, sort_keys=True))
    return worst
