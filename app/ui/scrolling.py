"""Scroll a widget into view once Qt has laid it out.

A lane or card added in the same event-loop tick has no geometry yet, so `ensureWidgetVisible` right away
scrolls to where it is not. Deferred to the next tick, the posted layout requests are flushed first (the
container's layout, then the scroll area sizing its widget to it) and the widget is then in place.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QTimer
from PySide6.QtWidgets import QScrollArea, QWidget

LAYOUT_PASSES = 3  # the container's layout, the scroll area's widget resize, the nested layouts that follow


def reveal_later(scroll: QScrollArea, widget: QWidget) -> None:
    """Scroll `scroll` so `widget` is visible, on the next tick; nothing if the widget is gone by then."""
    def reveal() -> None:
        if not shiboken6.isValid(widget) or widget.parent() is None or not shiboken6.isValid(scroll):
            return
        for _ in range(LAYOUT_PASSES):
            QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        scroll.ensureWidgetVisible(widget, 0, 0)
    QTimer.singleShot(0, reveal)
