"""Menu entries as QActions that Python constructs and owns.

`QMenu.addAction(text, slot)` creates the action in C++ and PySide then finds a Python wrapper for the new
pointer in its table of known objects. When an object Qt deleted behind Python's back (a combo box model's
QStandardItem, say) had lived at the same address, that stale wrapper comes back instead and the connection
fails: "'QStandardItem' object has no attribute 'connect'" (CI, stop 22, building the Edit menu of a
window in a test process that had made hundreds before it). An action constructed here gets its own fresh
wrapper, so the slot always lands on the action that was made. Every studio menu entry goes through here.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu


def add_action(menu: QMenu, text: str, slot: Callable[[], object] | None = None,
               shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None) -> QAction:
    """Append an entry owned by `menu`; `slot` is called with no arguments (not with `triggered`'s bool)."""
    action = QAction(text, menu)
    if shortcut is not None:
        action.setShortcut(shortcut if isinstance(shortcut, QKeySequence) else QKeySequence(shortcut))
    if slot is not None:
        action.triggered.connect(lambda _checked=False: slot())
    menu.addAction(action)
    return action
