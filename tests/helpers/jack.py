"""A JACK server with its dummy driver for the live tests: one copy, imported by each test module that needs
real MIDI ports. `from tests.helpers.jack import jack_server_fixture` makes the fixture `jack_server` known
to that module (the function has another name so a test's parameter does not shadow the import). Module
scope: one server per test module, under its own name (exported as JACK_DEFAULT_SERVER while it runs);
skipped with the reason when jackd is missing."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from app.core.live.jack_server import DummyJackServer

RATE = 48000  # the dummy driver's sample rate: frames per second at the peers' ports
PERIOD = 256


@pytest.fixture(scope="module", name="jack_server")
def jack_server_fixture() -> Iterator[DummyJackServer]:
    if shutil.which("jackd") is None:
        pytest.skip("jackd is not installed (apt-get install jackd2)")
    server = DummyJackServer(sample_rate=RATE, period=PERIOD)
    server.start()
    try:
        yield server
    finally:
        server.stop()
