"""Where Accord keeps its data: catalogue, models, signing keys, analysis cache, demo project.

Resolution order: an explicit `--home` argument, then the `ACCORD_HOME` environment variable, then the
platform's user data folder (platformdirs). Objects are passed an `AccordHome`; nothing reads a global.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from app.core.errors import AccordError
from app.core.fsutil import clean_stale_temps


@dataclass(frozen=True)
class AccordHome:
    root: Path

    @classmethod
    def resolve(cls, override: str | os.PathLike | None = None) -> AccordHome:
        if override:
            root = Path(override)
        elif os.environ.get("ACCORD_HOME"):
            root = Path(os.environ["ACCORD_HOME"])
        else:
            import platformdirs

            root = Path(platformdirs.user_data_dir("Accord", appauthor=False))
        root = root.expanduser()
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise AccordError(f"cannot create Accord's home folder: {exc.strerror or exc}", path=root,
                              hint="set --home or ACCORD_HOME to a writable folder") from exc
        return cls(root)

    def _sub(self, name: str) -> Path:
        p = self.root / name
        try:
            p.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # a file named "models" in the home was a FileExistsError traceback in every command
            why = "a file of that name is in the way" if p.exists() else (exc.strerror or str(exc))
            raise AccordError(f"cannot create Accord's {name} folder: {why}", path=p,
                              hint="move it aside, or set --home or ACCORD_HOME to another folder") from exc
        return p

    @property
    def catalogue_path(self) -> Path:
        return self.root / "catalogue.sqlite"

    @property
    def models_dir(self) -> Path:
        return self._sub("models")

    @property
    def current_model_path(self) -> Path:
        return self.models_dir / "current.accordmodel"

    @property
    def keys_dir(self) -> Path:
        return self._sub("keys")

    @property
    def cache_dir(self) -> Path:
        return self._sub("cache")

    @property
    def demo_dir(self) -> Path:
        return self._sub("demo")

    @property
    def recovery_dir(self) -> Path:
        return self._sub("recovery")

    def clean_stale_temps(self) -> None:
        """Remove temp files a crash left behind, in every folder Accord writes to."""
        for folder in (self.root, self.models_dir, self.keys_dir, self.cache_dir, self.recovery_dir):
            clean_stale_temps(folder)
