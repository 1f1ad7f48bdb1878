"""MIDI in and out through one JACK client (JACK-Client), sample-accurate on JACK's frame clock.

The process callback is the MIDI I/O thread: it stamps each incoming event with the time of its
frame and hands it to `on_input`, and writes each pre-scheduled outgoing event at the frame of its time
(events must be scheduled at least one period ahead to leave exactly on time; later ones leave at the start
of the next period). It allocates only small tuples and never blocks: the scheduler thread hands events over
through a SimpleQueue, and what was sent goes back the same way.

Time on JACK is JACK's frame clock in seconds (`frame / rate`, see `now()`): the clock the stems play on. The
transport runs on it while the session uses JACK, so a note scheduled on a beat leaves on that beat's frame
even when the (dummy or real) driver's cycles drift against the system clock. The frame counter is 32 bits:
it wraps after about 25 hours at 48 kHz.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable

from app.core.live.hotplug import watch_registrations
from app.core.live.jack_server import connect_ports, open_client
from app.core.live.types import LiveError, TimedMessage

log = logging.getLogger(__name__)


class JackMidi:
    """One JACK client with an input port and/or an output port."""

    def __init__(self, client_name: str = "Accord", *, input_name: str | None = "Accord in",
                 output_name: str | None = "Accord out", on_input: Callable[[TimedMessage], None] | None = None,
                 server_name: str | None = None) -> None:
        try:
            import jack
        except (ImportError, OSError) as exc:
            raise LiveError(f"JACK-Client is not usable ({exc})", hint="pip install 'accord[live]'") from exc
        try:
            self.client = open_client(jack, client_name, server_name=server_name)
        except jack.JackError as exc:
            raise LiveError("no JACK server is running", hint="start one (jackd -d dummy, qjackctl, or "
                            "PipeWire's JACK) or use the platform's MIDI system") from exc
        self._jack = jack
        self.rate = float(self.client.samplerate)
        self.on_input = on_input
        self.inport = self.client.midi_inports.register(input_name) if input_name else None
        self.outport = self.client.midi_outports.register(output_name) if output_name else None
        self._incoming: queue.SimpleQueue[tuple[float, int, tuple[int, ...]]] = queue.SimpleQueue()
        self._heap: list[tuple[float, int, tuple[int, ...]]] = []
        self._sent: queue.SimpleQueue[TimedMessage] = queue.SimpleQueue()
        self._seq = itertools.count()
        self._processed = 0
        self.ports_changed = threading.Event()  # set by JACK when any port comes or goes (hot-plug)
        watch_registrations(self.client, self.ports_changed)
        self.client.set_process_callback(self._process)
        self.client.activate()

    # --- the MIDI I/O thread -------------------------------------------------------------------------------
    def _process(self, frames: int) -> None:
        first = self.client.last_frame_time
        rate = self.rate
        self._processed = first + frames
        if self.inport is not None and self.on_input is not None:
            for offset, data in self.inport.incoming_midi_events():
                self.on_input(TimedMessage((first + offset) / rate, tuple(bytes(data))))
        if self.outport is None:
            return
        self.outport.clear_buffer()
        heap = self._heap
        while True:
            try:
                item = self._incoming.get_nowait()
            except queue.Empty:
                break
            if item[2]:
                heapq.heappush(heap, item)
            else:
                heap.clear()  # cancel_pending's marker: drop what was queued before it, keep what follows
        end = (first + frames) / rate
        last = 0
        while heap and heap[0][0] < end:
            t, _, data = heapq.heappop(heap)
            at = min(frames - 1, max(last, round(t * rate) - first))
            try:
                self.outport.write_midi_event(at, data)
            except self._jack.JackError:
                break  # buffer full: what is left leaves next cycle
            last = at
            self._sent.put(TimedMessage((first + at) / rate, data))

    # --- any other thread ----------------------------------------------------------------------------------
    def schedule(self, t: float, data: tuple[int, ...]) -> None:
        self._incoming.put((t, next(self._seq), tuple(data)))

    def send_now(self, data: tuple[int, ...]) -> None:
        self.schedule(0.0, data)

    def cancel_pending(self) -> None:
        self._incoming.put((0.0, next(self._seq), ()))

    def flush(self, timeout: float = 1.0) -> None:
        """Wait until everything already due has been written (and a period more, so it is delivered)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            heap = self._heap
            if self._incoming.empty() and (not heap or heap[0][0] > self.now()):
                break
            time.sleep(0.002)
        time.sleep(3 * self.client.blocksize / self.rate)

    def drain_sent(self) -> list[TimedMessage]:
        out = []
        while True:
            try:
                out.append(self._sent.get_nowait())
            except queue.Empty:
                return out

    def now(self) -> float:
        """JACK's current frame time in seconds (the time base of every time this class takes or gives); never
        behind the frames already processed (JACK's own estimate can lag when cycles run late)."""
        return max(self.client.frame_time, self._processed) / self.rate

    def processed_time(self) -> float:
        """The end of the last JACK cycle processed, in seconds: the earliest time at which something written
        now can leave (JACK's `now()` is a wall-clock estimate that runs ahead while a cycle is late)."""
        return self._processed / self.rate

    @property
    def input_full_name(self) -> str | None:
        return self.inport.name if self.inport is not None else None

    @property
    def output_full_name(self) -> str | None:
        return self.outport.name if self.outport is not None else None

    def connect_from(self, source: str) -> None:
        if self.inport is None:
            raise LiveError("this client has no input port")
        self._connect(source, self.inport.name)

    def connect_to(self, destination: str) -> None:
        if self.outport is None:
            raise LiveError("this client has no output port")
        self._connect(self.outport.name, destination)

    def _connect(self, a: str, b: str) -> None:
        try:
            connect_ports(self._jack, self.client, a, b)
        except self._jack.JackError as exc:
            raise LiveError(f"cannot connect {a} to {b}: {exc}") from exc

    def ports(self) -> dict[str, list[str]]:
        """Other clients' MIDI ports: 'inputs' we can listen to (their outputs), 'outputs' we can play to."""
        own = self.client.name + ":"
        sources = [p.name for p in self.client.get_ports(is_midi=True, is_output=True)]
        sinks = [p.name for p in self.client.get_ports(is_midi=True, is_input=True)]
        return {"inputs": [p for p in sources if not p.startswith(own)],
                "outputs": [p for p in sinks if not p.startswith(own)]}

    def close(self) -> None:
        try:
            self.client.deactivate()
            self.client.close()
        except self._jack.JackError as exc:  # the server went away first: nothing left to release
            log.debug("closing JACK client: %s", exc)
