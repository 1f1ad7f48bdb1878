"""Opening a JACK client asks a busy server again (app.core.live.jack_server.open_client).

On a loaded two-core machine jackd sometimes failed to answer a client's open in time: the Live panel then
had no hot-plug monitor or chose another MIDI system although the server ran (the Live panel's tests failed
about one run in three beside a transcription on the other test worker). The retries are checked here with a
stand-in for JACK-Client's module that fails a given number of times; the real server is in the live tests.
"""

from __future__ import annotations

import errno

import pytest

from app.core.live import jack_server
from app.core.live.jack_server import OPEN_ATTEMPTS, connect_ports, jack_server_running, open_client


class _Busy(Exception):
    pass


class _FlakyJack:
    JackError = _Busy

    def __init__(self, failures: int) -> None:
        self.failures, self.calls = failures, []

    def Client(self, name, *, no_start_server, servername):  # noqa: N802 — JACK-Client's name
        self.calls.append((name, no_start_server, servername))
        if len(self.calls) <= self.failures:
            raise _Busy("server did not answer")
        return f"client {name}"


@pytest.fixture(autouse=True)
def _no_wait(monkeypatch):
    monkeypatch.setattr(jack_server, "OPEN_RETRY_S", 0.0)
    monkeypatch.setattr(jack_server, "_a_server_may_run", lambda: True)


def test_a_busy_server_is_asked_again():
    jack = _FlakyJack(failures=OPEN_ATTEMPTS - 1)
    assert open_client(jack, "Accord", server_name="s") == "client Accord"
    assert jack.calls == [("Accord", True, "s")] * OPEN_ATTEMPTS  # never starts a server


def test_a_server_that_never_answers_raises_after_the_last_attempt():
    jack = _FlakyJack(failures=OPEN_ATTEMPTS)
    with pytest.raises(_Busy):
        open_client(jack, "Accord")
    assert len(jack.calls) == OPEN_ATTEMPTS


def test_no_server_is_no_server():
    pytest.importorskip("jack", reason="JACK-Client is not installed")
    assert jack_server_running("accord-no-such-server") is False


def test_without_a_server_process_the_first_failure_is_the_answer(monkeypatch):
    monkeypatch.setattr(jack_server, "_a_server_may_run", lambda: False)
    jack = _FlakyJack(failures=OPEN_ATTEMPTS)
    with pytest.raises(_Busy):
        open_client(jack, "Accord")
    assert len(jack.calls) == 1


def test_a_running_jackd_is_seen_among_the_processes():
    pytest.importorskip("jack", reason="JACK-Client is not installed")
    import shutil

    if shutil.which("jackd") is None:
        pytest.skip("jackd is not installed")
    from app.core.live.jack_server import DummyJackServer

    with_server = DummyJackServer().start()
    try:
        assert jack_server._a_server_may_run()
    finally:
        with_server.stop()


class _Ports:
    """A stand-in JACK client for connect_ports: its connects fail `failures` times (a busy server), optionally
    after landing (the server made the connection but answered late); `missing` ports do not exist."""

    def __init__(self, failures: int, *, landed: bool = False, missing: tuple[str, ...] = ()) -> None:
        self.failures, self.landed, self.missing = failures, landed, missing
        self.connects, self.made = 0, set()

    def get_port_by_name(self, name):
        if name in self.missing:
            raise _Busy(f"Port {name!r} not available")
        return name

    def connect(self, a, b):
        self.connects += 1
        if (a, b) in self.made:
            error = _Busy("already exists")
            error.code = errno.EEXIST
            raise error
        if self.connects <= self.failures:
            if self.landed:
                self.made.add((a, b))
            raise _Busy("server did not answer")
        self.made.add((a, b))


def test_a_connect_is_asked_again_while_the_server_is_busy():
    client = _Ports(failures=OPEN_ATTEMPTS - 1)
    connect_ports(_FlakyJack(0), client, "a:out", "b:in")
    assert client.made == {("a:out", "b:in")} and client.connects == OPEN_ATTEMPTS


def test_a_connect_the_busy_server_made_after_all_is_a_success():
    client = _Ports(failures=1, landed=True)
    connect_ports(_FlakyJack(0), client, "a:out", "b:in")
    assert client.made == {("a:out", "b:in")} and client.connects == 2


def test_a_connect_to_a_port_that_is_gone_fails_at_once():
    client = _Ports(failures=OPEN_ATTEMPTS, missing=("b:in",))
    with pytest.raises(_Busy):
        connect_ports(_FlakyJack(0), client, "a:out", "b:in")
    assert client.connects == 1


def test_an_existing_connection_asked_for_again_is_still_an_error():
    client = _Ports(failures=0)
    client.made.add(("a:out", "b:in"))  # made by someone else before: the first answer is the answer
    with pytest.raises(_Busy, match="already exists"):
        connect_ports(_FlakyJack(0), client, "a:out", "b:in")


class _LoggingJack:
    """Records each time libjack's error and info functions are set (JACK-Client frees the one set before)."""

    def __init__(self) -> None:
        self.set_calls: list[str] = []

    def set_error_function(self, callback) -> None:
        self.set_calls.append("error")
        callback("a message libjack would print")  # ours logs it

    def set_info_function(self, callback) -> None:
        self.set_calls.append("info")


def test_libjack_messages_are_routed_to_the_log_once_per_process():
    """Every probe used to set them again, freeing the callbacks a libjack thread may be calling: a probe while a
    peer client ran crashed the test process (a segmentation fault in test_live_jack)."""
    fake = _LoggingJack()
    for _ in range(3):
        jack_server.quiet_jack_errors(fake)
    assert fake.set_calls == ["error", "info"]
    other = _LoggingJack()  # another module (a reloaded JACK-Client) gets its own
    jack_server.quiet_jack_errors(other)
    assert other.set_calls == ["error", "info"]


def test_the_real_jack_module_keeps_one_error_callback():
    jack = pytest.importorskip("jack")
    jack_server.quiet_jack_errors(jack)
    kept = dict(jack._keepalive)
    jack_server.quiet_jack_errors(jack)
    jack_server.jack_server_running("accord-no-such-server")
    assert all(jack._keepalive[key] is value for key, value in kept.items())
