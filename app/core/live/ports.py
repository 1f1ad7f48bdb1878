"""Which MIDI system to use, what ports it has, and opening Accord's input and output on it.

JACK is used when a JACK server runs and JACK-Client is installed (sample-accurate timing); otherwise the
platform's MIDI system through python-rtmidi (CoreMIDI, WinMM, ALSA). Either way Accord opens its own ports
("Accord in", "Accord out") and, when a port name is given, connects them to it (JACK) or opens that port
instead (rtmidi). `PortWatcher` turns port lists into "changed or not" (hotplug.py says when to look).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from app.core.live.jack_server import jack_server_running
from app.core.live.types import LiveError, TimedMessage, resolve_port

VIRTUAL_IN = "Accord in"
VIRTUAL_OUT = "Accord out"


class MidiOut(Protocol):
    def schedule(self, t: float, data: tuple[int, ...]) -> None: ...
    def send_now(self, data: tuple[int, ...]) -> None: ...
    def cancel_pending(self) -> None: ...
    def drain_sent(self) -> list[TimedMessage]: ...
    def flush(self, timeout: float = 1.0) -> None: ...


@dataclass(frozen=True)
class Backend:
    name: str  # "jack" | "rtmidi"
    api: int | None = None  # rtmidi API number for "rtmidi"

    @property
    def label(self) -> str:
        if self.name == "jack":
            return "JACK"
        from app.core.live.rtmidi_io import api_name

        return api_name(self.api or 0)


def choose_backend(prefer: str | None = None) -> Backend:
    """"jack" when a JACK server runs (or when asked), else the platform's MIDI system; LiveError says why not."""
    if prefer not in (None, "jack", "platform"):
        raise LiveError(f"unknown MIDI backend {prefer!r} (expected jack or platform)")
    if prefer == "jack" or (prefer is None and jack_server_running()):
        if not jack_server_running():
            raise LiveError("no JACK server is running", hint="start JACK, or use the platform's MIDI system")
        return Backend("jack")
    from app.core.live.rtmidi_io import platform_api

    return Backend("rtmidi", platform_api())


def list_ports(backend: Backend | None = None) -> dict[str, list[str]]:
    """{"inputs": ports Accord can listen to, "outputs": ports Accord can play to}."""
    backend = backend or choose_backend()
    if backend.name == "jack":
        from app.core.live.jack_io import JackMidi

        probe = JackMidi("accord-ports", input_name=None, output_name=None)
        try:
            return probe.ports()
        finally:
            probe.close()
    from app.core.live.rtmidi_io import list_rtmidi_ports

    return list_rtmidi_ports(backend.api or 0)


class MidiIO:
    """Accord's input and output on one backend; `close()` (or `with`) releases them."""

    def __init__(self, backend: Backend, on_input: Callable[[TimedMessage], None], *, in_port: str | None = None,
                 out_port: str | None = None, virtual: bool = False, client_name: str = "Accord") -> None:
        if not virtual and (in_port is None or out_port is None):
            raise LiveError("name both ports (--in PORT --out PORT) or open virtual ones (--virtual)")
        self.backend = backend
        self._closers: list[Callable[[], None]] = []
        self.output: MidiOut
        self.jack: Any = None
        self._rtmidi: tuple[Any, Any] | None = None
        if backend.name == "jack":
            from app.core.live.jack_io import JackMidi

            jm = JackMidi(client_name, input_name=VIRTUAL_IN, output_name=VIRTUAL_OUT, on_input=on_input)
            self._closers.append(jm.close)
            self.jack, self.output = jm, jm
            try:
                if in_port is not None:
                    ports = jm.ports()
                    jm.connect_from(resolve_port(ports["inputs"], in_port, "input"))
                if out_port is not None:
                    jm.connect_to(resolve_port(jm.ports()["outputs"], out_port, "output"))
            except LiveError:
                self.close()
                raise
            self.input_name, self.output_name = jm.input_full_name, jm.output_full_name
            return
        from app.core.live.rtmidi_io import RtMidiInput, RtMidiOutput

        api = backend.api or 0
        rin = RtMidiInput(api, on_input, port=None if virtual else in_port, virtual_name=VIRTUAL_IN)
        self._closers.append(rin.close)
        try:
            rout = RtMidiOutput(api, port=None if virtual else out_port, virtual_name=VIRTUAL_OUT)
        except LiveError:
            self.close()
            raise
        self._closers.append(rout.close)
        self.output = rout
        self._rtmidi = (rin, rout)
        self.input_name = VIRTUAL_IN if virtual else in_port
        self.output_name = VIRTUAL_OUT if virtual else out_port

    def ports_changed(self) -> bool:
        """JACK: True once after the server reported a port coming or going (then list the ports). Other
        backends cannot tell: always False (poll `ports()` instead)."""
        if self.jack is None or not self.jack.ports_changed.is_set():
            return False
        self.jack.ports_changed.clear()
        return True

    def ports(self) -> dict[str, list[str]]:
        """The ports on this backend, listed through the clients already open (no new client per look)."""
        if self.jack is not None:
            return self.jack.ports()
        if self._rtmidi is not None:
            rin, rout = self._rtmidi
            return {"inputs": list(rin.port.get_ports()), "outputs": list(rout.port.get_ports())}
        return {"inputs": [], "outputs": []}

    def close(self) -> None:
        while self._closers:
            self._closers.pop()()

    def __enter__(self) -> MidiIO:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class PortWatcher:
    """Call `poll()` when ports may have changed: it returns the new lists when a device came or went, else
    None. Listing failures (the server went away) are reported once as empty lists."""

    def __init__(self, lister: Callable[[], dict[str, list[str]]]) -> None:
        self._lister = lister
        self.current: dict[str, list[str]] | None = None

    def poll(self) -> dict[str, list[str]] | None:
        try:
            now = self._lister()
        except LiveError:
            now = {"inputs": [], "outputs": []}
        now = {k: sorted(v) for k, v in now.items()}
        if now != self.current:
            self.current = now
            return now
        return None
