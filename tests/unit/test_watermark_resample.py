"""The watermark's resampler (app/core/provenance/watermark/dsp.py) is scipy's resample_poly with the same
Kaiser filter, computed without importing scipy.signal (about 1.1 s of every export, mix and render)."""

from __future__ import annotations

import subprocess
import sys
from math import gcd
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import firwin, resample_poly

from app.core.provenance.watermark.dsp import kaiser_lowpass, resample

ROOT = Path(__file__).resolve().parents[2]
RATES = [(44100, 22050), (48000, 22050), (96000, 22050), (32000, 22050), (16000, 22050), (8000, 22050),
         (22050, 44100), (22050, 48000), (22050, 88200), (11025, 22050)]


def _scipy(x: np.ndarray, rate_from: int, rate_to: int) -> np.ndarray:
    g = gcd(rate_from, rate_to)
    up, down = rate_to // g, rate_from // g
    most = max(up, down)
    taps = firwin(2 * 4 * most + 1, 1.0 / most, window=("kaiser", 5.0))
    return resample_poly(x, up, down, axis=-1, window=taps.astype(np.float32))


@pytest.mark.parametrize("rate_from,rate_to", RATES)
def test_resample_matches_scipy_to_float32_round_off(rate_from, rate_to):
    rng = np.random.default_rng(rate_from + rate_to)
    # lengths around the filter's own (2 * 4 * max(up, down) + 1 taps) and a few seconds
    for n in (1, 2, 7, 641, 3001, 2 * rate_from + 13):
        x = rng.standard_normal(n).astype(np.float32)
        ours, theirs = resample(x, rate_from, rate_to), _scipy(x, rate_from, rate_to)
        assert ours.dtype == np.float32 and ours.shape == theirs.shape
        assert np.abs(ours - theirs).max() <= 2e-6, (rate_from, rate_to, n)


def test_a_tone_keeps_its_level_and_frequency():
    t = np.arange(48000 * 2) / 48000
    x = (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    y = resample(x, 48000, 22050)
    assert y.size == 44100
    spectrum = np.abs(np.fft.rfft(y[2000:-2000] * np.hanning(y.size - 4000)))
    assert abs(np.argmax(spectrum) * 22050 / (y.size - 4000) - 1000) < 1.0
    assert abs(np.sqrt(np.mean(y[2000:-2000] ** 2)) - 0.5 / np.sqrt(2)) < 0.005


def test_the_filter_is_scipys_firwin():
    for most in (2, 147, 320, 640):
        assert np.abs(kaiser_lowpass(2 * 4 * most + 1, 1.0 / most, 5.0)
                      - firwin(2 * 4 * most + 1, 1.0 / most, window=("kaiser", 5.0))).max() <= 1e-15


def test_rows_resample_one_by_one_and_equal_rates_pass_through():
    x = np.random.default_rng(3).standard_normal((2, 4410)).astype(np.float32)
    both = resample(x, 44100, 48000)
    assert both.shape == (2, 4800)
    assert np.array_equal(both[1], resample(x[1], 44100, 48000))
    assert np.array_equal(resample(x, 22050, 22050), x)


def test_marking_and_reading_a_mark_load_no_scipy_signal():
    code = ("import sys, numpy as np\n"
            "from app.core.provenance.watermark import detect_watermark, embed_watermark\n"
            "x = (0.1 * np.random.default_rng(0).standard_normal((2, 48000 * 12))).astype(np.float32)\n"
            "found = detect_watermark(embed_watermark(x, 48000, b'k' * 32, 7), 48000, [b'k' * 32])\n"
            "print(found is not None and found.wm_id == 7, 'scipy.signal' in sys.modules)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "True False"
