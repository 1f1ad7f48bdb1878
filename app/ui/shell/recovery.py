"""Autosave and crash recovery (DESIGN.md §6).

While a project has unsaved changes, a copy is written every 30 s into Accord's recovery folder (never over
the user's own file), with a small sidecar saying whose it is. Saving, opening another project or closing
normally removes it. At start, copies left by a studio that is no longer running are offered back. The
file work (writing, finding, setting aside, reading copies) is headless: app/core/project/recovery.py.
"""

from __future__ import annotations

import logging
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from app.core.errors import AccordError
from app.core.project.recovery import (  # noqa: F401 — re-exported: the studio's recovery API
    STALE_AFTER_S,
    RecoveryItem,
    by_project,
    copies_of,
    discard_item,
    find_recoverable,
    recovered_project,
    remove_copy,
    set_aside,
    write_copy,
)

if TYPE_CHECKING:
    from app.ui.shell.main_window import MainWindow

log = logging.getLogger(__name__)

AUTOSAVE_MS = 30_000


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
        try:
            write_copy(w.project, self.file, self.meta)
        except AccordError as exc:  # a full disk must not interrupt the music
            log.warning("autosave failed: %s", exc)
            return False
        return True

    def discard(self) -> None:
        remove_copy(self.file, self.meta)


def offer_recovery(window: MainWindow, requested: Path | None = None) -> bool:
    """Ask about copies left by a crash; True when one was opened (marked unsaved).

    With a project asked for (on the command line), only that project's copies are offered: the others are
    another project's unsaved work and stay for a later start. Otherwise each project's newest copy is offered
    in turn, newest first, until one is recovered. Declining a project discards its copies; a project's older
    copies go with its newest; another project's copies are never discarded by a question about this one.
    """
    items = find_recoverable(window.home.recovery_dir)
    if requested is not None:
        items = copies_of(items, requested)
    for group in by_project(items):
        item = group[0]
        when = time.strftime("%H:%M on %d %b", time.localtime(item.saved_at))
        if not window.dialogs.ask_recover(window, item.name, when):
            for old in group:
                discard_item(old)
            continue
        for old in group[1:]:  # superseded by the copy being recovered
            discard_item(old)
        return _recover(window, item)
    return False


def _recover(window: MainWindow, item: RecoveryItem) -> bool:
    # Set the copy aside *before* reading it: if reading it took the studio down, the next start must not
    # meet it again (no crash loop). A copy that cannot be read is kept (as .damaged.accord), never deleted.
    attempt = set_aside(item, "attempted")
    try:
        window.set_project(recovered_project(attempt))
    except Exception as exc:  # noqa: BLE001 — whatever is wrong with the copy, the studio must start
        log.warning("recovery of %s failed", item.file, exc_info=not isinstance(exc, AccordError))
        kept = set_aside(item, "damaged", current=attempt)
        why = exc.reason if isinstance(exc, AccordError) else f"{type(exc).__name__}: {exc}"
        window.show_error("Could not recover the project", f"The autosaved copy of “{item.name}” cannot be "
                          f"read: {why}.\n\nIt was kept as {kept.file}.")
        return False
    window.undo_stack.resetClean()  # the recovered state is not on disk yet
    window.status.message(f"Recovered unsaved changes to {item.name}")
    discard_item(attempt)
    return True
