"""The `accord` console script: the studio when called bare or with `gui`, the CLI otherwise.

This is the only module that knows both front ends, so that app.ui and app.cli never import each other.
"""

from __future__ import annotations

import sys

from app.argv import leading_globals


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    home, rest = leading_globals(args)
    if not rest or rest[0] == "gui" or rest[0] == "--demo":
        from app.ui.app import main as studio_main

        return studio_main(home + (rest[1:] if rest and rest[0] == "gui" else rest))
    from app.cli.main import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    raise SystemExit(main())
