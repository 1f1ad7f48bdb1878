"""The task adapter: results, failures, cancellation and progress reach the GUI thread."""

from __future__ import annotations

import threading

from app.core.errors import AccordError
from app.ui.workers import TaskRunner


def test_threaded_tasks_report_on_the_gui_thread_and_are_forgotten_afterwards(qtbot):
    runner = TaskRunner()
    seen: list[tuple[int, str]] = []
    progress_threads: set[str] = set()

    def job(i):
        def run(progress, cancel):
            progress(0.5, "half")
            return i * i
        return run

    handles = [runner.start(f"t{i}", job(i), on_finished=lambda r: seen.append((r, threading.current_thread().name)),
                            on_progress=lambda f, t: progress_threads.add(threading.current_thread().name))
               for i in range(40)]
    qtbot.waitUntil(lambda: len(seen) == 40, timeout=10000)
    assert sorted(r for r, _ in seen) == [i * i for i in range(40)]
    assert {name for _, name in seen} == {threading.main_thread().name}
    assert progress_threads == {threading.main_thread().name}
    assert all(h.done for h in handles)
    runner.wait()
    # with no later task to prune it, each worker's own notice must let the runner forget its task
    qtbot.waitUntil(lambda: runner.live() == 0, timeout=5000)


def test_failure_and_cancel(qtbot):
    runner = TaskRunner(synchronous=True)
    failures, cancels = [], []

    def bad(progress, cancel):
        raise AccordError("no good", path="x.wav")

    runner.start("bad", bad, on_failed=failures.append)
    assert str(failures[0]) == "x.wav: no good"

    def cancellable(progress, cancel):
        cancel.cancel()
        cancel.check()

    runner.start("c", cancellable, on_cancelled=lambda: cancels.append(1))
    assert cancels == [1]


def test_a_task_whose_handle_is_gone_is_told_to_stop_and_raises_nothing(qtbot, caplog):
    """The studio closed (its handles deleted) while a task ran: the task's next progress report cancels it,
    and nothing is emitted on the deleted object (which raised 'Signal source has been deleted' in a worker)."""
    import shiboken6

    runner = TaskRunner()
    go, stopped = threading.Event(), threading.Event()

    def long_task(progress, cancel):
        go.wait(10)
        progress(0.5, "half way")
        if cancel.cancelled:
            stopped.set()
        cancel.check()
        return "finished anyway"

    handle = runner.start("long", long_task)
    token = handle.token
    shiboken6.delete(handle)
    go.set()
    assert stopped.wait(10), "the task was not told to stop"
    runner.wait()
    assert token.cancelled
    assert "failed" not in caplog.text


def test_cancel_all_stops_running_tasks(qtbot):
    runner = TaskRunner()
    started = threading.Event()
    cancels: list[int] = []

    def endless(progress, cancel):
        started.set()
        while True:
            cancel.check()
            threading.Event().wait(0.01)

    runner.start("endless", endless, on_cancelled=lambda: cancels.append(1))
    assert started.wait(10)
    runner.cancel_all()
    assert runner.wait(5000)
    qtbot.waitUntil(lambda: cancels == [1], timeout=5000)


def test_a_task_is_forgotten_even_when_its_result_arrives_before_its_worker_lets_go(qtbot, monkeypatch):
    """The race CI once hit: the GUI thread handles `finished` (and prunes) while the worker still holds the
    handle. Here the worker waits until the GUI has handled the result, so that order is certain."""
    import app.ui.workers as workers

    delivered = threading.Event()
    execute = workers._execute

    def execute_then_wait_for_the_gui(fn, handle):  # noqa: ANN001, ANN202
        execute(fn, handle)
        assert delivered.wait(5)

    monkeypatch.setattr(workers, "_execute", execute_then_wait_for_the_gui)
    runner = TaskRunner()
    go = threading.Event()
    handle = runner.start("late", lambda p, c: go.wait(5))
    # connected last, so it runs after every slot the runner itself may have on `finished`
    handle.finished.connect(lambda r: delivered.set())
    go.set()
    qtbot.waitUntil(delivered.is_set, timeout=5000)
    qtbot.waitUntil(lambda: runner.live() == 0, timeout=5000)


def test_a_result_posted_but_not_yet_handled_survives_a_prune(qtbot):
    """The export dialog's preview once hung at "Checking consent…": its first task's late `let_go` pruned the
    second task, whose worker had already let go but whose `finished` still waited in the GUI thread's queue.
    The handle (held by nobody else) died with it, and Qt dropped the queued result. Here the GUI thread prunes
    at exactly that moment, without handling events in between."""
    import gc
    import time

    runner = TaskRunner()
    results: list[int] = []
    runner.start("quick", lambda p, c: 7, on_finished=results.append)  # the handle is not kept, as in the dialog
    deadline = time.monotonic() + 5
    while not all(t.released for t in runner._live.values()) and time.monotonic() < deadline:
        time.sleep(0.001)  # the worker has run and let go; its `finished` is queued, not yet handled
    assert runner.wait(5000) and results == []
    runner._prune()  # what a `let_go` from an earlier task, or another start(), does at this moment
    gc.collect()
    qtbot.waitUntil(lambda: results == [7], timeout=3000)
    qtbot.waitUntil(lambda: runner.live() == 0, timeout=3000)
