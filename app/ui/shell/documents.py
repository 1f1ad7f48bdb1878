"""File menu behaviour: New, Open…, Open Recent, Open Demo Song, Save, Save As…, Add Stems…, Quit, and the
unsaved-changes prompt before anything would discard edits. Recent projects live in the studio's
QSettings (an INI file under Accord's home)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMenu

from app.core.errors import AccordError
from app.core.project.model import Project
from app.core.project.store import EXTENSION, load_project, save_project
from app.ui.dialogs.messages import CANCEL, SAVE
from app.ui.menu_actions import add_action

if TYPE_CHECKING:
    from app.ui.shell.main_window import MainWindow

log = logging.getLogger(__name__)

MAX_RECENT = 8


class Documents:
    def __init__(self, window: MainWindow) -> None:
        self.w = window
        self.recent_menu: QMenu | None = None

    def build_file_menu(self, menu: QMenu) -> None:
        add_action(menu, "&New Project", self.new_project, QKeySequence.StandardKey.New)
        add_action(menu, "&Open Project…", lambda: self.open_project(), QKeySequence.StandardKey.Open)
        self.recent_menu = menu.addMenu("Open &Recent")
        self.recent_menu.setObjectName("RecentMenu")
        self._rebuild_recent()
        add_action(menu, "Open &Demo Song", self.open_demo)
        menu.addSeparator()
        add_action(menu, "&Save", self.save, QKeySequence.StandardKey.Save)
        add_action(menu, "Save &As…", lambda: self.save_as(), QKeySequence.StandardKey.SaveAs)
        menu.addSeparator()
        add_action(menu, "Add &Stems…", self.add_stems, QKeySequence("Ctrl+Shift+I"))
        menu.addSeparator()
        add_action(menu, "&Quit", self.w.close, QKeySequence.StandardKey.Quit)

    # --- unsaved changes -----------------------------------------------------------------------------
    def maybe_save(self) -> bool:
        """True when it is fine to drop the current project (saved, discarded, or nothing to save)."""
        if self.w.undo_stack.isClean():
            return True
        answer = self.w.dialogs.ask_unsaved(self.w, self.w.project.name)
        if answer == CANCEL:
            return False
        if answer == SAVE:
            return self.save()
        return True

    # --- actions -------------------------------------------------------------------------------------
    def new_project(self) -> bool:
        if not self.maybe_save():
            return False
        self.w.set_project(Project())
        self.w.status.message("New project")
        return True

    def open_demo(self) -> bool:
        """The bundled demo song, what `accord --demo` opens: made in Accord's home the first time (~1 s: its
        stems are rendered), later only opened. Once reachable only from the command line."""
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QApplication

        from app.core.project.demo import ensure_demo_project

        if not self.maybe_save():
            return False
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            path = ensure_demo_project(self.w.home)
        except AccordError as exc:
            self.w.show_error("Could not create the demo project", exc)
            return False
        finally:
            QApplication.restoreOverrideCursor()
        return self.open_project(path, ask=False)

    def open_project(self, path: str | Path | None = None, *, ask: bool = True) -> bool:
        if ask and not self.maybe_save():
            return False
        if path is None:
            path = self.w.dialogs.open_project_path(self.w, self._start_dir())
            if path is None:
                return False
        try:
            project = load_project(path)
        except AccordError as exc:
            self.w.show_error("Could not open the project", exc)
            self._forget_recent(Path(path))
            return False
        self.w.set_project(project)
        self._remember(project.path)
        self.w.status.message(f"Opened {project.name}")
        return True

    def save(self) -> bool:
        if self.w.project.path is None:
            return self.save_as()
        return self._write(self.w.project.path)

    def save_as(self, path: str | Path | None = None) -> bool:
        if path is None:
            suggested = self._start_dir() / f"{self.w.project.name}{EXTENSION}"
            path = self.w.dialogs.save_project_path(self.w, suggested)
            if path is None:
                return False
        path = Path(path)
        if self.w.project.name == "Untitled":
            self.w.project.name = path.stem  # naming a new song by its file is what people expect
        return self._write(path)

    def _write(self, path: Path) -> bool:
        try:
            written = save_project(self.w.project, path)
        except AccordError as exc:
            self.w.show_error("Could not save the project", exc)
            return False
        self.w.undo_stack.setClean()
        self.w.autosave.discard()
        self.w.update_title()
        self._remember(written)
        self.w.status.message(f"Saved {written.name}")
        return True

    def add_stems(self) -> None:
        paths = self.w.dialogs.audio_paths(self.w, self._start_dir())
        if paths:
            self.w.add_stem_files(paths)

    # --- recent projects -----------------------------------------------------------------------------
    def _start_dir(self) -> Path:
        if self.w.project.path is not None:
            return self.w.project.path.parent
        recent = self.recent()
        return recent[0].parent if recent else Path.home()

    def recent(self) -> list[Path]:
        return [Path(v) for v in self.w.prefs.recent_projects]

    def _remember(self, path: Path | None) -> None:
        if path is None:
            return
        items = [path] + [p for p in self.recent() if p != path]
        self.w.prefs.recent_projects = [str(p) for p in items[:MAX_RECENT]]
        self.w.prefs.last_project = str(path.absolute())  # for "reopen the last project at start"
        self._rebuild_recent()

    def _forget_recent(self, path: Path) -> None:
        self.w.prefs.recent_projects = [str(p) for p in self.recent() if p != path.absolute()]
        self._rebuild_recent()

    def _rebuild_recent(self) -> None:
        menu = self.recent_menu
        if menu is None:
            return
        menu.clear()
        items = self.recent()
        for p in items:
            action = add_action(menu, p.name, lambda p=p: self.open_project(p))
            action.setToolTip(str(p))
        menu.setEnabled(bool(items))
