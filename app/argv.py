"""The command line read before anything heavy is imported: the leading global options and what follows.

The launcher uses it to choose the studio or the CLI, and the CLI to import only the command it runs (a bare
`accord identity show` then starts without numpy's, numba's and librosa's import time).
"""

from __future__ import annotations


def leading_globals(args: list[str]) -> tuple[list[str], list[str]]:
    """Split the leading global options (`--home DIR`, `--home=DIR`, `-v`) off the arguments."""
    i = 0
    while i < len(args):
        if args[i] == "--home" and i + 1 < len(args):
            i += 2
        elif args[i].startswith("--home=") or args[i] in ("-v", "--verbose"):
            i += 1
        else:
            break
    return args[:i], args[i:]


def command_word(args: list[str]) -> str | None:
    """The command named after the leading global options, or None (no command, or an option such as
    --help or an abbreviated --ho comes first: then the caller must consider every command)."""
    _, rest = leading_globals(args)
    if rest and not rest[0].startswith("-"):
        return rest[0]
    return None
