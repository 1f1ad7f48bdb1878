"""Moving bar 1 by a beat, or the whole grid by half a beat, keeps what was heard where it sounds
(analysis_edits.move_bar_one, BeatGrid.with_bar_one_at, SongAnalysis.with_bar_one_at)."""

from __future__ import annotations

import pytest

from app.core.analysis.harmony.key import KeySection
from app.core.analysis.result import SongAnalysis
from app.core.music import BeatGrid, ChordTimeline, Key, Melody, Note, TimeSignature
from app.core.project.analysis_edits import apply_analysis, move_bar_one, off_beat_step, stored_analysis
from app.core.project.model import Project
from app.core.project.store import load_project, save_project

FOUR_FOUR = TimeSignature(4, 4)
ANCHORS = ((-1.0, -0.66), (0.0, 0.0), (1.0, 0.66), (2.0, 1.36), (3.0, 2.0), (4.0, 2.7), (8.0, 5.4), (16.0, 10.7))


def _analysed(anchors=(), ts=FOUR_FOUR, offset=0.3) -> Project:
    beats = tuple(offset + i * 60.0 / 90.0 for i in range(24)) if not anchors else ()
    grid = BeatGrid(90.0, ts, offset_seconds=offset, anchors=anchors, beat_times=beats, downbeat_times=beats[::4])
    melody = Melody((Note(69, 1.0, 0.5), Note(72, 2.5, 1.5), Note(74, 9.0, 1.0)), key=Key(9, "minor"), tempo_bpm=90.0)
    analysis = SongAnalysis(grid=grid, tempo_determined=True, tempo_confidence=0.8, key=Key(9, "minor"),
                            key_confidence=0.7, key_sections=(KeySection(8.0, 16.0, Key(4, "minor"), 0.9),),
                            chords=ChordTimeline.from_symbols(["Am", "F", "C", "G"], quarters_each=4),
                            melody=melody, lead="lead", roles={}, role_sources={}, stems=(), duration_seconds=12.0,
                            tempo_fit_bpm=90.01)
    p = Project(name="Bar 1 on the 2", time_signature=ts)
    apply_analysis(p, analysis).apply(p)
    return p


def _heard(p: Project) -> dict:
    """Everything the analysis placed, in seconds (the chords from their ends: a cut chord keeps its end)."""
    a = stored_analysis(p)
    g, ag = p.beat_grid(), a.grid
    return {"chord ends": [(round(g.seconds(s.end), 6), s.chord.symbol) for s in p.chords],
            "analysis chord ends": [(round(ag.seconds(s.end), 6), s.chord.symbol) for s in a.chords],
            "melody": [(round(ag.seconds(n.onset), 6), round(ag.seconds(n.onset + n.duration), 6), n.pitch)
                       for n in a.melody.notes],
            "section ends": [round(ag.seconds(k.end), 6) for k in a.key_sections]}


@pytest.mark.parametrize("anchors", [(), ANCHORS])
def test_a_beat_later_keeps_every_analysed_thing_on_the_audio_and_undoes(anchors):
    p = _analysed(anchors)
    before, snapshot = _heard(p), p.snapshot()
    old_grid = p.beat_grid()
    edit = move_bar_one(p, 1.0)
    edit.apply(p)
    assert edit.label == "Move bar 1 a beat later"
    assert p.downbeat_offset == pytest.approx(old_grid.seconds(1.0))
    assert _heard(p) == before
    new_grid = p.beat_grid()  # the same beats, counted from one beat on
    assert [new_grid.seconds(q) for q in range(-1, 12)] == pytest.approx([old_grid.seconds(q + 1) for q in range(-1, 12)])
    # the first chord lost its first beat (now before bar 1), the others count a quarter fewer
    assert [(s.start, s.end, s.chord.symbol) for s in p.chords] == [
        (0.0, 3.0, "Am"), (3.0, 7.0, "F"), (7.0, 11.0, "C"), (11.0, 15.0, "G")]
    a = stored_analysis(p)
    assert [n.onset for n in a.melody.notes] == [0.0, 1.5, 8.0]
    assert a.key_sections[0].start == 7.0
    edit.revert(p)
    assert p.snapshot() == snapshot


def test_half_a_beat_puts_every_beat_on_the_and():
    p = _analysed()
    before = p.beat_grid()
    edit = move_bar_one(p, 0.5)
    edit.apply(p)
    after = p.beat_grid()
    assert edit.label == "Move bar 1 half a beat later"
    for q in range(8):
        assert after.seconds(q) == pytest.approx(before.seconds(q + 0.5))
    a = stored_analysis(p)
    # the detected beats are the off-beats of the new grid: neither they nor their downbeats are kept
    assert a.grid.beat_times == () and a.grid.downbeat_times == ()
    assert [(s.start, s.chord.symbol) for s in p.chords][:2] == [(0.0, "Am"), (3.5, "F")]


def test_whole_beats_keep_the_detected_beats_and_recount_the_downbeats():
    p = _analysed()
    old = stored_analysis(p).grid
    move_bar_one(p, 1.0).apply(p)
    g = stored_analysis(p).grid
    assert g.beat_times == old.beat_times
    assert g.downbeat_times == old.beat_times[1::4]


def test_a_beat_earlier_than_the_audio_goes_a_bar_later():
    # bar 1 at 0.3 s, a beat is 0.667 s: a beat earlier would be before the audio starts, so the same downbeat
    # phase one bar on (three beats later) is bar 1, with a three-beat pickup before it
    p = _analysed()
    before = p.beat_grid()
    edit = move_bar_one(p, -1.0)
    edit.apply(p)
    assert edit.label == "Move bar 1 a beat earlier"
    assert p.downbeat_offset == pytest.approx(before.seconds(3.0))
    p2 = _analysed(offset=1.0)
    move_bar_one(p2, -1.0).apply(p2)
    assert p2.downbeat_offset == pytest.approx(1.0 - 60.0 / 90.0)
    # a beat earlier lands 20 ms before the audio (the grid heard a little early): that is the start, not a bar on
    p3 = _analysed(offset=60.0 / 90.0 - 0.02)
    move_bar_one(p3, -1.0).apply(p3)
    assert p3.downbeat_offset == 0.0


def test_a_beat_is_the_felt_beat_in_a_compound_meter_and_its_off_beat_step_an_eighth():
    p = _analysed(ts=TimeSignature(6, 8))
    before = p.beat_grid()
    move_bar_one(p, 1.0).apply(p)
    assert p.downbeat_offset == pytest.approx(before.seconds(1.5))  # a dotted quarter
    step, words = off_beat_step(p.time_signature)
    edit = move_bar_one(p, step)
    edit.apply(p)
    assert words == "a third of a beat" and edit.label == "Move bar 1 a third of a beat later"
    assert p.downbeat_offset == pytest.approx(before.seconds(2.0))  # one eighth on
    assert off_beat_step(FOUR_FOUR) == (0.5, "half a beat")


def test_without_a_tempo_it_says_so():
    with pytest.raises(ValueError, match="no tempo yet"):
        move_bar_one(Project(name="empty"), 1.0)


def test_the_moved_song_saves_and_loads(tmp_path):
    p = _analysed(ANCHORS)
    move_bar_one(p, 0.5).apply(p)
    path = tmp_path / "song.accord"
    save_project(p, path)
    back = load_project(path)
    assert back.downbeat_offset == pytest.approx(p.downbeat_offset)
    assert [x for a in back.tempo_anchors for x in a] == pytest.approx([x for a in p.tempo_anchors for x in a])
    assert [(s.start, s.chord.symbol) for s in back.chords] == [(s.start, s.chord.symbol) for s in p.chords]
    assert stored_analysis(back).melody.notes == stored_analysis(p).melody.notes


def test_melody_notes_moved_before_bar_1_are_left_out_and_the_analysis_still_loads():
    p = _analysed()
    move_bar_one(p, 1.0).apply(p)  # the note at quarter 1.0 is now at 0.0, kept
    move_bar_one(p, 0.5).apply(p)  # ...and now before bar 1: left out (its seconds stay in melody_seconds)
    a = stored_analysis(p)
    assert a is not None and [n.onset for n in a.melody.notes] == [1.0, 7.5]
