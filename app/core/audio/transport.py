"""The transport: play, pause, stop, seek and a loop region, as a pure state machine over frames.

`segments(frames)` is called once per audio block (from the audio callback) and says which stretches of
the timeline fill the block, advancing the position and wrapping inside the loop region. The GUI thread
calls play/pause/stop/seek; those only *store* requests (single attribute writes, atomic under the GIL)
that the next `segments` call applies, so the callback needs no lock and a seek is never lost to a
callback that was half-way through advancing the old position.
"""

from __future__ import annotations

import math
from enum import Enum

from app.core.audio.io import PROJECT_RATE
from app.core.music import BeatGrid


class TransportState(Enum):
    STOPPED = "stopped"
    PLAYING = "playing"
    PAUSED = "paused"


Segment = tuple[int, int, int]  # (timeline_start_frame, n_frames, out_offset)


class Transport:
    """Playback position and loop region over a timeline of frames at `sample_rate`."""

    def __init__(self, sample_rate: int = PROJECT_RATE) -> None:
        if sample_rate <= 0:
            raise ValueError("sample_rate must be positive")
        self.sample_rate = sample_rate
        self._position = 0
        self._seek_request: tuple[int, int] = (0, 0)  # (sequence, frame), written by the GUI thread only
        self._seek_applied = 0  # sequence last applied, written by segments() only
        self._state = TransportState.STOPPED
        self._loop: tuple[int, int] | None = None
        self.loop_enabled = False
        self.end_frame: int | None = None  # playing without a loop pauses here (end of the song)
        self.beat_grid: BeatGrid | None = None

    # ---- state --------------------------------------------------------------------------------------
    @property
    def state(self) -> TransportState:
        return self._state

    @property
    def playing(self) -> bool:
        return self._state is TransportState.PLAYING

    def play(self) -> None:
        # Play at the end of the song starts it again, as in a DAW.
        if (self.end_frame is not None and not self.loop_enabled and self._state is not TransportState.PLAYING
                and self.position_frames >= self.end_frame):
            self.seek_frame(0)
        self._state = TransportState.PLAYING

    def pause(self) -> None:
        if self._state is TransportState.PLAYING:
            self._state = TransportState.PAUSED

    def toggle(self) -> None:
        """Space bar: play when not playing, else pause."""
        if self.playing:
            self.pause()
        else:
            self.play()

    def stop(self) -> None:
        """Stop and return to the start of the timeline."""
        self._state = TransportState.STOPPED
        self.seek_frame(0)

    # ---- position -----------------------------------------------------------------------------------
    def seek(self, seconds: float) -> None:
        if not math.isfinite(seconds):
            raise ValueError(f"cannot seek to {seconds}")
        self.seek_frame(round(seconds * self.sample_rate))

    def seek_frame(self, frame: int) -> None:
        frame = max(0, int(frame))
        if self.end_frame is not None:
            frame = min(frame, self.end_frame)
        self._seek_request = (self._seek_request[0] + 1, frame)

    @property
    def position_frames(self) -> int:
        seq, frame = self._seek_request
        return frame if seq != self._seek_applied else self._position

    @property
    def position_seconds(self) -> float:
        return self.position_frames / self.sample_rate

    @property
    def position_bars(self) -> float | None:
        """Zero-based fractional bar position, once a beat grid is known (else None)."""
        grid = self.beat_grid
        return None if grid is None else grid.bar_of(self.position_seconds)

    def bar_beat(self) -> tuple[int, float] | None:
        """(bar number from 1, beat within the bar from 1.0) for display, once a beat grid is known."""
        grid = self.beat_grid
        if grid is None:
            return None
        quarters = grid.quarters(self.position_seconds)
        bar_q = grid.time_signature.bar_quarters
        bar = math.floor(quarters / bar_q)
        beat_unit = 4.0 / grid.time_signature.denominator
        return bar + 1, (quarters - bar * bar_q) / beat_unit + 1.0

    # ---- loop ---------------------------------------------------------------------------------------
    def set_loop(self, start_seconds: float, end_seconds: float, *, enabled: bool = True) -> None:
        if not (math.isfinite(start_seconds) and math.isfinite(end_seconds)):
            raise ValueError("loop bounds must be finite")
        start = max(0, round(start_seconds * self.sample_rate))
        end = round(end_seconds * self.sample_rate)
        if end <= start:
            raise ValueError(f"loop end {end_seconds:g} s must be after its start {start_seconds:g} s")
        self._loop = (start, end)
        self.loop_enabled = enabled

    def clear_loop(self) -> None:
        self.loop_enabled = False
        self._loop = None

    def toggle_loop(self) -> bool:
        """L key: flips looping (only meaningful once a region is set); returns the new setting."""
        self.loop_enabled = not self.loop_enabled and self._loop is not None
        return self.loop_enabled

    @property
    def loop_region(self) -> tuple[float, float] | None:
        if self._loop is None:
            return None
        return self._loop[0] / self.sample_rate, self._loop[1] / self.sample_rate

    @property
    def loop_frames(self) -> tuple[int, int] | None:
        return self._loop

    # ---- the audio side -----------------------------------------------------------------------------
    def segments(self, frames: int) -> list[Segment]:
        """Timeline stretches that fill the next `frames` output frames, advancing the position.

        Empty when not playing. A block crossing the loop end is split: the rest continues from the loop
        start. Without a loop, reaching `end_frame` pauses there and the remaining frames stay silent.
        """
        seq, frame = self._seek_request
        if seq != self._seek_applied:
            self._position = frame
            self._seek_applied = seq
        if self._state is not TransportState.PLAYING or frames <= 0:
            return []
        pos = self._position
        loop = self._loop if self.loop_enabled else None
        out: list[Segment] = []
        done = 0
        if loop is not None and pos < loop[1]:
            start, end = loop
            while done < frames:
                n = min(frames - done, end - pos)
                out.append((pos, n, done))
                done += n
                pos += n
                if pos >= end:
                    pos = start
        else:
            n = frames
            if self.end_frame is not None:
                n = max(0, min(frames, self.end_frame - pos))
            if n:
                out.append((pos, n, 0))
            pos += n
            if n < frames:
                self._state = TransportState.PAUSED
        self._position = pos
        return out
