"""Viewpoints over note events (Conklin & Witten 1995; IDyOM), as integer codes.

A melody becomes `Events`: integer arrays of pitch, duration and onset (in ticks of 1/48 quarter), bar length
and the key's tonic. A viewpoint is a link (product) of components; its value at an event is one int64 code,
undefined (masked) where a component is (e.g. the interval at the first note).

Two *targets* are predicted: the pitch, and the duration. A viewpoint predicts the pitch when it has a pitch
component (cpitch, cpint, cpintfref, contour); its other components must be known before the pitch is chosen
(dur, ioi, posinbar, fib of the same event). A viewpoint predicts the duration when it has `dur` and no pitch
component. The event's probability is then p(dur | past) * p(pitch | dur, past): a proper chain rule, which is
also the order in which generation samples.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.core.music import Key, Melody
from app.core.music.harmony import profile_key

TICKS_PER_QUARTER = 48
PITCH_COMPONENTS = ("cpitch", "cpint", "cpintfref", "contour")
RHYTHM_COMPONENTS = ("dur", "ioi", "posinbar", "fib")
COMPONENTS = PITCH_COMPONENTS + RHYTHM_COMPONENTS
_OFFSET = 1 << 15
_SHIFT = 16

def estimate_key(pitches: Sequence[int], durations: Sequence[float]) -> Key:
    """The best-correlating major/minor key of a line's duration-weighted pitch classes (C major for an empty
    line): for melodies that come without a key, since cpintfref needs a tonic."""
    hist = [0.0] * 12
    for p, d in zip(pitches, durations, strict=False):
        hist[p % 12] += d
    return profile_key(hist) or Key(0, "major")


def to_ticks(quarters: float) -> int:
    return int(round(quarters * TICKS_PER_QUARTER))


@dataclass(frozen=True)
class Events:
    """A melody as integer arrays (ticks), ready for viewpoints."""

    pitch: np.ndarray
    dur: np.ndarray
    onset: np.ndarray
    bar: int | np.ndarray  # ticks per bar (per note in the flat Events of many works)
    tonic: int | np.ndarray

    def __len__(self) -> int:
        return len(self.pitch)

    @classmethod
    def from_melody(cls, melody: Melody) -> Events:
        notes = melody.notes
        key = melody.key or estimate_key([n.pitch for n in notes], [n.duration for n in notes])
        return cls(np.array([n.pitch for n in notes], dtype=np.int64),
                   np.array([max(1, to_ticks(n.duration)) for n in notes], dtype=np.int64),
                   np.array([to_ticks(n.onset) for n in notes], dtype=np.int64),
                   max(1, to_ticks(melody.time_signature.bar_quarters)), key.tonic_pc)


def component(ev: Events, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(values, defined mask) of one component over a whole melody."""
    n = len(ev)
    ok = np.ones(n, dtype=bool)
    if name == "cpitch":
        return ev.pitch, ok
    if name in ("cpint", "contour", "ioi"):
        src = ev.onset if name == "ioi" else ev.pitch
        v = np.zeros(n, dtype=np.int64)
        v[1:] = np.diff(src)
        ok[:1] = False
        return (np.sign(v) if name == "contour" else v), ok
    if name == "cpintfref":
        return (ev.pitch - ev.tonic) % 12, ok
    if name == "dur":
        return ev.dur, ok
    if name == "posinbar":
        return ev.onset % ev.bar, ok
    if name == "fib":
        return (ev.onset % ev.bar == 0).astype(np.int64), ok
    raise ValueError(f"unknown viewpoint component {name!r}")


def encode(parts: Sequence[np.ndarray]) -> np.ndarray:
    code = np.zeros(np.broadcast(*parts).shape, dtype=np.int64)
    for k, part in enumerate(parts):
        code = code + ((np.asarray(part, dtype=np.int64) + _OFFSET) << (_SHIFT * k))
    return code


@dataclass(frozen=True)
class Viewpoint:
    """A linked viewpoint such as ('cpint', 'dur'); its name joins the components with '*'."""

    components: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.components or any(c not in COMPONENTS for c in self.components):
            raise ValueError(f"not a viewpoint: {'*'.join(self.components)!r} (components: {', '.join(COMPONENTS)})")
        if len(set(self.components)) != len(self.components):
            raise ValueError(f"viewpoint {self.name!r} repeats a component")
        if any(c in PITCH_COMPONENTS for c in self.components):
            target = "pitch"
        elif "dur" in self.components:
            target = "dur"
        else:
            raise ValueError(f"viewpoint {self.name!r} predicts neither pitch nor duration")
        object.__setattr__(self, "_target", target)  # read per event during generation: computed once
        object.__setattr__(self, "_needs_previous", any(c in ("cpint", "contour", "ioi") for c in self.components))

    @property
    def name(self) -> str:
        return "*".join(self.components)

    @classmethod
    def parse(cls, text: str) -> Viewpoint:
        return cls(tuple(p.strip() for p in text.replace("⊗", "*").split("*") if p.strip()))

    @property
    def target(self) -> str:
        return self._target  # type: ignore[attr-defined, no-any-return]

    @property
    def needs_previous(self) -> bool:
        """Undefined at a melody's first event (intervals, inter-onset intervals)."""
        return self._needs_previous  # type: ignore[attr-defined, no-any-return]

    def sequence(self, ev: Events) -> tuple[np.ndarray, np.ndarray]:
        """(codes, defined mask) over a whole melody."""
        vals, oks = zip(*(component(ev, c) for c in self.components), strict=False)
        ok = np.logical_and.reduce(oks)
        return encode(vals), ok

    def candidates(self, ev: Events, i: int, alphabet: np.ndarray) -> np.ndarray | None:
        """Codes of event i with its target replaced by each alphabet value; None where undefined."""
        parts = []
        for c in self.components:
            if c == "cpitch" or (c == "dur" and self.target == "dur"):
                parts.append(alphabet)
            elif c in ("cpint", "contour"):
                if i == 0:
                    return None
                d = alphabet - ev.pitch[i - 1]
                parts.append(np.sign(d) if c == "contour" else d)
            elif c == "cpintfref":
                parts.append((alphabet - ev.tonic) % 12)
            elif c == "ioi":
                if i == 0:
                    return None
                parts.append(np.full(len(alphabet), ev.onset[i] - ev.onset[i - 1]))
            elif c == "dur":
                parts.append(np.full(len(alphabet), ev.dur[i]))
            elif c == "posinbar":
                parts.append(np.full(len(alphabet), ev.onset[i] % ev.bar))
            else:  # fib
                parts.append(np.full(len(alphabet), int(ev.onset[i] % ev.bar == 0)))
        return encode(parts)


def parse_viewpoints(names: Sequence[str]) -> tuple[Viewpoint, ...]:
    return tuple(Viewpoint.parse(n) for n in names)


def encode_scalar(parts: Sequence[int]) -> int:
    code = 0
    for k, part in enumerate(parts):
        code += (int(part) + _OFFSET) << (_SHIFT * k)
    return code


def event_code(vp: Viewpoint, pitch: Sequence[int], dur: Sequence[int], onset: Sequence[int], bar: int,
               tonic: int, i: int) -> int | None:
    """The viewpoint's code at event i of growing lists (generation); None where undefined."""
    parts = []
    for c in vp.components:
        if c == "cpitch":
            parts.append(pitch[i])
        elif c in ("cpint", "contour"):
            if i == 0:
                return None
            d = pitch[i] - pitch[i - 1]
            parts.append((d > 0) - (d < 0) if c == "contour" else d)
        elif c == "cpintfref":
            parts.append((pitch[i] - tonic) % 12)
        elif c == "dur":
            parts.append(dur[i])
        elif c == "ioi":
            if i == 0:
                return None
            parts.append(onset[i] - onset[i - 1])
        elif c == "posinbar":
            parts.append(onset[i] % bar)
        else:
            parts.append(int(onset[i] % bar == 0))
    return encode_scalar(parts)
