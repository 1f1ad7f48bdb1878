"""The Help menu: the manual (local docs opened in the browser), a keyboard-shortcut sheet built from the
window's own actions (so it never goes stale) and an About box (an about box, not the error dialog)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QDesktopServices, QIcon, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

import app
from app import __version__
from app.ui.menu_actions import add_action

ROOT = Path(app.__file__).resolve().parents[1]
DOCS_DIR = ROOT / "docs"
ICON_PATH = ROOT / "resources" / "icons" / "accord.svg"
LICENCE = "Apache-2.0"
WHAT_ACCORD_IS = ("An artist-first co-creation studio: a consent-only local melody model, stem analysis, "
                  "suggestions with exact credit and signed provenance on every export.")
MANUAL_PAGES = (("&Getting Started", "getting-started.md"), ("&Studio Manual", "studio.md"))


def manual_url(page: str) -> QUrl | None:
    """A local file URL for a page of docs/ (None when this install has no docs folder)."""
    path = DOCS_DIR / page
    return QUrl.fromLocalFile(str(path)) if path.is_file() else None


def shortcut_rows(window: QWidget) -> list[tuple[str, str]]:
    """(what, keys) for every action of the window that has a shortcut, sorted by what it does."""
    rows: dict[tuple[str, str], None] = {}
    for action in window.findChildren(QAction):
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts() if not k.isEmpty()]
        if not keys:
            continue
        what = action.text().replace("&", "").rstrip(".…").strip() or action.objectName()
        if what.startswith("Undo"):
            what = "Undo"  # the undo stack puts the next edit's name in the text
        elif what.startswith("Redo"):
            what = "Redo"
        rows[(what, ", ".join(keys))] = None
    return sorted(rows, key=lambda r: r[0].lower())


class ShortcutSheet(QDialog):
    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("ShortcutSheet")
        self.setWindowTitle("Keyboard Shortcuts")
        rows = shortcut_rows(window)
        self.table = QTableWidget(len(rows), 2)
        self.table.setHorizontalHeaderLabels(["Action", "Shortcut"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for i, (what, keys) in enumerate(rows):
            self.table.setItem(i, 0, QTableWidgetItem(what))
            self.table.setItem(i, 1, QTableWidgetItem(keys))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(440, 520)

    def rows(self) -> list[tuple[str, str]]:
        return [(self.table.item(i, 0).text(), self.table.item(i, 1).text()) for i in range(self.table.rowCount())]


class AboutBox(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AboutBox")
        self.setWindowTitle("About Accord")
        icon = QIcon(str(ICON_PATH))
        self.setWindowIcon(icon)
        self.icon_label = QLabel()
        self.icon_label.setPixmap(icon.pixmap(96, 96) if not icon.isNull() else QPixmap())
        self.text = QLabel(f"<h2>Accord {__version__}</h2><p>{WHAT_ACCORD_IS}</p>"
                           f"<p>Licence: {LICENCE}</p>")
        self.text.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.icon_label)
        row.addWidget(self.text, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(buttons)
        self.setFixedWidth(460)


class HelpMenu:
    """Fills the window's Help menu; dialogs open non-modally-blocking (`open()`), and are kept here."""

    def __init__(self, window, open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl) -> None:  # noqa: ANN001
        self.w = window
        self.open_url = open_url
        self.about: AboutBox | None = None
        self.sheet: ShortcutSheet | None = None

    def build(self, menu: QMenu) -> None:
        for title, page in MANUAL_PAGES:
            add_action(menu, title, lambda p=page: self.open_manual(p))
        add_action(menu, "&Keyboard Shortcuts", self.show_shortcuts)
        menu.addSeparator()
        about = add_action(menu, "&About Accord", self.show_about)
        about.setMenuRole(QAction.MenuRole.AboutRole)

    def open_manual(self, page: str) -> bool:
        url = manual_url(page)
        if url is None:
            self.w.show_error("Manual not found", f"{DOCS_DIR / page} is not in this installation; "
                              "the manual is also in the docs/ folder of Accord's source.")
            return False
        return bool(self.open_url(url))

    def show_shortcuts(self) -> ShortcutSheet:
        self.sheet = ShortcutSheet(self.w)  # built now, so it lists what the window offers now
        self.sheet.open()
        return self.sheet

    def show_about(self) -> AboutBox:
        self.about = self.about or AboutBox(self.w)
        self.about.open()
        return self.about
