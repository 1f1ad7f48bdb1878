"""Every question and message the studio puts to the user, in one replaceable object.

The main window never calls QMessageBox/QFileDialog directly: it asks its `Dialogs`. Tests pass a
subclass that answers without blocking; the real one uses native dialogs. Reports (failed files, missing
stems, errors) open window-modal but non-blocking (`open()`), so the studio keeps running under them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMessageBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.audio.formats import AUDIO_EXTENSIONS

AUDIO_FILTER = "Audio files (" + " ".join(f"*{e}" for e in sorted(AUDIO_EXTENSIONS)) + ");;All files (*)"
PROJECT_FILTER = "Accord projects (*.accord);;All files (*)"


def as_sentences(exc: BaseException, *, todo: str = "To fix it") -> str:
    """An error as plain sentences: "The reason. To fix it: the hint." An AccordError's str() puts the hint in
    brackets after the reason, and a reason that already ends in brackets then read "here (… (start a JACK
    server, or … (on Linux: …)))" in the studio's MIDI notes."""
    from app.core.errors import AccordError

    if not isinstance(exc, AccordError):
        text = str(exc).strip() or type(exc).__name__
        return text if text.endswith((".", ".)")) else text + "."
    reason = exc.reason.strip()
    reason += "" if reason.endswith((".", ".)")) else "."
    return f"{reason} {todo}: {exc.hint.strip().rstrip('.')}." if exc.hint else reason

SAVE, DISCARD, CANCEL = "save", "discard", "cancel"


class FileProblemsDialog(QDialog):
    """A list of files with what went wrong with each (non-blocking)."""

    def __init__(self, parent: QWidget | None, title: str, intro: str,
                 problems: Sequence[tuple[str, str]]) -> None:
        super().__init__(parent)
        self.setObjectName("FileProblemsDialog")
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.problems = list(problems)
        layout = QVBoxLayout(self)
        label = QLabel(intro)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["File", "Problem"])
        self.tree.setRootIsDecorated(False)
        for name, reason in self.problems:
            item = QTreeWidgetItem([Path(name).name, reason])
            item.setToolTip(0, name)
            item.setToolTip(1, reason)
            self.tree.addTopLevelItem(item)
        self.tree.resizeColumnToContents(0)
        layout.addWidget(self.tree)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
        self.resize(620, 260)

    def file_names(self) -> list[str]:
        return [self.tree.topLevelItem(i).text(0) for i in range(self.tree.topLevelItemCount())]


class Dialogs:
    """The real dialogs. Override any method in tests (or for scripting) to answer without a person."""

    def __init__(self) -> None:
        self.last_report: QDialog | None = None

    # --- questions (blocking by nature: an answer is needed) -----------------------------------------
    def ask_unsaved(self, parent: QWidget, name: str) -> str:
        box = QMessageBox(QMessageBox.Icon.Warning, "Unsaved changes",
                          f"Save the changes to “{name}” before closing it?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, parent)
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        return {QMessageBox.StandardButton.Save: SAVE,
                QMessageBox.StandardButton.Discard: DISCARD}.get(QMessageBox.StandardButton(answer), CANCEL)

    def ask_recover(self, parent: QWidget, name: str, when: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, "Recover unsaved changes",
                          f"Accord closed before “{name}” was saved. Recover the changes autosaved at {when}?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Discard, parent)
        box.button(QMessageBox.StandardButton.Yes).setText("Recover")
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        return box.exec() == QMessageBox.StandardButton.Yes

    def open_project_path(self, parent: QWidget, start: Path) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(parent, "Open Project", str(start), PROJECT_FILTER)
        return Path(name) if name else None

    def save_project_path(self, parent: QWidget, suggested: Path) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(parent, "Save Project As", str(suggested), PROJECT_FILTER)
        return Path(name) if name else None

    def audio_paths(self, parent: QWidget, start: Path) -> list[Path]:
        names, _ = QFileDialog.getOpenFileNames(parent, "Add Stems", str(start), AUDIO_FILTER)
        return [Path(n) for n in names]

    def locate_file(self, parent: QWidget, name: str, start: Path) -> Path | None:
        found, _ = QFileDialog.getOpenFileName(parent, f"Locate {name}", str(start), AUDIO_FILTER)
        return Path(found) if found else None

    # --- reports (non-blocking) ----------------------------------------------------------------------
    def report_files(self, parent: QWidget, title: str, intro: str, problems: Sequence[tuple[str, str]]) -> None:
        dialog = FileProblemsDialog(parent, title, intro, problems)
        self.last_report = dialog
        dialog.open()

    def report_error(self, parent: QWidget, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.last_report = box
        box.open()
