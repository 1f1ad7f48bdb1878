"""The SNR guard's measures: segmental SNR as the benchmark measures it (20-ms segments of the mono mix at the
file's own rate, each clipped to [-10, 35] dB, segments under -70 dBFS skipped), and the per-sample gain on
the mark that holds every GUARD_BLOCK_S block at or above SNR_FLOOR_DB (embedder.guarded_mark applies it)."""

from __future__ import annotations

import numpy as np

from app.core.provenance.watermark import layout as L

SNR_FLOOR_DB = 30.3
SEG_S = 0.02
SEG_LOW_DB, SEG_HIGH_DB, SEG_SILENT = -10.0, 35.0, 1e-7
GUARD_BLOCK_S = 5.0
GUARD_RAMP_S = 0.004


def segment_power(x: np.ndarray, rate: int) -> np.ndarray:
    """Mean power of mono `x` per 20-ms segment (int(SEG_S * rate) samples, from the start; a partial last
    segment is left out, as segmental_snr does)."""
    from app.core.provenance.watermark.dsp import on_row_blocks

    seg = int(SEG_S * rate)
    n = len(x) // seg
    rows = np.asarray(x[:n * seg], dtype=np.float32).reshape(n, seg)
    # segments are independent: two blocks on two threads, each segment summed exactly as in one pass
    parts = on_row_blocks(lambda r: np.square(rows[r]).sum(axis=1, dtype=np.float64), n, min_rows=1024)
    return np.concatenate(parts) / seg


def segment_snrs(sig_power: np.ndarray, mark_power: np.ndarray) -> np.ndarray:
    """Per segment 10 log10(signal / mark) clipped to [-10, 35] dB; NaN where the signal is silent."""
    with np.errstate(divide="ignore"):
        snr = 10 * np.log10(sig_power / np.maximum(mark_power, 1e-30))
    snr = np.clip(snr, SEG_LOW_DB, SEG_HIGH_DB)
    snr[sig_power <= SEG_SILENT] = np.nan
    return snr


def segmental_snr(x: np.ndarray, mark: np.ndarray, rate: int) -> float:
    """Segmental SNR (dB) of mono `x` against the added `mark` at the same rate: the mean of segment_snrs
    over the non-silent segments (35 when nothing is heard)."""
    snr = segment_snrs(segment_power(x, rate), segment_power(mark, rate))
    return float(np.nanmean(snr)) if np.isfinite(snr).any() else SEG_HIGH_DB


def _blocks(n: int, per: int) -> list[slice]:
    """Segments 0..n-1 in blocks of `per`; a last block shorter than half of `per` joins the one before."""
    edges = list(range(0, n, per)) + [n]
    if len(edges) > 2 and edges[-1] - edges[-2] < per // 2:
        del edges[-2]
    return [slice(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True)]


def guard_gains(sig_power: np.ndarray, mark_power: np.ndarray, floor_db: float = SNR_FLOOR_DB,
                block_segments: int | None = None) -> np.ndarray | None:
    """Per 20-ms segment the gain (<= 1) on the mark that holds every block's segmental SNR >= floor_db,
    or None when nothing needs lowering.

    In a block under the floor the mark of each segment is limited to C dB under the signal, with the
    lowest C that lifts the block's mean to the floor: the segments where the mark is loudest against
    the music are lowered first and most, the others not at all (a dB taken from a segment at 20 dB
    buys as much mean SNR as one from a segment at 34, and per dB of mean SNR a deep cut in a few
    segments takes less of the mark's amplitude than a shallow one in all).
    """
    with np.errstate(divide="ignore"):
        raw = 10 * np.log10(sig_power / np.maximum(mark_power, 1e-30))
    heard = sig_power > SEG_SILENT
    per = block_segments or max(1, int(round(GUARD_BLOCK_S / SEG_S)))
    gains = np.ones(len(sig_power))
    lowered = False
    for blk in _blocks(len(sig_power), per):
        s = raw[blk][heard[blk]]
        if not len(s) or np.clip(s, SEG_LOW_DB, SEG_HIGH_DB).mean() >= floor_db:
            continue
        lo, hi = SEG_LOW_DB, SEG_HIGH_DB  # mean(clip(max(s, C))) rises with C and is 35 at C = 35
        for _ in range(30):
            c = 0.5 * (lo + hi)
            if np.clip(np.maximum(s, c), SEG_LOW_DB, SEG_HIGH_DB).mean() >= floor_db:
                hi = c
            else:
                lo = c
        gains[blk] = np.minimum(1.0, 10 ** ((raw[blk] - hi) / 20))
        lowered = True
    return gains if lowered else None


def gain_curve(gains: np.ndarray, seg_s: float, n: int, rate: int) -> np.ndarray:
    """Per-segment gains as a smooth per-sample curve at `rate` (n samples, float32) that is nowhere above
    the segment's own gain: each change is a linear ramp GUARD_RAMP_S long laid inside the segment with
    the higher gain (as a minimum filter then a moving average of that width would give), never a click."""
    ramp = 2 * max(1, int(GUARD_RAMP_S * rate / 2))
    k = np.flatnonzero(gains[1:] != gains[:-1]) + 1  # segment k differs from segment k - 1
    at = k * seg_s * rate
    left, right = gains[k - 1], gains[k]
    up = left < right
    xs = np.stack([np.where(up, at, at - ramp), np.where(up, at + ramp, at)], axis=1).reshape(-1)
    ys = np.stack([left, right], axis=1).reshape(-1)
    xs = np.concatenate([[0.0], xs, [float(n)]])
    ys = np.concatenate([[gains[0]], ys, [gains[-1]]])
    return np.interp(np.arange(n, dtype=np.float64) + 0.5, xs, ys).astype(np.float32)


def _segment_means(x: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Mean of x over [edges[i], edges[i + 1]) (0 for an empty segment); edges sorted, within len(x).

    One segment sum (reduceat) rather than differences of a running sum: numpy's cumsum holds the GIL for its
    whole length (30 ms on a 4-minute mark, 0.4 s where fresh memory is slow to fault in), and an export runs
    while the song plays; the squares are taken first, in a ufunc that releases it."""
    starts, ends = edges[:-1], edges[1:]
    out = np.zeros(len(starts))
    full = np.flatnonzero(ends > starts)
    if full.size:
        # each segment summed from its start to the next index given: its own end
        idx = np.stack([starts[full], ends[full]], axis=1).reshape(-1)
        keep = idx < len(x)
        sums = np.add.reduceat(x, idx[keep]) if keep.any() else np.zeros(0)
        pairs = np.zeros(idx.size)
        pairs[keep] = sums
        out[full] = pairs[0::2] / (ends[full] - starts[full])
    return out


def guard_curve(sig_power: np.ndarray, sig_rate: int, w: np.ndarray, floor_db: float = SNR_FLOOR_DB
                ) -> np.ndarray | None:
    """Per sample of the mark `w` (mono, L.RATE) the gain (<= 1) that holds every block's segmental SNR
    >= floor_db, or None when `w` needs no lowering.

    `sig_power`: segment_power of the file's mono mix at its own rate `sig_rate` (segments of
    int(SEG_S * sig_rate) samples, the grid the SNR is measured on)."""
    if not len(sig_power):
        return None
    seg_s = int(SEG_S * sig_rate) / sig_rate
    edges = np.minimum(np.round(np.arange(len(sig_power) + 1) * seg_s * L.RATE).astype(np.int64), len(w))
    mark_power = _segment_means(np.square(w, dtype=np.float64), edges)
    gains = guard_gains(sig_power, mark_power, floor_db)
    return None if gains is None else gain_curve(gains, seg_s, len(w), L.RATE)


def snr_guard(sig_power: np.ndarray, sig_rate: int, w: np.ndarray, floor_db: float = SNR_FLOOR_DB) -> np.ndarray:
    """The mark `w` (mono, L.RATE) lowered in time where it would take a block's segmental SNR under
    floor_db (guard_curve)."""
    curve = guard_curve(sig_power, sig_rate, w, floor_db)
    return w if curve is None else (w * curve).astype(np.float32)


def worst_block_snr(sig_power: np.ndarray, mark_power: np.ndarray) -> float:
    """The lowest segmental SNR of any guard block (35 when every segment is silent)."""
    snr = segment_snrs(sig_power, mark_power[:len(sig_power)])
    worst = SEG_HIGH_DB
    for blk in _blocks(len(snr), max(1, int(round(GUARD_BLOCK_S / SEG_S)))):
        part = snr[blk]
        if np.isfinite(part).any():
            worst = min(worst, float(np.nanmean(part)))
    return worst
