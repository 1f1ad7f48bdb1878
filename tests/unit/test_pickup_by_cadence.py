"""A song without a kit that starts on a one-beat pickup: its chords cadence a beat after its first sound, and bar 1
is the bar the pickup is in (meter.starts_on_a_pickup, grid_and_harmony._after_a_pickup)."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from app.core.analysis.grid_and_harmony import _after_a_pickup
from app.core.analysis.rhythm.meter import PICKUP_FIFTHS, starts_on_a_pickup
from app.core.music import BeatGrid, TimeSignature
from tests.unit.test_tempo_harmonic_beat import _chorale_stems

C, D, F, G, A = 0, 2, 5, 7, 9
# I–vi–ii–V, two beats a chord: A→D lands on beat 1, D→G on beat 3, G→C on the next beat 1
TURNAROUND = [C, C, A, A, D, D, G, G] * 6


def test_falls_by_a_fifth_on_the_strong_beats_are_no_pickup():
    assert not starts_on_a_pickup(TURNAROUND, 4)


def test_falls_by_a_fifth_a_beat_after_them_are_a_pickup():
    assert starts_on_a_pickup([G] + TURNAROUND, 4)  # the V before the first downbeat: one beat of pickup


def test_three_four_with_its_downbeat_a_beat_after_the_first_sound():
    waltz = [C, C, C, F, F, F, G, G, G] * 4  # I–IV–V, a chord a bar: V→I on beat 1
    assert not starts_on_a_pickup(waltz, 3)
    assert starts_on_a_pickup([G] + waltz, 3)


def test_the_margin_and_what_is_not_asked():
    # one fall off the strong beats and none on them: under the margin
    few = [C, C, C, C, C, D, G, G, G, G, G, G]
    assert PICKUP_FIFTHS > 1 and not starts_on_a_pickup(few, 4)
    with_gaps = [None if i % 3 == 0 else r for i, r in enumerate([G] + TURNAROUND)]  # no chord: no fall
    assert starts_on_a_pickup(with_gaps, 4) == starts_on_a_pickup([r for r in with_gaps], 4)
    assert not starts_on_a_pickup([G] + TURNAROUND, 2)  # 6/8's two pulses: not asked
    assert not starts_on_a_pickup([G, C, G], 4)  # shorter than two bars
    assert not starts_on_a_pickup([None] * 40, 4)


def test_the_grid_after_a_pickup_holds_it_in_bar_1_when_that_bar_is_in_the_audio():
    # a beat a second, the pickup at 3 s after three beats of silence: bar 1 starts at 0
    grid = BeatGrid(60.0, offset_seconds=3.0, beat_times=tuple(3.0 + i for i in range(12)),
                    downbeat_times=(3.0, 7.0, 11.0))
    moved = _after_a_pickup(grid)
    assert moved.offset_seconds == pytest.approx(0.0)
    assert moved.beat_times == pytest.approx(tuple(float(i) for i in range(15)))
    assert moved.downbeat_times == pytest.approx((0.0, 4.0, 8.0, 12.0))
    assert moved.bar_of(4.0) == pytest.approx(1.0)  # the first downbeat after the pickup starts bar 2


def test_the_grid_after_a_pickup_at_the_audios_start_starts_at_the_first_downbeat():
    grid = BeatGrid(60.0, offset_seconds=0.5, beat_times=tuple(0.5 + i for i in range(12)),
                    downbeat_times=(0.5, 4.5, 8.5))
    moved = _after_a_pickup(grid)
    assert moved.offset_seconds == pytest.approx(1.5)  # the pickup (0.5 s) is before bar 1, as a DAW shows it
    assert moved.beat_times[0] == pytest.approx(1.5) and moved.downbeat_times[:2] == pytest.approx((1.5, 5.5))
    # heard 20 ms late: the bar holding the pickup starts 20 ms before the audio, which is its start
    late = _after_a_pickup(BeatGrid(60.0, offset_seconds=2.98, beat_times=(2.98, 3.98, 4.98)))
    assert late.offset_seconds == 0.0


def test_a_waltz_grid_moves_by_its_three_beats():
    grid = BeatGrid(90.0, TimeSignature(3, 4), offset_seconds=2.0 * 60.0 / 90.0,
                    beat_times=tuple((2 + i) * 60.0 / 90.0 for i in range(9)))
    assert _after_a_pickup(grid).offset_seconds == pytest.approx(0.0)


@pytest.mark.parametrize("name", ["bwv101.7", "bwv144.3"])
def test_a_bach_chorale_that_starts_on_a_pickup_has_bar_1_at_its_first_downbeat(name):
    # rendered from time 0 as music21 reads it (the pickup first): the first full bar starts a beat in. Both had
    # bar 1 on the pickup before (the first sound took it), as 51 of 73 rendered chorales did
    from app.core.analysis import analyze_stems

    bpm, stems = _chorale_stems(name)
    analysis = analyze_stems(stems)
    beat = 60.0 / bpm
    assert analysis.grid.tempo_bpm == pytest.approx(bpm, rel=0.02)
    assert analysis.grid.offset_seconds == pytest.approx(beat, abs=0.05)
    assert any("one-beat pickup" in n for n in analysis.notes)


def test_a_bach_chorale_that_starts_on_its_downbeat_keeps_bar_1_there():
    from app.core.analysis import analyze_stems

    _bpm, stems = _chorale_stems("bwv10.7")  # no pickup: its first chord is on beat 1
    analysis = analyze_stems(stems)
    assert analysis.grid.offset_seconds == pytest.approx(0.0, abs=0.05)
    assert not any("pickup" in n for n in analysis.notes)


def test_a_kit_says_where_beat_1_is_and_the_chords_are_not_asked():
    from app.core.analysis import analyze_stems
    from app.core.analysis.inputs import StemInput
    from app.core.analysis.signal import ANALYSIS_RATE

    # (a kit at 65 is heard at 130: its own beat, not the chorale's)
    bpm, stems = _chorale_stems("bwv101.7", 90.0)
    # the kit's bar 1 is the pickup, which the chords alone would move a beat on (the test above)
    kit = np.stack([_with_kit(stems, bpm)] * 2)
    drums = StemInput("drums", kit, ANALYSIS_RATE, hashlib.sha256(kit.tobytes()).hexdigest(), role="drums")
    analysis = analyze_stems([*stems, drums])
    assert analysis.grid.offset_seconds == pytest.approx(0.0, abs=0.05)
    assert not any("pickup" in n for n in analysis.notes)


def _with_kit(stems, bpm: float) -> np.ndarray:
    """A kit on the chorale's own beat, kick on 1 and 3 from its first sound (mono, at the analysis rate)."""
    from app.core.analysis.signal import ANALYSIS_RATE
    from tests.unit.test_tempo_level import _groove

    assert stems[0].sample_rate == ANALYSIS_RATE  # (the groove is made at the analysis rate)
    n = stems[0].samples.shape[-1]
    quarters = {"kick": [0, 2], "snare": [1, 3], "hat": [0, 1, 2, 3]}
    kit = _groove(bpm, quarters, bars=int(n / ANALYSIS_RATE * bpm / 240.0) + 1)[int(0.25 * ANALYSIS_RATE):]
    return np.pad(kit, (0, max(0, n - kit.size)))[:n].astype(np.float32)


def test_a_kit_inside_a_mix_is_heard_and_a_chorale_has_none():
    from app.core.analysis.roles import kit_inside
    from app.core.analysis.signal import ANALYSIS_RATE

    bpm, stems = _chorale_stems("bwv101.7", 90.0)
    chorale = sum(s.samples.mean(axis=0) for s in stems)
    assert not kit_inside(chorale, ANALYSIS_RATE)
    assert kit_inside(chorale + _with_kit(stems, bpm), ANALYSIS_RATE)
    assert not kit_inside(np.zeros(100, np.float32), ANALYSIS_RATE)


def test_a_whole_mix_with_a_kit_keeps_bar_1_where_the_kit_starts():
    # the same song bounced to one file with its drums: no drum stem, but the kit inside it says where beat 1 is
    from app.core.analysis import analyze_stems
    from app.core.analysis.inputs import StemInput
    from app.core.analysis.signal import ANALYSIS_RATE

    bpm, stems = _chorale_stems("bwv101.7", 90.0)
    mono = sum(s.samples.mean(axis=0) for s in stems) + _with_kit(stems, bpm)
    both = np.stack([mono, mono]).astype(np.float32)
    song = StemInput("mix", both, ANALYSIS_RATE, hashlib.sha256(both.tobytes()).hexdigest(), role="other")
    analysis = analyze_stems([song])
    assert not any("pickup" in n for n in analysis.notes)
    assert analysis.grid.offset_seconds == pytest.approx(0.0, abs=0.05)
