"""What the sampler works with: slots to fill, pitch rules, dead ends, the duration fill table, and two
small helpers of its hot path (the entropy of a positive row; which event attributes a viewpoint reads)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.core.model.ppm.predict import MIN_RELATIVE_ENTROPY, relative_entropy
from app.core.model.training import TrainedModel


def rel_entropy(p: np.ndarray, log_size: float) -> float:
    """Entropy / log2(alphabet size) of a strictly positive distribution (as predict.relative_entropy)."""
    h = -float(p @ np.log2(p)) / log_size
    if h != h:  # a zero somewhere (not expected: the order -1 term is positive): the careful version
        h = float(relative_entropy(p[None, :])[0])
    return max(h, MIN_RELATIVE_ENTROPY)


def reads(vp) -> tuple[int, ...]:
    """Which event attributes (previous pitch, ioi, duration, position in bar, tonic) a viewpoint's
    candidate codes depend on besides the alphabet: the key of its memoised reachable values."""
    reads: set[int] = set()
    for c in vp.components:
        if c in ("cpint", "contour"):
            reads.add(0)
        elif c == "ioi":
            reads.add(1)
        elif c == "dur" and vp.target != "dur":
            reads.add(2)
        elif c in ("posinbar", "fib"):
            reads.add(3)
        elif c == "cpintfref":
            reads.add(4)
    return tuple(sorted(reads))


class DeadEnd(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Slot:
    start: int  # ticks on the song's timeline
    end: int
    kind: str  # "free" | "note"
    pitch: int | None = None  # note: fixed pitch (None: sample)
    prefer: int | None = None  # note: preferred pitch (closeness)
    pitches: tuple[int, ...] | None = None  # free: given pitches, in order (re-rhythm)
    # planned bars (phrasing.py): the bar's note-count bounds, and how many notes the bar's later free
    # slots can hold (min, max), so this slot leaves them room
    density: tuple[int, int] | None = None
    later: tuple[int, int] = (0, 0)
    # copy (structure.py): repeat the notes `source` ticks earlier (the piece's own: prime or suggestion),
    # transposed by `shift`; the first `keep` notes keep their pitch, the others are re-pitched (-1: all
    # kept, -2: the first half); when the repeat breaks a hard constraint the bar falls back to `alt`
    source: int = 0
    shift: int = 0
    keep: int = -1
    alt: tuple[Slot, ...] = ()


@dataclass
class PitchRules:
    alphabet: np.ndarray  # candidate pitches (the whole range)
    in_key: np.ndarray  # bool per candidate: in the pitch range and the key (or chromatic)
    chord_pcs: dict[int, frozenset[int]]  # strong-beat onset tick -> allowed pitch classes


class Cursor:
    """An Events-like view of growing lists, for viewpoint candidates."""

    __slots__ = ("pitch", "dur", "onset", "bar", "tonic")

    def __init__(self, bar: int, tonic: int) -> None:
        self.pitch: list[int] = []
        self.dur: list[int] = []
        self.onset: list[int] = []
        self.bar = bar
        self.tonic = tonic


def fill_table(durations: np.ndarray, longest: int) -> list[int]:
    """reach[t]: bitset of note counts that fill exactly t ticks with the given durations."""
    reach = [0] * (longest + 1)
    reach[0] = 1
    ds = [int(d) for d in durations]
    for t in range(1, longest + 1):
        acc = 0
        for d in ds:
            if d <= t and reach[t - d]:
                acc |= reach[t - d] << 1
        reach[t] = acc
    return reach


def cached_fill_table(model: TrainedModel, durations: np.ndarray, longest: int) -> list[int]:
    """`fill_table`, memoised on the model: the same for every request with these durations."""
    key = ("fill", tuple(int(d) for d in durations), longest)
    reach = model.cache.get(key)
    if reach is None:
        reach = model.cache[key] = fill_table(durations, longest)
    return reach  # type: ignore[return-value]
