"""Start the studio: `accord [gui] [PROJECT] [--demo] [--home DIR]`.

Wires the objects together (no singletons): AccordHome, AudioEngine, TaskRunner, MainWindow.

No display → a clear message and exit code 3, never a Qt plugin abort. This module imports no Qt at
module level so that the check runs before Qt can abort: on Linux without DISPLAY/WAYLAND_DISPLAY we stop
before importing Qt; with a display we let Qt fall back to its "offscreen" plugin instead of aborting
(QT_QPA_PLATFORM="xcb;offscreen") and, if it had to, we say why (its own messages are captured) and exit.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_NO_DISPLAY = 3
HEADLESS_PLATFORMS = ("offscreen", "minimal", "vnc", "eglfs", "linuxfb")
NO_DISPLAY_HINT = ("The studio needs a graphical desktop. On a server use the command line instead "
                   "(accord --help), or run with QT_QPA_PLATFORM=offscreen for automated checks.")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="accord gui", description="Open the Accord studio.")
    parser.add_argument("project", nargs="?", help="an Accord project (.accord) to open")
    parser.add_argument("--demo", action="store_true", help="open the bundled demo project")
    parser.add_argument("--home", metavar="DIR", help="where Accord keeps its data (default: ACCORD_HOME or "
                        "the user data folder)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log to stderr")
    return parser.parse_args(argv)


def display_problem(env: Mapping[str, str], platform: str) -> str | None:
    """Why the studio cannot show a window here, decided without importing Qt (None: try it)."""
    if not platform.startswith("linux") and "bsd" not in platform:
        return None  # macOS and Windows always have a window system when a user runs the app
    qpa = env.get("QT_QPA_PLATFORM", "").strip().lower()
    first = qpa.split(";")[0].split(":")[0]
    if first in HEADLESS_PLATFORMS:
        return None
    if first == "wayland":
        return None if env.get("WAYLAND_DISPLAY") else "no display found (QT_QPA_PLATFORM=wayland but " \
                                                         "WAYLAND_DISPLAY is not set)"
    if env.get("DISPLAY") or (not first and env.get("WAYLAND_DISPLAY")):
        return None
    return "no display found (neither DISPLAY nor WAYLAND_DISPLAY is set)"


def qt_platform_setting(env: Mapping[str, str]) -> str | None:
    """The QT_QPA_PLATFORM to use so Qt falls back instead of aborting, or None to leave it alone."""
    if not sys.platform.startswith("linux"):
        return None
    current = env.get("QT_QPA_PLATFORM", "").strip()
    if current:
        headless = current.split(";")[0].split(":")[0].lower() in HEADLESS_PLATFORMS
        return None if headless or ";" in current else f"{current};offscreen"
    return "wayland;xcb;offscreen" if env.get("WAYLAND_DISPLAY") else "xcb;offscreen"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(name)s: %(message)s")
    problem = display_problem(os.environ, sys.platform)
    if problem:
        print(f"accord: {problem}. {NO_DISPLAY_HINT}", file=sys.stderr)
        return EXIT_NO_DISPLAY
    setting = qt_platform_setting(os.environ)
    asked_headless = os.environ.get("QT_QPA_PLATFORM", "").split(";")[0] in HEADLESS_PLATFORMS
    if setting:
        os.environ["QT_QPA_PLATFORM"] = setting
    studio = Studio(args)
    code = studio.start(fallback_ok=asked_headless)
    if code is not None:
        return code
    return studio.run()



def keep_out_of_full_collections() -> None:
    """The studio's own objects (its modules, classes, widgets: ~100,000 of them) out of the cyclic garbage
    collector's full passes, which walk every tracked object while holding the GIL, and the audio callback
    cannot run meanwhile: 108 ms in the studio after opening the demo, 56 ms with these frozen (docs/audio.md). Frozen objects are still
    freed by reference counting; only a cycle among them would never be collected, so this runs before any
    project is opened (a project's objects, its decoded stems among them, must be freed when it is closed)."""
    import gc

    gc.collect()
    gc.freeze()

class Studio:
    """Everything a running studio is made of; built once in `main`, handed around explicitly."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.qt_messages: list[str] = []
        self.app = None
        self.window = None
        self.engine = None

    def start(self, *, fallback_ok: bool = False) -> int | None:
        """Create the application and the window; an exit code when the studio cannot start."""
        from PySide6.QtCore import qInstallMessageHandler

        # Capture Qt's own messages only while the platform starts (to explain a fallback), then give
        # message handling back (Qt's default, or a test harness's).
        previous = qInstallMessageHandler(self._qt_message)
        from PySide6.QtWidgets import QApplication

        from app.core.errors import AccordError
        from app.core.home import AccordHome

        self.app = QApplication.instance() or QApplication(sys.argv[:1])
        platform = self.app.platformName()
        qInstallMessageHandler(previous)
        if platform in HEADLESS_PLATFORMS and not fallback_ok:
            why = next((m for m in self.qt_messages if "display" in m.lower()), None) or \
                next((m for m in self.qt_messages if "plugin" in m.lower()), "the window system is not usable")
            print(f"accord: cannot open a window: {why}. {NO_DISPLAY_HINT}", file=sys.stderr)
            return EXIT_NO_DISPLAY
        self.app.setApplicationName("Accord")
        self.app.setOrganizationName("Accord")
        try:
            home = AccordHome.resolve(self.args.home)
            home.clean_stale_temps()
        except AccordError as exc:
            print(f"accord: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        self.window = build_window(home, self.app)
        self.engine = self.window.engine
        keep_out_of_full_collections()
        self.window.show()
        self._open_initial()
        return None

    def _open_initial(self) -> None:
        from app.ui.shell.recovery import offer_recovery

        window = self.window
        requested = Path(self.args.project) if self.args.project else None
        if offer_recovery(window, requested):
            return
        if self.args.project:
            window.documents.open_project(Path(self.args.project), ask=False)
        elif self.args.demo:
            window.documents.open_demo()
        else:
            reopen_last_project(window)

    def run(self) -> int:
        try:
            return int(self.app.exec())
        finally:
            if self.engine is not None:
                self.engine.close()

    def _qt_message(self, mode, context, message: str) -> None:  # noqa: ANN001 — Qt's types
        self.qt_messages.append(message)
        log.debug("Qt: %s", message)


def reopen_last_project(window) -> bool:  # noqa: ANN001 — MainWindow
    """Open the last project opened or saved when the preference asks for it (and the file still exists)."""
    if not window.prefs.reopen_last:
        return False
    path = window.prefs.last_project_path()
    if path is None:
        if window.prefs.last_project:
            window.status.message(f"The last project is gone: {window.prefs.last_project}")
        return False
    return bool(window.documents.open_project(path, ask=False))


def build_window(home, app):  # noqa: ANN001, ANN201 — AccordHome, QApplication → MainWindow
    """Engine (opened if possible), task runner, theme and main window, wired together."""
    from app.core.audio.engine import AudioEngine
    from app.core.errors import PlaybackError
    from app.ui.shell.main_window import MainWindow
    from app.ui.theme import apply_theme
    from app.ui.workers import TaskRunner

    apply_theme(app)
    from PySide6.QtGui import QIcon

    from app.ui.dialogs.help import ICON_PATH

    app.setWindowIcon(QIcon(str(ICON_PATH)))
    from PySide6.QtCore import QSettings

    from app.ui.preferences import Preferences

    settings = QSettings(str(home.root / "studio.ini"), QSettings.Format.IniFormat)
    prefs = Preferences(settings)
    engine = AudioEngine(device=prefs.audio_device or None, blocksize=prefs.buffer_size)
    try:
        engine.open()
    except PlaybackError:
        if engine.device is not None:  # the preferred device is unplugged: the system default still plays
            log.warning("audio device %r is not available; using the system default", engine.device)
            engine.device = None
            try:
                engine.open()
            except PlaybackError:
                pass
        # otherwise the engine logged why; the status bar shows it
    runner = TaskRunner()
    window = MainWindow(home=home, engine=engine, runner=runner, settings=settings)
    from app.ui.panels import install_panels

    install_panels(window.context)
    window.restore_layout()
    return window
