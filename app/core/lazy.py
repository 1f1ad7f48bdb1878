"""A package's public names loaded on first use (PEP 562), so importing one light submodule of it (a format
table, a result type) does not import every heavy sibling (numba, librosa, the playback engine).

In the package's __init__:
    __getattr__, __dir__ = lazy_exports(__name__, {"AudioEngine": "engine", ...}, globals())
with the same imports under `if TYPE_CHECKING:` for type checkers (and for PyInstaller, which finds them there).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, homes: dict[str, str],
                 namespace: dict[str, Any]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """`homes` maps each public name to the submodule (relative to `package`) that defines it."""

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{home}"), name)
        namespace[name] = value  # later lookups are plain module attributes
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(homes))

    return __getattr__, __dir__
