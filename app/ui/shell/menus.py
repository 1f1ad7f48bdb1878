"""The main window's menu bar: File, Edit (undo, redo, preferences), Transport, View (zoom, lane options, the
docks) and Help, and `menu(title)`, the extension point panels use to find or add a top-level menu.

A mixin of `MainWindow` (it uses the window's undo stack, documents, transport bar, timeline and
preferences), kept apart so the window's file stays about the window.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from app.ui.dialogs.help import HelpMenu
from app.ui.dialogs.preferences import PreferencesDialog
from app.ui.menu_actions import add_action
from app.ui.shell.view_options import ViewOptions


class StudioMenus:
    """Menus for `MainWindow`: `menu`, `set_compact_tracks`, `set_waveform_decibels`."""

    def menu(self, title: str) -> QMenu:
        """The top-level menu called `title` (with or without '&'), created before Help if absent."""
        bare = title.replace("&", "")
        help_action = None
        for action in self.menuBar().actions():
            if action.menu() is not None and action.text().replace("&", "") == bare:
                return action.menu()
            if action.text().replace("&", "") == "Help":
                help_action = action
        menu = QMenu(title, self)
        menu.setObjectName(f"Menu-{bare}")
        if help_action is not None:
            self.menuBar().insertMenu(help_action, menu)
        else:
            self.menuBar().addMenu(menu)
        return menu

    def _build_menus(self) -> None:
        self.documents.build_file_menu(self.menu("&File"))
        edit = self.menu("&Edit")
        undo = self.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcut(QKeySequence.StandardKey.Redo)
        edit.addActions([undo, redo])
        edit.addSeparator()
        prefs = add_action(edit, "&Preferences…", self.show_preferences)
        # The platform's own key where it has one (⌘, on macOS); many Linux desktops and Windows have none.
        prefs.setShortcuts(QKeySequence.keyBindings(QKeySequence.StandardKey.Preferences)
                           or [QKeySequence("Ctrl+,")])
        prefs.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.act_preferences = prefs
        self.preferences_dialog: PreferencesDialog | None = None
        self.act_undo, self.act_redo = undo, redo
        transport = self.menu("&Transport")
        bar = self.transport_bar
        transport.addActions([bar.act_play, bar.act_stop, bar.act_to_start, bar.act_loop])
        transport.addSeparator()
        add_action(transport, "Reconnect Audio &Output", self.reconnect_audio)
        view = self.menu("&View")
        add_action(view, "Zoom &In", lambda: self.timeline_view.zoom(1.5), QKeySequence.StandardKey.ZoomIn)
        add_action(view, "Zoom &Out", lambda: self.timeline_view.zoom(1 / 1.5), QKeySequence.StandardKey.ZoomOut)
        add_action(view, "Zoom to &Fit", self.timeline_view.fit, QKeySequence("Ctrl+0"))
        view.addSeparator()
        options = ViewOptions(view, self.timeline_view, self.prefs)
        self.act_compact_tracks, self.act_waveform_decibels = options.compact_tracks, options.waveform_decibels
        view.addSeparator()
        self.help = HelpMenu(self)
        self.help.build(self.menu("&Help"))

    def set_compact_tracks(self, on: bool) -> None:
        """Compact or full-height tracks, as View → Compact Tracks."""
        self.act_compact_tracks.setChecked(on)

    def set_waveform_decibels(self, on: bool) -> None:
        """Waveform heights in dB or linear, as View → Waveforms in Decibels."""
        self.act_waveform_decibels.setChecked(on)
