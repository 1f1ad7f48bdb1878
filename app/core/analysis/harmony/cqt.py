"""The constant-Q transform of the chroma: librosa's `cqt`, step for step, without its transposing copies.

librosa computes each octave as `fft_basis @ D`, a sparse filter bank times an STFT that `librosa.stft`
returns in column (Fortran) order. scipy's sparse product wants the dense operand in row order, so every
octave's STFT was copied element by element into a transposed layout first: on a 4-minute song that copy
(`ndarray.ravel`) cost about as much as the STFTs themselves (~0.4 s CPU of the CQT's ~1.3 s). Here each
octave's STFT is written straight into a row-order array (`stft(out=...)`), so the product reads it as it
is. Everything else (filters, early downsampling, resampling, stacking, length scaling) is librosa's own
code path with the same arguments, so the result is bit-identical to `librosa.cqt` (a unit test checks
it against the installed librosa); the filter banks, which depend only on the rate, are built once.

Fixed to what the chroma uses: tuning 0, filter_scale 1, norm 1, sparsity 0.01, a Hann window, length
scaling, constant padding, soxr_hq resampling; complex64 for float32 audio (the pipeline's mixes), complex128
for float64.
"""

from __future__ import annotations

import functools

import numpy as np

SPARSITY = 0.01
RES_TYPE = "soxr_hq"


def _two_factors(x: int) -> int:
    n = 0
    while x > 0 and x % 2 == 0:
        n, x = n + 1, x // 2
    return n


@functools.lru_cache(maxsize=8)
def _plan(sr: float, hop_length: int, fmin: float, n_bins: int, bins_per_octave: int, dtype: type):
    """Frequencies, lengths and per-octave sparse filter banks (read-only once built; librosa's vqt setup)."""
    import librosa

    n_octaves = int(np.ceil(float(n_bins) / bins_per_octave))
    n_filters = min(bins_per_octave, n_bins)
    freqs = librosa.interval_frequencies(n_bins=n_bins, fmin=fmin, intervals="equal",
                                         bins_per_octave=bins_per_octave, sort=True)
    alpha = librosa.filters._relative_bandwidth(freqs=freqs)
    lengths, cutoff = librosa.filters.wavelet_lengths(freqs=freqs, sr=sr, window="hann", filter_scale=1,
                                                      gamma=0, alpha=alpha)
    nyquist = sr / 2.0
    if cutoff > nyquist:
        raise ValueError(f"CQT filters up to {cutoff:.0f} Hz exceed the Nyquist frequency {nyquist:.0f} Hz")
    # early downsampling: as many halvings as both the top filter and the hop allow
    down = min(max(0, int(np.ceil(np.log2(nyquist / cutoff)) - 1) - 1),
               max(0, _two_factors(hop_length) - n_octaves + 1))
    factor = 2 ** down
    sr0, hop0 = sr / float(factor), hop_length // factor
    octaves = []
    my_sr, my_hop = sr0, hop0
    for i in range(n_octaves):
        sl = slice(-n_filters, None) if i == 0 else slice(-n_filters * (i + 1), -n_filters * i)
        basis, oct_lengths = librosa.filters.wavelet(freqs=freqs[sl], sr=my_sr, filter_scale=1, norm=1,
                                                     pad_fft=True, window="hann", gamma=0, alpha=alpha[sl])
        n_fft = basis.shape[1]
        basis *= oct_lengths[:, np.newaxis] / float(n_fft)
        fft_basis = librosa.get_fftlib().fft(basis, n=n_fft, axis=1)[:, : (n_fft // 2) + 1]
        fft_basis = librosa.util.sparsify_rows(fft_basis, quantile=SPARSITY, dtype=dtype)
        fft_basis[:] *= np.sqrt(sr0 / my_sr)
        octaves.append((fft_basis, n_fft, my_hop))
        if my_hop % 2 == 0:
            my_hop //= 2
            my_sr /= 2.0
    # librosa scales by the lengths at the early-downsampled rate
    lengths, _ = librosa.filters.wavelet_lengths(freqs=freqs, sr=sr0, window="hann", filter_scale=1, gamma=0,
                                                 alpha=alpha)
    return factor, tuple(octaves), np.sqrt(lengths)[:, np.newaxis]


def _response(y: np.ndarray, n_fft: int, hop: int, fft_basis, dtype: type) -> np.ndarray:
    import librosa

    # row order (frequency, frame): what the sparse product reads without copying
    out = np.empty((n_fft // 2 + 1, 1 + y.shape[-1] // hop), dtype=dtype)
    d = librosa.stft(y, n_fft=n_fft, hop_length=hop, window="ones", pad_mode="constant", dtype=dtype,
                     out=out)
    if not d.flags.c_contiguous:  # a frame count other than expected: librosa handed back a slice
        d = np.ascontiguousarray(d)
    return fft_basis.dot(d)


def cqt(y: np.ndarray, *, sr: float, hop_length: int, fmin: float, n_bins: int, bins_per_octave: int) -> np.ndarray:
    """Complex CQT (n_bins, frames) of mono `y`, equal to librosa.cqt with the fixed settings above."""
    import librosa

    y = np.ascontiguousarray(y, dtype=np.float64 if y.dtype == np.float64 else np.float32)
    dtype = librosa.util.dtype_r2c(y.dtype)
    factor, octaves, sqrt_lengths = _plan(float(sr), int(hop_length), float(fmin), int(n_bins), int(bins_per_octave),
                                          dtype)
    if factor > 1:
        if y.shape[-1] < factor:
            raise ValueError(f"signal of {y.shape[-1]} samples is too short for the CQT")
        y = librosa.resample(y, orig_sr=factor, target_sr=1, res_type=RES_TYPE, scale=True)
    responses = []
    for i, (fft_basis, n_fft, hop) in enumerate(octaves):
        responses.append(_response(y, n_fft, hop, fft_basis, dtype))
        if i + 1 < len(octaves) and hop % 2 == 0:
            y = librosa.resample(y, orig_sr=2, target_sr=1, res_type=RES_TYPE, scale=True)
    # stacked lowest octave first into a column-order array, as librosa's own (downstream sums depend on it)
    frames = min(r.shape[-1] for r in responses)
    v = np.empty((n_bins, frames), dtype=dtype, order="F")
    end = n_bins
    for r in responses:
        n_oct = r.shape[-2]
        if end < n_oct:
            v[:end, :] = r[-end:, :frames]
        else:
            v[end - n_oct:end, :] = r[:, :frames]
        end -= n_oct
    v /= sqrt_lengths
    return v
