"""`accord` subcommands. Each command lives in its own module `app/cli/cmd_<name>.py` exposing
`register(subparsers)`, which adds its parser and sets `func(args, ctx) -> int`.

Errors: an AccordError becomes one line on stderr and exit code 2; no traceback.
The global options (--home, -v) are accepted before or after the command.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import importlib
import logging
import re
import sys
from dataclasses import dataclass

from app import __version__
from app.argv import command_word, leading_globals
from app.core.errors import AccordError
from app.core.home import AccordHome

COMMAND_MODULES = (
    "project", "mix", "catalogue", "consent", "train", "model", "suggest", "analyze", "render", "export",
    "verify", "detect", "identity", "midi", "respond",
)
HOME_HELP = "where Accord keeps its data (default: ACCORD_HOME or the user data folder)"
EPILOG = ("Global options (--home, -v) may also follow the command. `accord COMMAND --help` explains a "
          "command. Exit codes: 0 ok, 1 a check failed, 2 bad input (one line on stderr).")

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
        self.exit(EXIT_BAD_INPUT, f"accord: {message}{_did_you_mean(message)} (see --help)\n")


def _did_you_mean(message: str) -> str:
    """argparse's "invalid choice: 'idnetity' (choose from ...)" with the nearest choice named, as git does."""
    match = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
    if not match:
        return ""
    choices = re.findall(r"'([^']*)'", match.group(2))
    close = difflib.get_close_matches(match.group(1), choices, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _add_global_options(parser: argparse.ArgumentParser) -> None:
    """--home and -v on a (sub)command too; SUPPRESS keeps a value given before the command."""
    parser.add_argument("--home", metavar="DIR", default=argparse.SUPPRESS, help=HOME_HELP)
    parser.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="log progress to stderr")


def _subcommand_parsers(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for name, sub in action.choices.items():
                if not sub.description and helps.get(name):  # `accord X Y --help` says what Y does
                    sub.description = helps[name][0].upper() + helps[name][1:] + "."
            for sub in dict.fromkeys(action.choices.values()):  # aliases map to the same parser
                yield sub
                yield from _subcommand_parsers(sub)


def _register_gui(sub) -> None:
    """`accord gui` is dispatched by app.launcher before this parser runs; listed here so --help shows it."""
    p = sub.add_parser("gui", help="open the studio (the same as `accord` alone); `accord gui --help` for its "
                       "options", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    p.set_defaults(func=lambda args, ctx: (print("accord: start the studio with the `accord` command "
                                                 "(`accord gui`)", file=sys.stderr), EXIT_BAD_INPUT)[1])


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole CLI, or only `command`'s part of it when it is a known command: each command module imports
    what its work needs (numpy, librosa, numba...), so `accord identity show` should not wait for the others."""
    parser = _Parser(prog="accord", description="Accord — artist-first co-creation studio. Without a command, "
                     "`accord` opens the studio; the commands below work without a display.", epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"accord {__version__}")
    parser.add_argument("--home", metavar="DIR", help=HOME_HELP)
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    _register_gui(sub)
    for name in (command,) if command in COMMAND_MODULES else COMMAND_MODULES:
        try:
            module = importlib.import_module(f"app.cli.cmd_{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"app.cli.cmd_{name}":
                raise
            continue
        module.register(sub)
    for p in _subcommand_parsers(parser):
        if p.prog != "accord gui":
            _add_global_options(p)
    return parser


def _names_print_as_they_are() -> None:
    """File names that are not valid UTF-8 reach us as surrogate escapes (U+DCFE for the byte 0xFE). Under a
    UTF-8 locale stdout is strict, so printing "wrote <such a name>" raised UnicodeEncodeError after the work
    was done; write them back as the file system's bytes, as ls does (stderr already escapes them)."""
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None and getattr(sys.stdout, "errors", None) == "strict":
        with contextlib.suppress(ValueError, OSError):
            reconfigure(errors="surrogateescape")


def main(argv: list[str] | None = None) -> int:
    _names_print_as_they_are()
    argv = list(sys.argv[1:] if argv is None else argv)
    if leading_globals(argv)[1] == ["--version"]:  # what argparse's version action prints, without the commands
        print(f"accord {__version__}")
        return EXIT_OK
    parser = build_parser(command_word(argv))
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
