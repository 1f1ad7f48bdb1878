"""The Catalogue panel's import side: choose or drop files and folders, import them on a worker with progress
and cancel, and say what was added, what was already there and what could not be read (and why).

A mixin of `CataloguePanel` (panel.py), which owns the widgets (import button, progress bar, status line).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog

from app.core import analysis  # the ears (numba, librosa) load with the first import or reading
from app.core.catalogue import Catalogue, ImportResult
from app.core.catalogue.importing.importers import SUPPORTED_EXTENSIONS
from app.core.tasks import Cancelled, CancelToken
from app.ui.workers import TaskHandle


class EitherToken(CancelToken):
    """Cancelled when the panel's Cancel button or the task handle says so (the handle only exists once
    the runner returns, which for a synchronous runner is after the task ran)."""

    def __init__(self, *tokens: CancelToken) -> None:
        super().__init__()
        self._tokens = tokens

    @property
    def cancelled(self) -> bool:
        return any(t.cancelled for t in self._tokens)

    def check(self) -> None:
        if self.cancelled:
            raise Cancelled()


class CatalogueImport:
    """Import for the catalogue panel (mixin: uses the panel's runner, widgets, refresh and status line)."""

    # -- import ---------------------------------------------------------------------------------------------
    def _choose_files(self) -> None:
        patterns = " ".join(f"*{e}" for e in SUPPORTED_EXTENSIONS)
        paths, _ = QFileDialog.getOpenFileNames(self, "Import works", "", f"Music ({patterns});;All files (*)")
        if paths:
            self.import_paths(paths)

    def import_paths(self, paths: Sequence[str | Path]) -> TaskHandle:
        """Import files/folders on a worker with progress and cancel; the result shows in the status line."""
        path = self.catalogue_path
        items = [Path(p) for p in paths]
        own_token = self._import_token = CancelToken()

        def task(progress, cancel):
            with Catalogue.open(path) as cat:
                return cat.import_files(items, ears=analysis.whole_mix_reading, progress=progress,
                                        cancel=EitherToken(own_token, cancel))

        self.import_button.setEnabled(False)
        self.progress.setValue(0)
        self._show_progress(True)
        self._set_status(f"Importing {len(items)} item(s)…")
        self.import_handle = self.runner.start("import works", task, on_finished=self._imported,
                                               on_failed=self._failed, on_progress=self._progressed,
                                               on_cancelled=self._import_cancelled)
        return self.import_handle

    def cancel_import(self) -> None:
        self._import_token.cancel()
        if self.import_handle is not None:
            self.import_handle.cancel()

    def _progressed(self, fraction: float, text: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        if text:
            self.progress.setFormat(f"%p%  {text}")

    def _import_cancelled(self) -> None:
        self._show_progress(False)
        self.import_button.setEnabled(True)
        self._set_status("Import cancelled; nothing was added.")

    def _imported(self, result: ImportResult) -> None:
        self.last_import = result
        self._show_progress(False)
        self.import_button.setEnabled(True)
        parts = [f"Added {len(result.added)} work(s)."]
        if result.duplicates:
            parts.append(f"{len(result.duplicates)} already in the catalogue.")
        if result.failed:
            parts.append(f"{len(result.failed)} could not be imported:")
            parts += [f"  {p.reason}" for p in result.failed[:10]]
        self._set_status("\n".join(parts), error=bool(result.failed))
        self.refresh()
        if result.added:
            self.select_work(result.added[0].id)
            self.catalogueChanged.emit()

    # -- drag and drop --------------------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 — Qt's name
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 — Qt's name
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.import_paths(paths)
