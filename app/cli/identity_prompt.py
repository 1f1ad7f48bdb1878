"""The CLI's first-run naming of the signing identity: ask on a terminal, otherwise say which stand-in name
was used. Every command that signs calls `signing_identity(home)` before it signs, so the core never needs
to know who asks (the core's `ensure_identity` takes the namer as a parameter, not as module state)."""

from __future__ import annotations

import sys

from app.core.home import AccordHome
from app.core.provenance.identity import Identity, ensure_identity


def name_first_identity(account: str) -> tuple[str, str | None] | None:
    """Called when something is about to be signed and no signing identity exists yet: ask on a terminal;
    otherwise say which stand-in name was used and how to name the key (never silently). None: keep the
    stand-in, marked as not yet named (the first `identity create --name` or studio export names that key)."""
    if sys.stdin.isatty() and sys.stderr.isatty():
        print("Accord signs every file it writes with your identity (a key kept in Accord's home).",
              file=sys.stderr)
        try:
            name = ""
            while not name:
                name = input("Your artist name, as it will appear on your files: ").strip()
            contact = input("Contact shown with it (e-mail or web site; optional): ").strip() or None
            return name, contact
        except EOFError:
            pass
    print(f"accord: no signing identity yet; created a key named {account!r} (your account name) for now. "
          f"To sign as yourself: accord identity create --name \"YOUR NAME\" (the same key gets your name)",
          file=sys.stderr)
    return None


def signing_identity(home: AccordHome) -> Identity:
    """The stored identity, created (and named by asking, on a terminal) the first time something is signed."""
    return ensure_identity(home.keys_dir, namer=name_first_identity)
