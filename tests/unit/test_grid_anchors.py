"""A grid through anchors (a song played without a click): conversions, the tempo map it plays, its place in
the analysis result and the project file, and the edits that set or drop it."""

from __future__ import annotations

import json

import pytest

from app.core.analysis.result import SongAnalysis
from app.core.errors import AnalysisError, ProjectError
from app.core.music import BeatGrid, ChordTimeline, TimeSignature, check_anchors
from app.core.project.analysis_edits import SetTempo, apply_analysis
from app.core.project.model import Project
from app.core.project.store import load_project, save_project

ANCHORS = ((0.0, 0.0), (1.0, 0.5), (2.0, 1.1), (3.0, 1.5))


def _analysis(grid: BeatGrid) -> SongAnalysis:
    return SongAnalysis(grid=grid, tempo_determined=True, tempo_confidence=0.7, key=None, key_confidence=0.0,
                        key_sections=(), chords=ChordTimeline(()), melody=None, lead=None, roles={},
                        role_sources={}, stems=(), duration_seconds=9.0)


def test_the_grid_passes_through_its_anchors_and_goes_on_at_the_end_tempos():
    g = BeatGrid(120.0, offset_seconds=2.0, anchors=ANCHORS)
    assert [g.seconds(q) for q in (0, 1, 2, 3)] == pytest.approx([2.0, 2.5, 3.1, 3.5])
    assert g.seconds(1.5) == pytest.approx(2.8)  # straight between anchors
    assert g.seconds(5.0) == pytest.approx(4.3)  # past the end: the last stretch's 150 BPM
    assert g.seconds(-1.0) == pytest.approx(1.5)  # a pickup: the first stretch's 120 BPM
    for s in (1.0, 2.2, 2.9, 3.3, 7.0):
        assert g.seconds(g.quarters(s)) == pytest.approx(s)
    assert g.tempo_at(1.5) == pytest.approx(100.0) and g.follows_tempo
    assert [x for change in g.tempo_changes() for x in change] == pytest.approx([0.0, 120.0, 1.0, 100.0, 2.0, 150.0])
    assert BeatGrid(96.0).tempo_changes() == ((0.0, 96.0),) and not BeatGrid(96.0).follows_tempo


def test_a_part_rendered_from_a_later_bar_follows_the_song_from_there():
    g = BeatGrid(120.0, offset_seconds=2.0, anchors=ANCHORS)
    local = g.starting_at(1.0)
    for q in (0.0, 0.5, 1.0, 2.0, 4.0):
        assert local.seconds(q) == pytest.approx(g.seconds(q + 1.0) - g.seconds(1.0))
    assert g.starting_at(10.0).tempo_bpm == pytest.approx(150.0) and not g.starting_at(10.0).follows_tempo
    assert BeatGrid(90.0, offset_seconds=1.0).starting_at(4.0) == BeatGrid(90.0)


@pytest.mark.parametrize("bad", [((0.0, 0.0),), ((0.0, 0.0), (1.0, 0.0)), ((0.0, 0.0), (0.0, 1.0)),
                                 ((0.0, 0.0), (1.0, 10.0)), ((0.0, 0.0), (float("nan"), 1.0))])
def test_anchors_that_stop_run_backwards_or_leave_20_to_400_bpm_are_refused(bad):
    with pytest.raises(ValueError):
        check_anchors(bad)
    with pytest.raises(ValueError):
        BeatGrid(120.0, anchors=bad)


def test_the_analysis_result_keeps_its_anchors():
    a = _analysis(BeatGrid(120.0, TimeSignature(3, 4), 0.3, anchors=ANCHORS))
    back = SongAnalysis.from_json(json.loads(json.dumps(a.to_json())))
    assert back.grid == a.grid and back.grid.seconds(1.5) == pytest.approx(a.grid.seconds(1.5))
    data = a.to_json()
    data["grid"]["anchors"] = [[0, 0], [1, -1]]
    with pytest.raises(AnalysisError):
        SongAnalysis.from_json(data)


def test_the_project_file_keeps_the_anchors_and_refuses_bad_ones(tmp_path):
    p = Project(name="Drift", tempo_bpm=118.0, downbeat_offset=0.25, tempo_anchors=ANCHORS)
    save_project(p, tmp_path / "drift.accord")
    back = load_project(tmp_path / "drift.accord")
    assert back.tempo_anchors == ANCHORS
    assert back.beat_grid().seconds(2.0) == pytest.approx(1.35)
    doc = json.loads((tmp_path / "drift.accord").read_text())
    for bad in ([[0, 0], [1, 0.5], [0.5, 1]], [[0, 0], "12"], [[0, 0], [True, 1]]):
        doc["tempo_anchors"] = bad
        (tmp_path / "bad.accord").write_text(json.dumps(doc))
        with pytest.raises(ProjectError, match="tempo_anchors"):
            load_project(tmp_path / "bad.accord")


def test_applying_an_analysis_sets_the_anchors_and_a_typed_tempo_drops_them_until_undo():
    p = Project(name="Drift")
    analysis = _analysis(BeatGrid(118.0, offset_seconds=0.25, anchors=ANCHORS))
    apply_analysis(p, analysis).apply(p)
    assert p.tempo_anchors == ANCHORS and p.beat_grid().follows_tempo
    edit = SetTempo(121.0)
    edit.apply(p)
    assert p.tempo_anchors == () and p.beat_grid().seconds(4.0) == pytest.approx(0.25 + 4 * 60 / 121)
    edit.revert(p)
    assert p.tempo_anchors == ANCHORS and p.tempo_bpm == 118.0
    edit.apply(p)  # redo
    assert p.tempo_anchors == ()
    # on a grid with one tempo the tempo edit leaves the anchors alone (and changes nothing else)
    plain = Project(name="Steady", tempo_bpm=100.0)
    SetTempo(101.0).apply(plain)
    assert plain.tempo_anchors == () and plain.tempo_bpm == 101.0


def test_the_tempo_range_leaves_out_a_stray_beat():
    anchors = tuple((float(q), 0.5 * q) for q in range(41)) + ((41.0, 20.6),)  # 40 beats at 120, one stray at 100
    assert BeatGrid(120.0, anchors=anchors).tempo_range() == pytest.approx((120.0, 120.0))
    assert BeatGrid(96.0).tempo_range() == (96.0, 96.0)
    assert BeatGrid(120.0, anchors=ANCHORS).tempo_range() == pytest.approx((100.0, 150.0))
