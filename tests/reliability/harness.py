"""Runs corpus cases in a pool of memory-limited worker processes (tests/reliability/worker.py).

Each worker is a plain subprocess spoken to in JSON lines; a thread per worker feeds it cases. A worker
that dies (segfault, killed by the kernel) or misses the deadline is recorded as a crash for that case and
replaced by a fresh one, so one bad case never hides the others.
"""

from __future__ import annotations

import json
import os
import queue
import selectors
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
DEFAULT_MEM_LIMIT_MB = 2048  # measured: librosa's pYIN peaks near 600 MB of address space; Qt core ~210 MB
DEFAULT_CASE_TIMEOUT = 20.0
STARTUP_TIMEOUT = 60.0


@dataclass(frozen=True)
class Job:
    path: Path
    entry: str


class _Proc:
    def __init__(self, mem_limit_mb: int, case_timeout: float) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="accord-corpus-worker-"))
        env = dict(os.environ, ACCORD_HOME=str(self.home), QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO))
        self.p = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.worker", "--home", str(self.home), "--mem-limit-mb",
             str(mem_limit_mb), "--case-timeout", str(case_timeout)],
            cwd=REPO, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        hello = self.read(STARTUP_TIMEOUT)
        if not hello or not hello.get("ready"):
            self.kill()
            raise RuntimeError("corpus worker did not start")

    def read(self, timeout: float) -> dict[str, Any] | None:
        assert self.p.stdout is not None
        with selectors.DefaultSelector() as sel:  # not select.select: it cannot wait on descriptors >= 1024
            sel.register(self.p.stdout, selectors.EVENT_READ)
            if not sel.select(timeout):
                return None
        line = self.p.stdout.readline()
        return json.loads(line) if line else None

    def ask(self, job: Job, timeout: float) -> dict[str, Any] | None:
        assert self.p.stdin is not None
        try:
            self.p.stdin.write(json.dumps({"path": str(job.path), "entry": job.entry}) + "\n")
            self.p.stdin.flush()
        except (BrokenPipeError, OSError):
            return None
        return self.read(timeout)

    def kill(self) -> int | None:
        if self.p.poll() is None:
            self.p.kill()
        code = self.p.wait()
        import shutil

        shutil.rmtree(self.home, ignore_errors=True)
        return code


def run_jobs(jobs: list[Job], *, workers: int = 2, mem_limit_mb: int = DEFAULT_MEM_LIMIT_MB,
             case_timeout: float = DEFAULT_CASE_TIMEOUT) -> list[dict[str, Any]]:
    """Every job's outcome (same order as `jobs`), each with "path", "entry" and "outcome" (see worker.py),
    or outcome "crash" when the worker died or hung."""
    todo: queue.Queue[tuple[int, Job]] = queue.Queue()
    for i, job in enumerate(jobs):
        todo.put((i, job))
    results: list[dict[str, Any] | None] = [None] * len(jobs)
    deadline = case_timeout + 15.0  # the worker's own alarm fires first; this catches hangs in C code

    failures: list[BaseException] = []

    def drive() -> None:
        try:
            proc = _Proc(mem_limit_mb, case_timeout)
        except BaseException as exc:  # noqa: BLE001 - reported below: a pool that never started is a failure
            failures.append(exc)
            return
        try:
            while True:
                try:
                    i, job = todo.get_nowait()
                except queue.Empty:
                    return
                started = time.perf_counter()
                answer = proc.ask(job, deadline)
                if answer is None:
                    code = proc.kill()
                    answer = {"outcome": "crash", "message": f"worker died or hung (exit code {code})",
                              "changed": [], "seconds": round(time.perf_counter() - started, 3), "max_rss_kb": 0}
                    proc = _Proc(mem_limit_mb, case_timeout)
                results[i] = dict(answer, path=str(job.path), name=job.path.name, entry=job.entry)
        finally:
            proc.kill()

    threads = [threading.Thread(target=drive, daemon=True) for _ in range(max(1, workers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures and all(r is None for r in results):
        raise RuntimeError(f"no corpus worker started: {failures[0]!r}") from failures[0]
    return [r for r in results if r is not None]
