"""Start a JACK server with its dummy driver (no sound card): for tests, benchmarks and headless machines.

`jackd --no-realtime -d dummy -r 48000 -p 256` paces its cycles like a sound card would (5.33 ms at 256
frames), so MIDI timing measured against its frames means something. The server gets its own name so it
never collides with a user's JACK server; clients find it through JACK_DEFAULT_SERVER.

`sync` (default on) runs the server in synchronous mode: each cycle waits for every client. Without realtime
scheduling on a loaded machine, a Python client (Accord's port, or the test's keyboard and DAW) may miss a
cycle; in JACK2's default asynchronous mode that cycle's MIDI is then lost or late for that client, which is
the test rig's noise, not Accord's timing. A DAW on a realtime server does not miss cycles.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from app.core.live.types import LiveError

T = TypeVar("T")

log = logging.getLogger(__name__)
STARTUP_TIMEOUT_S = 10.0


OPEN_ATTEMPTS = 3
OPEN_RETRY_S = 0.15


JACK_SERVER_PROCESSES = frozenset({"jackd", "jackdbus", "pipewire"})  # PipeWire serves JACK clients itself


def _a_server_may_run() -> bool:
    """False only when /proc lists processes and none is a JACK server (then one failed open is the answer)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return True  # no /proc (macOS, Windows): cannot tell, so ask again
    for comm in proc.glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() in JACK_SERVER_PROCESSES:
                return True
        except OSError:  # the process ended while we looked
            continue
    return False


def ask_again(call: Callable[[], T], error: type[BaseException] | tuple[type[BaseException], ...], *,
              worth_asking: Callable[[], bool] = lambda: True) -> T:
    """`call()`, asked up to OPEN_ATTEMPTS times OPEN_RETRY_S apart while it raises `error` and `worth_asking()`
    says another try may answer: a busy JACK server can fail to answer a request in time (seen on a loaded
    two-core machine). The last failure is raised."""
    for attempt in range(OPEN_ATTEMPTS):
        try:
            return call()
        except error:
            if attempt + 1 == OPEN_ATTEMPTS or not worth_asking():
                raise
            time.sleep(OPEN_RETRY_S)
    raise AssertionError("unreachable")


def open_client(jack: Any, name: str, *, server_name: str | None = None) -> Any:
    """A jack.Client on a running server (never starts one), asked again while busy (`ask_again`): the Live panel
    had said the server was gone, or chose another MIDI system, while jackd ran. When no JACK server process runs,
    the first failure is the answer (no waiting). Raises jack.JackError."""
    return ask_again(lambda: jack.Client(name, no_start_server=True, servername=server_name), jack.JackError,
                     worth_asking=_a_server_may_run)


def connect_ports(jack: Any, client: Any, source: str, destination: str) -> None:
    """Connect two ports, asked again while the server is busy (`ask_again`) but only while both ports exist and
    the connection is not there already: a port that is gone, or a connection someone made before, fails at
    once. A connection that the busy server made after all (the retry finds it there) is a success. Raises
    jack.JackError."""
    tries: list[BaseException | None] = []

    def connect() -> None:
        try:
            client.connect(source, destination)
        except jack.JackError as exc:
            if tries and _already_connected(exc):
                return  # the earlier request landed late
            tries.append(exc)
            raise
        tries.append(None)

    def worth_asking() -> bool:
        if _already_connected(tries[-1]):
            return False
        try:
            client.get_port_by_name(source)
            client.get_port_by_name(destination)
        except jack.JackError:
            return False
        return True

    ask_again(connect, jack.JackError, worth_asking=worth_asking)


def _already_connected(exc: BaseException | None) -> bool:
    return getattr(exc, "code", None) == errno.EEXIST


def jack_server_running(server_name: str | None = None) -> bool:
    """True when a JACK server answers (never starts one). False when JACK-Client or libjack is missing."""
    try:
        import jack
    except (ImportError, OSError):
        return False
    quiet_jack_errors(jack)
    try:
        client = open_client(jack, "accord-probe", server_name=server_name)
    except jack.JackError:
        return False
    client.close()
    return True


_quieted: set[int] = set()  # id() of each jack module whose error and info functions are ours
_quieting = threading.Lock()


def _log_jack(text: str) -> None:
    log.debug("jack: %s", text)


def quiet_jack_errors(jack: object) -> None:
    """libjack prints to stderr when no server answers (a normal answer to "is JACK running?"): log it instead.

    Once per process. JACK-Client frees the C callback it set before when it sets a new one, and it drops the old
    one before libjack points at the new: a libjack thread that logs in that moment (another client's notification
    thread, told of the client being opened) calls freed memory. Every probe used to set them again, and a test
    that probed while a peer client ran crashed its process with a segmentation fault."""
    with _quieting:
        if id(jack) in _quieted:
            return
        jack.set_error_function(_log_jack)  # type: ignore[attr-defined]
        jack.set_info_function(_log_jack)  # type: ignore[attr-defined]
        _quieted.add(id(jack))


class DummyJackServer:
    """Context manager: a `jackd` with the dummy driver, named `name`, exported as JACK_DEFAULT_SERVER."""

    def __init__(self, name: str | None = None, *, sample_rate: int = 48000, period: int = 256,
                 sync: bool = True, log_path: Path | None = None) -> None:
        self.name = name or f"accord-{os.getpid()}-{time.monotonic_ns() % 100000}"
        self.sample_rate, self.period = sample_rate, period
        self.log_path = log_path
        self.sync = sync
        self._proc: subprocess.Popen | None = None
        self._old_env: dict[str, str | None] = {}

    def start(self) -> DummyJackServer:
        exe = shutil.which("jackd")
        if exe is None:
            raise LiveError("jackd is not installed", hint="install the jackd2 package (apt-get install jackd2)")
        args = [exe, "-n", self.name, "--no-realtime", *(["--sync"] if self.sync else []), "-d", "dummy",
                "-r", str(self.sample_rate), "-p", str(self.period)]
        if self.log_path is None:
            self._proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                          stdin=subprocess.DEVNULL)
        else:
            with open(self.log_path, "ab") as log:
                self._proc = subprocess.Popen(args, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        for key, value in (("JACK_DEFAULT_SERVER", self.name), ("JACK_NO_START_SERVER", "1")):
            self._old_env[key] = os.environ.get(key)
            os.environ[key] = value
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                self._restore_env()
                raise LiveError(f"jackd exited at start (code {self._proc.returncode})",
                                hint="run jackd --no-realtime -d dummy by hand to see why")
            if jack_server_running(self.name):
                return self
            time.sleep(0.05)
        self.stop()
        raise LiveError(f"jackd did not answer within {STARTUP_TIMEOUT_S:g} s")

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None
        self._restore_env()

    def _restore_env(self) -> None:
        for key, value in self._old_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._old_env = {}

    def __enter__(self) -> DummyJackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
