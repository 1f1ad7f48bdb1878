"""Find the watermark: whitened log-spectrum -> band series -> fold by period -> sync -> Viterbi -> CRC.

1. The mono mix at 22 050 Hz is analysed with a Hann STFT (1024, hop 128). Log magnitudes of the
   marked range are whitened: each bin minus its moving average over ~0.37 s (removes sustained notes),
   each frame minus its mean (removes drum hits and gain changes), then clipped at +-3 sigma.
2. For a candidate speed factor a (tape-like: time and pitch scale together), band edges move to
   a x their place and time to t / a; band series are averaged over one slot and folded modulo the
   period, so every period in the excerpt adds up.
3. The sync pattern is cross-correlated with the folded series at every offset (FFT, 6 ms steps);
   the best offsets are decoded: soft bits = signed sums of their tiles, then soft Viterbi and CRC-32.
Speed 1.0 is tried first; the +-3.5 % search (0.25 % steps) runs only when that fails.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.core.provenance.watermark import layout as L
from app.core.provenance.watermark.code import CODED_BITS, check_payload, conv_encode, viterbi_decode_many
from app.core.provenance.watermark.dsp import frames, mono, resample

SPEED_STEP = 0.0025
SPEED_RANGE = 0.035
CANDIDATES = 3
WHITEN_FRAMES = 64
FLOOR = 0.01  # bins 20 dB under the frame's mean count as that (measured best after MP3 64 kbit/s)
MARGIN = 1.05  # bins kept around the marked range for speed changes
_LO = int(L.FIRST_BIN / MARGIN) - 1
_HI = int(L.LAST_BIN * MARGIN) + 2


@dataclass(frozen=True)
class Found:
    record_id: int
    key: bytes
    speed: float
    offset_s: float  # where a period starts, seconds into the analysed audio
    sync_z: float  # sync peak in standard deviations of the other offsets
    agreement: float  # share of soft coded bits whose sign agrees with the re-encoded payload
    attempts: int  # CRC checks made: the chance of a false find is about attempts / 2**32


@dataclass
class Analysis:
    """Key-independent part of detection for one stretch of audio."""

    white: np.ndarray  # (fine frames, bins _LO.._HI) whitened log magnitude
    _slot_cum: np.ndarray | None = None

    @property
    def n_frames(self) -> int:
        return self.white.shape[0]

    @property
    def slot_cum(self) -> np.ndarray:
        """(bins + 1, frames - 7): cumulative sum over bins (leading zero row) of the slot-averaged
        (8-frame) values, bins first so a speed's band edges gather contiguous rows. Built on first use
        (only the speed search needs it), then shared by every speed: the slot average over time
        commutes with the sums over bins."""
        if self._slot_cum is None:
            cum = np.zeros((self.white.shape[0], self.white.shape[1] + 1))
            np.cumsum(self.white, axis=1, dtype=np.float64, out=cum[:, 1:])
            self._slot_cum = np.ascontiguousarray(_slot_average(cum).T)
        return self._slot_cum


def _slot_average(a: np.ndarray) -> np.ndarray:
    """Moving average over FINE_PER_SLOT rows (len(a) - FINE_PER_SLOT + 1 rows out)."""
    k = L.FINE_PER_SLOT
    c = np.zeros((len(a) + 1, a.shape[1]))
    np.cumsum(a, axis=0, dtype=np.float64, out=c[1:])
    return (c[k:] - c[:-k]) / k


def whiten(power: np.ndarray, hop: int) -> np.ndarray:
    """Whitened log power (frames, bins) of frames `hop` samples apart (module docstring, step 1)."""
    floor = FLOOR * power.mean(axis=1, keepdims=True) + 1e-12  # codecs zero masked bins: cap their say
    logm = np.log(power + floor)
    width = WHITEN_FRAMES * L.FINE_HOP // hop
    if len(logm) > width:
        c = np.cumsum(np.vstack([np.zeros((1, logm.shape[1]), dtype=logm.dtype), logm]), axis=0)
        half = width // 2
        idx = np.arange(len(logm))
        lo = np.clip(idx - half, 0, len(logm))
        hi = np.clip(idx + half, 0, len(logm))
        logm = logm - (c[hi] - c[lo]) / (hi - lo)[:, None]
    logm -= logm.mean(axis=1, keepdims=True)
    sd = float(logm.std()) or 1.0
    return np.clip(logm / sd, -3.0, 3.0)


def tile_contrast(series: np.ndarray, step: int) -> np.ndarray:
    """Each value minus the mean of its four neighbouring tiles (one slot = `step` rows earlier/later,
    one band up/down). The mark's tile signs are independent, so it keeps its full correlation, while
    what music shares between neighbouring tiles (sustained notes, onsets across many bands, spectral
    slopes) cancels: a 2-D prediction-error filter, the whitening Kirovski & Malvar apply before correlating."""
    s = series
    acc = np.zeros_like(s)
    cnt = np.zeros_like(s)
    acc[step:] += s[:-step]
    cnt[step:] += 1
    acc[:-step] += s[step:]
    cnt[:-step] += 1
    acc[:, 1:] += s[:, :-1]
    cnt[:, 1:] += 1
    acc[:, :-1] += s[:, 1:]
    cnt[:, :-1] += 1
    return s - acc / cnt


def analyse(y: np.ndarray, hop: int = L.FINE_HOP) -> Analysis:
    """Analysis of mono audio at L.RATE (frame f centred at sample f * hop)."""
    from scipy import fft

    y = np.asarray(y, dtype=np.float32)
    pad = np.concatenate([np.zeros(L.FRAME // 2, np.float32), y, np.zeros(L.FRAME // 2, np.float32)])
    win = np.hanning(L.FRAME + 1)[:-1].astype(np.float32)
    spec = fft.rfft(frames(pad, L.FRAME, hop) * win, axis=1, workers=-1)[:, _LO:_HI]
    return Analysis(whiten(spec.real ** 2 + spec.imag ** 2, hop))


def _band_series(an: Analysis, speed: float) -> np.ndarray:
    """(frames in original time, BANDS): band means at `speed`, slot-averaged, normalised per band."""
    if speed == 1.0:  # whole bins: plain band means, no interpolation (the common, fast case)
        w = an.white[:, L.FIRST_BIN - _LO:L.LAST_BIN - _LO]
        sm = _slot_average(w.reshape(len(w), L.BANDS, L.BAND_BINS).mean(axis=2, dtype=np.float64))
        return _normalise(tile_contrast(sm, L.FINE_PER_SLOT))
    edges = (L.FIRST_BIN + L.BAND_BINS * np.arange(L.BANDS + 1)) * speed - _LO
    # cumulative sum at fractional bin edges (linear interpolation between rows); the slot average is
    # already in slot_cum (a slot lasts FINE_PER_SLOT / speed frames in the file; close enough)
    lo_i = np.clip(np.floor(edges).astype(int), 0, an.slot_cum.shape[0] - 2)
    frac = (edges - lo_i)[:, None]
    at = an.slot_cum[lo_i] * (1 - frac) + an.slot_cum[lo_i + 1] * frac
    sm = np.ascontiguousarray((np.diff(at, axis=0) / np.diff(edges)[:, None]).T)
    if speed != 1.0:
        n_out = int(len(sm) * speed)
        src = np.arange(n_out) / speed
        i0 = np.clip(np.floor(src).astype(int), 0, len(sm) - 2)
        f = (src - i0)[:, None]
        sm = sm[i0] * (1 - f) + sm[i0 + 1] * f
    return _normalise(tile_contrast(sm, L.FINE_PER_SLOT))


def _normalise(sm: np.ndarray) -> np.ndarray:
    if len(sm) == 0:  # a file too short for one frame: nothing to scale (and no 0-sample std warning)
        return sm
    sd = sm.std(axis=0)
    sd[sd == 0] = 1.0
    return sm / sd


def _fold(series: np.ndarray) -> np.ndarray:
    n = len(series)
    reps = -(-n // L.PERIOD_FINE)
    full = np.zeros((reps * L.PERIOD_FINE, L.BANDS))
    full[:n] = series
    return full.reshape(reps, L.PERIOD_FINE, L.BANDS).sum(axis=0)


def _tile_index() -> np.ndarray:
    return np.arange(L.SLOTS) * L.FINE_PER_SLOT


def fold_bands(an: Analysis, speed: float) -> np.ndarray | None:
    """(PERIOD_FINE, BANDS) band series at `speed` folded by the period, or None when too short."""
    series = _band_series(an, speed)
    if len(series) < L.PERIOD_FINE // 2:
        return None
    return _fold(series)


def sync_scores(folded: np.ndarray, key: bytes) -> np.ndarray:
    """Circular cross-correlation of the sync pattern (impulses at slot starts) with the folded series."""
    sync = np.zeros((L.PERIOD_FINE, L.BANDS))
    sync[_tile_index()] = L.pattern(key).sync
    return np.fft.irfft((np.conj(np.fft.rfft(sync, axis=0)) * np.fft.rfft(folded, axis=0)).sum(axis=1),
                        n=L.PERIOD_FINE)


def soft_bits(folded: np.ndarray, key: bytes, offset: int) -> np.ndarray:
    """Soft coded bits (+ = bit 0) read with the period starting at fine frame `offset`."""
    pat = L.pattern(key)
    data = pat.role >= 0
    tiles = folded[(offset + _tile_index()) % L.PERIOD_FINE]  # (SLOTS, BANDS)
    return np.bincount(pat.role[data], weights=(tiles * pat.chip)[data], minlength=CODED_BITS)


@dataclass
class Scores:
    """What detection saw, found or not (for the false-positive benchmark's score distribution)."""

    attempts: int = 0  # CRC checks made
    best_sync_z: float = float("-inf")
    best_agreement: float = 0.0  # best share of soft bits agreeing with a re-encoded decoding


def _candidates(an: Analysis, key: bytes, speed: float) -> list[tuple[float, float, int, np.ndarray]]:
    """Up to CANDIDATES (sync z, speed, offset, soft bits) at `speed`: the best distinct sync peaks."""
    folded = fold_bands(an, speed)
    if folded is None:
        return []
    score = sync_scores(folded, key)
    order = np.argsort(score)[::-1]
    spread = float(np.std(score)) or 1.0
    med = float(np.median(score))
    picked: list[int] = []
    for o in order:
        if len(picked) == CANDIDATES:
            break
        if all(min(abs(o - p), L.PERIOD_FINE - abs(o - p)) > 2 for p in picked):
            picked.append(int(o))
    return [((float(score[o]) - med) / spread, speed, o, soft_bits(folded, key, o)) for o in picked]


def _decode(cands: list[tuple[float, float, int, np.ndarray]], key: bytes, scores: Scores) -> Found | None:
    """Viterbi over every candidate at once; of those passing the CRC, the one with the best sync."""
    if not cands:
        return None
    pat = L.pattern(key)
    decoded = viterbi_decode_many(np.stack([c[3] for c in cands]))
    best: Found | None = None
    for (z, speed, o, soft), bits in zip(cands, decoded, strict=True):
        scores.attempts += 1
        expect = 1.0 - 2.0 * conv_encode(bits).astype(np.float64)
        agreement = float(np.mean(np.sign(soft) == expect))
        scores.best_sync_z = max(scores.best_sync_z, z)
        scores.best_agreement = max(scores.best_agreement, agreement)
        rid = check_payload(bits, pat.crc_mask)
        if rid is not None and (best is None or z > best.sync_z):
            best = Found(rid, key, speed, o * L.FINE_HOP / L.RATE / speed, z, agreement, 0)
    if best is None:
        return None
    return Found(best.record_id, key, best.speed, best.offset_s, best.sync_z, best.agreement, scores.attempts)


def speeds(search: bool) -> list[float]:
    if not search:
        return [1.0]
    n = int(round(SPEED_RANGE / SPEED_STEP))
    steps = sorted((i for i in range(-n, n + 1) if i), key=abs)
    return [1.0 + i * SPEED_STEP for i in steps]


def detect_analysis(an: Analysis, keys: list[bytes], *, speed_search: bool = True,
                    nominal: bool = True, scores: Scores | None = None) -> Found | None:
    """Speed 1 first (when `nominal`), then every other speed of the search decoded in one batch."""
    scores = scores if scores is not None else Scores()
    for key in keys if nominal else ():
        found = _decode(_candidates(an, key, 1.0), key, scores)
        if found is not None:
            return found
    if speed_search:
        for key in keys:
            cands = [c for speed in speeds(True) for c in _candidates(an, key, speed)]
            found = _decode(cands, key, scores)
            if found is not None:
                return found
    return None


def to_internal(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    return resample(mono(samples), sample_rate, L.RATE)
