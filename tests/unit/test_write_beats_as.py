"""The same beats in the other common notation: 6/8 or 12/8 ⇄ 4/4 in triplets (analysis_edits.write_beats_as)."""

from __future__ import annotations

import pytest

from app.core.music import TimeSignature
from app.core.project.analysis_edits import (
    SetTimeSignature,
    same_beats_meter,
    scale_tempo,
    stored_analysis,
    write_beats_as,
)
from app.core.project.model import Project
from tests.unit.test_scale_tempo import _analysed, _heard


@pytest.mark.parametrize("meter, other, factor", [("6/8", "4/4", 2 / 3), ("12/8", "4/4", 2 / 3), ("9/8", "3/4", 2 / 3),
                                                  ("4/4", "12/8", 1.5), ("3/4", "9/8", 1.5), ("2/4", "6/8", 1.5)])
def test_the_other_notation_of_each_common_meter(meter, other, factor):
    target, f = same_beats_meter(TimeSignature.parse(meter))
    assert str(target) == other and f == pytest.approx(factor)
    # the felt beat is the same: one pulse of the old meter lasts as long as one of the new at the new tempo
    old, new = TimeSignature.parse(meter), target
    assert old.pulse_quarters / 1.0 == pytest.approx(new.pulse_quarters / f)


@pytest.mark.parametrize("meter", ["5/4", "7/8", "3/8", "5/8"])
def test_meters_without_a_common_other_notation(meter):
    assert same_beats_meter(TimeSignature.parse(meter)) is None


def test_a_12_8_feel_heard_as_6_8_is_written_as_4_4_with_everything_heard_kept_on_the_audio():
    # MMA's JazzRock: 4/4 at 118 with triplet drums, heard as 6/8 at 177 quarter notes
    p = _analysed()
    SetTimeSignature(TimeSignature(6, 8)).apply(p)
    scale_tempo(p, 177.0 / p.tempo_bpm).apply(p)
    before, snapshot = _heard(p), p.snapshot()
    edit = write_beats_as(p)
    assert edit.label == "Write 6/8 at 177 as 4/4 at 118 BPM"
    edit.apply(p)
    assert p.tempo_bpm == pytest.approx(118.0) and str(p.time_signature) == "4/4"
    assert _heard(p) == before
    assert stored_analysis(p).grid.tempo_bpm == pytest.approx(118.0)
    back = write_beats_as(p)  # 4/4 -> 12/8: the same beats again, a bar of four dotted quarters
    back.apply(p)
    assert str(p.time_signature) == "12/8" and p.tempo_bpm == pytest.approx(177.0) and _heard(p) == before
    back.revert(p)
    edit.revert(p)
    assert p.snapshot() == snapshot


def test_refusals_name_the_reason():
    p = _analysed()
    SetTimeSignature(TimeSignature(5, 4)).apply(p)
    with pytest.raises(ValueError, match="5/4 has no other common notation"):
        write_beats_as(p)
    with pytest.raises(ValueError, match="no tempo"):
        write_beats_as(Project())
    SetTimeSignature(TimeSignature(4, 4)).apply(p)
    scale_tempo(p, 300.0 / p.tempo_bpm).apply(p)
    with pytest.raises(ValueError, match="outside 20–400"):  # 12/8 at 450 quarter notes
        write_beats_as(p)
