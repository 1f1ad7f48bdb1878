"""Noticing MIDI devices that come and go (hot-plug) within about a second, without costing CPU.

- On JACK the server tells us: a port registration callback (JACK-Client's `set_port_registration_callback`,
  delivered on libjack's notification thread) only sets an Event; whoever waits on it lists the ports (never
  from the notification thread: JACK forbids server calls there). Nothing runs while nothing changes.
- Elsewhere (ALSA sequencer, CoreMIDI, WinMM through python-rtmidi) there is no portable notification in
  python-rtmidi, so the port names are read from the ports already open every `POLL_S` (a few microseconds of
  the MIDI system's own list; no new client per look).

`PortMonitor` is for the studio while MIDI is off (the Live panel's lists); a running `LiveSession` watches
through its own client (`JackMidi.ports_changed`) and reports `ports` events.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from app.core.live.jack_server import open_client
from app.core.live.ports import Backend, PortWatcher
from app.core.live.types import LiveError

log = logging.getLogger(__name__)

POLL_S = 0.5  # rtmidi: read the port names this often (a device shows up within this, plus the listing)
# JACK: a device registers its ports in a burst, and JACK2 publishes a graph change at its next cycle (a
# listing right at the notification can still show the old graph): look after the burst, and once more later.
LOOKS_AFTER_S = (0.05, 0.5)
WATCH_CLIENT = "accord-ports"


def watch_registrations(client: Any, changed: threading.Event) -> None:
    """Set `changed` whenever a port is registered or unregistered on `client`'s server (call before
    `activate()`)."""
    client.set_port_registration_callback(lambda _port, _registered: changed.set(), only_available=False)


class PortMonitor:
    """Calls `on_change({"inputs": [...], "outputs": [...]})` from its own thread: once at start, then each
    time the lists change. `close()` stops it (and closes its MIDI client)."""

    def __init__(self, backend: Backend, on_change: Callable[[dict[str, list[str]]], None], *,
                 poll_s: float = POLL_S) -> None:
        self.backend, self.on_change, self.poll_s = backend, on_change, poll_s
        self.changed = threading.Event()
        self._stop = threading.Event()
        self._closers: list[Callable[[], None]] = []
        self._lister = self._open_jack() if backend.name == "jack" else self._open_rtmidi()
        self._watcher = PortWatcher(self._lister)
        self._thread = threading.Thread(target=self._run, name="accord-midi-ports", daemon=True)
        self._thread.start()

    def _open_jack(self) -> Callable[[], dict[str, list[str]]]:
        try:
            import jack
        except (ImportError, OSError) as exc:
            raise LiveError(f"JACK-Client is not usable ({exc})", hint="pip install 'accord[live]'") from exc
        try:
            client = open_client(jack, WATCH_CLIENT)
        except jack.JackError as exc:
            raise LiveError("no JACK server is running") from exc
        watch_registrations(client, self.changed)
        gone = threading.Event()

        def shutdown(_status: Any, _reason: str) -> None:  # the server went away: report empty lists once
            gone.set()
            self.changed.set()

        client.set_shutdown_callback(shutdown)
        client.activate()  # no process callback: nothing of ours runs in JACK's cycle
        self._closers.append(client.close)

        def lister() -> dict[str, list[str]]:
            if gone.is_set():
                raise LiveError("the JACK server stopped")
            try:
                sources = [p.name for p in client.get_ports(is_midi=True, is_output=True)]
                sinks = [p.name for p in client.get_ports(is_midi=True, is_input=True)]
            except jack.JackError as exc:
                raise LiveError(f"the JACK server did not answer ({exc})") from exc
            own = client.name + ":"
            return {"inputs": [p for p in sources if not p.startswith(own)],
                    "outputs": [p for p in sinks if not p.startswith(own)]}

        return lister

    def _open_rtmidi(self) -> Callable[[], dict[str, list[str]]]:
        from app.core.live.rtmidi_io import _open

        mi = _open("in", self.backend.api or 0)
        mo = _open("out", self.backend.api or 0)
        self._closers += [mi.delete, mo.delete]
        return lambda: {"inputs": list(mi.get_ports()), "outputs": list(mo.get_ports())}

    def _run(self) -> None:
        jack = self.backend.name == "jack"
        first = True
        while not self._stop.is_set():
            if not first:
                if jack:
                    if not self.changed.wait(1.0):  # woken by the server; the timeout only checks for close()
                        continue
                    self.changed.clear()
                elif self._stop.wait(self.poll_s):
                    break
            first = False
            waited = 0.0
            for at in LOOKS_AFTER_S if jack else (0.0,):
                if self._stop.wait(at - waited):
                    return
                waited = at
                lists = self._watcher.poll()
                if lists is not None:
                    try:
                        self.on_change(lists)
                    except Exception:  # the owner's problem: keep watching
                        log.exception("port change handler")

    def close(self) -> None:
        self._stop.set()
        self.changed.set()
        self._thread.join(timeout=2)
        while self._closers:
            try:
                self._closers.pop()()
            except Exception as exc:  # noqa: BLE001 - the server may be gone already
                log.debug("closing the port monitor: %s", exc)
