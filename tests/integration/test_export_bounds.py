"""Hostile projects (issue 12, bounded reading): each is refused before the work starts, with a clear
error, and the process stays far below 1 GB; an export stopped by SIGTERM leaves no temp file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from app.core.fsutil import TEMP_PREFIX
from app.core.project.store import save_project
from tests.helpers.provenance import make_project, suggestion_json

ROOT = Path(__file__).resolve().parents[2]

RUN = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    from app.cli.main import main
    code = main(["--home", {home!r}, "export", {project!r}, *{extra!r}, "-o", {out!r}])
    # VmHWM: this process's own peak (ru_maxrss would include the parent's peak from before exec)
    peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
    print("PEAK", peak_kb, "CODE", code, flush=True)
""")


def _export(tmp_path, project_path, out, *extra):
    code = RUN.format(root=str(ROOT), home=str(tmp_path / "home"), project=str(project_path), out=str(out),
                      extra=list(extra))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("PEAK")][-1].split()
    return int(line[3]), int(line[1]) * 1024, proc.stderr


def _hostile(tmp_path, edit):
    from tests.helpers.provenance import consented_catalogue

    consented_catalogue(tmp_path / "home" / "catalogue.sqlite").close()
    project = make_project(tmp_path / "song")
    save_project(project, project.path)
    doc = json.loads(project.path.read_text())
    edit(doc)
    text = json.dumps(doc).replace('"__INF__"', "1e400")
    project.path.write_text(text)
    return project.path


def _many_tracks(doc):
    doc["suggestions"] = [suggestion_json(f"s{i}") for i in range(1000)]
    doc["tracks"] = [{"suggestion_id": f"s{i}"} for i in range(1000)]


def _very_long(doc):
    for entry in (doc["suggestions"][0], doc["tracks"][0]):  # the kept track holds its own copy of the melody
        entry["melody"]["notes"] = [[60, 90_000, 8, 90]]  # one note 12 hours in: a 12-hour render


def _infinite_onset(doc):
    doc["suggestions"][0]["melody"]["notes"][0][1] = "__INF__"


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc")
@pytest.mark.parametrize("edit,fmt,message", [
    (_many_tracks, "wav", "1,000 suggestion tracks"),
    (_very_long, "wav", "GB of audio in memory"),
    (_infinite_onset, "wav", "the number 1e400 is out of range"),
    (_infinite_onset, "mid", "the number 1e400 is out of range"),
])
def test_hostile_projects_are_refused_clearly_under_1_gb(tmp_path, edit, fmt, message):
    path = _hostile(tmp_path, edit)
    extra = ["--what", "suggestion", "s1"] if fmt == "mid" else []
    code, peak, err = _export(tmp_path, path, tmp_path / f"out.{fmt}", *extra)
    assert code == 2 and message in err, err
    assert "Traceback" not in err
    assert peak < 1024**3, f"peak {peak / 2**20:.0f} MB"
    assert not list(tmp_path.glob(f"out.{fmt}*"))


def test_a_producers_session_is_within_the_budget(tmp_path):
    # 8 stems of 5 minutes were refused ("about 1.1 GB ... at most 512 MB"); stems are now decoded one at a
    # time, so 30 stems of 5 minutes count one stem, the mix and its output buffer: ~0.3 GB, not 3.2 GB
    import numpy as np
    import soundfile as sf

    from app.core.project.export.project import check_export_budget
    from app.core.project.model import Project, StemRef

    sf.write(tmp_path / "stem.flac", np.zeros((48000 * 300, 2), np.float32), 48000, subtype="PCM_16")  # a few KB
    stems = [StemRef(f"stem{i}", tmp_path / "stem.flac") for i in range(30)]
    need = check_export_budget(Project(name="Song", path=tmp_path / "song.accord", stems=stems, tempo_bpm=120.0))
    one_stem = 48000 * 300 * 2 * 4
    assert need == 3 * one_stem  # the stem being mixed, the mix, its output buffer


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM")
def test_a_terminated_export_leaves_no_temp_file(tmp_path):
    from tests.helpers.provenance import consented_catalogue

    consented_catalogue(tmp_path / "home" / "catalogue.sqlite").close()
    project = make_project(tmp_path / "song", seconds=60.0)
    save_project(project, project.path)
    out = tmp_path / "out"
    out.mkdir()
    code = RUN.format(root=str(ROOT), home=str(tmp_path / "home"), project=str(project.path),
                      out=str(out / "mix.flac"), extra=[])
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(out.glob(TEMP_PREFIX + "*")) and proc.poll() is None:
        time.sleep(0.005)
    if proc.poll() is not None:
        pytest.skip("the export finished before it could be interrupted")
    os.kill(proc.pid, signal.SIGTERM)
    proc.wait(timeout=60)
    assert not list(out.glob(TEMP_PREFIX + "*"))
    assert not (out / "mix.flac").exists()
