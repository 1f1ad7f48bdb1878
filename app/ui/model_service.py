"""The studio's melody-model service: whether a model is ready, the loaded model, and catalogue news.

One per studio (`ctx.models`). Panels ask it instead of each other: the Suggestions panel reads `readiness()`
and `current`, the Catalogue panel `trained_work_ids()`; whoever writes the catalogue calls `written()` and
whoever edits consent emits through `changed()`, so the panels never need to find each other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from app.core.errors import AccordError
from app.core.home import AccordHome

if TYPE_CHECKING:
    from app.core.project.demo_catalogue import Readiness
    from app.ui.workers import TaskRunner


class ModelService(QObject):
    catalogue_changed = Signal()  # works or consent changed (the usable set may differ)
    catalogue_written = Signal()  # something other than the catalogue panel wrote the catalogue

    def __init__(self, home: AccordHome, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.home = home
        self.runner = runner
        self._current = None
        self._changes = 0  # bumped by every change of `current`: a preload that began before one is stale

    @property
    def current(self):  # noqa: ANN201 — an app.core.model TrainedModel, or None
        """The loaded melody model (app.core.model), None until loaded or after a change."""
        return self._current

    @current.setter
    def current(self, model) -> None:  # noqa: ANN001
        self._current = model
        self._changes += 1

    def readiness(self) -> Readiness:
        from app.core.project.demo_catalogue import readiness

        return readiness(self.home)

    def forget(self) -> None:
        """Consent changed: the loaded model may no longer be the one to use."""
        self.current = None

    def preload(self, on_failed: Callable[[BaseException], None]) -> None:
        """Load the current model in the background (kept in `current`)."""
        from app.core.project.demo_catalogue import load_current_model

        home = self.home
        asked_at = self._changes

        def done(model) -> None:  # noqa: ANN001 — the loaded model
            # a model trained, set or forgotten while this one loaded is newer than the file it read
            if self._changes == asked_at:
                self.current = model

        def load(p, c):  # noqa: ANN001 — progress and cancel of the task runner
            from app.core.model.generation.warmup import warm_once

            warm_once()  # the generation kernels, so the first Suggest does not wait for them
            return load_current_model(home)

        self.runner.start("Load model", load, on_finished=done, on_failed=on_failed)

    def trained_work_ids(self) -> set[int]:
        """Ids of the works the current model was trained on ({} without a readable model)."""
        from app.core.model import read_manifest

        path = self.home.current_model_path
        if not path.exists():
            return set()
        try:
            return {int(w["id"]) for w in read_manifest(path).get("works", [])}
        except (AccordError, KeyError, TypeError, ValueError):
            return set()

    def changed(self) -> None:
        self.catalogue_changed.emit()

    def written(self) -> None:
        self.catalogue_written.emit()
