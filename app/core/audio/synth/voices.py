"""Built-in instrument voices: band-limited wavetable (subtractive) and FM voices with envelopes.

Every voice renders one note at a time as a mono float32 array, vectorised over the note's samples (no
per-sample Python loop). Band-limiting is by construction, not by filtering afterwards:

- wavetable voices build one single-cycle table per (pitch, brightness) from a harmonic spectrum that stops
  below 0.45 × the sample rate, so nothing can fold back over Nyquist; the "filter" is a resonant low-pass
  response applied to those harmonic amplitudes, and its envelope is a crossfade between an open (bright)
  and a closed (dark) table read at the same phase — alias-free and cheap;
- FM voices cap their modulation index per note (Carson's rule with margin) so the significant sidebands
  stay below 0.45 × the sample rate.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np

# Highest partial frequency as a fraction of the sample rate: 0.45 keeps a guard band below Nyquist (0.5).
BAND_LIMIT = 0.45
MIN_TABLE = 2048
MAX_TABLE = 32768

TableCache = MutableMapping[tuple, tuple[np.ndarray, np.ndarray]]


def midi_to_hz(pitch: float) -> float:
    return 440.0 * 2.0 ** ((pitch - 69.0) / 12.0)


def phase_accumulator(freq_hz: float, sample_rate: int, frames: int) -> np.ndarray:
    """Phase of an oscillator as uint32 (a full cycle is 2**32), wrapping exactly like a hardware DDS.

    Integer phase is exact over any note length and an order of magnitude faster than a float64 `% 1.0`;
    the increment's rounding error is below 1e-5 Hz.
    """
    inc = np.uint32(int(round(freq_hz / sample_rate * 2.0**32)) & 0xFFFFFFFF)
    return np.arange(frames, dtype=np.uint32) * inc


def velocity_gain(velocity: int) -> float:
    """Velocity 1..127 to a linear level: a gentle power curve (about 30 dB of range)."""
    v = min(127, max(1, int(velocity))) / 127.0
    return float(v**1.6)


@dataclass(frozen=True)
class Envelope:
    """ADSR in seconds; decay is an exponential time constant towards `sustain` (0 = a decaying note)."""

    attack: float = 0.005
    decay: float = 0.3
    sustain: float = 0.7
    release: float = 0.1

    def release_frames(self, sample_rate: int) -> int:
        return max(1, int(round(self.release * sample_rate)))

    def render(self, hold_frames: int, sample_rate: int) -> np.ndarray:
        """Envelope over hold + release frames (float32), ending exactly at zero."""
        hold = max(1, int(hold_frames))
        rel = self.release_frames(sample_rate)
        t = np.arange(hold, dtype=np.float32) / np.float32(sample_rate)
        a = max(self.attack, 1.0 / sample_rate)
        tau = max(self.decay, 1e-4)
        decayed = self.sustain + (1.0 - self.sustain) * np.exp(-np.maximum(t - a, 0.0) / tau)
        held = np.where(t < a, t / a, decayed).astype(np.float32)
        level_at_release = float(held[-1])
        x = np.arange(1, rel + 1, dtype=np.float32) / np.float32(rel)
        # A cubic fade is smooth at its end (no corner at zero), so note-offs don't click.
        released = level_at_release * (1.0 - x) ** 3
        return np.concatenate([held, released.astype(np.float32)])


class Voice(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def display_name(self) -> str: ...

    def release_seconds(self) -> float: ...

    def render_note(self, pitch: int, velocity: int, hold_frames: int, sample_rate: int,
                    cache: TableCache) -> np.ndarray: ...


def _harmonic_amplitudes(shape: str, k: np.ndarray) -> np.ndarray:
    if shape == "saw":
        return 1.0 / k
    if shape == "square":
        return np.where(k % 2 == 1, 1.0 / k, 0.0)
    if shape == "triangle":
        return np.where(k % 2 == 1, ((-1.0) ** ((k - 1) // 2)) / (k * k), 0.0)
    if shape == "sine":
        return np.where(k == 1, 1.0, 0.0)
    raise ValueError(f"unknown waveform {shape!r}")


def lowpass_response(freqs: np.ndarray, cutoff: float, resonance: float, poles: int) -> np.ndarray:
    """Magnitude of a resonant low-pass (2 or 4 poles) at the given frequencies."""
    x = freqs / cutoff
    two_pole = 1.0 / np.sqrt((1.0 - x * x) ** 2 + (x / resonance) ** 2)
    return two_pole ** (poles // 2)


def _table_size(harmonics: int) -> int:
    # ≥ 16 table points per cycle of the highest harmonic keeps linear-interpolation images below -60 dB.
    size = MIN_TABLE
    while size < 16 * harmonics and size < MAX_TABLE:
        size *= 2
    return size


@dataclass(frozen=True)
class WavetableVoice:
    """Subtractive voice: a mix of band-limited waveforms through a keytracked resonant low-pass."""

    name: str
    display_name: str
    waveforms: tuple[tuple[str, float], ...]
    amp: Envelope
    cutoff_open: float  # cutoff as a multiple of the note's fundamental, at the start of the note
    cutoff_closed: float  # ... after the filter envelope has decayed
    filter_decay: float  # seconds (time constant) from open to closed
    resonance: float = 0.9
    poles: int = 2
    velocity_brightness: float = 0.5  # how much a soft note closes the filter (0..1)
    level: float = 0.5

    def release_seconds(self) -> float:
        return self.amp.release

    def _tables(self, pitch: int, velocity: int, sample_rate: int, cache: TableCache) -> tuple[np.ndarray, np.ndarray]:
        vel_bucket = min(7, max(0, (int(velocity) - 1) // 16))  # 8 brightness steps are plenty to hear
        key = (self.name, pitch, vel_bucket, sample_rate)
        hit = cache.get(key)
        if hit is not None:
            return hit
        f0 = midi_to_hz(pitch)
        count = max(1, int(BAND_LIMIT * sample_rate / f0))
        size = _table_size(count)
        count = min(count, size // 2 - 1)
        k = np.arange(1, count + 1, dtype=np.float64)
        raw = sum(w * _harmonic_amplitudes(shape, k) for shape, w in self.waveforms)
        raw = np.asarray(raw, dtype=np.float64)
        bright = 1.0 - self.velocity_brightness * (1.0 - (vel_bucket + 1) / 8.0)
        nyq_cap = BAND_LIMIT * sample_rate
        open_fc = min(nyq_cap, f0 * (self.cutoff_closed + (self.cutoff_open - self.cutoff_closed) * bright))
        closed_fc = min(nyq_cap, f0 * self.cutoff_closed)
        tables = []
        scale = None
        for fc in (open_fc, closed_fc):
            amps = raw * lowpass_response(k * f0, max(fc, 20.0), self.resonance, self.poles)
            spectrum = np.zeros(size // 2 + 1, dtype=np.complex128)
            spectrum[1:count + 1] = -1j * amps * (size / 2.0)  # sine phases: the table starts at 0
            table = np.fft.irfft(spectrum, n=size)
            if scale is None:  # both tables share the open table's scale, so closing really darkens
                scale = 1.0 / max(float(np.max(np.abs(table))), 1e-9)
            table = np.append(table, table[0])  # guard point for interpolation past the last entry
            tables.append((table * scale).astype(np.float32))
        open_t, closed_t = tables
        result = (closed_t, open_t - closed_t)
        cache[key] = result
        return result

    def render_note(self, pitch: int, velocity: int, hold_frames: int, sample_rate: int,
                    cache: TableCache) -> np.ndarray:
        env = self.amp.render(hold_frames, sample_rate)
        n = env.shape[0]
        closed, diff = self._tables(pitch, velocity, sample_rate, cache)
        size = closed.shape[0] - 1  # the tables carry one guard point, so i0 + 1 needs no wrap
        shift = 32 - (size.bit_length() - 1)
        phase = phase_accumulator(midi_to_hz(pitch), sample_rate, n)
        i0 = phase >> np.uint32(shift)
        frac = (phase & np.uint32((1 << shift) - 1)).astype(np.float32) * np.float32(1.0 / (1 << shift))
        c0 = closed[i0]
        d0 = diff[i0]
        i0 += np.uint32(1)
        dark = c0 + frac * (closed[i0] - c0)
        delta = d0 + frac * (diff[i0] - d0)
        t = np.arange(n, dtype=np.float32) * np.float32(1.0 / sample_rate)
        opening = np.exp(t * np.float32(-1.0 / max(self.filter_decay, 1e-4)))
        delta *= opening
        dark += delta
        dark *= env
        dark *= np.float32(self.level * velocity_gain(velocity))
        return dark


@dataclass(frozen=True)
class FmVoice:
    """Two-operator FM (Chowning): a sine carrier phase-modulated by a sine at `ratio` × its frequency."""

    name: str
    display_name: str
    ratio: float
    index_peak: float
    index_sustain: float
    index_decay: float  # seconds (time constant) from peak to sustain index
    amp: Envelope
    velocity_index: float = 0.6  # how much velocity scales the modulation index (0..1)
    level: float = 0.5

    def release_seconds(self) -> float:
        return self.amp.release

    def max_index(self, carrier_hz: float, sample_rate: int) -> float:
        """Largest index whose significant sidebands (Carson: index + 1, plus margin) stay band-limited."""
        mod_hz = carrier_hz * self.ratio
        room = (BAND_LIMIT * sample_rate - carrier_hz) / mod_hz - 3.0
        return max(0.0, room)

    def render_note(self, pitch: int, velocity: int, hold_frames: int, sample_rate: int,
                    cache: TableCache) -> np.ndarray:
        env = self.amp.render(hold_frames, sample_rate)
        n = env.shape[0]
        fc = midi_to_hz(pitch)
        vel = min(127, max(1, int(velocity))) / 127.0
        index_scale = 1.0 - self.velocity_index * (1.0 - vel)
        cap = self.max_index(fc, sample_rate)
        peak = min(cap, self.index_peak * index_scale)
        sustain = min(cap, self.index_sustain * index_scale)
        to_radians = np.float32(2.0 * np.pi / 2.0**32)
        t = np.arange(n, dtype=np.float32) * np.float32(1.0 / sample_rate)
        index = np.exp(t * np.float32(-1.0 / max(self.index_decay, 1e-4)))
        index *= np.float32(peak - sustain)
        index += np.float32(sustain)
        if fc * self.ratio >= BAND_LIMIT * sample_rate:
            index[:] = 0.0  # the modulator itself would alias: play the pure carrier
        mod = np.sin(phase_accumulator(fc * self.ratio, sample_rate, n).astype(np.float32) * to_radians)
        mod *= index
        mod += phase_accumulator(fc, sample_rate, n).astype(np.float32) * to_radians
        out = np.sin(mod)
        out *= env
        out *= np.float32(self.level * velocity_gain(velocity))
        return out.astype(np.float32, copy=False)
