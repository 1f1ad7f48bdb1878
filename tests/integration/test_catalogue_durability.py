"""Durability: a writer killed at a random moment loses nothing it committed; a full disk changes nothing."""

from __future__ import annotations

import os
import random
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.core.catalogue import Catalogue
from app.core.midifile import MidiPart, write_midi
from app.core.music import Melody, Note
from tests.helpers.catalogue_files import db_hash, simple_midi

ROOT = Path(__file__).resolve().parents[2]

WRITER = r"""
import sys
from app.core.catalogue import Catalogue
from app.core.music import Melody, Note

start = int(sys.argv[2])
with Catalogue.open(sys.argv[1]) as cat:
    print("ready", flush=True)
    i = start
    while True:
        notes = tuple(Note(48 + (i * 7 + k) % 36, k * 0.5, 0.5) for k in range(60))
        w = cat.add_work(Melody(notes), title=f"work {i}", sha256=f"{i:064x}")
        cat.record_consent(w, "grant", note="signed " * 30)
        print(w, flush=True)
        i += 1
"""


def _run_and_kill(path: Path, start: int, rng: random.Random) -> list[int]:
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(start)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read() if proc.stderr else ""
        time.sleep(rng.uniform(0.05, 0.4))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    return [int(line) for line in out.split() if line.strip().isdigit()]


def test_killed_writer_leaves_every_committed_work(tmp_path):
    path = tmp_path / "catalogue.sqlite"
    rng = random.Random(os.getpid())
    committed: list[int] = []
    for round_no in range(3):
        committed += _run_and_kill(path, 1000 * round_no, rng)
        conn = sqlite3.connect(str(path))
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
    assert committed, "the writer committed nothing before it was killed"
    with Catalogue.open(path) as cat:
        ids = {w.id for w in cat.works()}
        assert set(committed) <= ids
        assert set(committed) <= cat.usable_work_ids()  # the consent printed as committed is there too
        assert cat.audit().ok
        # The catalogue keeps working after the crashes.
        w = cat.add_work(Melody((Note(60, 0, 1),)), title="after")
        assert w > max(ids)


def _big_midi(path: Path, notes: int) -> Path:
    mel = Melody(tuple(Note(40 + (i * 5) % 50, i * 0.25, 0.25) for i in range(notes)))
    return write_midi(path, [MidiPart("lead", mel)], tempo_bpm=120)


def _limit_file_size(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit then fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_disk_full_gives_one_clear_line_and_changes_nothing(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    path = home / "catalogue.sqlite"
    with Catalogue.open(path) as cat:
        cat.import_files([simple_midi(tmp_path / "small.mid")])
        cat.record_consent(1, "grant")
    big = _big_midi(tmp_path / "big.mid", 30000)  # ~1 MB of melody JSON: more than the space left
    before = db_hash(path)
    limit = max(path.stat().st_size, 32768) + 64 * 1024
    proc = subprocess.run([sys.executable, "-m", "app.cli.main", "--home", str(home), "catalogue", "add", str(big)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60, preexec_fn=_limit_file_size(limit))
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr
    assert len(lines) == 1 and "catalogue.sqlite" in lines[0]
    assert "disk is full" in lines[0] or "could not be written" in lines[0]
    assert db_hash(path) == before
    with Catalogue.open(path) as cat:
        assert [w.title for w in cat.works()] == ["small"] and cat.audit().ok


@pytest.mark.parametrize("message,expected", [("database or disk is full", "the disk is full"),
                                              ("disk I/O error", "could not be written"),
                                              ("database is locked", "busy")])
def test_sqlite_errors_become_catalogue_errors(tmp_path, message, expected):
    from app.core.catalogue.store import _describe

    assert expected in _describe(sqlite3.OperationalError(message))
