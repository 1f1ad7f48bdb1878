"""The piano-roll lane's header: what is shown, how many notes were edited by hand, the roll's tools
(select, draw, erase), the drag-out handle, and the keyboard strip beside the rows."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from app.core.project.cocreation.ideas import Idea, IdeaTrack
from app.ui.theme import COLOURS
from app.ui.timeline.keyboard_strip import KeyboardStrip
from app.ui.timeline.piano_roll import PianoRoll, Tool


class PianoRollHeader(QWidget):
    """The lane's header: what is shown, how many notes were edited by hand, and a drag-out handle."""

    def __init__(self, handle: QWidget | None = None, parent: QWidget | None = None, *,
                 roll: PianoRoll | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LaneTitle")
        self.title = QLabel("Suggestion")
        self.title.setObjectName("PianoRollTitle")
        self.title.setWordWrap(True)  # "Auditioning: #1 Continue bars 5-8" is wider than the header at 1366 px
        self.detail = QLabel("")
        self.detail.setObjectName("PianoRollDetail")
        self.detail.setWordWrap(True)
        text = QWidget()
        layout = QVBoxLayout(text)
        layout.setContentsMargins(8, 6, 4, 6)
        layout.addWidget(self.title)
        layout.addWidget(self.detail)
        self.tool_buttons: dict[str, QToolButton] = {}
        if roll is not None:  # the roll's tools, as a DAW's toolbar shows them beside the notes
            tools = QHBoxLayout()
            tools.setSpacing(2)
            for tool, glyph in ((Tool.SELECT, "↖"), (Tool.DRAW, "✎"), (Tool.ERASE, "⌫")):
                action = roll.editing.actions[f"tool:{tool}"]
                action.setIconText(glyph)  # the button shows the glyph, the Edit menu the words
                button = QToolButton()
                button.setDefaultAction(action)
                button.setObjectName(f"RollTool-{tool}")
                button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                button.setFixedSize(26, 22)
                button.setStyleSheet(f"QToolButton:checked {{ background: {COLOURS.accent}; color: black; }}")
                tools.addWidget(button)
                self.tool_buttons[tool] = button
            tools.addStretch(1)
            layout.addLayout(tools)
        layout.addStretch(1)
        if handle is not None:
            row = QHBoxLayout()
            row.addWidget(handle)
            row.addStretch(1)
            layout.addLayout(row)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(text, 1)
        self.keyboard = None
        if roll is not None:  # the keys beside the rows, each named, so a pitch is read at a glance
            self.keyboard = KeyboardStrip(roll)
            outer.addWidget(self.keyboard)

    def show_entry(self, entry: Idea | IdeaTrack | None, *, kept: bool) -> None:
        if entry is None:
            self.title.setText("Suggestion")
            self.title.setToolTip("")
            self.detail.setText("Nothing auditioned")
            return
        self.title.setText(("Track: " if kept else "Auditioning: ") + entry.display_name)
        self.title.setToolTip(entry.display_name)
        edits = entry.hand_edits()
        self.detail.setText(f"{edits} by hand" if edits else "As suggested · drag notes to edit; Edit → Notes for more")

