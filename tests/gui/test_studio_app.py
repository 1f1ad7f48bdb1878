"""Starting the studio: the no-display message (exit 3, no traceback), wiring with the demo project."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.audio.engine import AudioEngine
from app.core.errors import PlaybackError
from app.ui import app as studio_app

ROOT = Path(__file__).resolve().parents[2]


def _run_main(env_changes: dict[str, str | None], tmp_path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    for k in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(k, None)
    for k, v in env_changes.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    env["ACCORD_HOME"] = str(tmp_path / "home")
    code = "import sys; from app.ui.app import main; sys.exit(main(['--demo']))"
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="display detection is for Linux/X11/Wayland")
def test_no_display_says_so_and_exits_3(tmp_path):
    result = _run_main({}, tmp_path)
    assert result.returncode == 3
    assert "no display found" in result.stderr and "accord --help" in result.stderr
    assert "Traceback" not in result.stderr and "qt.qpa" not in result.stderr
    assert not (tmp_path / "home" / "demo").exists()  # stopped before doing anything


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 only")
def test_an_unreachable_display_says_so_instead_of_aborting(tmp_path):
    result = _run_main({"DISPLAY": ":97"}, tmp_path)  # no X server there
    assert result.returncode == 3, result.stderr
    assert "cannot open a window" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("env,platform,problem", [
    ({}, "linux", True),
    ({"DISPLAY": ":0"}, "linux", False),
    ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
    ({"QT_QPA_PLATFORM": "offscreen"}, "linux", False),
    ({"QT_QPA_PLATFORM": "xcb"}, "linux", True),
    ({"QT_QPA_PLATFORM": "wayland"}, "linux", True),
    ({}, "darwin", False),
    ({}, "win32", False),
])
def test_display_detection(env, platform, problem):
    assert (studio_app.display_problem(env, platform) is not None) is problem


def test_qt_falls_back_instead_of_aborting():
    if not sys.platform.startswith("linux"):
        pytest.skip("Linux only")
    assert studio_app.qt_platform_setting({"DISPLAY": ":0"}) == "xcb;offscreen"
    assert studio_app.qt_platform_setting({"QT_QPA_PLATFORM": "xcb"}) == "xcb;offscreen"
    assert studio_app.qt_platform_setting({"QT_QPA_PLATFORM": "offscreen"}) is None


def test_studio_starts_on_the_demo_even_without_an_audio_device(qtbot, tmp_path, monkeypatch):
    def refuse(self):
        self.unavailable_reason = "no audio output device found"
        raise PlaybackError(self.unavailable_reason)

    monkeypatch.setattr(AudioEngine, "open", refuse)
    frozen_at = []  # the studio's own objects leave the collector's full passes before the project opens
    monkeypatch.setattr(studio_app, "keep_out_of_full_collections",
                        lambda: frozen_at.append(len(studio.window.project.stems) if studio.window else None))
    args = studio_app.parse_args(["--demo", "--home", str(tmp_path / "home")])
    studio = studio_app.Studio(args)
    assert studio.start(fallback_ok=True) is None
    assert frozen_at == [0]
    window = studio.window
    qtbot.addWidget(window)
    assert window.isVisible()
    assert window.project.name == "Accord Demo" and len(window.project.stems) == 4
    assert window.status.playback_label.text() == "Playback unavailable: no audio output device found"
    window.runner.wait(20000)
    qtbot.waitUntil(lambda: len(window.decoded) == 4, timeout=20000)
    assert window.timeline_view.time_scale.grid is not None  # the demo knows its tempo: bars on the ruler
    window.close()


def test_qt_binding_does_not_lose_references_on_emit():
    """PySide6 6.12.0 dropped a reference to True on every Signal.emit(), aborting the studio after a few
    thousand emits (a couple of minutes of playback); pyproject excludes it. This catches a relapse."""
    import gc

    from PySide6.QtCore import QObject, Signal

    class Emitter(QObject):
        ping = Signal()

    emitter = Emitter()
    gc.collect()
    before = sys.getrefcount(True)
    for _ in range(50):
        emitter.ping.emit()
    gc.collect()
    assert before - sys.getrefcount(True) < 25


def test_keeping_the_studios_objects_out_of_full_collections_freezes_what_exists_and_still_collects_the_rest():
    import gc
    import weakref

    class Node:
        pass

    before = Node()
    before.me = before  # a reference cycle that exists when the studio freezes its objects
    before_ref = weakref.ref(before)
    try:
        studio_app.keep_out_of_full_collections()
        assert gc.get_freeze_count() > 1000
        after = Node()
        after.me = after  # made later: collected as usual
        after_ref = weakref.ref(after)
        del before, after
        gc.collect()
        assert after_ref() is None
        assert before_ref() is not None  # frozen: why it runs before any project (and its stems) is opened
    finally:
        gc.unfreeze()  # this test process goes on to other tests
    gc.collect()
    assert before_ref() is None
