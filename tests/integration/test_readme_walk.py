"""The README's command-line block, executed top to bottom as written (bash, `set -e`) in an empty folder
with a fresh Accord home: every line must run, and what it writes must be what the comments promise.

`accord` on PATH is a two-line shim that runs this checkout (`python -m app`), as `.venv/bin/accord` would.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash to run the README's block")


def readme_cli_block() -> str:
    """The first ```sh block under '## The command line'."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## The command line"):]
    match = re.search(r"```sh\n(.*?)```", section, re.S)
    assert match, "README: no ```sh block under '## The command line'"
    return match.group(1)


def test_readme_block_has_no_shell_shorthand():
    for line in readme_cli_block().splitlines():
        command = line.split("  #")[0]
        assert "|" not in command and "..." not in command and "…" not in command, \
            f"README line is not a runnable command: {line!r}"


def _shim(folder: Path) -> Path:
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "accord"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m app "$@"\n', encoding="utf-8")
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    return bin_dir


def test_readme_walk_runs_top_to_bottom(tmp_path):
    work = tmp_path / "walk"
    work.mkdir()
    home = tmp_path / "home"
    env = {**os.environ, "ACCORD_HOME": str(home), "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen",
           "PATH": f"{_shim(tmp_path)}{os.pathsep}{os.environ.get('PATH', '')}"}
    script = "set -euo pipefail\nset -x\n" + readme_cli_block()
    proc = subprocess.run(["bash", "-c", script], cwd=work, env=env, capture_output=True, text=True,
                          timeout=280, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, f"README walk stopped:\n{proc.stderr[-3000:]}"
    demo = work / "demo"
    out, err = proc.stdout, proc.stderr
    # train used the consented works only, and named who the others wait for
    assert "on 10 works" in out and "not used until they consent: Jo Lee on works 11, 12" in out
    assert "10-fold cross-validation over 10 works" in out
    assert (demo / "training-data.html").is_file() and (demo / "song.accord").is_file()
    assert len(list((demo / "ideas").glob("*.mid"))) >= 9 and (demo / "preview.flac").is_file()
    assert len(list((demo / "new").glob("*.mid"))) == 4 and "writing new melodies over the song from bar" in err
    # the export verifies, signed by the identity created in the walk, never by a silent "root"
    verify_json = out[out.rindex('{\n  "allVerified"'):]
    verify_json = verify_json[:verify_json.index("\n}\n") + 2]
    report = json.loads(verify_json)
    assert report["allVerified"] and report["results"][0]["status"] == "verified"
    assert "no signing identity yet" not in err
    assert "trusted 'Jo Lee'" in out
    assert re.search(r"Jo Lee", (home / "keys" / "trusted.json").read_text(encoding="utf-8"))
