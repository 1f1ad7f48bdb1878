"""`accord consent`: consent signed by the contributors themselves.

    accord consent request WORK_ID... -o request.accordconsent [--terms TEXT]     (the artist)
    accord consent sign request.accordconsent --grant|--revoke [--work ID]... [--as NAME] -o reply.accordconsent
                                                                                 (each contributor, own home)
    accord catalogue consent --import reply.accordconsent                         (the artist again)

The request names each work by content hash, title, contributors and splits, the use and the terms; the
contributor sees all of it before signing one statement per work with their own Ed25519 identity.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from app.cli.cmd_catalogue_parts import work_number
from app.cli.identity_prompt import signing_identity
from app.core.catalogue import MELODY_MODEL_USE, Catalogue
from app.core.errors import AccordError
from app.core.provenance.consent import (
    DEFAULT_TERMS,
    REQUEST_FORMAT,
    build_request,
    describe_request,
    read_consent_file,
    request_message,
    sign_reply,
    write_consent_file,
)
from app.core.provenance.identity import load_identity


def _request(args: argparse.Namespace, ctx: Any) -> int:
    home = ctx.home()
    identity = signing_identity(home)
    terms = Path(args.terms_file).read_text(encoding="utf-8").strip() if args.terms_file else args.terms
    with Catalogue.open(home.catalogue_path, identity=identity) as cat:
        cat.require_audit()
        works = cat.consent_request_works(args.work_ids)
    request = build_request(works, use=args.use, terms=terms, identity=identity)
    out = write_consent_file(request, args.output)
    names = sorted({c["name"] for w in works for c in w["contributors"]})
    print(f"wrote {out} ({len(works)} work(s); contributors: {', '.join(names)})")
    print("Send it to each contributor with this note:\n")
    print(request_message(identity.name, len(works), out.name))
    return 0


def _sign(args: argparse.Namespace, ctx: Any) -> int:
    home = ctx.home()
    identity = load_identity(home.keys_dir)
    if identity is None:
        raise AccordError("you have no signing identity yet",
                          hint='create yours first: accord identity create --name "Your Name"')
    request = read_consent_file(args.request, REQUEST_FORMAT)
    decision = "grant" if args.grant else "revoke"
    print(describe_request(request))
    print(f"\nYou ({args.as_name or identity.name}, key {identity.key_id[:16]}…) are about to sign: {decision.upper()} "
          f"for use {request.get('use')!r}" + (f" for work(s) {', '.join(map(str, args.work))}" if args.work else
                                                 " for every work that lists you"))
    if not args.yes:
        if not sys.stdin.isatty():
            raise AccordError("nothing was signed: confirm with --yes when not run interactively")
        if input("Sign? [y/N] ").strip().lower() not in ("y", "yes"):
            print("nothing was signed")
            return 1
    reply = sign_reply(request, identity, decision=decision, contributor=args.as_name, work_ids=args.work or ())
    out = write_consent_file(reply, args.output)
    print(f"wrote {out}: {len(reply['statements'])} signed statement(s); send it back to the artist")
    return 0


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("consent", help="consent signed by the contributors themselves (request, sign)",
                              description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="consent_command", metavar="ACTION", required=True, parser_class=type(p))
    r = sub.add_parser("request", help="write a consent request for works (to send to their contributors)")
    r.add_argument("work_ids", nargs="+", type=work_number, metavar="WORK_ID",
                   help="the works to ask consent for (numbers from `accord catalogue list`)")
    r.add_argument("-o", "--output", required=True, metavar="FILE", help="e.g. request.accordconsent")
    r.add_argument("--use", default=MELODY_MODEL_USE, help=f"the use asked for (default {MELODY_MODEL_USE})")
    terms = r.add_mutually_exclusive_group()
    terms.add_argument("--terms", default=DEFAULT_TERMS, help="the terms shown to the contributor")
    terms.add_argument("--terms-file", metavar="FILE", help="read the terms from a text file")
    r.set_defaults(func=_request)
    s = sub.add_parser("sign", help="(contributor) sign a consent request with your own identity")
    s.add_argument("request", metavar="REQUEST", help="the request file you were sent")
    which = s.add_mutually_exclusive_group(required=True)
    which.add_argument("--grant", action="store_true", help="you allow the use")
    which.add_argument("--revoke", action="store_true", help="you refuse or withdraw consent")
    s.add_argument("--work", type=int, action="append", metavar="ID", help="only this work (repeat); default: all "
                   "requested works that list you")
    s.add_argument("--as", dest="as_name", metavar="NAME", help="your name as the request lists it (default: your "
                   "identity's name)")
    s.add_argument("--yes", action="store_true", help="sign without asking (after reading what is shown)")
    s.add_argument("-o", "--output", required=True, metavar="FILE", help="e.g. reply.accordconsent")
    s.set_defaults(func=_sign)



