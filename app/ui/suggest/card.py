"""One suggestion as a card: a mini piano roll, where it came from (credit bar, top works, longest copied
run) and what to do with it (audition, solo, keep, discard, regenerate like this, vary this).

The card only emits requests (`action(name, suggestion_id)`); the panel performs them. Dragging the card
starts a drag-out of its MIDI file (with Alt/Shift: its audio) through the `drag_requested` hook the panel
sets, so the card itself never writes files.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from PySide6.QtCore import QMimeData, QPoint, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.music import Melody
from app.core.project.cocreation.ideas import Idea
from app.ui.suggest.kinds import CardAction
from app.ui.theme import COLOURS

ACTIONS = tuple(CardAction)
SHARE_COLORS = COLOURS.share_colours
OTHER_COLOR = COLOURS.share_other


class MiniRoll(QWidget):
    """The suggestion's notes, small, over its bar range."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.melody = Melody(())
        self.span: tuple[float, float] = (0.0, 4.0)
        self.bar_quarters = 4.0
        self.setMinimumHeight(46)

    def set_melody(self, melody: Melody, span: tuple[float, float] | None, bar_quarters: float) -> None:
        self.melody, self.bar_quarters = melody, bar_quarters
        if span is None and melody.notes:
            span = (melody.notes[0].onset, melody.end)
        self.span = span or (0.0, bar_quarters)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(COLOURS.mini_roll_background))
        q0, q1 = self.span
        q1 = max(q1, self.melody.end, q0 + 1e-6)
        w, h = self.width(), self.height()
        sx = w / (q1 - q0)
        p.setPen(QColor(COLOURS.mini_roll_line))
        b = q0
        while b <= q1 + 1e-9:
            p.drawLine(int((b - q0) * sx), 0, int((b - q0) * sx), h)
            b += self.bar_quarters
        if self.melody.notes:
            lo, hi = min(self.melody.pitches) - 1, max(self.melody.pitches) + 1
            rh = h / max(8, hi - lo + 1)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(COLOURS.note))
            for n in self.melody.notes:
                x = (n.onset - q0) * sx
                p.drawRoundedRect(QRectF(x, (hi - n.pitch) * rh + (h - (hi - lo + 1) * rh) / 2,
                                         max(2.0, n.duration * sx - 1), max(2.0, rh - 1)), 1, 1)
        p.end()


class CreditBar(QWidget):
    """Contributor shares as one stacked bar (largest first; the rest grey)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shares: list[tuple[str, float]] = []
        self.setFixedHeight(8)

    def set_shares(self, shares: dict[str, float]) -> None:
        items = sorted(((str(k), float(v)) for k, v in shares.items() if float(v) > 0), key=lambda kv: -kv[1])
        self.shares = items
        self.setToolTip("\n".join(f"{name}: {share:.0%}" for name, share in items) or "No contributor credit")
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(OTHER_COLOR))
        x = 0.0
        for i, (_, share) in enumerate(self.shares[: len(SHARE_COLORS)]):
            w = share * self.width()
            p.fillRect(QRectF(x, 0, w, self.height()), QColor(SHARE_COLORS[i]))
            x += w
        p.end()


def _numeric(shares: object) -> dict[str, float]:
    """Contributor shares from the provenance JSON, leaving out anything that is not a finite number."""
    if not isinstance(shares, dict):
        return {}
    return {str(k): float(v) for k, v in shares.items()
            if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)}


def _short(title: str, limit: int = 26) -> str:
    return title if len(title) <= limit else title[: limit - 1] + "…"


def _shares(credit: object) -> list[tuple[str, float]]:
    """(work id, share) pairs from {id: share} or from [{work_id, bp}] (the provenance form); anything else in
    a project file (it is shared JSON) is ignored rather than crashing the card (found by tests/reliability)."""
    if isinstance(credit, dict):
        pairs = list(credit.items())
    elif isinstance(credit, list):
        pairs = [(c.get("work_id", c.get("workId")), (c.get("bp") or 0) / 10000) for c in credit
                 if isinstance(c, dict) and isinstance(c.get("bp") or 0, int | float)]
    else:
        pairs = []
    return [(str(k), float(v)) for k, v in pairs
            if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)]


def credit_text(provenance: Mapping[str, object]) -> str:
    """The card's credit line from an idea's provenance JSON (the one part of an idea kept as shared JSON)."""
    titles = provenance.get("work_titles")
    titles = titles if isinstance(titles, dict) else {}
    top = sorted(_shares(provenance.get("credit")), key=lambda kv: -kv[1])[:3]
    parts = [f"{_short(str(titles.get(w, 'work ' + w)))} {v:.0%}" for w, v in top if v >= 0.005]
    return ("From: " + ", ".join(parts)) if parts else "No single work stands out"


def copy_text(idea: Idea) -> str:
    run = idea.provenance.get("longest_copied_run") or {}
    length = run.get("length") if isinstance(run, dict) else run
    limit = (idea.request or {}).get("max_copy")
    if not isinstance(length, int) or isinstance(length, bool) or length <= 0:
        return "Copies nothing from any one work"
    return f"Longest run copied from one work: {length} notes" + (f" (limit {limit})" if limit else "")


class SuggestionCard(QFrame):
    """A suggestion's card. `action` fires with (CardAction, suggestion id)."""

    action = Signal(str, str)

    def __init__(self, entry: Idea, *, bar_quarters: float = 4.0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SuggestionCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.entry = entry
        self.suggestion_id = entry.id
        self.bar_quarters = bar_quarters
        self.drag_requested: Callable[[Idea, bool], QMimeData | None] | None = None
        self._press: QPoint | None = None
        self.title = QLabel()
        self.title.setObjectName("CardTitle")
        self.title.setWordWrap(True)  # "#12 Vary bars 121–124 · 16 notes · 12 edited, 3 deleted" wraps in the dock
        self.badge = QLabel()
        self.badge.setObjectName("CardBadge")
        self.roll = MiniRoll()
        self.credit_bar = CreditBar()
        self.credit = QLabel()
        self.credit.setObjectName("CardCredit")
        self.credit.setWordWrap(True)
        self.copied = QLabel()
        self.copied.setObjectName("CardCopy")
        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        grid.setSpacing(4)
        labels = {"audition": "▶ Audition", "solo": "Solo", "keep": "Keep", "discard": "Discard",
                  "regenerate": "↻ Like this", "vary": "≈ Vary this"}
        tips = {"audition": "Loop the range with the stems, hearing this suggestion (switch while playing)",
                "solo": "Hear this suggestion alone", "keep": "Make it a track of the song (undoable)",
                "discard": "Hide it (undoable)", "regenerate": "A new suggestion with the same settings",
                "vary": "Variations of this suggestion"}
        for i, name in enumerate(ACTIONS):
            b = QPushButton(labels[name])
            b.setObjectName(f"Card-{name}")
            b.setToolTip(tips[name])
            b.setCheckable(name in ("audition", "solo"))
            b.clicked.connect(lambda _=False, n=name: self.action.emit(n, self.suggestion_id))
            self.buttons[name] = b
            grid.addWidget(b, i // 3, i % 3)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.badge)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.roll)
        layout.addWidget(self.credit_bar)
        layout.addWidget(self.credit)
        layout.addWidget(self.copied)
        layout.addLayout(grid)
        self.setToolTip("Drag to your DAW or desktop for MIDI; hold Alt or Shift for audio")
        self.update_entry(entry)

    def update_entry(self, entry: Idea) -> None:
        self.entry = entry
        melody = entry.melody
        first, bars = entry.request_range()
        span = None if first is None else (first * self.bar_quarters, (first + bars) * self.bar_quarters)
        edits = entry.hand_edits()
        self.title.setText(f"{entry.display_name} · {len(melody.notes)} notes" + (f" · {edits}" if edits else ""))
        kept = entry.kept
        self.badge.setText("KEPT" if kept else "")
        self.buttons["keep"].setEnabled(not kept)
        self.buttons["keep"].setText("Kept ✓" if kept else "Keep")
        self.buttons["discard"].setEnabled(not kept)
        self.buttons["discard"].setVisible(not kept)  # a kept idea is removed through its track
        self.roll.set_melody(melody, span, self.bar_quarters)
        self.credit_bar.set_shares(_numeric(entry.provenance.get("contributors")))
        self.credit.setText(credit_text(entry.provenance))
        self.copied.setText(copy_text(entry))

    def set_auditioned(self, on: bool, *, solo: bool = False) -> None:
        self.buttons["audition"].setChecked(on)
        self.buttons["solo"].setChecked(on and solo)
        # The card being heard is outlined in the playhead's colour, so the A/B choice is visible at a glance.
        self.setStyleSheet(f"QFrame#SuggestionCard {{ border: 1px solid {COLOURS.accent}; border-radius: 4px; }}" if on else "")

    # --- drag out ----------------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        from app.ui.suggest.drag import drag_started, wants_audio

        if not drag_started(self._press, event):
            return
        self._press = None
        self.start_drag(wants_audio(QApplication.keyboardModifiers()))

    def start_drag(self, audio: bool) -> None:
        from app.ui.suggest.drag import exec_drag

        if self.drag_requested is None:
            return
        mime = self.drag_requested(self.entry, audio)
        if mime is not None:
            exec_drag(self, mime, self.roll.grab())
