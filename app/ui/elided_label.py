"""A one-line label that ends in "…" when its text is wider than the room it gets, instead of being cut
mid-letter (a plain QLabel) or widening its layout past the window (a plain QLabel's minimum width is its text).

DAW exports name tracks "8_bassdrum_acoustic01.ogg" or "Lead Vocal Take 7 (comp, tuned) FINAL v3": in a lane
header or the Analysis dock's role list such a name must neither push the M/S buttons or the combo boxes out
of view nor be clipped without a sign. `text()` stays the whole text (renaming edits it); `shown_text()` is
what is drawn, and the full text is offered as the tooltip while it is shortened.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

MIN_CHARS = 6  # the narrowest it asks for: a few letters and the ellipsis


class ElidedLabel(QLabel):
    """A QLabel for one line of text that elides on the right. `setToolTip` sets the tip shown while the
    text is whole; while it is shortened the tip starts with the whole text."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self._tip = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(0)

    # --- size: as wide as the text when there is room, never wider than it is given -------------------
    def minimumSizeHint(self) -> QSize:  # noqa: N802 — Qt's name
        hint = super().minimumSizeHint()
        fm = self.fontMetrics()
        narrow = fm.horizontalAdvance("M" * MIN_CHARS) + self.contentsMargins().left() + self.contentsMargins().right()
        return QSize(min(hint.width(), narrow), hint.height())

    def shown_text(self) -> str:
        """The text as drawn at the label's current width (ending in "…" when it does not fit)."""
        width = self.contentsRect().width() - 2 * self.margin()
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, max(0, width))

    def is_elided(self) -> bool:
        return self.shown_text() != self.text()

    # --- tooltip: the whole name when it is cut ------------------------------------------------------
    def setToolTip(self, tip: str) -> None:  # noqa: N802 — Qt's name
        self._tip = tip
        self._update_tip()

    def setText(self, text: str) -> None:  # noqa: N802 — Qt's name
        super().setText(text)
        self._update_tip()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._update_tip()

    def _update_tip(self) -> None:
        whole = self.text()
        tip = self._tip
        if self.is_elided() and whole and not tip.startswith(whole):
            tip = f"{whole}\n{tip}" if tip else whole
        super().setToolTip(tip)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        if not self.is_elided():
            super().paintEvent(event)
            return
        painter = QPainter(self)
        rect = self.contentsRect().adjusted(self.margin(), self.margin(), -self.margin(), -self.margin())
        self.style().drawItemText(painter, rect, int(self.alignment()), self.palette(), self.isEnabled(),
                                  self.shown_text(), self.foregroundRole())
        painter.end()
