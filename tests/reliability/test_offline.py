"""Offline: the suite blocks sockets (pytest-socket), Accord's code has no network API, and the whole CLI
flow runs inside a network namespace with no network at all, opening no INET socket."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.reliability.scan import NETWORK_RULES, scan

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_pytest_socket_blocks_inet_sockets():
    from pytest_socket import SocketBlockedError

    with pytest.raises(SocketBlockedError):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with pytest.raises(SocketBlockedError):
        socket.create_connection(("127.0.0.1", 9), timeout=0.1)
    socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).close()  # local IPC (Qt, D-Bus) stays allowed


def test_no_network_api_in_accord():
    assert scan(REPO, NETWORK_RULES, ("app",)) == []


def test_the_network_scanner_finds_planted_calls(tmp_path):
    planted = tmp_path / "app" / "phone_home.py"
    planted.parent.mkdir()
    lines = ["import requests", "from urllib.request import urlopen", "import http.client",
             "s = socket.create_connection(('example.com', 80))", "import socket",
             "from PySide6.QtNetwork import QNetworkAccessManager", "import smtplib", "import webbrowser"]
    planted.write_text("\n".join(lines) + "\n")
    found = scan(tmp_path, NETWORK_RULES, ("app",))
    assert {int(f.split(":")[1]) for f in found} == set(range(1, len(lines) + 1)), found


def test_the_socket_counter_sees_a_socket():
    env = dict(os.environ, PYTHONPATH=str(REPO))
    run = subprocess.run([sys.executable, "-m", "tests.reliability.offline_driver", "--selftest"], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=60)
    assert json.loads(run.stdout)["inet_sockets"] == 1, run.stderr


def _unshare() -> list[str] | None:
    exe = shutil.which("unshare")
    if exe is None:
        return None
    for flags in (["-rn"], ["-n"]):
        try:
            probe = subprocess.run([exe, *flags, "true"], capture_output=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return [exe, *flags]
    return None


def _prepare(work: Path) -> None:
    from app.core.project.model import Project, StemRef
    from app.core.project.store import save_project
    from tests.helpers.catalogue_files import simple_midi

    (work / "midi").mkdir(parents=True)
    for i, pitches in enumerate(([60, 62, 64, 65, 67, 65, 64, 62, 60, 64, 67, 72],
                                 [67, 65, 64, 62, 60, 62, 64, 67, 69, 67, 65, 64],
                                 [72, 71, 69, 67, 65, 64, 62, 60, 62, 64, 65, 67])):
        simple_midi(work / "midi" / f"song{i}.mid", pitches)
    (work / "stems").mkdir()
    t = np.arange(24000) / 48000
    for name, f in (("bass", 110.0), ("keys", 440.0)):
        sf.write(str(work / "stems" / f"{name}.wav"), (0.3 * np.sin(2 * np.pi * f * t)).astype(np.float32), 48000)
    save_project(Project(name="Offline Song", stems=[StemRef(p.stem, p) for p in sorted((work / "stems").glob("*.wav"))]),
                 work / "song.accord")


def test_cli_end_to_end_without_network(tmp_path, figures):
    prefix = _unshare()
    if prefix is None:
        pytest.skip("no network namespaces here (unshare -n/-rn unavailable or not permitted)")
    probe = subprocess.run([*prefix, sys.executable, "-c",
                            "import socket\ntry:\n socket.create_connection(('10.255.255.1', 9), timeout=2)\n"
                            " print('connected')\nexcept OSError as e:\n print('unreachable', e.errno)"],
                           capture_output=True, text=True, timeout=30)
    assert probe.stdout.startswith("unreachable"), probe.stdout + probe.stderr  # the namespace has no network
    work = tmp_path / "offline"
    _prepare(work)
    env = dict(os.environ, PYTHONPATH=str(REPO), ACCORD_HOME=str(work / "home"))
    run = subprocess.run([*prefix, sys.executable, "-m", "tests.reliability.offline_driver", str(work)], cwd=REPO,
                         env=env, capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    failed = [s for s in report["steps"] if s[1] != 0]
    assert failed == []
    assert report["suggestions"], "suggest -o wrote no MIDI file"
    verdicts = report["verify"]
    files = verdicts if isinstance(verdicts, list) else verdicts.get("results", verdicts.get("files", []))
    assert files and all(v["status"] == "verified" for v in files), verdicts
    figures.sockets_opened += report["inet_sockets"]
    figures.notes.append(f"offline end-to-end: {len(report['steps'])} CLI steps in `{' '.join(prefix[1:])}` "
                         f"namespace, {report['inet_sockets']} INET sockets")
    assert report["inet_sockets"] == 0
