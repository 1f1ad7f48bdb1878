"""Crash recovery copies of unsaved projects, headless (the studio's timer and questions: app/ui/shell/recovery.py).

A copy is a project file `<session>.accord` in Accord's recovery folder plus a sidecar `<session>.json`
(pid of the studio that wrote it, project name, time, the user's own file). Both are written atomically and
never over the user's file. A copy is offered back when the studio that wrote it no longer runs. Before a
copy is read it is renamed out of the offer (`<session>.attempted.accord`), so a copy that crashes the
reader cannot crash every start after it; one that cannot be read is kept as `<session>.damaged.accord`.
Renames stay in the same folder so the copy's relative stem paths keep resolving.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from app.core.fsutil import atomic_write_text
from app.core.project.model import Project
from app.core.project.store import load_project, write_project

log = logging.getLogger(__name__)

STALE_AFTER_S = 120.0  # where we cannot ask the OS whether the writer still runs (Windows)
MAX_SIDECAR_BYTES = 64 * 1024


@dataclass(frozen=True)
class RecoveryItem:
    file: Path
    meta: Path
    name: str
    original_path: Path | None
    saved_at: float


def write_copy(project: Project, file: Path, meta: Path) -> None:
    """Write the recovery copy and its sidecar (atomically; AccordError when the disk refuses)."""
    write_project(project, file, indent=None)  # compact: the C encoder, so the GUI thread stalls less
    atomic_write_text(meta, json.dumps({
        "pid": os.getpid(), "name": project.name, "saved_at": time.time(),
        "original_path": None if project.path is None else str(project.path)}))


def remove_copy(file: Path, meta: Path) -> None:
    for p in (file, meta):
        with contextlib.suppress(OSError):
            p.unlink()


def writer_running(pid: int, saved_at: float) -> bool:
    """Whether the studio that wrote a copy may still be running (then its copy is not ours to offer)."""
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


def _item(meta: Path) -> tuple[RecoveryItem, int] | None:
    try:
        if meta.stat().st_size > MAX_SIDECAR_BYTES:
            return None
        data = json.loads(meta.read_text(encoding="utf-8"))
        pid, saved_at = int(data["pid"]), float(data["saved_at"])
        original = data.get("original_path")
        return RecoveryItem(file=meta.with_suffix(".accord"), meta=meta, name=str(data.get("name") or "Untitled"),
                            original_path=Path(original) if original else None, saved_at=saved_at), pid
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None  # RecursionError: a sidecar nested past the recursion limit must not stop the studio


def find_recoverable(folder: Path) -> list[RecoveryItem]:
    """Copies whose studio is gone, newest first (damaged sidecars are skipped)."""
    items = []
    for meta in sorted(folder.glob("*.json")):
        found = _item(meta)
        if found is None:
            log.info("skipping an unreadable recovery sidecar %s", meta.name)
            continue
        item, pid = found
        if item.file.is_file() and not writer_running(pid, item.saved_at):
            items.append(item)
    return sorted(items, key=lambda i: -i.saved_at)


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path


def _project_of(item: RecoveryItem) -> Path | str:
    """What a copy is a copy of: the user's file, or (never saved) the copy itself."""
    return _resolved(item.original_path) if item.original_path is not None else str(item.file)


def by_project(items: list[RecoveryItem]) -> list[list[RecoveryItem]]:
    """Copies grouped by the user's file they belong to, in the order given (newest first): a project's newer
    copy supersedes its older ones, but never another project's. Untitled copies are each their own work."""
    groups: dict[Path | str, list[RecoveryItem]] = {}
    for item in items:
        groups.setdefault(_project_of(item), []).append(item)
    return list(groups.values())


def copies_of(items: list[RecoveryItem], path: Path) -> list[RecoveryItem]:
    """The copies autosaved from the user's file at `path`."""
    return [i for i in items if _project_of(i) == _resolved(path)]


def discard_item(item: RecoveryItem) -> None:
    remove_copy(item.file, item.meta)


def set_aside(item: RecoveryItem, tag: str, *, current: RecoveryItem | None = None) -> RecoveryItem:
    """Rename a copy (now at `current`, by default where `item` says) to `<name>.<tag>.accord` with sidecar
    `<name>.<tag>.meta`: out of what `find_recoverable` offers, but in the same folder."""
    src = current or item
    moved = dataclasses.replace(item, file=item.file.with_name(f"{item.file.stem}.{tag}.accord"),
                                meta=item.meta.with_name(f"{item.meta.stem}.{tag}.meta"))
    for a, b in ((src.file, moved.file), (src.meta, moved.meta)):
        with contextlib.suppress(OSError):
            os.replace(a, b)
    return moved


def recovered_project(item: RecoveryItem) -> Project:
    """The autosaved project, pointing back at the user's file (so Save writes there, and only then)."""
    project = load_project(item.file)
    project.path = item.original_path
    project.name = item.name
    return project
