"""Measurements for tuning (benchmarks/watermark_diagnose.py): given the true id, offset and speed,
how far is the detector from finding it? Separates sync failures from bit errors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.core.provenance.watermark import detector as D
from app.core.provenance.watermark import layout as L
from app.core.provenance.watermark.code import check_payload, viterbi_decode
from app.core.provenance.watermark.embedder import tile_signs


@dataclass(frozen=True)
class Oracle:
    decoded: bool  # the payload decodes at the true offset and speed
    raw_ber: float  # share of coded bits with the wrong sign before decoding (true offset)
    sync_rank: int  # rank of the true offset among the sync scores (0 = best)
    sync_z: float  # sync score at the true offset, in standard deviations


def oracle(samples: np.ndarray, rate: int, key: bytes, wm_id: int, *, start_s: float, speed: float = 1.0
           ) -> Oracle:
    """`start_s`: where the excerpt starts in the marked file's time (seconds, before any speed change)."""
    an = D.analyse(D.to_internal(samples, rate))
    folded = D.fold_bands(an, speed)
    if folded is None:
        raise ValueError("the excerpt is shorter than half a watermark period")
    true_o = int(round(-start_s * L.RATE / L.FINE_HOP)) % L.PERIOD_FINE
    signs, role = tile_signs(key, wm_id)
    pat = L.pattern(key)
    data = role >= 0
    expect = np.zeros(int(role.max()) + 1)
    expect[role[data]] = (signs * pat.chip)[data]
    # codecs add a delay (MP3 encoders ~1100 samples): the true offset is the best one within 1.5 slots;
    # of equally good ones the nearest (a strong mark reads error-free over several offsets, and taking the
    # first of them put the "true" offset up to 3 frames off the sync peak)
    best = min(range(-12, 13), key=lambda d: (float(np.mean(np.sign(D.soft_bits(folded, key, true_o + d)) != expect)),
                                              abs(d)))
    true_o = (true_o + best) % L.PERIOD_FINE
    soft = D.soft_bits(folded, key, true_o)
    ber = float(np.mean(np.sign(soft) != expect))
    score = D.sync_scores(folded, key)
    order = np.argsort(score)[::-1]
    near = [min(abs(o - true_o), L.PERIOD_FINE - abs(o - true_o)) <= 1 for o in order]
    rank = int(np.argmax(near))
    # count ranks of distinct peaks only (neighbours of a better peak do not count)
    peaks = [int(o) for o in order[:rank + 1]]
    distinct = 0
    for i, o in enumerate(peaks[:-1]):
        if all(min(abs(o - p), L.PERIOD_FINE - abs(o - p)) > 2 for p in peaks[:i]):
            distinct += 1
    bits, _ = viterbi_decode(soft)
    ok = check_payload(bits, pat.crc_mask) == wm_id
    z = (float(score[true_o]) - float(np.median(score))) / (float(np.std(score)) or 1.0)
    return Oracle(ok, ber, distinct, z)
