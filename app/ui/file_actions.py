"""File → Export… and Verify…: the two actions and the dialogs they open (one of each at a time)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

if TYPE_CHECKING:
    from app.ui.context import StudioContext
    from app.ui.dialogs.export import ExportDialog
    from app.ui.dialogs.verify import VerifyDialog


class FileActions:
    """Registered as `FILE_ACTIONS`: `export_action`, `verify_action`, `open_verify(paths)`, the last dialogs."""

    def __init__(self, ctx: StudioContext) -> None:
        self.ctx = ctx
        self.export_dialog: ExportDialog | None = None
        self.verify_dialog: VerifyDialog | None = None
        host = ctx.host
        self.export_action = QAction("Export…", host)
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.setStatusTip("Export the mix, stems or a kept suggestion with a signed provenance record")
        self.export_action.triggered.connect(self.open_export)
        self.verify_action = QAction("Verify…", host)
        self.verify_action.setShortcut(QKeySequence("Ctrl+Shift+V"))
        self.verify_action.setStatusTip("Check the signed provenance record of any audio or MIDI file")
        self.verify_action.triggered.connect(lambda: self.open_verify())
        file_menu = ctx.menu("File")
        file_menu.addSeparator()
        file_menu.addAction(self.export_action)
        file_menu.addAction(self.verify_action)

    def open_export(self) -> None:
        from app.ui.dialogs.export import ExportDialog

        ctx = self.ctx
        if not ctx.project.stems and not ctx.project.suggestions:
            ctx.message("Nothing to export yet: add stems or keep a suggestion first.")
            return
        self.export_dialog = ExportDialog(ctx.project, ctx.home, ctx.runner, parent=ctx.host, prefs=ctx.prefs)
        self.export_dialog.open()

    def open_verify(self, paths: list[Path] | None = None) -> None:
        from app.ui.dialogs.verify import VerifyDialog

        ctx = self.ctx
        self.verify_dialog = VerifyDialog(ctx.project, ctx.home, ctx.runner, parent=ctx.host)
        self.verify_dialog.open()
        if paths:
            self.verify_dialog.verify_paths(paths)
