"""Built-in voices: notes land on the grid (≤ 1 ms), in tune (≤ 5 cents), band-limited, finite, in range."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.audio.synth import INSTRUMENTS, TempoMapTiming, display_names, render_melody
from app.core.audio.synth.voices import midi_to_hz
from app.core.errors import AccordError
from app.core.music import BeatGrid, Melody, Note, TimeSignature

SR = 48000
NAMES = list(INSTRUMENTS)


def detect_onsets(mono: np.ndarray, *, rel_threshold: float = 0.01, min_gap: int = SR // 2) -> list[int]:
    """First sample of each sound: |x| crossing a threshold after at least `min_gap` samples of quiet."""
    mag = np.abs(mono)
    thr = rel_threshold * float(mag.max())
    above = np.flatnonzero(mag > thr)
    onsets = []
    last = -min_gap * 10
    for i in above:
        if i - last > min_gap:
            onsets.append(int(i))
        last = i
    return onsets


def peak_frequency(x: np.ndarray, near_hz: float) -> float:
    """FFT peak near `near_hz` (within a semitone), refined by parabolic interpolation on log magnitude."""
    w = x * np.hanning(len(x))
    n = 8 * len(x)
    mag = np.abs(np.fft.rfft(w, n=n))
    freqs = np.fft.rfftfreq(n, 1.0 / SR)
    lo, hi = np.searchsorted(freqs, [near_hz * 2 ** (-1 / 12), near_hz * 2 ** (1 / 12)])
    k = lo + int(np.argmax(mag[lo:hi]))
    a, b, c = np.log(mag[k - 1 : k + 2] + 1e-20)
    shift = 0.5 * (a - c) / (a - 2 * b + c)
    assert mag[k] > 20 * np.median(mag[lo:hi]), "no clear spectral peak near the expected pitch"
    return float((k + shift) * SR / n)


def cents(f: float, ref: float) -> float:
    return 1200.0 * np.log2(f / ref)


@pytest.mark.parametrize("name", NAMES)
def test_onsets_land_on_the_grid_within_1ms(name):
    grid = BeatGrid(tempo_bpm=97.0, time_signature=TimeSignature(3, 4), offset_seconds=0.1234)
    onsets_q = [0.0, 5.0, 10.25, 15.5]  # > 3 s apart at 97 BPM: each note has died out before the next
    melody = Melody(tuple(Note(p, q, 0.5, v) for p, q, v in zip((40, 64, 79, 95), onsets_q, (127, 60, 100, 30), strict=True)))
    audio = render_melody(melody, grid, instrument=name, sample_rate=SR)
    found = detect_onsets(audio[0])
    assert len(found) == len(onsets_q)
    for q, frame in zip(onsets_q, found, strict=True):
        expected = grid.seconds(q) * SR
        assert abs(frame - expected) / SR <= 0.001, (name, q, frame, expected)
        assert not np.any(audio[:, : round(grid.seconds(onsets_q[0]) * SR)]), "sound before the first note"


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("pitch", [45, 69, 88])
def test_pitch_within_5_cents(name, pitch):
    audio = render_melody(Melody((Note(pitch, 0.0, 4.0, 100),)), BeatGrid(120.0), instrument=name, sample_rate=SR)
    segment = audio[0, int(0.2 * SR) : int(1.2 * SR)]  # a sustained stretch, past the attack
    f = peak_frequency(segment.astype(np.float64), midi_to_hz(pitch))
    assert abs(cents(f, midi_to_hz(pitch))) <= 5.0, (name, pitch, f)


def aliased_energy_ratio(x: np.ndarray, partials_hz: np.ndarray) -> float:
    """Energy away from the expected partials (± 20 Hz) over total energy; aliases land in between."""
    w = x * np.hanning(len(x))
    power = np.abs(np.fft.rfft(w)) ** 2
    freqs = np.fft.rfftfreq(len(x), 1.0 / SR)
    near = np.zeros(len(freqs), dtype=bool)
    for p in partials_hz:
        near |= np.abs(freqs - p) <= 20.0
    near |= freqs < 20.0
    return float(power[~near].sum() / power.sum())


def expected_partials(name: str, f0: float) -> np.ndarray:
    voice = INSTRUMENTS[name]
    ratio = getattr(voice, "ratio", None)
    if ratio is None:  # harmonic (wavetable) voice
        return np.arange(1, int(SR / 2 / f0) + 1) * f0
    k = np.arange(-40, 41)
    return np.abs(f0 + k * ratio * f0)  # FM sidebands, negative ones reflected at 0 Hz (not aliasing)


@pytest.mark.parametrize("name", NAMES)
def test_high_note_has_no_aliasing(name):
    pitch = 100  # 2637 Hz: harmonics past Nyquist would fold onto non-harmonic frequencies
    audio = render_melody(Melody((Note(pitch, 0.0, 3.0, 127),)), BeatGrid(120.0), instrument=name, sample_rate=SR)
    segment = audio[0, int(0.05 * SR) : int(1.05 * SR)].astype(np.float64)
    ratio = aliased_energy_ratio(segment, expected_partials(name, midi_to_hz(pitch)))
    assert ratio < 1e-6, f"{name}: {10 * np.log10(ratio):.1f} dB of energy off the partials"


def test_aliasing_check_catches_a_naive_saw():
    f0 = midi_to_hz(100)
    t = np.arange(SR) / SR
    naive = 2.0 * ((f0 * t) % 1.0) - 1.0  # not band-limited: folds harmonics back below Nyquist
    assert aliased_energy_ratio(naive, np.arange(1, int(SR / 2 / f0) + 1) * f0) > 1e-3


@pytest.mark.parametrize("name", NAMES)
def test_every_instrument_renders_finite_audio_in_range(name):
    rng = np.random.default_rng(7)
    notes = tuple(Note(int(rng.integers(21, 109)), i * 0.25, float(rng.uniform(0.1, 3.0)), int(rng.integers(1, 128)))
                  for i in range(48))  # dense, overlapping, extreme pitches and velocities
    audio = render_melody(Melody(notes), BeatGrid(140.0), instrument=name, sample_rate=SR, gain_db=12.0)
    assert audio.dtype == np.float32 and audio.shape[0] == 2
    assert np.all(np.isfinite(audio))
    assert float(np.max(np.abs(audio))) <= 1.0
    assert float(np.sqrt(np.mean(audio**2))) > 0.01


def test_length_is_last_note_end_plus_tail_and_velocity_sets_level():
    grid = BeatGrid(120.0)
    loud = render_melody(Melody((Note(60, 1.0, 1.0, 120),)), grid, instrument="lead", tail_seconds=0.5)
    soft = render_melody(Melody((Note(60, 1.0, 1.0, 30),)), grid, instrument="lead", tail_seconds=0.5)
    assert loud.shape == (2, round(grid.seconds(2.0) * SR) + SR // 2)
    assert np.max(np.abs(loud)) > 3 * np.max(np.abs(soft))
    assert np.array_equal(loud[0], loud[1])


def test_tempo_map_timing_places_notes_after_a_tempo_change():
    timing = TempoMapTiming.from_midi_tempo_map([(0.0, 120.0), (4.0, 60.0)])
    assert timing.seconds(4.0) == pytest.approx(2.0)
    assert timing.seconds(6.0) == pytest.approx(4.0)
    audio = render_melody(Melody((Note(72, 6.0, 0.5, 100),)), timing, instrument="pluck")
    (onset,) = detect_onsets(audio[0])
    assert abs(onset - 4 * SR) <= SR // 1000
    assert not audio[:, : 4 * SR].any()


def test_bad_arguments_raise_clear_errors():
    melody = Melody((Note(60, 0.0, 1.0),))
    with pytest.raises(AccordError, match="unknown instrument 'tuba'"):
        render_melody(melody, BeatGrid(), instrument="tuba")
    with pytest.raises(AccordError, match="sample rate"):
        render_melody(melody, BeatGrid(), sample_rate=100)
    with pytest.raises(AccordError, match="cannot render note 130"):
        render_melody(Melody((Note(130, 0.0, 1.0),)), BeatGrid())


def test_registry_has_display_names_and_empty_melody_is_silence():
    names = display_names()
    assert {"lead", "soft keys", "pluck", "bass", "bell"} <= set(names)
    assert all(isinstance(v, str) and v for v in names.values())
    silent = render_melody(Melody(()), BeatGrid(), tail_seconds=0.25)
    assert silent.shape == (2, SR // 4) and not silent.any()


@pytest.mark.parametrize("rate", [22050, 44100, 96000])
def test_other_sample_rates_keep_placement_and_pitch(rate):
    grid = BeatGrid(tempo_bpm=133.0, offset_seconds=0.0377)
    audio = render_melody(Melody((Note(81, 2.0, 4.0, 100),)), grid, instrument="lead", sample_rate=rate)
    start = round(grid.seconds(2.0) * rate)
    assert not audio[:, :start].any() and audio[0, start : start + rate // 1000].any()
    seg = audio[0, start + rate // 5 : start + rate // 5 + rate].astype(np.float64)
    spectrum = np.abs(np.fft.rfft(seg * np.hanning(len(seg)), n=8 * len(seg)))
    k = int(np.argmax(spectrum))
    a, b, c = np.log(spectrum[k - 1 : k + 2])
    f = (k + 0.5 * (a - c) / (a - 2 * b + c)) * rate / (8 * len(seg))
    assert abs(cents(f, midi_to_hz(81))) <= 5.0
