"""Recording a played phrase: note on/off pairs become notes on the transport's beat grid, quantised on
record to a chosen grid while the raw timing is kept; and the silence that ends a phrase.

Monophonic by design (the model continues a line): when notes overlap, each note ends where the next
begins, as the catalogue importer does for melodies. Times are the transport's seconds; the clock turns them
into beats, so a tempo change during the phrase is followed.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.live.clock import TransportClock
from app.core.live.types import TimedMessage
from app.core.music import Melody, Note, TimeSignature

# Grid choices in quarter notes: "1/4" a quarter, "1/8" an eighth, "1/16" a sixteenth, "1/8t" an eighth triplet.
GRIDS = {"1/4": 1.0, "1/8": 0.5, "1/16": 0.25, "1/8t": 1.0 / 3.0, "1/16t": 1.0 / 6.0, "off": 0.0}
DEFAULT_GRID = "1/16"


def quantise(notes: tuple[Note, ...] | list[Note], step: float) -> tuple[Note, ...]:
    """Onsets to the nearest grid point, durations to whole steps (at least one); step 0 leaves them."""
    if step <= 0:
        return tuple(notes)
    out: list[Note] = []
    for n in sorted(notes, key=lambda x: x.onset):
        onset = round(n.onset / step) * step
        if out and onset <= out[-1].onset + 1e-9:
            onset = out[-1].onset + step  # two notes on one grid point: keep both, in order
        duration = max(step, round(n.duration / step) * step)
        out.append(Note(n.pitch, onset, duration, n.velocity))
    return tuple(_monophonic(out))


def _monophonic(notes: list[Note]) -> list[Note]:
    fixed = []
    for a, b in zip(notes, notes[1:] + [None], strict=True):
        if b is not None and a.end > b.onset + 1e-9:
            a = Note(a.pitch, a.onset, max(1e-3, b.onset - a.onset), a.velocity)
        fixed.append(a)
    return fixed


@dataclass(frozen=True)
class RecordedPhrase:
    """What was played: `raw` keeps the played timing (beats), `quantised` sits on `grid`."""

    raw: Melody
    quantised: Melody
    grid: str
    started_at: float  # transport seconds of the first note-on
    ended_at: float  # transport seconds of the last note-off

    def to_json(self) -> dict:
        return {"raw": self.raw.to_json(), "quantised": self.quantised.to_json(), "grid": self.grid}


class PhraseRecorder:
    """Feed it every incoming message; `take()` returns the phrase so far and starts a new one."""

    def __init__(self, clock: TransportClock, *, grid: str = DEFAULT_GRID, channel: int | None = None) -> None:
        if grid not in GRIDS:
            raise ValueError(f"grid {grid!r} is not one of {', '.join(GRIDS)}")
        self.clock, self.grid, self.channel = clock, grid, channel
        self._held: dict[int, tuple[float, int]] = {}  # pitch -> (beat, velocity)
        self._notes: list[Note] = []
        self._first: float | None = None
        self._last_off: float | None = None

    @property
    def held(self) -> int:
        return len(self._held)

    @property
    def note_count(self) -> int:
        return len(self._notes) + len(self._held)

    def feed(self, msg: TimedMessage) -> Note | None:
        """Record one message; returns the note it completed, if any."""
        if self.channel is not None and len(msg.data) and msg.data[0] & 0x0F != self.channel:
            return None
        if msg.is_note_on:
            pitch = msg.data[1]
            done = self._finish(pitch, msg.time)  # a repeated note-on ends the held one
            self._held[pitch] = (self.clock.beat_at(msg.time), msg.data[2])
            if self._first is None:
                self._first = msg.time
            return done
        if msg.is_note_off:
            return self._finish(msg.data[1], msg.time)
        return None

    def _finish(self, pitch: int, t: float) -> Note | None:
        started = self._held.pop(pitch, None)
        if started is None:
            return None
        onset, velocity = started
        note = Note(pitch, onset, max(1e-3, self.clock.beat_at(t) - onset), velocity)
        self._notes.append(note)
        self._last_off = t
        return note

    def release(self, t: float) -> None:
        """End every held note at time `t` (recording stops while a key is still down)."""
        for pitch in list(self._held):
            self._finish(pitch, t)

    def take(self, *, time_signature: TimeSignature | None = None,
             from_beat: float | None = None, pickup: float = 1.0) -> RecordedPhrase | None:
        """The notes finished so far as a phrase (None if none); held notes stay for the next phrase.

        With `from_beat`, notes that began more than `pickup` beats before it (played during a count-in) are
        dropped; a pickup in the count-in's last beat belongs to the phrase, as an anacrusis does."""
        if from_beat is not None:
            kept = [n for n in self._notes if n.onset >= from_beat - pickup - 1e-9]
            if not kept:
                self._notes, self._first = [], None
                return None
            self._notes = kept
            self._first = self.clock.time_at(kept[0].onset)
        if not self._notes:
            return None
        ts = time_signature or TimeSignature()
        raw = tuple(_monophonic(sorted(self._notes, key=lambda n: n.onset)))
        quantised = quantise(raw, GRIDS[self.grid])
        tempo = self.clock.tempo_bpm
        phrase = RecordedPhrase(Melody(raw, time_signature=ts, tempo_bpm=tempo),
                                Melody(quantised, time_signature=ts, tempo_bpm=tempo), self.grid,
                                self._first or 0.0, self._last_off or 0.0)
        self._notes, self._first = [], None
        return phrase


class SilenceDetector:
    """A phrase has ended when no note is held and none has started for `beats` beats (default one bar)."""

    def __init__(self, clock: TransportClock, beats: float = 4.0) -> None:
        if beats <= 0:
            raise ValueError(f"silence must be longer than 0 beats, not {beats}")
        self.clock, self.beats = clock, float(beats)

    def window_end(self, recorder: PhraseRecorder) -> float | None:
        """The time the silence window ends (None while a note is held or nothing was played)."""
        if recorder.held or recorder._last_off is None or not recorder._notes:
            return None
        return recorder._last_off + self.beats * self.clock.seconds_per_beat

    def ended(self, recorder: PhraseRecorder, now: float) -> bool:
        end = self.window_end(recorder)
        return end is not None and now >= end
