"""Shared fixtures for the studio GUI tests: a window on a fake audio stream with non-blocking dialogs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import QSettings

from app.core.audio.engine import AudioEngine, FakeStream
from app.core.home import AccordHome
from app.ui.dialogs.messages import DISCARD, Dialogs
from app.ui.shell.main_window import MainWindow
from app.ui.workers import TaskRunner

RATE = 48000


class ScriptedDialogs(Dialogs):
    """Answers every question from attributes and records every report; nothing blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.unsaved_answer = DISCARD
        self.asked_unsaved: list[str] = []
        self.reports: list[tuple[str, list[tuple[str, str]]]] = []
        self.errors: list[tuple[str, str]] = []
        self.open_path: Path | None = None
        self.save_path: Path | None = None
        self.audio: list[Path] = []
        self.locate: Path | None = None
        self.recover = True
        self.asked_recover: list[tuple[str, str]] = []

    def ask_unsaved(self, parent, name):
        self.asked_unsaved.append(name)
        return self.unsaved_answer

    def ask_recover(self, parent, name, when):
        self.asked_recover.append((name, when))
        return self.recover

    def open_project_path(self, parent, start):
        return self.open_path

    def save_project_path(self, parent, suggested):
        return self.save_path

    def audio_paths(self, parent, start):
        return list(self.audio)

    def locate_file(self, parent, name, start):
        return self.locate

    def report_files(self, parent, title, intro, problems):
        self.reports.append((title, list(problems)))
        super().report_files(parent, title, intro, problems)  # the real, non-blocking dialog opens too

    def report_error(self, parent, title, text):
        self.errors.append((title, text))


def write_tone(path: Path, freq: float, seconds: float = 0.5, channels: int = 1, rate: int = RATE) -> Path:
    t = np.arange(int(seconds * rate)) / rate
    tone = 0.5 * np.sin(2 * np.pi * freq * t)
    data = tone if channels == 1 else np.stack([tone] * channels, axis=1)
    sf.write(str(path), data.astype(np.float32), rate, subtype="PCM_16")
    return path


@pytest.fixture
def tones(tmp_path) -> list[Path]:
    folder = tmp_path / "stems"
    folder.mkdir()
    return [write_tone(folder / "kick.wav", 60.0), write_tone(folder / "bass.wav", 110.0, 0.8),
            write_tone(folder / "keys.flac", 440.0, 0.6, channels=2)]


def make_window(qtbot, tmp_path: Path, *, synchronous: bool = True, open_engine: bool = True) -> MainWindow:
    engine = AudioEngine(stream_factory=FakeStream)
    if open_engine:
        engine.open()
    home = AccordHome.resolve(tmp_path / "home")
    settings = QSettings(str(tmp_path / "studio.ini"), QSettings.Format.IniFormat)
    window = MainWindow(home=home, engine=engine, runner=TaskRunner(synchronous=synchronous),
                        dialogs=ScriptedDialogs(), settings=settings)
    qtbot.addWidget(window)
    window.resize(1200, 700)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def studio(qtbot, tmp_path) -> MainWindow:
    window = make_window(qtbot, tmp_path)
    yield window
    window.undo_stack.setClean()  # no unsaved-changes question while closing
    window.close()
