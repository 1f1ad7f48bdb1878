"""Autosave and crash recovery (DESIGN.md §6).

While a project has unsaved changes, a copy is written every 30 s into Accord's recovery folder (never over
the user's own file), with a small sidecar saying whose it is. Saving, opening another project or closing
normally removes it. At start, copies left by a studio that is no longer running are offered back.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from app.core.errors import AccordError
from app.core.fsutil import atomic_write_text
from app.core.project.model import Project
from app.core.project.store import load_project, write_project

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

log = logging.getLogger(__name__)

AUTOSAVE_MS = 30_000
STALE_AFTER_S = 120.0  # where we cannot ask the OS whether the writer still runs (Windows)


@dataclass(frozen=True)
class RecoveryItem:
    file: Path
    meta: Path
    name: str
    original_path: Path | None
    saved_at: float


class Autosave(QObject):
    def __init__(self, window: MainWindow, folder: Path, *, interval_ms: int = AUTOSAVE_MS) -> None:
        super().__init__(window)
        self.window = window
        session = uuid.uuid4().hex
        self.file = folder / f"{session}.accord"
        self.meta = folder / f"{session}.json"
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.save_now)
        self.timer.start()

    def save_now(self) -> bool:
        """Write the recovery copy if there is anything unsaved (else remove it). Never raises."""
        w = self.window
        if w.undo_stack.isClean():
            self.discard()
            return False
        project = w.project
        try:
            write_project(project, self.file)
            atomic_write_text(self.meta, json.dumps({
                "pid": os.getpid(), "name": project.name, "saved_at": time.time(),
                "original_path": None if project.path is None else str(project.path)}))
        except AccordError as exc:  # a full disk must not interrupt the music
            log.warning("autosave failed: %s", exc)
            return False
        return True

    def discard(self) -> None:
        for p in (self.file, self.meta):
            with contextlib.suppress(OSError):
                p.unlink()


def _running(pid: int, saved_at: float) -> bool:
    if pid == os.getpid():
        return False  # our own leftovers are from an earlier window of this process: offer them
    if os.name != "posix":
        return time.time() - saved_at < STALE_AFTER_S
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def find_recoverable(folder: Path) -> list[RecoveryItem]:
    """Recovery copies whose studio is gone, newest first (damaged sidecars are skipped)."""
    items = []
    for meta in sorted(folder.glob("*.json")):
        file = meta.with_suffix(".accord")
        try:
            data = json.loads(meta.read_text(encoding="utf-8"))
            pid, saved_at = int(data["pid"]), float(data["saved_at"])
            original = data.get("original_path")
            item = RecoveryItem(file=file, meta=meta, name=str(data.get("name") or "Untitled"),
                                original_path=Path(original) if original else None, saved_at=saved_at)
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if file.is_file() and not _running(pid, saved_at):
            items.append(item)
    return sorted(items, key=lambda i: -i.saved_at)


def discard_item(item: RecoveryItem) -> None:
    for p in (item.file, item.meta):
        with contextlib.suppress(OSError):
            p.unlink()


def set_aside(item: RecoveryItem, tag: str, *, current: RecoveryItem | None = None) -> RecoveryItem:
    """Rename a copy (now at `current`, by default where `item` says) to `<name>.<tag>.accord` with sidecar
    `<name>.<tag>.meta`: out of what `find_recoverable` offers, but in the same folder, so its relative stem
    paths still resolve."""
    src_item = current or item
    moved = dataclasses.replace(item, file=item.file.with_name(f"{item.file.stem}.{tag}.accord"),
                                meta=item.meta.with_name(f"{item.meta.stem}.{tag}.meta"))
    for src, dst in ((src_item.file, moved.file), (src_item.meta, moved.meta)):
        with contextlib.suppress(OSError):
            os.replace(src, dst)
    return moved


def recovered_project(item: RecoveryItem) -> Project:
    """The autosaved project, pointing back at the user's file (so Save writes there)."""
    project = load_project(item.file)
    project.path = item.original_path
    project.name = item.name
    return project


def offer_recovery(window: MainWindow) -> bool:
    """Ask about copies left by a crash; True when one was opened (marked unsaved)."""
    items = find_recoverable(window.home.recovery_dir)
    if not items:
        return False
    item = items[0]
    when = time.strftime("%H:%M on %d %b", time.localtime(item.saved_at))
    recovered = False
    if window.dialogs.ask_recover(window, item.name, when):
        # Set the copy aside *before* reading it: if reading it took the studio down, the next start must not
        # meet it again (no crash loop). A copy that cannot be read is kept (as .damaged.accord), never deleted.
        attempt = set_aside(item, "attempted")
        try:
            window.set_project(recovered_project(attempt))
            window.undo_stack.resetClean()  # the recovered state is not on disk yet
            window.status.message(f"Recovered unsaved changes to {item.name}")
            recovered = True
            discard_item(attempt)
        except Exception as exc:  # noqa: BLE001 — whatever is wrong with the copy, the studio must start
            log.warning("recovery of %s failed", item.file, exc_info=not isinstance(exc, AccordError))
            kept = set_aside(item, "damaged", current=attempt)
            why = exc.reason if isinstance(exc, AccordError) else f"{type(exc).__name__}: {exc}"
            window.show_error("Could not recover the project", f"The autosaved copy of “{item.name}” cannot be "
                              f"read: {why}.\n\nIt was kept as {kept.file}.")
        items = items[1:]
    for old in items:  # one question per start; older copies are superseded
        discard_item(old)
    return recovered
