"""The PyInstaller bundle (packaging/build.sh) is built and started: `accord --version`, a signed export made
by the bundle and `accord verify` on it, stem analysis (librosa + numba inside the bundle) and the studio
starting headless (PySide6 and its Qt plugins inside the bundle).

Slow (the build takes minutes): runs with `pytest -m slow tests/integration/test_bundle_smoke.py`. To test
a bundle already built, set ACCORD_BUNDLE=path/to/dist/accord.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bundle(request, tmp_path_factory) -> Path:
    given = os.environ.get("ACCORD_BUNDLE")
    if given:
        return Path(given)
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("builds the PyInstaller bundle (minutes): run with -m slow, or set ACCORD_BUNDLE")
    import sys

    tmp = tmp_path_factory.mktemp("bundle")
    env = {**os.environ, "PYTHON": sys.executable, "DIST": str(tmp / "dist"), "WORK": str(tmp / "work")}
    env.pop("PYTHONPATH", None)  # the bundle must hold everything itself
    proc = subprocess.run(["bash", str(ROOT / "packaging" / "build.sh")], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return tmp / "dist" / "accord"


def _run(exe: Path, *args: str, cwd: Path, env: dict, timeout: float = 600) -> str:
    proc = subprocess.run([str(exe), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, f"accord {' '.join(args)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


def test_bundle_starts_exports_and_verifies(bundle, tmp_path):
    exe = bundle / ("accord.exe" if os.name == "nt" else "accord")
    assert exe.is_file()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(ACCORD_HOME=str(tmp_path / "home"), QT_QPA_PLATFORM="offscreen")
    start = time.monotonic()
    from app import __version__

    assert _run(exe, "--version", cwd=tmp_path, env=env).strip() == f"accord {__version__}"
    print(f"bundle: --version in {time.monotonic() - start:.1f} s")
    _run(exe, "project", "demo", "-o", "demo", cwd=tmp_path, env=env)
    demo = tmp_path / "demo"
    _run(exe, "identity", "create", "--name", "Ana Ruiz", cwd=demo, env=env)
    _run(exe, "project", "new", "--stems", "drums.wav", "bass.wav", "-o", "song.accord", cwd=demo, env=env)
    _run(exe, "export", "song.accord", "--what", "mix", "--format", "flac", "-o", "out", cwd=demo, env=env)
    out = _run(exe, "verify", *[str(p) for p in (demo / "out").glob("*.flac")], cwd=demo, env=env)
    assert ": verified" in out and "signed by Ana Ruiz" in out
    analysis = _run(exe, "analyze", "drums.wav", "bass.wav", "keys.wav", "lead.wav", "--lead", "lead", cwd=demo,
                    env=env)
    assert "key: A minor" in analysis and "tempo: 96." in analysis  # librosa + numba work in the bundle
    from tests.helpers.m4a import tone, write_m4a

    write_m4a(demo / "memo.m4a", tone(4.0, 44100), 44100)  # PyAV and FFmpeg's libraries inside the bundle
    made = _run(exe, "project", "new", "--stems", "memo.m4a", "-o", "memo.accord", "--analyze", cwd=demo, env=env)
    assert "1 stem: memo" in made


def test_bundle_opens_the_studio_headless(bundle, tmp_path):
    exe = bundle / ("accord.exe" if os.name == "nt" else "accord")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(ACCORD_HOME=str(tmp_path / "home"), QT_QPA_PLATFORM="offscreen")
    proc = subprocess.Popen([str(exe), "gui", "--demo"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    try:
        code = proc.wait(timeout=30)
    except subprocess.TimeoutExpired:  # still running: the window is up and the event loop turns
        code = None
    finally:
        proc.terminate()
        try:
            _, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    assert code is None, f"the studio exited with {code}:\n{err[-3000:]}"
    assert "Traceback" not in err, err[-3000:]
    assert (tmp_path / "home" / "demo").is_dir() or any((tmp_path / "home").iterdir())
