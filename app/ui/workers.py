"""Run core tasks (`task(progress, cancel)`) off the GUI thread and report back through signals.

One small adapter, as DESIGN.md §2 says: a `TaskRunner` owns a QThreadPool (or runs synchronously in
tests) and returns a `TaskHandle` whose signals fire on the GUI thread: progress(float, str),
finished(object), failed(Exception), cancelled(). Workers never touch widgets or mutate the project.
"""

from __future__ import annotations

import logging
import traceback
import weakref
from collections.abc import Callable
from typing import Any

import shiboken6
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
        self.delivered = False  # its last signal (finished, failed or cancelled) was handled on the GUI thread
        self.result: Any = None
        self.error: BaseException | None = None

    def cancel(self) -> None:
        self.token.cancel()


class _Ticket:
    """What a worker holds instead of the handle itself, so that the handle (a QObject owned by the GUI
    thread) is never destroyed on a worker thread: the worker drops its reference *before* it marks the
    ticket released, and the runner forgets a handle only once its ticket is released."""

    __slots__ = ("handle", "released", "runner")

    def __init__(self, handle: TaskHandle, runner: TaskRunner) -> None:
        self.handle: TaskHandle | None = handle
        self.released = False
        # weak, like the handle's release: the worker must not hold the last reference to a GUI-thread object
        self.runner = weakref.ref(runner)


class _Runnable(QRunnable):
    def __init__(self, fn: Callable, ticket: _Ticket) -> None:
        super().__init__()
        self.fn = fn
        self.ticket = ticket
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            _execute(self.fn, self.ticket.handle)
        finally:
            self.ticket.handle = None
            self.ticket.released = True
            # the handle's own signals reached the GUI thread before `released` was set, so their prune may
            # have missed it; this one is queued after it
            _announce(self.ticket.runner())


def _announce(runner: TaskRunner | None) -> None:
    if runner is not None and shiboken6.isValid(runner):
        try:
            runner.let_go.emit()
        except RuntimeError:  # the runner was deleted between the check and the emit
            pass


def _emit(handle: TaskHandle, name: str, *args: object) -> None:
    """Emit one of the handle's signals unless its C++ object is gone (the studio closed while the task ran:
    nobody is left to hear, and the task is told to stop)."""
    if not shiboken6.isValid(handle):
        handle.token.cancel()
        return
    try:
        getattr(handle, name).emit(*args)
    except RuntimeError:  # deleted between the check and the emit
        handle.token.cancel()


def _execute(fn: Callable, handle: TaskHandle) -> None:
    try:
        result = fn(lambda f, t="": _emit(handle, "progress", float(f), str(t)), handle.token)
    except Cancelled:
        handle.done = True
        _emit(handle, "cancelled")
    except Exception as exc:  # noqa: BLE001 — every failure reaches the GUI as a message, never a crash
        if not hasattr(exc, "reason"):
            log.error("task %s failed:\n%s", handle.name, traceback.format_exc())
        handle.error = exc
        handle.done = True
        _emit(handle, "failed", exc)
    else:
        handle.result = result
        handle.done = True
        _emit(handle, "finished", result)


class TaskRunner(QObject):
    """Starts tasks on a thread pool; `synchronous=True` runs them inline (tests, deterministic)."""

    let_go = Signal()  # a worker dropped its handle (emitted on the worker thread, pruned on the GUI thread)

    def __init__(self, *, synchronous: bool = False, pool: QThreadPool | None = None) -> None:
        super().__init__()
        self.synchronous = synchronous
        self.pool = pool or QThreadPool.globalInstance()
        self._live: dict[TaskHandle, _Ticket] = {}
        self.let_go.connect(self._prune)

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
        # connected after the caller's slots, so it runs after them: from then on the handle may go
        ref, runner_ref = weakref.ref(handle), weakref.ref(self)

        def delivered(*_args: object) -> None:
            if (h := ref()) is not None:
                h.delivered = True
            if (runner := runner_ref()) is not None and shiboken6.isValid(runner):
                runner._prune()

        for signal in (handle.finished, handle.failed, handle.cancelled):
            signal.connect(delivered)
        self._prune()
        if self.synchronous:
            _execute(fn, handle)
            return handle
        ticket = _Ticket(handle, self)
        self._live[handle] = ticket
        self.pool.start(_Runnable(fn, ticket))
        return handle

    def live(self) -> int:
        """How many started tasks the runner still holds (running, or their worker not yet let go)."""
        return len(self._live)

    def _prune(self) -> None:
        """Forget handles whose worker has let go of them and whose last signal has been handled here (their last
        reference dies on this thread). A signal emitted on a worker waits in this thread's queue until the event
        loop gets to it; a handle forgotten before then takes the queued call with it (Qt drops the events of a
        deleted object): a result would never arrive (the export preview hung at "Checking consent…")."""
        # (a handle deleted from outside, the studio closing, never hears its last signal)
        for handle in [h for h, t in self._live.items()
                       if t.released and (h.delivered or not shiboken6.isValid(h))]:
            del self._live[handle]

    def cancel_all(self) -> None:
        """Ask every running task to stop (the studio is closing)."""
        for handle in list(self._live):
            handle.token.cancel()

    def wait(self, msecs: int = 30000) -> bool:
        return self.pool.waitForDone(msecs) if not self.synchronous else True
