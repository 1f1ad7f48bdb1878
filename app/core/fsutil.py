"""Atomic file writes: a temp file in the same folder, fsync, os.replace, fsync of the folder.

After a crash a file is either its old or its new complete version. Temp files carry a recognisable
prefix so `clean_stale_temps` can remove leftovers at start.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from app.core.errors import WriteError

log = logging.getLogger(__name__)

TEMP_PREFIX = ".accord-tmp-"


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # not supported on this platform (Windows)
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _describe(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EROFS:
        return "the disk is read-only"
    return exc.strerror or str(exc)


def _folder_problem(folder: Path, exc: OSError) -> str:
    """Why nothing can be written in `folder`, naming the folder (the error names only the file)."""
    if exc.errno in (errno.EEXIST, errno.ENOTDIR):
        blocker = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)
        if blocker is not None:
            return f"cannot create the folder '{folder}': '{blocker}' is a file, not a folder"
    return f"cannot write in the folder '{folder}': {_describe(exc)}"


@contextlib.contextmanager
def owned_temp(folder: Path, suffix: str) -> Iterator[Path]:
    """A new empty temp file in `folder` (TEMP_PREFIX…suffix), removed when the block raises, whatever it raises.

    The name is chosen, and held here, before the file is created (O_CREAT|O_EXCL), so there is no moment at which
    the file exists and the cleanup would not know it: a SIGTERM landing right after mkstemp (whose name only
    arrives with its return) left an `.accord-tmp-*` beside a terminated export. Masking the signals around
    mkstemp did not hold in a process with other threads (the studio's): the kernel hands a process-wide signal to
    any thread that does not mask it, and Python still runs the handler on the main thread."""
    tmp: Path | None = None
    try:
        for _attempt in range(100):
            tmp = folder / f"{TEMP_PREFIX}{secrets.token_hex(6)}{suffix}"
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
            except FileExistsError:
                tmp = None  # another's file: never ours to remove
                continue
            os.close(fd)
            break
        else:
            raise FileExistsError(errno.EEXIST, "no free temp file name", str(folder))
        yield tmp
    except BaseException:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise


@contextlib.contextmanager
def atomic_path(path: str | Path, *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temp path beside `path`; when the block succeeds it replaces `path` atomically.

    For libraries that want a file name (soundfile, mido, mutagen). The temp name keeps the extension
    (or `suffix`) so format detection by extension still works. On error the temp file is removed and
    the old file is untouched.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():  # os.replace would fail only at the end, with "Is a directory"
        raise WriteError("is a folder, not a file", path=target, hint="give a file name inside it")
    created = False
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with owned_temp(folder, suffix if suffix is not None else target.suffix) as tmp:  # removed on any error
            created = True
            yield tmp
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            if target.exists():
                with contextlib.suppress(OSError):
                    os.chmod(tmp, target.stat().st_mode & 0o777)
            else:
                with contextlib.suppress(OSError):
                    umask = os.umask(0)
                    os.umask(umask)
                    os.chmod(tmp, 0o666 & ~umask)
            os.replace(tmp, target)
            _fsync_dir(folder)
    except OSError as exc:
        if not created:
            raise WriteError(_folder_problem(folder, exc), path=target) from exc
        raise WriteError(f"could not be written: {_describe(exc)}; the previous version is kept", path=target) from exc


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "wb", *, encoding: str | None = None) -> Iterator[IO]:
    """Open a temp file for writing; it replaces `path` atomically when the block succeeds."""
    if "r" in mode or "a" in mode:
        raise ValueError("atomic_open is for writing a whole new file")
    with atomic_path(path) as tmp:
        try:
            with open(tmp, mode, encoding=encoding if "b" not in mode else None) as fh:
                yield fh
                fh.flush()
        except OSError as exc:
            raise WriteError(f"could not be written: {_describe(exc)}; the previous version is kept",
                             path=path) from exc


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    with atomic_open(path, "wb") as fh:
        fh.write(data)


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def not_a_regular_file(path: str | Path) -> str | None:
    """Why `path` must not be opened as a file (a pipe, device or socket would block or never end), or None.

    None also when it cannot be inspected: the caller's open() then reports the real problem (not found...).
    A FIFO named song.mid hung every reader, and a link to /dev/zero read forever (found by tests/reliability).
    """
    import stat

    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    kind = ("a pipe (FIFO)" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
    return f"is {kind}, not a file Accord can read"


def clean_stale_temps(folder: str | Path, *, older_than_seconds: float = 60.0) -> list[Path]:
    """Remove Accord temp files left by a crash (older than a minute, so live writers are safe)."""
    removed: list[Path] = []
    folder = Path(folder)
    if not folder.is_dir():
        return removed
    now = time.time()
    for p in folder.glob(TEMP_PREFIX + "*"):
        try:
            if now - p.stat().st_mtime >= older_than_seconds:
                p.unlink()
                removed.append(p)
        except OSError:
            continue
    return removed


def natural_key(name: str) -> tuple:
    """Sort key putting numbered names in counting order ("2_bass" before "10_keys", as a DAW numbers the
    tracks it exports), case-insensitive, the name itself breaking ties. re.split with a group alternates text
    and digits, so two keys compare text with text and numbers with numbers."""
    parts = re.split(r"(\d+)", name)
    return tuple(int(p) if i % 2 else p.casefold() for i, p in enumerate(parts)), name


def files_in_folder(folder: str | Path, accept: Callable[[Path], bool], *, max_depth: int | None = None,
                    limit: int | None = None) -> list[Path]:
    """Files below `folder` that `accept` takes, in a stable order (numbers counted: `natural_key`), hidden
    files and folders skipped; `max_depth` levels of sub-folders at most, and the walk stops once more than
    `limit` are found."""
    out: list[Path] = []
    base_depth = len(Path(folder).parts)
    for root, dirs, names in os.walk(folder):  # links are not followed, so a link loop cannot trap the walk
        for name in dirs:
            if not name.startswith(".") and os.path.islink(os.path.join(root, name)):
                log.warning("%s: skipped (a link to a folder; Accord does not follow links inside a folder it "
                            "imports — add that folder itself)", os.path.join(root, name))
        dirs[:] = sorted((d for d in dirs if not d.startswith(".") and not os.path.islink(os.path.join(root, d))),
                         key=natural_key)
        if max_depth is not None and len(Path(root).parts) - base_depth >= max_depth:
            dirs[:] = []
        for name in sorted(names, key=natural_key):
            child = Path(root) / name
            if name.startswith("."):
                continue
            if child.is_symlink() and not child.exists():
                log.warning("%s: skipped (a broken link, or a link that loops back on itself)", child)
                continue
            if accept(child):
                out.append(child)
        if limit is not None and len(out) > limit:
            break
    return out
