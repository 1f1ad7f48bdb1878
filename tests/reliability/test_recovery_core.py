"""Recovery copies without Qt (app/core/project/recovery.py): offered only when their studio is gone,
damaged sidecars skipped, set-aside copies still find their stems, the user's file never written.
SIGKILL during autosave is in test_crash_safety.py (kind "recovery")."""

from __future__ import annotations

import hashlib
import json
import os

import numpy as np
import soundfile as sf

from app.core.project.model import Project, StemRef
from app.core.project.recovery import (
    find_recoverable,
    recovered_project,
    set_aside,
    write_copy,
    writer_running,
)
from app.core.project.store import save_project


def _song(tmp_path):
    stems = tmp_path / "stems"
    stems.mkdir()
    wav = stems / "lead.wav"
    sf.write(str(wav), np.zeros(4800, np.float32), 48000)
    original = save_project(Project(name="Song", stems=[StemRef("lead", wav)]), tmp_path / "song" / "song.accord")
    return original, wav


def test_copy_round_trip_keeps_stems_and_never_writes_the_original(tmp_path):
    original, wav = _song(tmp_path)
    before = hashlib.sha256(original.read_bytes()).hexdigest()
    from app.core.project.store import load_project

    project = load_project(original)
    project.stems[0].gain_db = -6.0  # an unsaved change
    folder = tmp_path / "home" / "recovery"
    folder.mkdir(parents=True)
    write_copy(project, folder / "s1.accord", folder / "s1.json")
    [item] = find_recoverable(folder)  # written by this process: an earlier window of it, so offered
    moved = set_aside(item, "attempted")
    assert find_recoverable(folder) == []
    recovered = recovered_project(moved)
    assert recovered.path == original and recovered.stems[0].path == wav and not recovered.stems[0].missing
    assert recovered.stems[0].gain_db == -6.0
    assert hashlib.sha256(original.read_bytes()).hexdigest() == before


def test_only_copies_of_studios_that_are_gone_are_offered(tmp_path):
    folder = tmp_path / "recovery"
    folder.mkdir()
    write_copy(Project(name="Live"), folder / "live.accord", folder / "live.json")
    meta = json.loads((folder / "live.json").read_text())
    (folder / "live.json").write_text(json.dumps(dict(meta, pid=os.getppid())))  # a running process
    assert writer_running(os.getppid(), meta["saved_at"])
    assert find_recoverable(folder) == []
    (folder / "live.json").write_text(json.dumps(dict(meta, pid=2 ** 22 + 12345)))  # beyond pid_max: gone
    assert [i.name for i in find_recoverable(folder)] == ["Live"]


def test_damaged_sidecars_are_skipped_not_raised(tmp_path):
    folder = tmp_path / "recovery"
    folder.mkdir()
    for name, text in (("a", "{broken"), ("b", "[]"), ("c", json.dumps({"pid": "x", "saved_at": 1})),
                       ("d", json.dumps({"pid": 1, "saved_at": "soon"})), ("e", " " * 100_000),
                       ("f", json.dumps({"pid": 99999999, "saved_at": 1.0}))):  # valid, but no copy beside it
        (folder / f"{name}.json").write_text(text)
        if name != "f":
            (folder / f"{name}.accord").write_text("{}")
    assert find_recoverable(folder) == []


def test_a_sidecar_nested_past_the_recursion_limit_is_skipped(tmp_path):
    """A damaged sidecar must never stop the studio from starting (RecursionError escaped before)."""
    folder = tmp_path / "recovery"
    folder.mkdir()
    (folder / "deep.json").write_bytes(b"[" * 30_000 + b"]" * 30_000)
    (folder / "deep.accord").write_text("{}")
    assert find_recoverable(folder) == []
