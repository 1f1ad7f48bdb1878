"""Small DSP helpers shared by the embedder and the detector: resampling and framed FFTs."""

from __future__ import annotations

from math import gcd

import numpy as np

BLOCK_INPUTS = 262144  # input samples per block of the polyphase loop (1 MB of float32: on par with scipy here)


def resample(x: np.ndarray, rate_from: int, rate_to: int) -> np.ndarray:
    """Polyphase resampling along the last axis, float32 (a Kaiser-windowed FIR 2.5x shorter than scipy's
    default: the mark lives below 7 kHz, far from the 11 kHz edge, so a wider transition costs nothing).

    The same filter and alignment as scipy.signal.resample_poly(x, up, down, window=firwin(...)), to float32
    round-off (tests/unit/test_watermark_resample.py holds it), without importing scipy.signal: that import
    alone took ~1.1 s of every `accord export`, `mix`, `render` and `detect`."""
    if rate_from == rate_to:
        return np.asarray(x, dtype=np.float32)
    g = gcd(int(rate_from), int(rate_to))
    up, down = int(rate_to) // g, int(rate_from) // g
    most = max(up, down)
    taps = kaiser_lowpass(2 * 4 * most + 1, 1.0 / most, 5.0).astype(np.float32)
    a = np.asarray(x, dtype=np.float32)
    if a.ndim == 1:
        return _resample_poly(a, up, down, taps)
    rows = [_resample_poly(r, up, down, taps) for r in a.reshape(-1, a.shape[-1])]
    return np.stack(rows).reshape(a.shape[:-1] + (-1,))


def kaiser_lowpass(numtaps: int, cutoff: float, beta: float) -> np.ndarray:
    """A windowed-sinc low-pass FIR (cutoff relative to Nyquist), unit gain at DC: scipy.signal.firwin(numtaps,
    cutoff, window=("kaiser", beta)) for an odd `numtaps`."""
    m = np.arange(numtaps) - 0.5 * (numtaps - 1)
    h = cutoff * np.sinc(cutoff * m) * np.kaiser(numtaps, beta)
    return h / h.sum()


def _resample_poly(x: np.ndarray, up: int, down: int, taps: np.ndarray) -> np.ndarray:
    """Upsample by `up` (zeros between samples), filter by `taps` (odd length, centred, gain `up`), keep every
    `down`-th sample: output m is sum over j of x[j] * h[m * down - j * up]. Computed per residue class of m
    modulo `up`, where the filter's phase is fixed and the input index advances by `down` per output: a class is
    a matrix-vector product over a strided view of the input, per block of inputs (only kept outputs are computed)."""
    n_in = x.size
    n_out = -(-n_in * up // down)
    if n_out == 0:
        return np.zeros(0, np.float32)
    half_len = (taps.size - 1) // 2
    n_pre_pad = down - half_len % down  # scipy's alignment: output 0 sits on input 0
    first = (half_len + n_pre_pad) // down
    h = np.concatenate([np.zeros(n_pre_pad, np.float32), taps * np.float32(up)])
    k = -(-h.size // up)
    # weights[p, c] = h[p + (k - 1 - c) * up]: phase p's taps, oldest input first
    weights = np.ascontiguousarray(np.concatenate([h, np.zeros(k * up - h.size, np.float32)]).reshape(k, up).T[:, ::-1])
    last_input = ((first + n_out - 1) * down) // up
    padded = np.zeros(last_input + k + 1, np.float32)  # k - 1 zeros before x; zeros past its end
    padded[k - 1:k - 1 + n_in] = x
    y = np.empty(n_out, np.float32)
    # windows[j]: the k inputs ending at padded[j + k - 1], oldest first (a view, nothing copied)
    windows = np.lib.stride_tricks.sliding_window_view(padded, k)
    rows = max(16, BLOCK_INPUTS // down)  # outputs per class per block: a block's inputs stay in the cache
    block = rows * up
    for start in range(0, n_out, block):
        stop = min(n_out, start + block)
        for r in range(min(up, stop - start)):
            t = (first + start + r) * down
            newest = t // up
            count = len(range(start + r, stop, up))
            y[start + r:stop:up] = windows[newest:newest + (count - 1) * down + 1:down] @ weights[t % up]
    return y


def frames(x: np.ndarray, size: int, hop: int) -> np.ndarray:
    """(n, size) read-only view of x's frames at multiples of hop (x is padded by the caller)."""
    n = 1 + (len(x) - size) // hop if len(x) >= size else 0
    if n <= 0:
        return np.zeros((0, size))
    return np.lib.stride_tricks.as_strided(x, shape=(n, size), strides=(x.strides[0] * hop, x.strides[0]),
                                           writeable=False)


def sqrt_hann(size: int) -> np.ndarray:
    """Periodic Hann's square root: analysis x synthesis at 50 % overlap adds up to exactly 1."""
    return np.sqrt(0.5 - 0.5 * np.cos(2 * np.pi * np.arange(size) / size))


def mono(samples: np.ndarray) -> np.ndarray:
    """(channels, frames) or (frames,) -> (frames,) float32 average of the channels."""
    a = np.asarray(samples, dtype=np.float32)
    if a.ndim == 1:
        return a
    return a.mean(axis=0, dtype=np.float32)


def on_row_blocks(fn, n_rows: int, parts: int = 2, min_rows: int = 2048) -> list:  # noqa: ANN001
    """fn(slice) over `parts` contiguous blocks of rows, on threads; the results in row order.

    For work whose rows are independent (per frame, per tile row): numpy releases the GIL in its array
    loops, so two blocks use both cores, and every row is computed by exactly the same operations as in
    one pass, so the result is bit-identical. Small inputs run in one block on the caller's thread."""
    if n_rows < min_rows or parts < 2:
        return [fn(slice(0, n_rows))]
    from concurrent.futures import ThreadPoolExecutor

    edges = [n_rows * k // parts for k in range(parts + 1)]
    blocks = [slice(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True)]
    with ThreadPoolExecutor(max_workers=parts, thread_name_prefix="watermark") as pool:
        return list(pool.map(fn, blocks))
