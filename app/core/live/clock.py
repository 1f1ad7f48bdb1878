"""The transport clock: beats <-> seconds (monotonic, or JACK's frame clock on JACK) for one tempo, phase kept across tempo changes.

Accord, a MIDI clock leader or Link may own the tempo; a tempo change moves the grid from the current beat on
(the beat where the change happens keeps its time), it never changes the audio's pitch. Methods are cheap
and take the lock only to read one consistent (origin, tempo) pair, so the MIDI I/O thread may call them.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from app.core.music import TEMPO_MAX, TEMPO_MIN

LEADERS = ("accord", "midi-clock", "link")


class TransportClock:
    def __init__(self, tempo_bpm: float = 120.0, *, beats_per_bar: float = 4.0,
                 now: Callable[[], float] = time.monotonic) -> None:
        _check_tempo(tempo_bpm)
        if beats_per_bar <= 0:
            raise ValueError(f"beats per bar must be positive, not {beats_per_bar}")
        self.now = now
        self.beats_per_bar = float(beats_per_bar)
        self._lock = threading.Lock()
        self._tempo = float(tempo_bpm)
        self._origin = now()  # the time of beat 0
        self.running = False
        self.leader = "accord"

    @property
    def tempo_bpm(self) -> float:
        return self._tempo

    @property
    def seconds_per_beat(self) -> float:
        return 60.0 / self._tempo

    def _pair(self) -> tuple[float, float]:
        with self._lock:
            return self._origin, self._tempo

    def use_time_source(self, now: Callable[[], float]) -> None:
        """Run on another clock (JACK's frames while the session uses JACK), keeping the current beat."""
        beat = self.beat_now()
        self.now = now
        self.locate(beat)

    def beat_at(self, t: float) -> float:
        origin, tempo = self._pair()
        return (t - origin) * tempo / 60.0

    def time_at(self, beat: float) -> float:
        origin, tempo = self._pair()
        return origin + beat * 60.0 / tempo

    def beat_now(self) -> float:
        return self.beat_at(self.now())

    def next_bar_beat(self, after_beat: float) -> float:
        """The first bar line at or after `after_beat` (bar lines at multiples of beats_per_bar)."""
        bpb = self.beats_per_bar
        return math.ceil(after_beat / bpb - 1e-9) * bpb

    def set_tempo(self, tempo_bpm: float, *, at: float | None = None) -> None:
        """New tempo from time `at` (default now); the beat at `at` keeps its time."""
        _check_tempo(tempo_bpm)
        t = self.now() if at is None else at
        with self._lock:
            beat = (t - self._origin) * self._tempo / 60.0
            self._tempo = float(tempo_bpm)
            self._origin = t - beat * 60.0 / self._tempo

    def locate(self, beat: float, *, at: float | None = None) -> None:
        """Make `beat` fall at time `at` (default now): start, song position, a leader's phase."""
        t = self.now() if at is None else at
        with self._lock:
            self._origin = t - beat * 60.0 / self._tempo

    def align(self, beat: float, at: float, tempo_bpm: float) -> None:
        """Set tempo and phase in one step (a follower's estimate of the leader's grid)."""
        _check_tempo(tempo_bpm)
        with self._lock:
            self._tempo = float(tempo_bpm)
            self._origin = at - beat * 60.0 / self._tempo


def _check_tempo(bpm: float) -> None:
    if not (math.isfinite(bpm) and TEMPO_MIN <= bpm <= TEMPO_MAX):
        raise ValueError(f"tempo {bpm:g} BPM is outside {TEMPO_MIN:g}–{TEMPO_MAX:g}")
