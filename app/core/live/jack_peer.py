"""The other side of Accord's ports, for tests and benchmarks: a JACK client (JACK-Client) that plays MIDI
at exact JACK frames (a keyboard, a clock leader) and records what reaches it with its frame (a DAW).

It works in frames only (JACK's clock: the clock the stems play on), independently of Accord's own
frame <-> time mapping, so what it measures is what a DAW on the same JACK server would see.
"""

from __future__ import annotations

import heapq
import itertools
import queue
from typing import Any

from app.core.live.jack_server import connect_ports, open_client
from app.core.live.types import LiveError


class JackPeer:
    def __init__(self, name: str = "peer") -> None:
        try:
            import jack
        except (ImportError, OSError) as exc:
            raise LiveError(f"JACK-Client is not usable ({exc})") from exc
        try:
            self.client: Any = open_client(jack, name)
            self._jack = jack
        except jack.JackError as exc:
            raise LiveError("no JACK server is running") from exc
        self.rate = self.client.samplerate
        self.out = self.client.midi_outports.register("out")
        self.inp = self.client.midi_inports.register("in")
        self.received: list[tuple[int, bytes]] = []  # (frame, message), appended by the process callback
        # (frame, message) as really sent: a cycle the callback missed (a loaded machine) sends late, and what
        # a listener timestamps is the frame the message went out on, not the one it was asked for
        self.sent: list[tuple[int, bytes]] = []
        self._todo: queue.SimpleQueue[tuple[int, int, bytes]] = queue.SimpleQueue()
        self._heap: list[tuple[int, int, bytes]] = []
        self._seq = itertools.count()
        self.client.set_process_callback(self._process)
        self.client.activate()

    def _process(self, frames: int) -> None:
        base = self.client.last_frame_time
        for offset, data in self.inp.incoming_midi_events():
            self.received.append((base + offset, bytes(data)))
        self.out.clear_buffer()
        while True:
            try:
                heapq.heappush(self._heap, self._todo.get_nowait())
            except queue.Empty:
                break
        last = 0
        while self._heap and self._heap[0][0] < base + frames:
            frame, _, data = heapq.heappop(self._heap)
            at = min(frames - 1, max(last, frame - base))
            self.out.write_midi_event(at, data)
            self.sent.append((base + at, data))
            last = at

    @property
    def frame_now(self) -> int:
        return int(self.client.frame_time)

    def send_at(self, frame: int, data: bytes | tuple[int, ...]) -> None:
        self._todo.put((int(frame), next(self._seq), bytes(data)))

    def sent_frame(self, data: bytes) -> int | None:
        """The frame the first `data` message really went out on (None while not sent yet)."""
        return next((f for f, d in list(self.sent) if d == data), None)

    def play_notes(self, notes: list[tuple[int, float, float]], *, start_frame: int, seconds_per_beat: float,
                   velocity: int = 96, channel: int = 0) -> int:
        """(pitch, onset beat, duration beats) from `start_frame`; returns the frame of the last note-off."""
        last = start_frame
        for pitch, onset, dur in notes:
            on = start_frame + round(onset * seconds_per_beat * self.rate)
            off = start_frame + round((onset + dur) * seconds_per_beat * self.rate)
            self.send_at(on, (0x90 | channel, pitch, velocity))
            self.send_at(off, (0x80 | channel, pitch, 0))
            last = max(last, off)
        return last

    def connect(self, source: str, destination: str) -> None:
        """Connect two ports, asking again a moment later when a busy server did not answer in time."""
        connect_ports(self._jack, self.client, source, destination)

    def close(self) -> None:
        self.client.deactivate()
        self.client.close()
