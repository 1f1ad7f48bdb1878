"""A drum stem that ends before the bass still leads the beat: the kit's envelopes are read at the rhythm
section's length. (MMA's exports, and many DAWs', end each stem at its last sound; a drum stem ending before
the bass's last note was read as no kit at all, and an off-beat house bass then put the grid on the "and".)"""

from __future__ import annotations

import numpy as np
import pytest

from app.core.analysis import StemInput, analyze_stems
from app.core.analysis.signal import ANALYSIS_RATE, mix
from tests.unit.test_tempo_level import _groove

SR = ANALYSIS_RATE
HOUSE = {"kick": [0, 1, 2, 3], "snare": [1, 3], "hat": [0.5, 1.5, 2.5, 3.5]}  # four on the floor, off-beat hats
BPM, BARS = 124.0, 12


def _offbeat_bass(seconds: float) -> np.ndarray:
    """A loud bass note on every off-beat eighth (house's pumping bass), on the kit's clock (first beat at 0.25 s),
    ringing out a second past the drums."""
    beat = 60.0 / BPM
    y = np.zeros(int(seconds * SR), np.float32)
    n = int(0.22 * beat * 2 * SR)
    t = np.arange(n) / SR
    for k in range(BARS * 4):
        f0 = 41.2 * 2 ** (((k // 4) * 5 % 12) / 12.0)
        note = (np.sin(2 * np.pi * f0 * t) + 0.5 * np.sin(4 * np.pi * f0 * t)) * np.exp(-t / 0.15) * 3.0
        i = int(round((0.25 + (k + 0.5) * beat) * SR))
        y[i:i + n] += note[: max(0, y.size - i)]
    return y


def _stem(name: str, y: np.ndarray) -> StemInput:
    return StemInput(name, y.astype(np.float32), SR, f"{name}-{y.size}")


def _off_beat_error(beat_times: tuple[float, ...] | list[float]) -> float:
    beat = 60.0 / BPM
    return float(np.max(np.abs((((np.asarray(beat_times[:40]) - 0.25) / beat + 0.5) % 1.0) - 0.5)))


def test_mix_pads_to_a_length():
    assert mix([np.ones(3, np.float32)], length=5).tolist() == [1, 1, 1, 0, 0]
    assert mix([np.ones(3, np.float32), np.ones(4, np.float32)], length=2).size == 4
    assert mix([], length=3).size == 3


@pytest.mark.parametrize("drums_end_early", [False, True], ids=["same length", "drum stem shorter"])
def test_a_shorter_drum_stem_still_puts_the_beat_on_the_kick(drums_end_early):
    drums = _groove(BPM, HOUSE, bars=BARS)
    bass = _offbeat_bass(drums.size / SR + 1.0)
    if not drums_end_early:
        drums = mix([drums], length=bass.size)
    a = analyze_stems([_stem("drums", drums), _stem("bass", bass)])
    assert a.grid.tempo_bpm == pytest.approx(BPM, rel=0.01)
    assert _off_beat_error(a.grid.beat_times) < 0.1  # on the kick, not half a beat off on the bass


def test_trailing_silence_on_the_drum_stem_does_not_change_the_grid():
    # the same song exported with its stems cut at their last sound or all to the song's length: one grid
    drums = _groove(BPM, HOUSE, bars=BARS)
    bass = _offbeat_bass(drums.size / SR + 1.0)
    cut = analyze_stems([_stem("drums", drums), _stem("bass", bass)]).grid
    whole = analyze_stems([_stem("drums", mix([drums], length=bass.size)), _stem("bass", bass)]).grid
    assert cut.tempo_bpm == pytest.approx(whole.tempo_bpm, abs=1e-6)
    assert cut.offset_seconds == pytest.approx(whole.offset_seconds, abs=0.005)
