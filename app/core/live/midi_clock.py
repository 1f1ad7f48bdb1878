"""MIDI clock (24 ticks per quarter note) out, when Accord leads, and in, when the DAW leads.

Out: `ClockOut.pump(now)` schedules the ticks of the next `horizon_s` on the output (the I/O thread sends them
at their time; half a second covers the worker's pause while it generates an answer); Start goes out on a bar line with the first tick, Stop at once.
In: `ClockFollower.feed(msg)` follows Start/Continue/Stop and Song Position, counts ticks, and re-aligns the
transport clock after every tick: the tempo is the least-squares slope of the last ticks' times and the
phase is that line at the newest tick, so one late tick does not move the grid.
"""

from __future__ import annotations

import math
from collections import deque

from app.core.live.clock import TransportClock
from app.core.live.ports import MidiOut
from app.core.live.types import TimedMessage
from app.core.music import TEMPO_MAX, TEMPO_MIN

PPQN = 24
TICK, START, CONTINUE, STOP, SONG_POSITION = 0xF8, 0xFA, 0xFB, 0xFC, 0xF2
FIT_TICKS = 48  # two beats of ticks for the tempo fit: follows a tempo change within half a bar


class ClockOut:
    def __init__(self, clock: TransportClock, out: MidiOut, *, horizon_s: float = 0.5) -> None:
        self.clock, self.out, self.horizon_s = clock, out, horizon_s
        self.running = False
        self._next_tick = 0  # index of the next tick to schedule (tick k is at beat k / 24)

    def start(self, *, at_beat: float | None = None) -> float:
        """Start on `at_beat` (default the next bar line); returns that beat."""
        beat = self.clock.next_bar_beat(self.clock.beat_now()) if at_beat is None else at_beat
        self._next_tick = round(beat * PPQN)
        self.out.schedule(self.clock.time_at(beat), (SONG_POSITION, *_spp_bytes(beat)))
        self.out.schedule(self.clock.time_at(beat), (START,))
        self.running = True
        return beat

    def resume(self) -> None:
        """Schedule ticks again from the next one due (after what was scheduled was cancelled)."""
        self._next_tick = math.ceil(self.clock.beat_now() * PPQN - 1e-9)
        self.running = True

    def stop(self) -> None:
        self.running = False
        self.out.send_now((STOP,))

    def pump(self, now: float) -> int:
        """Schedule ticks up to now + horizon; returns how many were scheduled."""
        if not self.running:
            return 0
        limit = self.clock.beat_at(now + self.horizon_s)
        n = 0
        while self._next_tick / PPQN <= limit:
            self.out.schedule(self.clock.time_at(self._next_tick / PPQN), (TICK,))
            self._next_tick += 1
            n += 1
        return n


def _spp_bytes(beat: float) -> tuple[int, int]:
    sixteenths = max(0, min(16383, round(beat * 4)))
    return sixteenths & 0x7F, sixteenths >> 7


class ClockFollower:
    """Follows a MIDI clock leader onto `clock`. `feed` returns "start"/"continue"/"stop"/"position" or None."""

    def __init__(self, clock: TransportClock) -> None:
        self.clock = clock
        self.ticks = 0  # ticks since the song's start (Song Position sets it)
        self._times: deque[float] = deque(maxlen=FIT_TICKS)
        self._index: deque[int] = deque(maxlen=FIT_TICKS)
        self.last_tick_at: float | None = None

    def feed(self, msg: TimedMessage) -> str | None:
        if not msg.data:
            return None
        status = msg.data[0]
        if status == TICK:
            self._tick(msg.time)
            return None
        if status == START:
            self.ticks = 0
            self._reset()
            self.clock.running = True
            self.clock.leader = "midi-clock"
            self.clock.locate(0.0, at=msg.time)
            return "start"
        if status == CONTINUE:
            self.clock.running = True
            self.clock.leader = "midi-clock"
            self._reset()
            return "continue"
        if status == STOP:
            self.clock.running = False
            return "stop"
        if status == SONG_POSITION and len(msg.data) == 3:
            self.ticks = (msg.data[1] | msg.data[2] << 7) * (PPQN // 4)
            self._reset()
            return "position"
        return None

    def _reset(self) -> None:
        self._times.clear()
        self._index.clear()

    def _tick(self, t: float) -> None:
        # Per the MIDI spec the first tick after Start is the start of beat 0; later ticks count on from it.
        if not self.clock.running:
            return
        self._times.append(t)
        self._index.append(self.ticks)
        self.last_tick_at = t
        beat = self.ticks / PPQN
        self.ticks += 1
        n = len(self._times)
        if n < 3:
            self.clock.locate(beat, at=t)
            return
        xs, ys = list(self._index), list(self._times)
        mx, my = sum(xs) / n, sum(ys) / n
        sxx = sum((x - mx) ** 2 for x in xs)
        slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx  # seconds per tick
        if slope <= 0:
            return
        tempo = 60.0 / (slope * PPQN)
        if not TEMPO_MIN <= tempo <= TEMPO_MAX:  # the clock would refuse it
            return
        at = my + slope * (xs[-1] - mx)
        self.clock.align(beat, at, tempo)
