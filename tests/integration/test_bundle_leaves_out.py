"""What the PyInstaller bundle leaves out (packaging/accord.spec's `excludes`) must not be needed by what it ships.

The slow smoke test builds the bundle and finds such a gap only when someone runs it: the bundle left scikit-learn
out while the stem roles' percussive share used librosa's hpss, whose module imports it, so analysing a stem whose
name gives no role crashed the bundle ("No module named 'sklearn'"). Here the CLI runs in a process where every
excluded module fails to import, on such a stem, in seconds."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[2]


def bundle_excludes() -> list[str]:
    text = (ROOT / "packaging" / "accord.spec").read_text(encoding="utf-8")
    found = re.search(r"^excludes = (\[.*?\])", text, re.S | re.M)
    assert found, "packaging/accord.spec has no excludes list"
    return list(ast.literal_eval(found.group(1)))


def _run_without(modules: list[str], *argv: str, cwd: Path) -> subprocess.CompletedProcess:
    # A None in sys.modules is what a missing module looks like to both `import` (ImportError) and
    # importlib.util.find_spec (None), which is how Accord asks for basic-pitch. scipy's array-API helpers read
    # sys.modules["torch"] and ["tensorflow"] when present, so those two are refused by a finder instead.
    code = ("import importlib.abc, sys\n"
            f"LEFT_OUT = {sorted(modules)!r}\n"
            "PROBED = {'torch', 'tensorflow'}\n"
            "class LeftOut(importlib.abc.MetaPathFinder):\n"
            "    def find_spec(self, name, path, target=None):\n"
            "        if name.partition('.')[0] in PROBED:\n"
            "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
            "sys.meta_path.insert(0, LeftOut())\n"
            "for name in LEFT_OUT:\n"
            "    if name not in PROBED:\n"
            "        sys.modules[name] = None\n"
            "from app.cli.main import main\n"
            f"raise SystemExit(main({list(argv)!r}))\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600)


def test_a_stem_with_no_role_in_its_name_is_analysed_without_the_left_out_modules(tmp_path):
    rate = 22050
    t = np.arange(8 * rate) / rate
    beat = (np.sin(2 * np.pi * 2 * t) > 0.95).astype(np.float32)  # a click on every beat at 120 BPM
    tone = 0.3 * np.sin(2 * np.pi * 220 * t) + 0.2 * np.sin(2 * np.pi * 330 * t)
    sf.write(tmp_path / "take 3.wav", (tone + 0.5 * beat).astype(np.float32), rate)
    excluded = bundle_excludes()
    assert "music21" in excluded and "onnxruntime" in excluded  # the optional back ends are left out
    done = _run_without(excluded, "analyze", "take 3.wav", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "tempo:" in done.stdout and "roles: take 3=" in done.stdout
