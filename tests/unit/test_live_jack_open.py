"""Opening a JACK client asks a busy server again (app.core.live.jack_server.open_client).

On a loaded two-core machine jackd sometimes failed to answer a client's open in time: the Live panel then
had no hot-plug monitor or chose another MIDI system although the server ran (the Live panel's tests failed
about one run in three beside a transcription on the other test worker). The retries are checked here with a
stand-in for JACK-Client's module that fails a given number of times; the real server is in the live tests.
"""

from __future__ import annotations

import pytest

from app.core.live import jack_server
from app.core.live.jack_server import OPEN_ATTEMPTS, jack_server_running, open_client


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
