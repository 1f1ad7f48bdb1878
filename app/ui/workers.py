"""Run core tasks (`task(progress, cancel)`) off the GUI thread and report back through signals.

One small adapter, as DESIGN.md §2 says: a `TaskRunner` owns a QThreadPool (or runs synchronously in
tests) and returns a `TaskHandle` whose signals fire on the GUI thread: progress(float, str),
finished(object), failed(Exception), cancelled(). Workers never touch widgets or mutate the project.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from app.core.tasks import Cancelled, CancelToken

log = logging.getLogger(__name__)


class TaskHandle(QObject):
    progress = Signal(float, str)
    finished = Signal(object)
    failed = Signal(object)
    cancelled = Signal()

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.token = CancelToken()
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None

    def cancel(self) -> None:
        self.token.cancel()


class _Runnable(QRunnable):
    def __init__(self, fn: Callable, handle: TaskHandle) -> None:
        super().__init__()
        self.fn = fn
        self.handle = handle
        self.setAutoDelete(True)

    def run(self) -> None:
        _execute(self.fn, self.handle)


def _execute(fn: Callable, handle: TaskHandle) -> None:
    try:
        result = fn(lambda f, t="": handle.progress.emit(float(f), str(t)), handle.token)
    except Cancelled:
        handle.done = True
        handle.cancelled.emit()
    except Exception as exc:  # noqa: BLE001 — every failure reaches the GUI as a message, never a crash
        if not hasattr(exc, "reason"):
            log.error("task %s failed:\n%s", handle.name, traceback.format_exc())
        handle.error = exc
        handle.done = True
        handle.failed.emit(exc)
    else:
        handle.result = result
        handle.done = True
        handle.finished.emit(result)


class TaskRunner(QObject):
    """Starts tasks on a thread pool; `synchronous=True` runs them inline (tests, deterministic)."""

    def __init__(self, *, synchronous: bool = False, pool: QThreadPool | None = None) -> None:
        super().__init__()
        self.synchronous = synchronous
        self.pool = pool or QThreadPool.globalInstance()
        self._live: set[TaskHandle] = set()

    def start(self, name: str, fn: Callable, *, on_finished: Callable | None = None,
              on_failed: Callable | None = None, on_progress: Callable | None = None,
              on_cancelled: Callable | None = None) -> TaskHandle:
        handle = TaskHandle(name)
        if on_finished:
            handle.finished.connect(on_finished)
        if on_failed:
            handle.failed.connect(on_failed)
        if on_progress:
            handle.progress.connect(on_progress)
        if on_cancelled:
            handle.cancelled.connect(on_cancelled)
        self._live.add(handle)
        for sig in (handle.finished, handle.failed, handle.cancelled):
            sig.connect(lambda *_a, h=handle: self._live.discard(h))
        if self.synchronous:
            _execute(fn, handle)
        else:
            self.pool.start(_Runnable(fn, handle))
        return handle

    def wait(self, msecs: int = 30000) -> bool:
        return self.pool.waitForDone(msecs) if not self.synchronous else True
