"""Notes and melodies: the note events every layer passes around (see app.core.music for the conventions).

A `Note` is placed in quarter notes; a `Melody` carries its notes with the key, meter and tempo known of them, and
`Melody.to_json`/`from_json` is the dict layout it is stored in.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from app.core.music.grid import TimeSignature
from app.core.music.harmony import Key

MAX_POSITION = 1e7  # quarter notes (about 58 days at 120 BPM): past it a position or length is not music


@dataclass(frozen=True, slots=True)
class Note:
    """One note event. onset and duration in quarter notes, velocity 1..127."""

    pitch: int
    onset: float
    duration: float
    velocity: int = 90

    @property
    def end(self) -> float:
        return self.onset + self.duration

    def shifted(self, beats: float) -> Note:
        return replace(self, onset=self.onset + beats)

    def transposed(self, semitones: int) -> Note:
        return replace(self, pitch=self.pitch + semitones)


@dataclass(frozen=True)
class Melody:
    """A monophonic line: notes sorted by onset, plus what is known of its context."""

    notes: tuple[Note, ...]
    key: Key | None = None
    time_signature: TimeSignature = field(default_factory=TimeSignature)
    tempo_bpm: float | None = None  # quarter notes per minute

    def __post_init__(self) -> None:
        if any(b.onset < a.onset for a, b in zip(self.notes, self.notes[1:], strict=False)):
            object.__setattr__(self, "notes", tuple(sorted(self.notes, key=lambda n: (n.onset, n.pitch))))

    def __len__(self) -> int:
        return len(self.notes)

    def __iter__(self) -> Iterator[Note]:
        return iter(self.notes)

    @property
    def end(self) -> float:
        return max((n.end for n in self.notes), default=0.0)

    @property
    def pitches(self) -> list[int]:
        return [n.pitch for n in self.notes]

    def between(self, start: float, end: float) -> Melody:
        """Notes whose onset lies in [start, end)."""
        return replace(self, notes=tuple(n for n in self.notes if start - 1e-9 <= n.onset < end - 1e-9))

    def shifted(self, beats: float) -> Melody:
        return replace(self, notes=tuple(n.shifted(beats) for n in self.notes))

    def with_notes(self, notes: Sequence[Note]) -> Melody:
        return replace(self, notes=tuple(notes))

    def to_json(self) -> dict:
        return {
            "notes": [[n.pitch, n.onset, n.duration, n.velocity] for n in self.notes],
            "key": None if self.key is None else {"tonic_pc": self.key.tonic_pc, "mode": self.key.mode},
            "time_signature": str(self.time_signature),
            "tempo_bpm": self.tempo_bpm,
        }

    @classmethod
    def from_json(cls, data: dict) -> Melody:
        """Inverse of to_json; raises ValueError/KeyError/TypeError on malformed data (callers wrap it)."""
        notes = []
        for item in data["notes"]:
            pitch, onset, duration = int(item[0]), float(item[1]), float(item[2])
            velocity = int(item[3]) if len(item) > 3 else 90
            if not (0 <= pitch <= 127 and 0 < duration < MAX_POSITION and 0 <= onset < MAX_POSITION
                    and 1 <= velocity <= 127):  # the bounds also refuse inf and nan (e.g. an onset of 1e400)
                raise ValueError(f"bad note {item!r}")
            notes.append(Note(pitch, onset, duration, velocity))
        key = data.get("key")
        tempo = data.get("tempo_bpm")
        if tempo is not None and not 0 < float(tempo) < 10_000:
            raise ValueError(f"bad tempo {tempo!r}")
        return cls(
            tuple(notes),
            key=None if key is None else Key(int(key["tonic_pc"]), str(key["mode"])),
            time_signature=TimeSignature.parse(data.get("time_signature", "4/4")),
            tempo_bpm=None if tempo is None else float(tempo),
        )
