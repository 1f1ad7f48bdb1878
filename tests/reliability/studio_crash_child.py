"""A studio process that is killed on purpose (tests/reliability/test_studio_faults.py).

    python -m tests.reliability.studio_crash_child HOME STEM_FILE PROJECT_FILE

Opens the project, adds a stem, mutes it (unsaved), lets the real autosave timer write the recovery copy,
prints "autosaved" and then waits to be killed (SIGKILL: no cleanup, as in a crash or power loss).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(home_dir: str, stem: str, project: str) -> int:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from app.core.audio.engine import AudioEngine, FakeStream
    from app.core.home import AccordHome
    from app.ui.shell.main_window import MainWindow
    from app.ui.workers import TaskRunner
    from tests.gui.studio_fixtures import ScriptedDialogs

    app = QApplication.instance() or QApplication([])
    home = AccordHome.resolve(home_dir)
    window = MainWindow(home=home, engine=AudioEngine(stream_factory=FakeStream), runner=TaskRunner(synchronous=True),
                        dialogs=ScriptedDialogs(), settings=QSettings(str(Path(home_dir) / "s.ini"),
                                                                      QSettings.Format.IniFormat))
    assert window.documents.open_project(Path(project), ask=False)
    window.add_stem_files([Path(stem)])
    window.stem_lanes.lanes[window.project.stems[-1].id].header.mute.click()
    window.autosave.timer.setInterval(50)  # the real timer, just sooner
    deadline = time.monotonic() + 20
    while not window.autosave.meta.exists() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    print("autosaved" if window.autosave.meta.exists() else "no autosave", flush=True)
    while True:
        app.processEvents()
        time.sleep(0.05)


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
