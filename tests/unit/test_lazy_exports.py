"""Packages whose public names load on first use (app.core.lazy): a light submodule does not import its heavy
siblings, and every advertised name still resolves to the submodule's own object."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _modules_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sys.modules))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return set(proc.stdout.split())


@pytest.mark.parametrize("statement, absent", [
    ("import app.core.audio.formats", {"numba", "app.core.audio.engine", "app.core.audio.mix"}),
    ("import app.core.analysis.result", {"numba", "librosa", "app.core.analysis.pipeline"}),
    ("from app.core.catalogue.store import Catalogue", {"numba", "librosa", "app.core.audio.engine"}),
    # the studio's window: the estimators load with the first analysis, on its worker (2.9 -> 1.8 s to a window)
    ("import app.ui.shell.main_window", {"numba", "librosa", "app.core.analysis.pipeline"}),
])
def test_a_light_submodule_leaves_the_heavy_siblings_unimported(statement, absent):
    assert _modules_after(statement) & absent == set()


@pytest.mark.parametrize("package", ["app.core.audio", "app.core.analysis"])
def test_every_public_name_resolves_to_its_home(package):
    module = importlib.import_module(package)
    for name in module.__all__:
        value = getattr(module, name)
        home = importlib.import_module(value.__module__) if hasattr(value, "__module__") else None
        assert home is None or getattr(home, name, value) is value
    assert set(module.__all__) <= set(dir(module))
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        module.not_a_name  # noqa: B018
