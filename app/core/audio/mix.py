"""The mixer: a pure function of an immutable mix state.

`render(state, out, start_frame)` is what the audio callback and offline rendering both call. A MixState
precomputes, once, each audible track's linear left/right gain (track gain x master gain x constant-power
pan), so a block costs two multiply-adds per audible track, done in place with numpy `out=` arguments.

Rules (docs/audio.md):
- pan is a constant-power balance: theta = (pan + 1) * pi / 4, left x cos(theta), right x sin(theta);
  at the centre both sides are at -3 dB and L^2 + R^2 = 1 for every pan;
- a track is heard when it is not muted and either no track is soloed or it is soloed (mute wins over solo);
- tracks start at `offset_frames` on the timeline; outside a track's samples it contributes silence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from app.core.audio.io import PROJECT_RATE, DecodedAudio, load_audio
from app.core.errors import AccordError

MIN_GAIN_DB = -144.0  # quieter than any 24-bit signal: treated as silence by callers if they wish
MAX_GAIN_DB = 24.0
# Decoded stems plus the mix and its output buffer, for an offline mix (the export's budget is the same).
# Each stem is bounded by load_audio; their number was not: ten hour-long recordings asked for ~14 GB.
MAX_OFFLINE_MIX_BYTES = 2 * 1024 * 1024 * 1024


def db_to_linear(db: float) -> float:
    return 10.0 ** (db / 20.0)


def pan_gains(pan: float) -> tuple[float, float]:
    """Constant-power (left, right) gains for pan in [-1, 1]: -3 dB each at the centre."""
    theta = (min(1.0, max(-1.0, pan)) + 1.0) * math.pi / 4.0
    return math.cos(theta), math.sin(theta)


@dataclass(frozen=True, eq=False)
class TrackMix:
    """One stem in the mix. `samples` is float32 (2, n) and must not be written to.

    Equality compares the settings and the *identity* of `samples` (comparing arrays element-wise
    would be slow and ambiguous), so MixStates can be compared and hashed cheaply.
    """

    name: str
    samples: np.ndarray
    gain_db: float = 0.0
    pan: float = 0.0
    mute: bool = False
    solo: bool = False
    offset_frames: int = 0

    def __post_init__(self) -> None:
        s = self.samples
        if not isinstance(s, np.ndarray) or s.dtype != np.float32 or s.ndim != 2 or s.shape[0] != 2:
            raise ValueError(f"track {self.name!r}: samples must be float32 shaped (2, frames)")
        if not (math.isfinite(self.gain_db) and MIN_GAIN_DB <= self.gain_db <= MAX_GAIN_DB):
            raise ValueError(f"track {self.name!r}: gain {self.gain_db} dB is outside "
                             f"{MIN_GAIN_DB:g}..{MAX_GAIN_DB:g} dB")
        if not (math.isfinite(self.pan) and -1.0 <= self.pan <= 1.0):
            raise ValueError(f"track {self.name!r}: pan {self.pan} is outside -1..+1")
        if self.offset_frames < 0:
            raise ValueError(f"track {self.name!r}: offset {self.offset_frames} is negative")

    @property
    def end_frame(self) -> int:
        return self.offset_frames + int(self.samples.shape[1])

    def _key(self) -> tuple:
        return (self.name, id(self.samples), self.gain_db, self.pan, self.mute, self.solo, self.offset_frames)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TrackMix):
            return NotImplemented
        return self.samples is other.samples and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


@dataclass(frozen=True)
class _Voice:
    samples: np.ndarray
    offset: int
    frames: int
    gains: np.ndarray  # float32 (2, 1): left and right linear gain, broadcast over a block


@dataclass(frozen=True)
class MixState:
    """Everything the mixer needs, immutable; swap a whole new state to change anything."""

    tracks: tuple[TrackMix, ...] = ()
    master_gain_db: float = 0.0
    sample_rate: int = PROJECT_RATE
    _voices: tuple[_Voice, ...] = field(init=False, repr=False, compare=False, default=())

    def __post_init__(self) -> None:
        if not isinstance(self.tracks, tuple):
            object.__setattr__(self, "tracks", tuple(self.tracks))
        if not (math.isfinite(self.master_gain_db) and MIN_GAIN_DB <= self.master_gain_db <= MAX_GAIN_DB):
            raise ValueError(f"master gain {self.master_gain_db} dB is outside {MIN_GAIN_DB:g}..{MAX_GAIN_DB:g} dB")
        any_solo = any(t.solo for t in self.tracks)
        voices = []
        for t in self.tracks:
            if t.mute or (any_solo and not t.solo):
                continue
            g = db_to_linear(t.gain_db + self.master_gain_db)
            left, right = pan_gains(t.pan)
            gains = np.array([[g * left], [g * right]], dtype=np.float32)
            gains.flags.writeable = False
            voices.append(_Voice(t.samples, t.offset_frames, int(t.samples.shape[1]), gains))
        object.__setattr__(self, "_voices", tuple(voices))

    @property
    def length_frames(self) -> int:
        """End of the last track on the timeline (muted ones included: the song's length)."""
        return max((t.end_frame for t in self.tracks), default=0)

    @property
    def audible(self) -> tuple[str, ...]:
        """Names of the tracks that are heard under the mute/solo rule."""
        any_solo = any(t.solo for t in self.tracks)
        return tuple(t.name for t in self.tracks if not t.mute and (t.solo or not any_solo))

    def track(self, name: str) -> TrackMix:
        for t in self.tracks:
            if t.name == name:
                return t
        raise KeyError(name)


def render(state: MixState, out: np.ndarray, start_frame: int, *, scratch: np.ndarray | None = None) -> None:
    """Fill `out` (float32 (2, frames), any strides) with the mix of [start_frame, start_frame + frames).

    `scratch` (float32 (2, n) with n >= frames) avoids the only allocation; the engine passes one. Two
    numpy calls per audible track (both channels at once), whatever the block size.
    """
    frames = out.shape[1]
    out.fill(0.0)
    if frames == 0:
        return
    if scratch is None or scratch.ndim != 2 or scratch.shape[1] < frames:
        scratch = np.empty((2, frames), dtype=np.float32)
    multiply, add = np.multiply, np.add
    for v in state._voices:
        a = start_frame - v.offset
        lo = a if a > 0 else 0
        hi = a + frames if a + frames < v.frames else v.frames
        if hi <= lo:
            continue
        if lo == a and hi - lo == frames:  # the common case: the track covers the whole block
            tmp = scratch[:, :frames] if scratch.shape[1] != frames else scratch
            multiply(v.samples[:, lo:hi], v.gains, out=tmp)
            add(out, tmp, out=out)
        else:
            k, dst = hi - lo, lo - a
            tmp = scratch[:, :k]
            multiply(v.samples[:, lo:hi], v.gains, out=tmp)
            part = out[:, dst:dst + k]
            add(part, tmp, out=part)


def render_offline(state: MixState, *, start_frame: int = 0, frames: int | None = None,
                   block: int = 4096) -> np.ndarray:
    """Render [start_frame, start_frame + frames) (default: to the end of the mix) block by block through
    `render`, exactly as playback does; returns float32 (2, frames)."""
    if start_frame < 0:
        raise ValueError("start_frame must be >= 0")
    if frames is None:
        frames = max(0, state.length_frames - start_frame)
    if frames < 0 or block < 1:
        raise ValueError("frames must be >= 0 and block >= 1")
    out = np.empty((2, frames), dtype=np.float32)
    scratch = np.empty((2, block), dtype=np.float32)
    for i in range(0, frames, block):
        j = min(frames, i + block)
        render(state, out[:, i:j], start_frame + i, scratch=scratch)
    return out


def load_stems(paths: list[Path], *, sample_rate: int = PROJECT_RATE,
               max_bytes: int = MAX_OFFLINE_MIX_BYTES) -> list[DecodedAudio]:
    """Decode stems for an offline mix, refusing as soon as their decoded audio plus the mix buffers would pass
    `max_bytes`. Counted from the samples really decoded, never from headers; the peak stays below
    `max_bytes` plus one stem."""
    stems: list[DecodedAudio] = []
    total = longest = 0
    for i, path in enumerate(paths):
        audio = load_audio(path, sample_rate=sample_rate)
        stems.append(audio)
        total += audio.samples.nbytes
        longest = max(longest, audio.samples.nbytes)
        if total + 2 * longest > max_bytes:
            raise AccordError(f"after {i + 1} of {len(paths)} stems the mix would already hold "
                              f"{(total + 2 * longest) / 2**30:.1f} GB of audio in memory; at most "
                              f"{max_bytes / 2**30:g} GB is allowed", path=path,
                              hint="mix fewer or shorter stems (mix groups first, then mix the results)")
    return stems
