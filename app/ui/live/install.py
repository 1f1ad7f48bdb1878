"""Install the Live dock and its menu into the studio (declared in app/ui/panels.py)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt

from app.ui.context import ANALYSIS, SUGGESTIONS, StudioContext
from app.ui.live import LIVE
from app.ui.live.panel import LivePanel
from app.ui.menu_actions import add_action


class _CloseWatcher(QObject):
    """Closes the MIDI ports when the studio window closes (all notes off, MIDI clock Stop when leading) and
    stops the port monitor."""

    def __init__(self, panel: LivePanel) -> None:
        super().__init__(panel)
        self.panel = panel

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 — Qt's name
        if event.type() == QEvent.Type.Close:
            self.panel.close_session()
        return False


def install_live(ctx: StudioContext) -> LivePanel:
    panel = LivePanel(ctx)
    dock = ctx.add_dock("Live", panel, Qt.DockWidgetArea.RightDockWidgetArea, scroll=True, shortcut="Ctrl+Shift+L")
    # One column on the right: Analysis, Suggestions and Live as tabs of one group (Suggestions in front).
    neighbour = ctx.panels.dock(ANALYSIS) or ctx.panels.dock(SUGGESTIONS)
    if neighbour is not None:
        ctx.tabify(neighbour, dock)
    menu = ctx.menu("&Live")
    add_action(menu, "Show Live Panel", lambda: ctx.panels.show(LIVE))
    add_action(menu, "MIDI On/Off", panel.midi_button.click)
    add_action(menu, "Record Phrase", panel.live.toggle_record)
    add_action(menu, "Panic (All Notes Off)", panel.panic)
    add_action(menu, "Tap Tempo", lambda: panel.tap())
    panel.watcher = _CloseWatcher(panel)
    ctx.host.installEventFilter(panel.watcher)
    ctx.panels.register(LIVE, panel, dock)
    return panel
