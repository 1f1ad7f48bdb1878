"""Several processes writing one catalogue at once (the studio, a CLI import, a script), one of them killed:
every acknowledged commit is there with the right consent state, the ledger's hash chain never forks
(audit passes), and `PRAGMA integrity_check` is ok."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.core.catalogue.store import Catalogue
from tests.reliability.builders import catalogue_with_works

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")


def _writer(path: Path, tag: str, count: int) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen([sys.executable, "-m", "tests.reliability.concurrent_writer", str(path), tag, str(count)],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_concurrent_writers_and_a_kill_keep_the_ledger_whole(tmp_path, figures):
    path = tmp_path / "catalogue.sqlite"
    catalogue_with_works(path, 2)
    procs = {tag: _writer(path, tag, 300) for tag in ("studio", "cli", "script")}
    for p in procs.values():  # all three are writing before the kill
        assert p.stdout.readline().strip() == "started"
    time.sleep(random.Random(2).uniform(0.02, 0.08))
    procs["script"].send_signal(signal.SIGKILL)
    acks: dict[int, str] = {}
    errors = []
    for tag, p in procs.items():
        out, err = p.communicate(timeout=120)
        assert p.returncode == (-signal.SIGKILL if tag == "script" else 0), err[-2000:]
        for line in out.splitlines():
            if line.startswith("ack "):
                _, wid, state = line.split()
                acks[int(wid)] = state
            elif line.startswith("error "):
                errors.append(line)
    assert len(acks) > 100  # the writers really overlapped
    with Catalogue.open(path) as cat:
        assert cat._query("PRAGMA integrity_check")[0][0] == "ok"
        audit = cat.audit()
        assert audit.ok, audit
        usable = cat.usable_work_ids()
        present = {w.id for w in cat.works()}
    assert set(acks) <= present
    for wid, state in acks.items():
        assert (wid in usable) == (state == "granted"), wid
    assert all("busy" in e for e in errors), errors  # if a writer had to give up, it said why
    figures.record_kills("concurrent catalogue writers", 1, 1)
    figures.notes.append(f"concurrent writers: {len(acks)} acknowledged commits from 3 processes, "
                         f"{len(errors)} busy refusals, ledger audit ok")
