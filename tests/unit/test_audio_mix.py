"""The mixer: pan law, gain, mute/solo, offsets, block rendering and peaks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.core.audio.mix import MixState, TrackMix, pan_gains, render, render_offline
from app.core.audio.peaks import LEVELS, compute_peaks


def stem(frames: int = 1000, seed: int = 0, left: float | None = None, right: float | None = None) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-0.5, 0.5, size=(2, frames)).astype(np.float32)
    if left is not None:
        x[0] = left
    if right is not None:
        x[1] = right
    x.flags.writeable = False
    return x


def mixed(*tracks: TrackMix, master: float = 0.0) -> np.ndarray:
    return render_offline(MixState(tracks=tracks, master_gain_db=master), block=97)


@pytest.mark.parametrize("pan", np.linspace(-1, 1, 21))
def test_pan_law_is_constant_power(pan):
    left, right = pan_gains(float(pan))
    assert left**2 + right**2 == pytest.approx(1.0, abs=1e-12)
    assert left >= 0 and right >= 0


def test_pan_centre_is_minus_3_db_and_extremes_are_hard():
    left, right = pan_gains(0.0)
    assert 20 * math.log10(left) == pytest.approx(-3.0103, abs=1e-3)
    assert left == pytest.approx(right)
    assert pan_gains(-1.0) == pytest.approx((1.0, 0.0))
    assert pan_gains(1.0) == pytest.approx((0.0, 1.0))
    assert pan_gains(0.5)[1] > pan_gains(0.5)[0]


def test_render_applies_pan_to_each_side():
    x = stem(seed=1)
    out = mixed(TrackMix("a", x, pan=0.5))
    theta = (0.5 + 1) * math.pi / 4
    np.testing.assert_allclose(out[0], x[0] * math.cos(theta), rtol=1e-6)
    np.testing.assert_allclose(out[1], x[1] * math.sin(theta), rtol=1e-6)


@pytest.mark.parametrize("gain_db", [-60.0, -6.0, 0.0, 6.0, 12.0])
def test_gain_in_db(gain_db):
    x = stem(seed=2)
    out = mixed(TrackMix("a", x, gain_db=gain_db, pan=-1.0))
    np.testing.assert_allclose(out[0], x[0] * 10 ** (gain_db / 20), rtol=1e-5)
    assert not out[1].any()


def test_master_gain_multiplies_everything():
    a, b = stem(seed=3), stem(seed=4)
    quiet = mixed(TrackMix("a", a), TrackMix("b", b, gain_db=-3), master=-6.0)
    loud = mixed(TrackMix("a", a), TrackMix("b", b, gain_db=-3))
    np.testing.assert_allclose(quiet, loud * 10 ** (-6 / 20), rtol=1e-5, atol=1e-7)


def test_tracks_sum():
    a, b = stem(seed=5), stem(seed=6)
    g = math.sqrt(0.5)
    np.testing.assert_allclose(mixed(TrackMix("a", a), TrackMix("b", b)), (a + b) * g, rtol=1e-5, atol=1e-7)


def test_mute_and_solo_logic():
    a, b, c = stem(seed=7), stem(seed=8), stem(seed=9)
    g = math.sqrt(0.5)
    ta, tb, tc = TrackMix("a", a), TrackMix("b", b), TrackMix("c", c)
    np.testing.assert_allclose(mixed(ta, TrackMix("b", b, mute=True), tc), (a + c) * g, rtol=1e-5, atol=1e-7)
    soloed = mixed(TrackMix("a", a, solo=True), tb, TrackMix("c", c, solo=True))
    np.testing.assert_allclose(soloed, (a + c) * g, rtol=1e-5, atol=1e-7)
    # mute wins over solo; other tracks stay silent while anything is soloed
    assert not mixed(TrackMix("a", a, solo=True, mute=True), tb).any()
    state = MixState((TrackMix("a", a, solo=True, mute=True), tb, TrackMix("c", c, solo=True)))
    assert state.audible == ("c",)
    assert MixState((ta, TrackMix("b", b, mute=True))).audible == ("a",)


def test_offsets_and_length():
    a = stem(100, seed=10)
    state = MixState((TrackMix("a", a, offset_frames=50, pan=-1.0),))
    assert state.length_frames == 150
    out = render_offline(state, block=16)
    assert out.shape == (2, 150)
    assert not out[:, :50].any()
    np.testing.assert_allclose(out[0, 50:], a[0], rtol=1e-6)
    # beyond every track: silence, not an error
    far = np.ones((2, 64), np.float32)
    render(state, far, 10_000)
    assert not far.any()


def test_render_into_a_transposed_device_buffer_matches_offline():
    tracks = tuple(TrackMix(f"t{i}", stem(5000, seed=i), gain_db=-i, pan=(i - 3) / 4, offset_frames=i * 37)
                   for i in range(7))
    state = MixState(tracks)
    reference = render_offline(state)
    device = np.zeros((256, 2), np.float32)  # what sounddevice hands the callback
    scratch = np.empty((2, 256), np.float32)
    got = []
    for start in range(0, state.length_frames, 256):
        render(state, device.T, start, scratch=scratch)
        got.append(device.copy())
    stacked = np.concatenate(got)[:state.length_frames].T
    np.testing.assert_array_equal(stacked, reference)


def test_render_offline_window():
    state = MixState((TrackMix("a", stem(1000, seed=11)),))
    full = render_offline(state)
    np.testing.assert_array_equal(render_offline(state, start_frame=300, frames=200), full[:, 300:500])
    assert render_offline(MixState()).shape == (2, 0)


@pytest.mark.parametrize("kwargs", [{"pan": 1.5}, {"pan": float("nan")}, {"gain_db": float("inf")},
                                    {"gain_db": 100.0}, {"offset_frames": -1}])
def test_track_settings_are_validated(kwargs):
    with pytest.raises(ValueError):
        TrackMix("a", stem(), **kwargs)


def test_track_samples_must_be_float32_stereo():
    with pytest.raises(ValueError):
        TrackMix("a", np.zeros((1, 10), np.float32))
    with pytest.raises(ValueError):
        TrackMix("a", np.zeros((2, 10), np.float64))


def test_state_is_immutable_comparable_and_hashable():
    x = stem()
    state = MixState((TrackMix("a", x),))
    with pytest.raises(AttributeError):
        state.master_gain_db = 3.0  # type: ignore[misc]
    assert state.track("a").name == "a"
    same = MixState((TrackMix("a", x),))
    assert state == same and hash(state) == hash(same)
    assert state != MixState((TrackMix("a", x, gain_db=-1.0),))
    assert state != MixState((TrackMix("a", x.copy()),))  # other samples: another state
    assert len({state, same}) == 1


# ---- peaks --------------------------------------------------------------------------------------------

def test_peaks_over_the_whole_stem_match_a_direct_computation():
    x = np.random.default_rng(12).standard_normal((2, 64 * 1024 * 3)).astype(np.float32)
    peaks = compute_peaks(x)
    assert [lv.frames_per_bin for lv in peaks.levels] == list(LEVELS)
    width = 192
    mins, maxs = peaks.bins(0, x.shape[1], width)
    lo = np.minimum(x[0], x[1]).reshape(width, -1).min(axis=1)
    hi = np.maximum(x[0], x[1]).reshape(width, -1).max(axis=1)
    np.testing.assert_array_equal(mins, lo)
    np.testing.assert_array_equal(maxs, hi)
    assert peaks.peak == pytest.approx(float(np.abs(x).max()))


def test_peaks_zoomed_in_use_the_samples_and_outside_is_zero():
    x = np.random.default_rng(13).standard_normal((2, 5000)).astype(np.float32)
    peaks = compute_peaks(x)
    mins, maxs = peaks.bins(1000, 1100, 100)
    np.testing.assert_array_equal(mins, np.minimum(x[0], x[1])[1000:1100])
    np.testing.assert_array_equal(maxs, np.maximum(x[0], x[1])[1000:1100])
    mins, maxs = peaks.bins(-640, 640, 20)
    assert not mins[:10].any() and mins[10:].all()
    assert len(peaks.bins(0, 10, 0)[0]) == 0
    assert not peaks.bins(9000, 10_000, 10)[1].any()


def test_peaks_of_a_partial_last_bin_and_of_silence():
    x = np.zeros((2, 100), np.float32)
    x[1, 99] = 0.75
    peaks = compute_peaks(x)
    assert peaks.bins(0, 100, 1)[1][0] == pytest.approx(0.75)
    assert compute_peaks(np.zeros((2, 0), np.float32)).bins(0, 100, 4)[0].tolist() == [0, 0, 0, 0]


def test_stems_for_an_offline_mix_are_refused_once_their_audio_passes_the_budget(tmp_path):
    # each stem was bounded (2 hours) but not their number: ten hour-long recordings asked for ~14 GB
    import soundfile as sf

    from app.core.audio.mix import load_stems
    from app.core.errors import AccordError

    paths = []
    for name in ("a", "b", "c"):
        sf.write(tmp_path / f"{name}.wav", np.full(48000, 0.1, np.float32), 48000)  # 1 s: 384,000 bytes decoded
        paths.append(tmp_path / f"{name}.wav")
    assert len(load_stems(paths, sample_rate=48000, max_bytes=2_000_000)) == 3
    with pytest.raises(AccordError) as info:
        load_stems(paths, sample_rate=48000, max_bytes=1_300_000)
    assert str(info.value).startswith("b.wav: after 2 of 3 stems the mix would already hold")
