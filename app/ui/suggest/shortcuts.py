"""Window-wide shortcuts for hearing ideas: 1–9 audition idea #1–#9 (by the number on its card, not its place
in the list), Esc stops auditioning, Ctrl+. is the panic button (stop everything, nothing auditioned).

They are QActions of the main window with `Qt.ApplicationShortcut`, listed under Transport → Ideas, so they
work whatever widget has focus (the timeline, the piano roll, a floating dock). A widget that types text (a
spin box, a line edit) still receives its digits: Qt offers the key to the focus widget first
(ShortcutOverride), and text fields claim printable keys. Esc is enabled only while an idea is heard, so it
never steals Esc from anything else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from app.core.project.cocreation.numbering import idea_number
from app.core.project.cocreation.suggestion_edits import visible_suggestions

if TYPE_CHECKING:
    from app.ui.suggest.panel import SuggestPanel

PANIC_KEY = "Ctrl+."
STOP_KEY = "Esc"


def suggestion_with_number(panel: SuggestPanel, number: int) -> str | None:
    """The id of the shown idea numbered `number` (a kept idea is heard through its track: not one of them)."""
    for entry in visible_suggestions(panel.ctx.project):
        if idea_number(entry) == number and not entry.kept:
            return entry.id
    return None


class IdeaShortcuts:
    """The actions; `panel.shortcuts.audition[n - 1]` plays idea #n."""

    def __init__(self, panel: SuggestPanel) -> None:
        self.panel = panel
        host = panel.ctx.host
        menu = panel.ctx.menu("&Transport").addMenu("&Ideas")
        menu.setObjectName("Menu-Ideas")
        self.audition: list[QAction] = []
        for n in range(1, 10):
            act = self._action(f"Audition idea #{n}", str(n), f"Audition-{n}")
            act.triggered.connect(lambda _=False, n=n: self.audition_number(n))
            menu.addAction(act)
            self.audition.append(act)
        menu.addSeparator()
        self.stop = self._action("Stop auditioning", STOP_KEY, "Audition-stop")
        self.stop.triggered.connect(lambda: panel.audition_suggestion(None))
        self.stop.setEnabled(False)
        self.panic = self._action("Panic: stop everything", PANIC_KEY, "Panic")
        self.panic.triggered.connect(self.panic_now)
        menu.addActions([self.stop, self.panic])
        for act in (*self.audition, self.stop, self.panic):
            host.addAction(act)  # on the main window: active while any of its widgets has focus
        panel.audition.active_changed.connect(lambda sid: self.stop.setEnabled(sid is not None))

    def _action(self, text: str, key: str, name: str) -> QAction:
        act = QAction(text, self.panel.ctx.host)
        act.setObjectName(name)
        act.setShortcut(QKeySequence(key))
        act.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        return act

    def audition_number(self, number: int) -> bool:
        """Hear idea #number (while playing, switch to it); False (and a word in the status) if there is none."""
        sid = suggestion_with_number(self.panel, number)
        if sid is None:
            self.panel.ctx.message(f"No idea #{number} to audition in this project.", 3000)
            return False
        self.panel.audition_suggestion(sid, play=True)
        return True

    def panic_now(self) -> None:
        """Stop the transport and every audition; the stems sound as the project says again."""
        self.panel.audition_suggestion(None)
        self.panel.ctx.playback.stop()
        self.panel.ctx.engine.stop()
        self.panel.ctx.message("Panic: everything stopped.", 3000)
