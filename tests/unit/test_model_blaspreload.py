"""numba's BLAS without the scipy.linalg package (blaspreload.py): a fresh process that imports generation's
kernels and computes entropies must not import `scipy.linalg` (its ~40 modules cost ~0.3 s of a one-shot
`accord suggest`), must get the same bits as numpy's `p @ log2(p)` (the reference's arithmetic), and must
leave scipy.linalg importable and working afterwards (librosa and the analysis code use it)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Runs in a fresh interpreter: sys.modules must start without scipy.linalg for the check to mean anything.
CHILD = r"""
import json, sys
import numpy as np
if sys.argv[1] == "genkernels-first":  # a loaded model's first kernel: the copy index's order check
    from app.core.model.generation import genkernels
    genkernels.gram_keys(np.zeros(16, np.uint8), np.arange(4), 8, 0)
from app.core.model.generation.blendkernels import rel_entropy
from app.core.model.generation.slots import rel_entropy as py_rel_entropy
before = sorted(k for k in sys.modules if k.startswith("scipy.linalg"))
rng = np.random.default_rng(11)
same = True
for n in list(range(2, 130)) + [257, 1000]:
    for _ in range(20):
        p = rng.random(n) ** 4 + 1e-9
        p /= p.sum()
        log_size = float(np.log2(n))
        same &= rel_entropy(p, log_size) == py_rel_entropy(p, log_size)
after_calls = sorted(k for k in sys.modules if k.startswith("scipy.linalg"))
import scipy.linalg
from scipy.linalg import cython_blas
solved = scipy.linalg.solve(np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([2.0, 2.0])).tolist()
print(json.dumps({"before": before, "after_calls": after_calls, "same": bool(same), "solved": solved,
                  "one_module": cython_blas is sys.modules["scipy.linalg.cython_blas"]}))
"""


def _child(first: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, first], cwd=ROOT, check=True, capture_output=True, text=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("first", ["blendkernels-first", "genkernels-first"])
def test_kernels_use_blas_without_the_scipy_linalg_package(first):
    res = _child(first)
    assert res["before"] == ["scipy.linalg.cython_blas"]  # preloaded, nothing else of the package
    assert res["after_calls"] == ["scipy.linalg.cython_blas"]  # numba's ddot look-up found it
    assert res["same"]  # bitwise the reference's p @ log2(p) over 2,600 rows
    assert res["solved"] == [1.0, 0.5] and res["one_module"]  # the package still imports and works


def test_preload_is_a_no_op_when_the_package_is_there(monkeypatch):
    from app.core.model.generation import blaspreload

    # In this (pytest) process scipy.linalg may or may not be imported; force both branches explicitly.
    monkeypatch.setitem(sys.modules, "scipy.linalg.cython_blas", object())
    assert blaspreload.preload_cython_blas() is True
    monkeypatch.delitem(sys.modules, "scipy.linalg.cython_blas")
    monkeypatch.setitem(sys.modules, "scipy.linalg", object())
    assert blaspreload.preload_cython_blas() is False
    assert "scipy.linalg.cython_blas" not in sys.modules


def test_the_extension_file_is_found():
    from app.core.model.generation.blaspreload import _extension_file

    path = _extension_file()
    assert path is not None and path.name.startswith("cython_blas") and path.parent.name == "linalg"
