"""Long work as plain callables: `task(progress, cancel)`.

Core functions that take a while accept a `progress(fraction, text)` callback and a `CancelToken`, and
call `cancel.check()` at safe points. The UI adapter (app/ui/workers.py) runs them on a QThreadPool; the
CLI and tests call them directly.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol, TypeVar

from app.core.errors import AccordError

T = TypeVar("T")


class Progress(Protocol):
    def __call__(self, fraction: float, text: str = "") -> None: ...


def no_progress(fraction: float, text: str = "") -> None:
    """A progress callback that ignores reports."""


class Cancelled(AccordError):
    """The user cancelled a long task; nothing was changed."""

    def __init__(self, reason: str = "cancelled", **kw) -> None:
        super().__init__(reason, **kw)


class CancelToken:
    """A thread-safe cancel flag. `check()` raises Cancelled once `cancel()` was called."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled()


NEVER_CANCELLED = CancelToken()

Task = Callable[[Progress, CancelToken], T]


def scaled(progress: Progress, start: float, end: float) -> Progress:
    """A progress callback mapping 0..1 onto start..end of a parent's range (for sub-steps)."""

    def report(fraction: float, text: str = "") -> None:
        progress(start + (end - start) * min(1.0, max(0.0, fraction)), text)

    return report
