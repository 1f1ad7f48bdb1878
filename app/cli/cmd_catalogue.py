"""`accord catalogue`: the consented catalogue from the command line (every command has --json).

    accord catalogue add PATH... [--title T] [--contributor "NAME:ROLE:SHARE_PERCENT"]...
    accord catalogue list [--state usable|pending|revoked]
    accord catalogue show WORK_ID
    accord catalogue consent WORK_ID... --grant|--revoke [--contributor NAME] [--note TEXT]
    accord catalogue consent --import REPLY.accordconsent   (contributor-signed statements)
    accord catalogue contributors WORK_ID --contributor "NAME:ROLE:SHARE_PERCENT"...
    accord catalogue edit WORK_ID [--title T] [--isrc CODE] [--iswc CODE] [--year YYYY] [--notes TEXT]
    accord catalogue parts WORK_ID|FILE.mid [--use N]
    accord catalogue remove WORK_ID
    accord catalogue audit
    accord catalogue repair
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from app.cli.cmd_catalogue_parts import add_parts_command, work_number
from app.core import analysis  # the ears load on first use: `catalogue list` never hears anything
from app.core.catalogue import MELODY_MODEL_USE, Catalogue
from app.core.catalogue.records import STATES
from app.core.catalogue.splits import bp_to_percent, parse_contributor
from app.core.errors import CatalogueError

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def _open(ctx) -> Catalogue:
    home = ctx.home()
    return Catalogue.open(home.catalogue_path, keys_dir=home.keys_dir)


def _splits(contributors) -> str:
    return ", ".join(f"{c.name} ({c.role}, {bp_to_percent(c.split_bp)} %)" for c in contributors)


def _progress_printer(enabled: bool):
    def report(fraction: float, text: str = "") -> None:
        if enabled:
            print(f"\r{fraction * 100:5.1f} % {text[:60]:<60}", end="", file=sys.stderr, flush=True)
    return report


def _add(args, ctx) -> int:
    contributors = [parse_contributor(s) for s in args.contributor] or None
    channel = None if args.channel is None else args.channel - 1
    if channel is not None and not 0 <= channel <= 15:
        raise CatalogueError(f"--channel {args.channel}: MIDI channels are 1–16")
    with _open(ctx) as cat:
        result = cat.import_files(args.paths, contributors=contributors, title=args.title, track=args.track,
                                  channel=channel, transcriber=args.transcriber, ears=analysis.whole_mix_reading,
                                  progress=_progress_printer(sys.stderr.isatty() and not args.json))
    if sys.stderr.isatty() and not args.json:
        print(file=sys.stderr)
    if args.json:
        _print_json({"works": [{"id": w.id, "title": w.title, "path": w.path} for w in result.added],
                     "duplicates": [{"path": str(p), "id": i} for p, i in result.duplicates],
                     "failed": [{"path": str(p.path), "reason": p.reason} for p in result.failed]})
    else:
        for w in result.added:
            print(f"{w.id:>5}  {w.title}  ({w.kind}, {w.note_count} notes)  {w.path}")
        if not result.added:
            print("no new works")
    for path, work_id in result.duplicates:
        print(f"accord: {path.name}: already in the catalogue as work {work_id}; not added again", file=sys.stderr)
    for problem in result.failed:
        print(f"accord: {problem.reason}", file=sys.stderr)
    return EXIT_BAD_INPUT if result.failed else EXIT_OK


def _list(args, ctx) -> int:
    with _open(ctx) as cat:
        works = cat.works(args.use)
        audit = cat.audit()
    if not audit.ok:
        print(f"accord: the catalogue FAILS its audit ({audit.reason}); no work is usable until it is restored "
              "(see `accord catalogue audit`)", file=sys.stderr)
    if args.state:
        works = [w for w in works if w.state.state == args.state]
    if args.json:
        _print_json([w.to_json() for w in works])
        return EXIT_OK
    if not works:
        print("the catalogue is empty" if not args.state else f"no {args.state} works")
        return EXIT_OK
    width = min(40, max(len(w.title) for w in works))
    print(f"{'id':>5}  {'title':<{width}}  {'kind':<8} {'notes':>5}  state")
    for w in works:
        print(f"{w.id:>5}  {w.title[:width]:<{width}}  {w.kind:<8} {w.note_count:>5}  {w.state.label}")
    return EXIT_OK


def _show(args, ctx) -> int:
    with _open(ctx) as cat:
        d = cat.work(args.work_id, args.use)
    if args.json:
        _print_json(d.to_json())
        return EXIT_OK
    s = d.summary
    rows = [("id", s.id), ("title", s.title), ("kind", s.kind), ("file", s.path), ("sha256", s.sha256),
            ("source", d.source_detail), ("notes", s.note_count), ("key", d.key or "unknown"),
            ("time signature", d.time_signature), ("tempo", f"{d.tempo_bpm:g} BPM" if d.tempo_bpm else "unknown"),
            ("ISRC", d.isrc or "-"), ("ISWC", d.iswc or "-"), ("year", d.year or "-"), ("added", d.added_at),
            ("contributors", _splits(s.contributors)), (f"consent ({args.use})", s.state.label)]
    for label, value in rows:
        print(f"{label + ':':<24}{value}")
    print("consent history:" if d.history else "consent history: none yet")
    for e in d.history:
        note = f" — {e.note}" if e.note else ""
        print(f"  #{e.id} {e.recorded_at}  {e.action:<6} {e.contributor} ({e.use}), recorded by {e.recorded_by}"
              f"{note}  [{e.entry_hash[:12]}]")
    return EXIT_OK


def _import_reply(args, ctx) -> int:
    if args.work_ids or args.grant or args.revoke or args.contributor:
        raise CatalogueError("--import takes only the reply file: the works and decisions are in its statements")
    with _open(ctx) as cat:
        done = cat.import_consent_reply(args.import_file, use=args.use, recorded_by=args.by)
        states = {d.work_id: cat.work_state(d.work_id, args.use) for d in done}
    if args.json:
        _print_json({"imported": [{"work_id": d.work_id, "title": d.title, "contributor": d.contributor,
                                   "decision": d.decision, "key_id": d.key_id,
                                   "entry_id": d.entry.entry_id if d.entry else None} for d in done],
                     "works": [{"id": w, **s.to_json()} for w, s in states.items()]})
        return EXIT_OK
    for d in done:
        what = f"#{d.entry.entry_id}" if d.entry else "already recorded"
        print(f"{what} work {d.work_id} ({d.title}): {d.decision} signed by {d.contributor} (key {d.key_id[:16]}…)")
    for w, st in states.items():
        print(f"work {w}: {st.label}")
    return EXIT_OK


def _consent(args, ctx) -> int:
    if args.import_file:
        return _import_reply(args, ctx)
    if not args.work_ids or not (args.grant or args.revoke):
        raise CatalogueError("give WORK_ID... with --grant or --revoke (or --import REPLY)")
    action = "grant" if args.grant else "revoke"
    with _open(ctx) as cat:
        refs = cat.record_consent_many(args.work_ids, action, contributor=args.contributor, use=args.use,
                                       recorded_by=args.by, note=args.note or "")
        owner = {e.id: e.work_id for w in dict.fromkeys(args.work_ids) for e in cat.consent_history(w)}
        states = {w: cat.work_state(w, args.use) for w in dict.fromkeys(args.work_ids)}
    if args.json:
        _print_json({"entries": [{"id": r.entry_id, "work_id": owner.get(r.entry_id), "contributor": r.contributor,
                                  "action": r.action, "use": r.use, "recorded_at": r.recorded_at,
                                  "entry_hash": r.entry_hash} for r in refs],
                     "works": [{"id": w, **s.to_json()} for w, s in states.items()]})
        return EXIT_OK
    for r in refs:
        print(f"#{r.entry_id} work {owner.get(r.entry_id)}: {r.action} by {r.contributor} ({r.use})")
    for w, s in states.items():
        print(f"work {w}: {s.label}")
    return EXIT_OK


def _contributors(args, ctx) -> int:
    shares = [parse_contributor(s) for s in args.contributor]
    with _open(ctx) as cat:
        cat.set_contributors(args.work_id, shares)
        d = cat.work(args.work_id, args.use)
    if args.json:
        _print_json(d.summary.to_json())
    else:
        print(f"work {d.id}: {_splits(d.summary.contributors)}; consent: {d.summary.state.label}")
    return EXIT_OK


def _edit(args, ctx) -> int:
    with _open(ctx) as cat:
        cat.update_work(args.work_id, title=args.title, isrc=args.isrc, iswc=args.iswc, year=args.year,
                        notes_text=args.notes)
        d = cat.work(args.work_id)
    if args.json:
        _print_json(d.to_json())
    else:
        print(f"work {d.id}: {d.summary.title}; ISRC {d.isrc or '-'}, ISWC {d.iswc or '-'}, year {d.year or '-'}")
    return EXIT_OK


def _remove(args, ctx) -> int:
    with _open(ctx) as cat:
        title = cat.work(args.work_id).summary.title
        cat.remove_work(args.work_id)
    if args.json:
        _print_json({"removed": args.work_id, "title": title})
    else:
        print(f"removed work {args.work_id} ({title}); its consent history is kept")
    return EXIT_OK


def _audit(args, ctx) -> int:
    from app.core.catalogue.store import RECOVERY_HINT

    with _open(ctx) as cat:
        result = cat.audit()
    if args.json:
        _print_json(result.to_json())
    elif result.ok:
        print(f"ledger ok: {result.entries_checked} entries, hash chain intact; {result.facts_checked} facts entries "
              "match every work; chain heads match the signed head file")
    else:
        where = f" at entry {result.broken_entry_id}" if result.broken_entry_id is not None else ""
        work = f" (work {result.work_id})" if result.work_id is not None else ""
        print(f"catalogue BROKEN{where}{work}: {result.reason}")
        print(f"to recover: {RECOVERY_HINT}")
    return EXIT_OK if result.ok else EXIT_FAILED


def _repair(args, ctx) -> int:
    with _open(ctx) as cat:
        notes = cat.repair(recorded_by=args.by)
        ok = cat.audit().ok
    if args.json:
        _print_json({"changes": notes, "ok": ok})
    else:
        print("\n".join(notes) if notes else "the catalogue passes its audit; nothing to repair")
    return EXIT_OK if ok else EXIT_FAILED


def register(subparsers) -> None:
    p = subparsers.add_parser("catalogue", help="manage the consented catalogue of works",
                              description="The works Accord may learn from, their contributors, splits and "
                                          "consent. Exit codes: 0 ok, 1 audit found a broken ledger, 2 bad input.")
    sub = p.add_subparsers(dest="catalogue_command", metavar="ACTION", required=True, parser_class=type(p))

    def cmd(name: str, func, help_text: str, **kw) -> argparse.ArgumentParser:
        c = sub.add_parser(name, help=help_text, description=help_text, **kw)
        c.add_argument("--json", action="store_true", help="machine-readable output")
        c.set_defaults(func=func)
        return c

    add = cmd("add", _add, "import MIDI, MusicXML or audio files (folders recurse) as new works",
              epilog="When some files cannot be imported, the good ones are still added, each bad one is "
                     "reported on stderr, and the exit code is 2. A file already in the catalogue (same "
                     "content) is not added again.")
    add.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (MIDI, MusicXML, WAV, FLAC, ...)")
    add.add_argument("--title", help="title (default: the file name without extension; with several files "
                                     "it prefixes each file name)")
    add.add_argument("--contributor", action="append", default=[], metavar="NAME:ROLE:SHARE_PERCENT",
                     help="repeat for each contributor; shares in percent must sum to 100 (default: you, as "
                          "composer, 100 %%). Roles: composer, lyricist, performer, producer, arranger, other")
    add.add_argument("--track", type=int, help="MIDI: take the melody from this track (see `parts`)")
    add.add_argument("--channel", type=int, help="MIDI: take the melody from this channel (1–16)")
    add.add_argument("--transcriber", default="auto", choices=("auto", "pyin", "basic-pitch"),
                     help="audio: transcription backend (auto: basic-pitch if installed, else pYIN)")

    ls = cmd("list", _list, "list works with their consent state")
    ls.add_argument("--state", choices=STATES, help="only works in this state")

    show = cmd("show", _show, "show everything about a work, including its consent history")
    show.add_argument("work_id", type=work_number, metavar="WORK_ID", help="the work's number (see `accord catalogue list`)")

    consent = cmd("consent", _consent, "record consent (grant or revoke) for one or more works, or import a "
                  "contributor's signed reply (--import)")
    consent.add_argument("work_ids", nargs="*", type=work_number, metavar="WORK_ID", help="one or more work numbers")
    consent.add_argument("--import", dest="import_file", metavar="REPLY",
                         help="a reply from `accord consent sign`: every signature is checked and each statement "
                              "must name the work's current content; recorded as signed consent")
    which = consent.add_mutually_exclusive_group()
    which.add_argument("--grant", action="store_true", help="the contributor(s) allow the use")
    which.add_argument("--revoke", action="store_true", help="the contributor(s) withdraw consent")
    consent.add_argument("--contributor", metavar="NAME", help="only this contributor (default: all of the "
                                                                "work's contributors)")
    consent.add_argument("--note", help="why, where the consent was given (kept in the ledger)")
    consent.add_argument("--by", metavar="NAME", help="who records this (default: your user name)")

    contributors = cmd("contributors", _contributors, "replace a work's contributors and splits")
    contributors.add_argument("work_id", type=work_number, metavar="WORK_ID", help="the work's number (see `accord catalogue list`)")
    contributors.add_argument("--contributor", action="append", required=True, metavar="NAME:ROLE:SHARE_PERCENT",
                              help="repeat for each contributor; shares must sum to 100. Consent is kept per name")

    edit = cmd("edit", _edit, "change a work's title, ISRC, ISWC, year or notes")
    edit.add_argument("work_id", type=work_number, metavar="WORK_ID", help="the work's number (see `accord catalogue list`)")
    edit.add_argument("--title", help="the new title")
    edit.add_argument("--isrc", help="e.g. US-RC1-76-07839 (empty clears it)")
    edit.add_argument("--iswc", help="e.g. T-034.524.680-1 (empty clears it)")
    edit.add_argument("--year", type=int, help="year of creation or release")
    edit.add_argument("--notes", help="free text about the work")

    add_parts_command(cmd)

    remove = cmd("remove", _remove, "remove a work (it is never used again; its consent history is kept)")
    remove.add_argument("work_id", type=work_number, metavar="WORK_ID", help="the work's number (see `accord catalogue list`)")

    cmd("audit", _audit, "re-check the consent ledger, every work's chained facts and the signed head file")
    repair = cmd("repair", _repair, "after a failed audit: accept the rows as they are, void consent only "
                 "recorded by the artist for the works concerned, keep what contributors signed")
    repair.add_argument("--by", metavar="NAME", help="who records the repair (default: your user name)")

    for c in (ls, show, consent, contributors):
        c.add_argument("--use", default=MELODY_MODEL_USE, help=f"the use consent is about (default {MELODY_MODEL_USE})")
