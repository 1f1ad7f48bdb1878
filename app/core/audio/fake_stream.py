"""Output streams without a device: FakeStream (tests and headless runs call its callback block by block, as
PortAudio would) and RealTimePump (plays a FakeStream at the wall clock's pace from its own thread).

`app.core.audio.engine` re-exports them, where callers have always imported them from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from app.core.audio.engine import AudioEngine


@dataclass
class FakeStatus:
    output_underflow: bool = False

    def __bool__(self) -> bool:
        return self.output_underflow


class FakeStream:
    """A stand-in output stream for tests and headless runs: `pump(blocks)` calls the callback the way
    PortAudio would, with a zeroed float32 (blocksize, channels) buffer, and returns what it wrote."""

    def __init__(self, callback: Callable[..., None], samplerate: int, blocksize: int, device: Any = None,
                 channels: int = 2) -> None:
        self.callback = callback
        self.samplerate = samplerate
        self.blocksize = blocksize or 256
        self.device = device
        self.channels = channels
        self.active = False
        self.closed = False
        self.starts = 0

    def start(self) -> None:
        if self.closed:
            raise RuntimeError("stream is closed")
        self.active = True
        self.starts += 1

    def stop(self) -> None:
        self.active = False

    def close(self) -> None:
        self.active = False
        self.closed = True

    def fail(self) -> None:
        """Simulate the device going away: the stream stops on its own."""
        self.active = False

    def pump(self, blocks: int = 1, *, underflow: bool = False) -> np.ndarray:
        if not self.active:
            raise RuntimeError("stream is not started")
        n = self.blocksize
        written = np.empty((blocks * n, self.channels), dtype=np.float32)
        for i in range(blocks):
            buf = np.zeros((n, self.channels), dtype=np.float32)
            self.callback(buf, n, None, FakeStatus(output_underflow=underflow))
            written[i * n:(i + 1) * n] = buf
        return written


class RealTimePump:
    """Plays an engine's FakeStream from its own thread at the wall clock's pace, as PortAudio's callback
    thread would: the playhead moves in real time whatever the caller's thread is doing (live tests, benches)."""

    def __init__(self, engine: AudioEngine) -> None:
        import threading

        self.engine = engine
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="accord-fake-audio", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import time

        t0, done = time.monotonic(), 0
        while not self._stop.wait(0.005):
            stream = self.engine.stream
            if stream is None or not stream.active:
                continue
            due = int((time.monotonic() - t0) * self.engine.sample_rate)
            blocks = (due - done) // stream.blocksize
            if blocks > 0:
                stream.pump(blocks)
                done += blocks * stream.blocksize

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
