"""Give numba its BLAS without importing the whole `scipy.linalg` package (~0.25-0.3 s of CPU per process).

Why: one compiled kernel (`blendkernels.rel_entropy`) computes the entropy as `p @ log2(p)`, which numba
lowers to a BLAS `ddot` — the very dot product numpy's reference path calls, so results stay bitwise equal.
numba finds `ddot` at run time by importing `scipy.linalg.cython_blas` and reading its `__pyx_capi__` table.
Importing that dotted name first runs `scipy/linalg/__init__.py`, which pulls in ~40 modules (LAPACK
wrappers, decompositions, sparse helpers) that generation never uses; in a one-shot `accord suggest` that
is a quarter of numba's start-up cost.

`preload_cython_blas()` loads the same extension file on its own and registers it under its real name, so
numba's lookup finds it in `sys.modules`. Nothing about the arithmetic changes: it is the same shared
object exporting the same function pointers (the equality tests compare against numpy's `@` bitwise).
If `scipy.linalg` is already imported, or the file cannot be found (another scipy layout), it does nothing
and numba falls back to its ordinary import. A later `import scipy.linalg` still works: the package's own
`from . import cython_blas` reuses the registered module.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from pathlib import Path

NAME = "scipy.linalg.cython_blas"


def _extension_file() -> Path | None:
    """The cython_blas extension inside the installed scipy, found without importing scipy.linalg."""
    spec = importlib.util.find_spec("scipy")
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        folder = Path(root) / "linalg"
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            candidate = folder / f"cython_blas{suffix}"
            if candidate.is_file():
                return candidate
    return None


def preload_cython_blas() -> bool:
    """True when the module is (now) in sys.modules without the package import; False when left to numba."""
    if NAME in sys.modules:
        return True
    if "scipy.linalg" in sys.modules:  # the package is there already: importing the submodule is cheap
        return False
    try:
        path = _extension_file()
        if path is None:
            return False
        spec = importlib.util.spec_from_file_location(NAME, path)
        if spec is None or spec.loader is None:
            return False
        module = importlib.util.module_from_spec(spec)
        sys.modules[NAME] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[NAME]
            raise
        if not hasattr(module, "__pyx_capi__"):  # not the Cython table numba reads: let numba import it
            del sys.modules[NAME]
            return False
        return True
    except Exception:  # any surprise here only costs the speed-up, never a request
        return False
