"""What a suggestion must satisfy. Built from the shared vocabulary, so analysis never imports the model:
the project (or the CLI) turns an analysis into `Constraints`.

Hard constraints (every returned suggestion satisfies them, or generation says which to relax):
key/scale (unless chromatic), chord tones on strong beats (when chords are given), pitch range, rhythmic
density, length in bars and time signature, and max-order k (no run of more than k consecutive notes whose
intervals equal those of k+1 consecutive notes in one training work).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.core.music import ChordTimeline, Key, TimeSignature

DEFAULT_MAX_COPY = 8


@dataclass(frozen=True)
class Constraints:
    key: Key | None = None  # None: infer from the prime, else no key lock
    chromatic: bool = False  # True: any pitch class allowed even with a key
    chords: ChordTimeline | None = None  # positions in quarter notes on the song's timeline
    chord_tones_on_strong_beats: bool = True
    time_signature: TimeSignature = field(default_factory=TimeSignature)
    bars: int = 4  # length of the generated material in bars (1..32)
    start: float = 0.0  # where the generated material starts, in quarter notes on the song's timeline
    pitch_range: tuple[int, int] = (48, 84)  # inclusive MIDI pitches
    density: tuple[float, float] | None = None  # allowed notes per bar (min, max); None: no bound
    max_copy: int = DEFAULT_MAX_COPY  # k in max-order; 0 disables the check
    tempo_bpm: float | None = None  # for rendering the suggestion in time with the stems

    def __post_init__(self) -> None:
        if not 1 <= self.bars <= 32:
            raise ValueError(f"bars must be 1..32, not {self.bars}")
        low, high = self.pitch_range
        if not 0 <= low <= high <= 127:
            raise ValueError(f"pitch range {low}..{high} is " + ("reversed (give LOW:HIGH)" if 0 <= high < low <= 127
                                                                  else "not within 0..127"))
        if self.max_copy < 0:
            raise ValueError("max_copy must be >= 0")
        if self.density is not None and not 0 <= self.density[0] <= self.density[1]:
            raise ValueError(f"density {self.density} must be (min, max) with 0 <= min <= max")

    @property
    def end(self) -> float:
        return self.start + self.bars * self.time_signature.bar_quarters
