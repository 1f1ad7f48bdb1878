"""`accord` subcommands. Each command lives in its own module `app/cli/cmd_<name>.py` exposing
`register(subparsers)`, which adds its parser and sets `func(args, ctx) -> int`.

Errors: an AccordError becomes one line on stderr and exit code 2; no traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from dataclasses import dataclass

from app import __version__
from app.core.errors import AccordError
from app.core.home import AccordHome

COMMAND_MODULES = (
    "mix", "catalogue", "train", "model", "suggest", "analyze", "render", "export", "verify", "identity",
    "detect",
)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


@dataclass
class Context:
    """What every command gets: where Accord's data lives. Objects are built by the commands from it."""

    home_override: str | None

    def home(self) -> AccordHome:
        home = AccordHome.resolve(self.home_override)
        home.clean_stale_temps()
        return home


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, as for every bad input
        self.exit(EXIT_BAD_INPUT, f"accord: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="accord", description="Accord — artist-first co-creation studio (CLI).")
    parser.add_argument("--version", action="version", version=f"accord {__version__}")
    parser.add_argument("--home", metavar="DIR", help="where Accord keeps its data (default: ACCORD_HOME or "
                        "the user data folder)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"app.cli.cmd_{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"app.cli.cmd_{name}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_BAD_INPUT
    ctx = Context(home_override=args.home)
    try:
        return int(args.func(args, ctx) or 0)
    except AccordError as exc:
        print(f"accord: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("accord: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
