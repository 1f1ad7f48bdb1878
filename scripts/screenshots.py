"""Take the documentation's screenshots (docs/images/*.png) of the real studio on the demo project.

Run it through `scripts/screenshots.sh` (which starts it under Xvfb). It drives the studio only through what a
user sees: buttons and menu actions found by their visible text, docks by their title, so that it keeps working
while the studio's code is reorganised. A step whose widget is not found is skipped with a note (the other
pictures are still taken); the exit code is 1 when any picture is missing.

Each picture is grabbed by Qt (the window's own pixels, no desktop around it), scaled to at most 1280 pixels
wide and written as an 8-bit palette PNG (ImageMagick's `convert`, when installed) to stay small.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QDialog,
    QDockWidget,
    QMainWindow,
    QWidget,
)

MAX_WIDTH = 1280
WINDOW_SIZE = (1600, 1000)
log_lines: list[str] = []


def say(text: str) -> None:
    log_lines.append(text)
    print(f"screenshots: {text}", flush=True)


def main_window() -> QMainWindow | None:
    windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMainWindow) and w.isVisible()]
    return windows[0] if windows else None


def button(pattern: str) -> QAbstractButton | None:
    rx = re.compile(pattern)
    for top in QApplication.topLevelWidgets():
        for b in top.findChildren(QAbstractButton):
            if b.isVisible() and b.isEnabled() and rx.search(b.text().replace("&", "")):
                return b
    return None


def action(pattern: str):
    rx = re.compile(pattern)
    from PySide6.QtGui import QAction

    window = main_window()
    if window is None:
        return None
    for a in window.findChildren(QAction):
        if a.isEnabled() and rx.search(a.text().replace("&", "")):
            return a
    return None


def dock(pattern: str) -> QDockWidget | None:
    rx = re.compile(pattern)
    window = main_window()
    for d in window.findChildren(QDockWidget) if window else []:
        if rx.search(d.windowTitle()):
            return d
    return None


def _quantise_with_pillow(src: Path, path: Path) -> bool:
    """An undithered palette PNG with Pillow, where ImageMagick is not installed (False without Pillow: Qt's
    own PNG is kept). Pillow's default median cut at 64 colours turned the green Play button grey and the
    orange loop button pale; maximum coverage at 128 keeps the UI's colours for the same size (~40 KB)."""
    try:
        from PIL import Image
    except ImportError:
        return False
    with Image.open(src) as image:
        image.convert("RGB").quantize(colors=128, method=Image.Quantize.MAXCOVERAGE,
                                      dither=Image.Dither.NONE).save(path, optimize=True)
    return path.is_file()


def save(widget: QWidget, path: Path) -> None:
    pixmap = widget.grab()
    if pixmap.width() > MAX_WIDTH:
        pixmap = pixmap.scaledToWidth(MAX_WIDTH, Qt.TransformationMode.SmoothTransformation)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.png")
    if not pixmap.save(str(tmp), "PNG"):
        raise RuntimeError(f"Qt could not write {tmp}")
    convert = shutil.which("convert")
    quantised = False
    if convert:  # a 64-colour palette, undithered: a UI loses nothing visible, the file shrinks 3-4 times
        done = subprocess.run([convert, str(tmp), "-strip", "+dither", "-colors", "64", f"PNG8:{path}"],
                              capture_output=True, text=True)
        quantised = done.returncode == 0 and path.is_file()
        if not quantised:  # a `convert` that is not ImageMagick's (or a broken one): Pillow, else Qt's own PNG
            say(f"{path.name}: convert failed ({(done.stderr or done.stdout).strip()[:120]})")
    if not quantised:
        quantised = _quantise_with_pillow(tmp, path)
        if not quantised:
            say(f"{path.name}: no ImageMagick or Pillow to make a palette PNG; kept the full-colour PNG")
    if quantised:
        tmp.unlink()
    else:
        os.replace(tmp, path)
    say(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} "
        f"({pixmap.width()}x{pixmap.height()}, {path.stat().st_size // 1024} KB)")


class Driver:
    """Runs the steps one after another on Qt's event loop; each waits for its condition (or times out)."""

    def __init__(self, out: Path, steps: list[tuple[str, Callable[[], bool], float, Callable[[], None] | None]]
                 ) -> None:
        self.out, self.steps, self.missing = out, list(steps), []
        self.started = 0.0

    def start(self) -> None:
        QTimer.singleShot(500, self._next)

    def _next(self) -> None:
        if not self.steps:
            QApplication.exit(0)  # exit, not quit: quit() lets a window refuse to close
            return
        self.started = time.monotonic()
        self._poll()

    def _poll(self) -> None:
        name, ready, timeout, act = self.steps[0]
        try:
            ok = ready()
        except Exception as exc:  # noqa: BLE001 — a step must never stop the others
            say(f"{name}: condition failed ({exc})")
            ok = False
        if not ok and time.monotonic() - self.started < timeout:
            QTimer.singleShot(250, self._poll)
            return
        if not ok and act is not None:
            say(f"{name}: not ready after {timeout:g} s; taking it as it is")
        self.steps.pop(0)
        try:
            if act is not None:
                act()
        except Exception as exc:  # noqa: BLE001
            say(f"{name}: skipped ({exc})")
            self.missing.append(name)
        QTimer.singleShot(300, self._next)


def steps_for(out: Path, driver_missing: list[str]) -> list:
    def click(pattern: str) -> Callable[[], None]:
        def act() -> None:
            b = button(pattern)
            if b is None:
                raise LookupError(f"no enabled button matching {pattern!r}")
            b.click()
        return act

    def shoot(name: str, widget: Callable[[], QWidget | None]) -> Callable[[], None]:
        def act() -> None:
            w = widget()
            if w is None:
                raise LookupError("nothing to photograph")
            save(w, out / name)
        return act

    dialog_done: dict[str, bool] = {}

    def open_dialog_and_shoot(pattern: str, name: str) -> Callable[[], None]:
        def act() -> None:
            a = action(pattern)
            if a is None:
                raise LookupError(f"no menu action matching {pattern!r}")

            def finish(widget: QWidget | None) -> None:
                try:
                    if widget is not None:
                        save(widget, out / name)
                        widget.close()
                    else:
                        say(f"{name}: no dialog opened")
                        driver_missing.append(name)
                finally:
                    dialog_done[name] = True

            def grab_dialog(tries: int = 40) -> None:
                dialog = QApplication.activeModalWidget() or next(
                    (w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()), None)
                if dialog is None and tries:
                    QTimer.singleShot(250, lambda: grab_dialog(tries - 1))
                elif dialog is None:
                    finish(None)
                else:
                    QTimer.singleShot(800, lambda: finish(dialog))
            QTimer.singleShot(0, lambda: grab_dialog())
            a.trigger()  # a modal dialog runs its own event loop here; grab_dialog runs inside it
        return act

    def show_dock(pattern: str, height: int) -> Callable[[], None]:
        def act() -> None:
            d = dock(pattern)
            if d is None:
                raise LookupError(f"no dock titled {pattern!r}")
            d.show()
            d.raise_()
            main_window().resizeDocks([d], [height], Qt.Orientation.Vertical)
            table = next((t for t in d.findChildren(QAbstractItemView) if t.isVisible() and t.model()
                          and t.model().rowCount() > 1), None)
            if table is not None:  # a selected work shows its contributors and consent history
                table.selectRow(1) if hasattr(table, "selectRow") else None
        return act

    def has_text(pattern: str, *, visible: bool = True) -> Callable[[], bool]:
        rx = re.compile(pattern)

        def ready() -> bool:
            window = main_window()
            return window is not None and any(rx.search(w.text()) for w in window.findChildren(QWidget)
                                              if hasattr(w, "text") and callable(w.text)
                                              and (w.isVisible() or not visible) and isinstance(w.text(), str))
        return ready

    def always() -> bool:
        return True

    def analysed() -> bool:  # the (automatic) analysis has applied its tempo, key and chords to the project
        from app.core.project.analysis_edits import stored_analysis

        window = main_window()
        return window is not None and stored_analysis(window.project) is not None

    return [
        ("window", lambda: main_window() is not None, 60, lambda: main_window().resize(*WINDOW_SIZE)),
        # the studio analyses the stems by itself once they load ("Analyse when stems load", on by default);
        # no click here: a pattern like ^Analyse also matches that check box and would switch it off
        ("analysed", analysed, 240, lambda: None),
        ("studio.png", always, 0, shoot("studio.png", main_window)),
        ("analysis dock", always, 0, show_dock(r"^Analysis", 420)),
        ("pause", lambda: False, 1, None),
        ("analysis.png", always, 0, shoot("analysis.png", lambda: dock(r"^Analysis"))),
        ("suggestions dock", always, 0, show_dock(r"^Suggestions", 420)),
        ("suggest", lambda: button(r"^Suggest$") is not None, 60, click(r"^Suggest$")),
        ("pause", lambda: False, 2, None),
        ("suggestions", has_text(r"\d+ suggestions?\b"), 180, lambda: None),
        ("suggestions.png", always, 0, shoot("suggestions.png", main_window)),
        ("catalogue dock", always, 0, show_dock(r"Catalogue", 460)),
        ("pause", lambda: False, 1.5, None),
        ("catalogue.png", always, 0, shoot("catalogue.png", lambda: dock(r"Catalogue"))),
        ("export-dialog.png", always, 0, open_dialog_and_shoot(r"^Export", "export-dialog.png")),
        ("export dialog closed", lambda: "export-dialog.png" in dialog_done, 20, lambda: None),
    ]


def prepare_home(home: Path) -> None:
    """A trained demo catalogue, so Suggest works at once (as `scripts/studio.sh` offers it)."""
    from app.core.home import AccordHome
    from app.core.project.demo_catalogue import ensure_demo_catalogue
    from app.core.provenance.identity import create_identity

    h = AccordHome.resolve(home)
    ensure_demo_catalogue(h)
    create_identity(h.keys_dir, "Ana Ruiz", "ana@example.org")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default=str(ROOT / "docs" / "images"), help="folder for the PNG files")
    parser.add_argument("--timeout", type=float, default=600, help="give up after this many seconds")
    parser.add_argument("--size", default="1600x1000",
                        help="window size WxH (scripts/screenshots.sh also sizes the virtual screen to it), "
                             "e.g. 1366x768 to see a laptop's screen")
    args = parser.parse_args()
    global WINDOW_SIZE
    try:
        width, height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        parser.error(f"--size {args.size!r}: expected WIDTHxHEIGHT, e.g. 1366x768")
    WINDOW_SIZE = (width, height)
    out = Path(args.output).resolve()
    # A fixed, emptied home (not a random temp name): paths shown in the pictures stay the same run to run.
    tmp = Path(tempfile.gettempdir()) / "accord-screenshots"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        home = tmp / "home"
        prepare_home(home)
        app = QApplication.instance() or QApplication(sys.argv[:1])
        missing: list[str] = []
        driver = Driver(out, steps_for(out, missing))
        driver.start()
        QTimer.singleShot(int(args.timeout * 1000), lambda: (say("timed out"), QApplication.exit(1)))
        from app.ui.app import main as studio_main

        studio_main(["--demo", "--home", str(home)])
        del app
        missing += driver.missing
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    wanted = ["studio.png", "analysis.png", "suggestions.png", "catalogue.png", "export-dialog.png"]
    absent = [n for n in wanted if not (out / n).exists() or n in missing]
    if absent:
        say(f"missing: {', '.join(absent)}")
    return 1 if absent else 0


if __name__ == "__main__":
    raise SystemExit(main())
