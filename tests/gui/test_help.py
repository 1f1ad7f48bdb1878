"""The Help menu: a real About box (not the error dialog), a shortcut sheet built from the window's actions,
and the manual opened from local docs (no network)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from app import __version__
from app.ui.dialogs.help import AboutBox, ShortcutSheet, manual_url, shortcut_rows
from tests.gui.studio_fixtures import studio  # noqa: F401 — fixture


def _help_titles(window) -> list[str]:
    return [a.text().replace("&", "") for a in window.menu("Help").actions() if a.text()]


def test_about_is_an_about_box_not_the_error_dialog(studio, qtbot):  # noqa: F811
    assert _help_titles(studio)[-1] == "About Accord"
    about = next(a for a in studio.menu("Help").actions() if a.text().replace("&", "") == "About Accord")
    about.trigger()
    box = studio.help.about
    assert isinstance(box, AboutBox) and not isinstance(box, QMessageBox)
    assert box.isVisible()
    assert studio.dialogs.errors == []  # the error path was not used
    text = box.text.text()
    assert __version__ in text and "Apache-2.0" in text and "co-creation studio" in text
    assert not box.icon_label.pixmap().isNull()  # resources/icons/accord.svg loaded
    box.accept()


def test_shortcut_sheet_lists_the_windows_actions(studio):  # noqa: F811
    rows = dict(shortcut_rows(studio))
    assert rows["Play"] == "Space"
    assert "Undo" in rows and "Redo" in rows and "Zoom In" in rows
    sheet = studio.help.show_shortcuts()
    assert isinstance(sheet, ShortcutSheet) and sheet.isVisible()
    assert ("Play", "Space") in sheet.rows()
    sheet.reject()


def test_shortcut_sheet_lists_a_panels_own_actions(studio):  # noqa: F811
    from app.ui.context import CATALOGUE

    studio.context.panels.ensure(CATALOGUE)
    assert dict(shortcut_rows(studio))["Hear or Stop the Chosen Melody Part"] == "Ctrl+Alt+P"


def test_shortcut_sheet_follows_actions_added_later(studio):  # noqa: F811
    studio.menu("Tools").addAction("Do a Test Thing", "Ctrl+Shift+J", lambda: None)
    assert ("Do a Test Thing", "Ctrl+Shift+J") in studio.help.show_shortcuts().rows()


def test_manual_opens_local_files_only(studio):  # noqa: F811
    opened = []
    studio.help.open_url = lambda url: opened.append(url) or True
    for page in ("getting-started.md", "studio.md"):
        url = manual_url(page)
        assert url is not None and url.isLocalFile()
    titles = _help_titles(studio)
    assert "Studio Manual" in titles and "Getting Started" in titles and "Keyboard Shortcuts" in titles
    assert studio.help.open_manual("studio.md")
    assert opened[0].toLocalFile().endswith("docs/studio.md")
    assert not studio.help.open_manual("no-such-page.md")
    assert studio.dialogs.errors and "not in this installation" in studio.dialogs.errors[-1][1]
