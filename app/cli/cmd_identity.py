"""`accord identity show | create --name N [--contact C] | export-public -o F | trust F | list-trusted`.

The signing identity is an Ed25519 key kept under Accord's home (keys/identity.json, owner-only). The
trust list holds the public keys whose signatures `accord verify` accepts; your own key is on it.
"""

from __future__ import annotations

import argparse
from typing import Any

from app.core.errors import ProvenanceError
from app.core.provenance.identity import (
    TrustList,
    create_identity,
    export_public_key,
    import_public_key,
    load_identity,
)


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("identity", help="your signing key and the keys you trust",
                              description="Manage the Ed25519 key that signs your exports, and the trust list.")
    sub = p.add_subparsers(dest="identity_command", metavar="ACTION", required=True)
    sub.add_parser("show", help="show your identity (name, contact, key id)").set_defaults(func=run_show)
    c = sub.add_parser("create", help="create your signing identity")
    c.add_argument("--name", required=True, help="your artist name, as it appears on your exports")
    c.add_argument("--contact", help="optional contact (e-mail, web site)")
    c.add_argument("--replace", action="store_true",
                   help="replace an existing identity (files signed with the old key stay verifiable only "
                        "where the old key is trusted)")
    c.set_defaults(func=run_create)
    e = sub.add_parser("export-public", help="write your public key for others to trust")
    e.add_argument("-o", "--output", required=True, metavar="FILE", help=".pem for PEM, otherwise Accord JSON")
    e.set_defaults(func=run_export)
    t = sub.add_parser("trust", help="trust a public key (from `accord identity export-public`)")
    t.add_argument("file", metavar="FILE", help="a public key (.pem or Accord JSON) someone sent you")
    t.add_argument("--name", help="name to show for this key (default: the name written in the key file; "
                   "a PEM made by other tools has none, then --name is needed)")
    t.set_defaults(func=run_trust)
    u = sub.add_parser("untrust", help="remove a key from the trust list")
    u.add_argument("key_id", metavar="KEY_ID", help="the key id (or its first 16+ characters)")
    u.set_defaults(func=run_untrust)
    sub.add_parser("list-trusted", help="list trusted keys").set_defaults(func=run_list)


def _need_identity(ctx: Any):
    identity = load_identity(ctx.home().keys_dir)
    if identity is None:
        raise ProvenanceError("no signing identity yet", hint="create one: accord identity create --name NAME")
    return identity


def run_show(args: argparse.Namespace, ctx: Any) -> int:
    identity = _need_identity(ctx)
    print(f"name:    {identity.name}")
    print(f"contact: {identity.contact or '-'}")
    print(f"key id:  {identity.key_id}")
    print(f"created: {identity.created_at}")
    return 0


def run_create(args: argparse.Namespace, ctx: Any) -> int:
    identity = create_identity(ctx.home().keys_dir, args.name, args.contact, replace=args.replace)
    print(f"created identity {identity.name!r}, key id {identity.key_id}")
    return 0


def run_export(args: argparse.Namespace, ctx: Any) -> int:
    path = export_public_key(_need_identity(ctx).public, args.output)
    print(f"wrote {path}")
    return 0


def run_trust(args: argparse.Namespace, ctx: Any) -> int:
    keys_dir = ctx.home().keys_dir
    info = import_public_key(args.file, name=args.name)
    trust = TrustList.load(keys_dir)
    old = trust.trust(info, rename=args.name is not None)
    trust.save()
    if old is not None and old.name != info.name:
        print(f"renamed the trusted key {info.key_id} from {old.name!r} to {info.name!r}")
    else:
        print(f"trusted {info.name!r}, key id {info.key_id}")
    return 0


def run_untrust(args: argparse.Namespace, ctx: Any) -> int:
    keys_dir = ctx.home().keys_dir
    trust = TrustList.load(keys_dir)
    prefix = args.key_id.strip().lower()
    matches = [k for k in trust.entries if k.key_id.startswith(prefix)] if len(prefix) >= 16 else []
    if len(matches) != 1:
        raise ProvenanceError(f"key id {args.key_id!r} matches {len(matches)} trusted keys",
                              hint="give at least 16 characters of one key id (see list-trusted)")
    own = load_identity(keys_dir)
    if own is not None and matches[0].key_id == own.key_id:
        raise ProvenanceError("that is your own key; it is always trusted")
    trust.remove(matches[0].key_id)
    trust.save()
    print(f"no longer trusted: {matches[0].name!r} ({matches[0].key_id})")
    return 0


def run_list(args: argparse.Namespace, ctx: Any) -> int:
    keys_dir = ctx.home().keys_dir
    own = load_identity(keys_dir)
    for k in TrustList.load(keys_dir).entries:
        mine = " (you)" if own is not None and own.key_id == k.key_id else ""
        print(f"{k.key_id}  {k.name}{mine}{'  <' + k.contact + '>' if k.contact else ''}")
    return 0
