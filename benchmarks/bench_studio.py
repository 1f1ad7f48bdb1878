"""Studio cold start: process start → main window shown (first paint) with the demo project, offscreen.

Each run is a fresh Python process (QT_QPA_PLATFORM=offscreen), timed from just before the parent starts
it to the child's first paint of the main window; "ready" is when the demo's four stems are decoded and
the mix is playable. The demo is generated once beforehand (its one-off generation is reported apart).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SHOWN_S = 2.0

CHILD = r"""
import json, sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

app = QApplication(sys.argv[:1])
marks = {}

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and "shown" not in marks and obj.objectName() == "MainWindow":
            marks["shown"] = time.time()
        return False

spy = FirstPaint()
app.installEventFilter(spy)
from app.ui import app as studio_app

studio = studio_app.Studio(studio_app.parse_args(["--demo", "--home", sys.argv[1]]))
assert studio.start(fallback_ok=True) is None

def check():
    if len(studio.window.decoded) == 4 and "shown" in marks:
        marks["ready"] = time.time()
        studio.window.undo_stack.setClean()
        app.quit()

timer = QTimer()
timer.timeout.connect(check)
timer.start(5)
QTimer.singleShot(30000, app.quit)
app.exec()
print("MARKS " + json.dumps(marks))
"""


def _one_run(home: Path) -> dict[str, float]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    env.pop("ACCORD_HOME", None)
    t0 = time.time()
    out = subprocess.run([sys.executable, "-c", CHILD, str(home)], env=env, cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("MARKS ")), None)
    if line is None:
        raise RuntimeError(f"studio did not start:\n{out.stderr[-2000:]}")
    marks = json.loads(line[6:])
    return {k: v - t0 for k, v in marks.items()}


def run(quick: bool) -> list[dict]:
    sys.path.insert(0, str(ROOT))
    from app.core.home import AccordHome
    from app.core.project.demo import ensure_demo_project

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        t = time.perf_counter()
        ensure_demo_project(AccordHome.resolve(home))
        generate_s = time.perf_counter() - t
        runs = [_one_run(home) for _ in range(2 if quick else 5)]
    shown = statistics.median(r["shown"] for r in runs)
    ready = statistics.median(r["ready"] for r in runs)
    n = len(runs)
    return [
        {"metric": "cold start to window shown (demo)", "value": shown, "unit": "s",
         "target": f"<= {TARGET_SHOWN_S:g}", "ok": shown <= TARGET_SHOWN_S,
         "note": f"median of {n} fresh processes, offscreen; max {max(r['shown'] for r in runs):.2f} s"},
        {"metric": "cold start to demo stems decoded", "value": ready, "unit": "s",
         "note": f"4 stems x 20 s decoded + peaks, median of {n}"},
        {"metric": "demo project generation (first run only)", "value": generate_s, "unit": "s",
         "note": "4 stems synthesised and written once per Accord home"},
    ]
