"""An export killed midway (SIGKILL, no cleanup possible) leaves no partial file: the target is either
absent or the previous complete, verified version; only a recognisable temp file remains, which
`clean_stale_temps` removes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from app.core.fsutil import TEMP_PREFIX, clean_stale_temps
from app.core.provenance.identity import TrustList, create_identity
from app.core.provenance.verify import VERIFIED, verify_file

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from app.core.provenance.identity import load_identity
    from tests.helpers.provenance import export_one
    me = load_identity(Path({keys!r}))
    while True:  # keep exporting over the same file until killed
        export_one(me, Path({out!r}), "wav32f", name="mix", seconds=10.0)
        print("done", flush=True)
""")


def _start(tmp_path: Path) -> subprocess.Popen:
    code = SCRIPT.format(root=str(ROOT), keys=str(tmp_path / "keys"), out=str(tmp_path / "out"))
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _sized(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except FileNotFoundError:  # replaced by the finished export meanwhile
        return False


def _wait_for_temp(folder: Path, proc: subprocess.Popen, timeout: float = 30.0,
                   exclude: frozenset[str] = frozenset()) -> None:
    """Wait until the exporter is midway: a new temp file with data in it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(_sized(p) for p in folder.glob(TEMP_PREFIX + "*") if p.name not in exclude):
            return
        if proc.poll() is not None:
            pytest.fail(f"exporter exited early: {proc.stderr.read()}")
        time.sleep(0.002)
    pytest.fail("the exporter never started writing")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_killed_export_leaves_no_partial_file(tmp_path):
    create_identity(tmp_path / "keys", "Ada")
    trust = TrustList.load(tmp_path / "keys")
    out = tmp_path / "out"
    out.mkdir()
    target = out / "mix.wav"

    proc = _start(tmp_path)
    try:
        _wait_for_temp(out, proc)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert not target.exists(), "a first export killed midway must not leave the target"
    leftovers = frozenset(p.name for p in out.iterdir() if p.name.startswith(TEMP_PREFIX))
    assert leftovers

    proc = _start(tmp_path)  # now let one export finish, and kill the next one midway
    try:
        assert proc.stdout.readline().strip() == "done"
        _wait_for_temp(out, proc, exclude=leftovers)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert verify_file(target, trust).status == VERIFIED  # the previous complete version, untouched
    clean_stale_temps(out, older_than_seconds=0)
    assert [p.name for p in out.iterdir()] == ["mix.wav"]
