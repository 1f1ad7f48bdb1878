"""The end-to-end CLI run used by test_offline.py, meant to run inside a network namespace with no network.

    unshare -rn python -m tests.reliability.offline_driver WORKDIR

Counts every INET/INET6 socket the process creates (a `sys.addaudithook` on "socket.__new__"), runs the
CLI in-process (catalogue add, consent, train, suggest -o, mix, export, verify), and prints one JSON object:
{"steps": [[argv, exit code, stderr tail], ...], "inet_sockets": N, "verify": [...]}.
"""

from __future__ import annotations

import contextlib
import io
import json
import socket
import sys
from pathlib import Path


def main(work: Path) -> int:
    counts = {"inet_sockets": 0}

    def audit(event: str, args: tuple) -> None:
        if event == "socket.__new__" and len(args) > 1 and args[1] in (socket.AF_INET, socket.AF_INET6):
            counts["inet_sockets"] += 1

    sys.addaudithook(audit)
    from app.cli.main import main as cli

    home = work / "home"
    midis = sorted(str(p) for p in (work / "midi").glob("*.mid"))
    stems = sorted(str(p) for p in (work / "stems").glob("*.wav"))
    steps = [
        ["catalogue", "add", *midis],
        ["catalogue", "consent", "--grant", "1", "2", "3"],
        ["train"],
        ["suggest", "--continue", midis[0], "--bars", "2", "-n", "2", "--seed", "3", "-o", str(work / "suggestions")],
        ["mix", *stems, "-o", str(work / "mix.wav")],
        ["export", str(work / "song.accord"), "--what", "mix", "--format", "flac", "-o", str(work / "export")],
    ]
    out = []
    for argv in steps:
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = cli(["--home", str(home), *argv])
        out.append([argv[:2], code, err.getvalue()[-400:]])
    signed = [str(work / "mix.wav")] + sorted(str(p) for p in (work / "export").glob("*.flac"))
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(io.StringIO()):
        code = cli(["--home", str(home), "verify", "--json", *signed])
    out.append([["verify"], code, ""])
    try:
        verdicts = json.loads(buf.getvalue())
    except ValueError:
        verdicts = buf.getvalue()[-400:]
    suggestions = sorted(p.name for p in (work / "suggestions").glob("*.mid")) if (work / "suggestions").exists() \
        else []
    print(json.dumps({"steps": out, "inet_sockets": counts["inet_sockets"], "verify": verdicts,
                      "suggestions": suggestions}))
    return 0


def selftest() -> int:
    """The counter must see a socket when one is made (so a zero means something)."""
    counts = {"inet_sockets": 0}

    def audit(event: str, args: tuple) -> None:
        if event == "socket.__new__" and len(args) > 1 and args[1] in (socket.AF_INET, socket.AF_INET6):
            counts["inet_sockets"] += 1

    sys.addaudithook(audit)
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close()
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    sys.exit(selftest() if sys.argv[1] == "--selftest" else main(Path(sys.argv[1])))
