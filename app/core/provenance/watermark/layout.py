"""Where the watermark lives: the fixed time-frequency grid and the keyed pattern on it.

Everything is defined at an internal rate of 22 050 Hz (files at other rates are resampled), so a
file resampled 44.1 <-> 48 kHz keeps the same grid in seconds and hertz:

- a *slot* is 1024 samples (46 ms); a *period* is 160 slots (7.43 s), so any 15-second excerpt holds
  at least two whole periods;
- 51 *bands* of 6 STFT bins (129 Hz) cover 409 Hz – 7 kHz: the range that lossy codecs at 64 kbit/s
  keep, above the bass that carries most of the energy and little detail;
- a *tile* is one slot x one band. Each period holds 8160 tiles: a keyed eighth of them carry a known
  sync pattern (to find the period's start and a speed change), the rest spread the 204 coded payload
  bits, ~35 tiles each, in keyed random places with keyed random signs (spread spectrum, as in
  Kirovski & Malvar, "Spread-spectrum watermarking of audio signals", IEEE TSP 2003).

The key is 32 bytes (see keys.py). Different keys give unrelated patterns and CRC masks.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from app.core.provenance.watermark.code import CODED_BITS

RATE = 22_050
FRAME = 1024  # STFT frame (embedding and detection)
EMBED_HOP = 512
FINE_HOP = 128  # detection hop: 8 per slot, so the period's start is found to 6 ms
SLOT = 1024
FINE_PER_SLOT = SLOT // FINE_HOP
SLOTS = 160
PERIOD = SLOTS * SLOT
PERIOD_FINE = SLOTS * FINE_PER_SLOT
FIRST_BIN = 19  # 409 Hz
BAND_BINS = 6
BANDS = 51  # up to bin 325 = 7 kHz
LAST_BIN = FIRST_BIN + BANDS * BAND_BINS
SYNC_SHARE = 8  # one tile in eight is sync


@dataclass(frozen=True)
class Pattern:
    """The keyed pattern of one key: per tile (slot, band) its role and sign."""

    role: np.ndarray  # (SLOTS, BANDS) int: -1 = sync, else the coded bit index 0..203
    chip: np.ndarray  # (SLOTS, BANDS) float: +1 / -1
    crc_mask: int

    @property
    def sync(self) -> np.ndarray:
        return np.where(self.role < 0, self.chip, 0.0)


def _rng(key: bytes, purpose: bytes) -> np.random.Generator:
    seed = hashlib.sha256(b"accord-wm-v2|" + purpose + b"|" + key).digest()
    return np.random.Generator(np.random.PCG64(int.from_bytes(seed, "big")))


@lru_cache(maxsize=64)
def pattern(key: bytes) -> Pattern:
    if len(key) != 32:
        raise ValueError("a watermark key is 32 bytes")
    n = SLOTS * BANDS
    order = _rng(key, b"places").permutation(n)
    role = np.empty(n, dtype=np.int64)
    n_sync = n // SYNC_SHARE
    role[order[:n_sync]] = -1
    data_tiles = order[n_sync:]
    role[data_tiles] = np.arange(len(data_tiles)) % CODED_BITS
    chip = _rng(key, b"signs").choice(np.array([-1.0, 1.0]), size=n)
    mask = int.from_bytes(hashlib.sha256(b"accord-wm-v2|crc|" + key).digest()[:8], "big")
    return Pattern(role.reshape(SLOTS, BANDS), chip.reshape(SLOTS, BANDS), mask)


def band_of_bin() -> np.ndarray:
    """Band index of each rfft bin (-1 outside the marked range)."""
    out = np.full(FRAME // 2 + 1, -1, dtype=np.int64)
    for b in range(BANDS):
        out[FIRST_BIN + b * BAND_BINS:FIRST_BIN + (b + 1) * BAND_BINS] = b
    return out
