"""MIDI in and out through python-rtmidi (CoreMIDI, WinMM, ALSA, or JACK when JACK-Client is missing).

rtmidi sends a message the moment it is given one, so outgoing events go through `Scheduler`: one small
thread that sleeps until just before each event's time, spins the last stretch, and sends. The input
callback (rtmidi's own thread) only stamps the arrival time and hands the message on.
"""

from __future__ import annotations

import heapq
import itertools
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from app.core.live.types import LiveError, TimedMessage, resolve_port

SPIN_S = 0.0015  # sleep until this much before an event, then spin: sleep() wakes up late by up to ~1 ms
CLIENT_NAMES = {"in": "Accord", "out": "Accord-out"}  # distinct: JACK renaming a second "Accord" is fragile


def rtmidi_module() -> Any:
    try:
        import rtmidi
    except ImportError as exc:
        raise LiveError("python-rtmidi is not installed", hint="pip install 'accord[live]'") from exc
    return rtmidi


def platform_api() -> int:
    """The platform's MIDI system (CoreMIDI, WinMM, ALSA sequencer): the first compiled API that is not JACK."""
    rtmidi = rtmidi_module()
    apis = [a for a in rtmidi.get_compiled_api() if a not in (rtmidi.API_UNIX_JACK, rtmidi.API_RTMIDI_DUMMY)]
    if not apis:
        raise LiveError("python-rtmidi was built without a MIDI system for this platform")
    return apis[0]


def api_name(api: int) -> str:
    return rtmidi_module().get_api_display_name(api)


def _open(kind: str, api: int) -> Any:
    from app.core.audio.readers import quiet_c_stderr

    rtmidi = rtmidi_module()
    cls = rtmidi.MidiIn if kind == "in" else rtmidi.MidiOut
    try:
        # ALSA prints "ALSA lib seq_hw.c:...: open /dev/snd/seq failed" to fd 2 itself; the LiveError says it plainly
        with quiet_c_stderr():
            return cls(api, CLIENT_NAMES[kind])
    except (rtmidi.RtMidiError, RuntimeError) as exc:  # e.g. no ALSA sequencer (/dev/snd/seq)
        raise LiveError(f"{api_name(api)} MIDI is not available here ({exc})",
                        hint="start a JACK server, or check the MIDI system (on Linux: the snd-seq module)") from exc


def list_rtmidi_ports(api: int) -> dict[str, list[str]]:
    mi, mo = _open("in", api), _open("out", api)
    try:
        return {"inputs": list(mi.get_ports()), "outputs": list(mo.get_ports())}
    finally:
        mi.delete()
        mo.delete()


class RtMidiInput:
    def __init__(self, api: int, on_input: Callable[[TimedMessage], None], *, port: str | None = None,
                 virtual_name: str = "Accord in") -> None:
        self.port = _open("in", api)
        self.port.ignore_types(sysex=True, timing=False, active_sense=True)
        try:
            if port is None:
                self.port.open_virtual_port(virtual_name)
            else:
                names = list(self.port.get_ports())
                self.port.open_port(names.index(resolve_port(names, port, "input")))
        except Exception as exc:
            if isinstance(exc, LiveError):
                raise
            raise LiveError(f"cannot open MIDI input {port or virtual_name!r}: {exc}") from exc
        self.port.set_callback(lambda event, _data: on_input(TimedMessage(time.monotonic(), tuple(event[0]))))

    def close(self) -> None:
        self.port.cancel_callback()
        self.port.close_port()
        self.port.delete()


class Scheduler:
    """Sends each (time, message) at its monotonic time from one thread; keeps what was sent, with times."""

    def __init__(self, send: Callable[[list[int]], None]) -> None:
        self._send = send
        self._heap: list[tuple[float, int, tuple[int, ...]]] = []
        self._cond = threading.Condition()
        self._seq = itertools.count()
        self._stop = False
        self._sent: queue.SimpleQueue[TimedMessage] = queue.SimpleQueue()
        self.late: deque[float] = deque(maxlen=4096)  # send time minus due time (s) of recent timed events
        self._thread = threading.Thread(target=self._run, name="accord-midi-scheduler", daemon=True)
        self._thread.start()

    def schedule(self, t: float, data: tuple[int, ...]) -> None:
        with self._cond:
            heapq.heappush(self._heap, (t, next(self._seq), tuple(data)))
            self._cond.notify()

    def cancel_pending(self) -> None:
        with self._cond:
            self._heap.clear()

    def flush(self, timeout: float = 1.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._cond:
                if not self._heap or self._heap[0][0] > time.monotonic():
                    return
            time.sleep(0.002)

    def drain_sent(self) -> list[TimedMessage]:
        out = []
        while True:
            try:
                out.append(self._sent.get_nowait())
            except queue.Empty:
                return out

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stop and not self._heap:
                    self._cond.wait()
                if self._stop:
                    return
                t = self._heap[0][0]
                wait = t - time.monotonic() - SPIN_S
                if wait > 0:
                    self._cond.wait(wait)
                    continue  # an earlier event may have arrived meanwhile
            while time.monotonic() < t:
                pass
            with self._cond:
                if not self._heap or self._heap[0][0] != t:
                    continue
                _, _, data = heapq.heappop(self._heap)
            self._send(list(data))
            sent = time.monotonic()
            if t > 0.0:  # not a send_now
                self.late.append(sent - t)
            self._sent.put(TimedMessage(sent, data))

    def close(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()
        self._thread.join(timeout=2)


class RtMidiOutput:
    def __init__(self, api: int, *, port: str | None = None, virtual_name: str = "Accord out") -> None:
        self.port = _open("out", api)
        try:
            if port is None:
                self.port.open_virtual_port(virtual_name)
            else:
                names = list(self.port.get_ports())
                self.port.open_port(names.index(resolve_port(names, port, "output")))
        except Exception as exc:
            if isinstance(exc, LiveError):
                raise
            raise LiveError(f"cannot open MIDI output {port or virtual_name!r}: {exc}") from exc
        self.scheduler = Scheduler(self.port.send_message)

    def schedule(self, t: float, data: tuple[int, ...]) -> None:
        self.scheduler.schedule(t, data)

    def send_now(self, data: tuple[int, ...]) -> None:
        self.scheduler.schedule(0.0, data)

    def cancel_pending(self) -> None:
        self.scheduler.cancel_pending()

    def drain_sent(self) -> list[TimedMessage]:
        return self.scheduler.drain_sent()

    def flush(self, timeout: float = 1.0) -> None:
        self.scheduler.flush(timeout)

    def close(self) -> None:
        self.scheduler.close()
        self.port.close_port()
        self.port.delete()
