"""The status bar: messages, a progress bar with Cancel while files load, and the playback state."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QSizePolicy, QStatusBar, QToolButton, QWidget

from app.core.audio.engine import AudioEngine
from app.ui.elided_label import ElidedLabel

MESSAGE_MS = 6000


def unavailable_text(reason: str | None) -> str:
    """'Playback unavailable: <reason>' without repeating the engine's own 'playback is unavailable:'."""
    text = (reason or "no audio output is open").strip()
    for prefix in ("playback is unavailable: ", "Playback unavailable: "):
        text = text.removeprefix(prefix)
    return f"Playback unavailable: {text}"


def cannot_play_text(reason: str | None) -> str:
    """What pressing Play says when there is no output: what to do, not the status bar's label again."""
    text = unavailable_text(reason).removeprefix("Playback unavailable: ").rstrip(".")
    return (f"Cannot play: {text}. Choose an output in Preferences (Ctrl+,) or plug one in and use "
            "Transport → Reconnect Audio Output")


class StudioStatusBar(QStatusBar):
    cancel_requested = Signal()
    playback_failed = Signal(str)  # emitted by the engine's on_error (any thread); shown on the GUI thread

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("StatusBar")
        self.progress = QProgressBar()
        self.progress.setObjectName("LoadProgress")
        self.progress.setRange(0, 1000)
        self.progress.setFixedWidth(180)
        self.progress.setTextVisible(False)
        self.cancel = QToolButton()
        self.cancel.setText("Cancel")
        self.cancel.clicked.connect(self.cancel_requested)
        # "Loading 10_Default preset.wav" shares the bar with the playback state: it ends in "…" when short of
        # room (it was cut mid-letter at 1366 px), the whole text in its tooltip
        self.progress_text = ElidedLabel()
        self.progress_text.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.playback_label = QLabel()
        self.playback_label.setObjectName("PlaybackStatus")
        for w in (self.progress_text, self.progress, self.cancel):
            self.addPermanentWidget(w)
        self.addPermanentWidget(self.playback_label)
        self.hide_progress()
        self.playback_failed.connect(self._failed)

    def message(self, text: str) -> None:
        self.showMessage(text, MESSAGE_MS)

    def show_progress(self, fraction: float, text: str = "") -> None:
        for w in (self.progress_text, self.progress, self.cancel):
            w.setVisible(True)
        self.progress.setValue(int(max(0.0, min(1.0, fraction)) * 1000))
        if text:
            self.progress_text.setText(text)

    def hide_progress(self) -> None:
        for w in (self.progress_text, self.progress, self.cancel):
            w.setVisible(False)

    def show_playback(self, engine: AudioEngine) -> None:
        if engine.available:
            self.playback_label.setText(f"{engine.sample_rate / 1000:g} kHz · {engine.blocksize} frames")
            self.playback_label.setProperty("problem", False)
        else:
            self.playback_label.setText(unavailable_text(engine.unavailable_reason))
            self.playback_label.setProperty("problem", True)
        self.playback_label.setToolTip(self.playback_label.text())
        self.playback_label.style().unpolish(self.playback_label)
        self.playback_label.style().polish(self.playback_label)

    def _failed(self, reason: str) -> None:
        self.playback_label.setText(unavailable_text(reason))
        self.playback_label.setProperty("problem", True)
        self.message(f"Playback stopped: {reason}")
