"""Ableton Link through `aalink`: tempo and bar phase shared with any Link app on the local network.

Off until the user turns it on (`enable()`): Link announces itself by multicast on every interface, so it
never runs by default. aalink needs a running asyncio loop, so the adapter keeps one in a small thread of its
own; reading the session state is thread-safe in Link, so `pull()` runs on the session's worker thread.
Reading Link's beat and the transport's time back to back keeps the two within microseconds.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from app.core.live.clock import TransportClock
from app.core.live.types import LiveError


class LinkSync:
    def __init__(self, clock: TransportClock) -> None:
        self.clock = clock
        self._link: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def enabled(self) -> bool:
        return self._link is not None

    @property
    def peers(self) -> int:
        return int(self._link.num_peers) if self._link is not None else 0

    def enable(self) -> None:
        if self._link is not None:
            return
        try:
            import aalink
        except ImportError as exc:
            raise LiveError("Ableton Link needs aalink", hint="pip install 'accord[live]'") from exc
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        thread = threading.Thread(target=self._run_loop, args=(loop, ready), name="accord-link", daemon=True)
        thread.start()
        ready.wait(5)

        async def make() -> Any:
            link = aalink.Link(self.clock.tempo_bpm)
            link.quantum = self.clock.beats_per_bar
            link.enabled = True
            return link

        try:
            self._link = asyncio.run_coroutine_threadsafe(make(), loop).result(timeout=5)
        except Exception as exc:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=2)
            raise LiveError(f"Ableton Link could not start ({exc})") from exc
        self._loop, self._thread = loop, thread

    @staticmethod
    def _run_loop(loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
        asyncio.set_event_loop(loop)
        loop.call_soon(ready.set)
        loop.run_forever()
        loop.close()

    def disable(self) -> None:
        link, loop, thread = self._link, self._loop, self._thread
        self._link = self._loop = self._thread = None
        if link is not None and loop is not None:
            async def off() -> None:
                link.enabled = False

            asyncio.run_coroutine_threadsafe(off(), loop).result(timeout=5)
            loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(timeout=5)

    def pull(self) -> bool:
        """Follow the Link session's tempo and phase when it has peers; True when the clock was moved."""
        link = self._link
        if link is None or link.num_peers < 1:
            return False
        now = self.clock.now()
        link_beat, tempo = float(link.beat), float(link.tempo)
        # Keep our bar count, take Link's phase within the bar (Link's quantum is our bar).
        ours = self.clock.beat_at(now)
        q = self.clock.beats_per_bar
        diff = (link_beat - ours) % q
        if diff >= q / 2:
            diff -= q
        self.clock.align(ours + diff, now, tempo)
        self.clock.leader = "link"
        return True

    def push_tempo(self, tempo_bpm: float) -> None:
        """Propose a tempo to the Link session (every peer follows)."""
        if self._link is not None:
            self._link.tempo = float(tempo_bpm)
