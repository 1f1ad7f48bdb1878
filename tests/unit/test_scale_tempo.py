"""Halving or doubling the tempo keeps what was heard in the audio where it sounds (analysis_edits.scale_tempo)."""

from __future__ import annotations

import pytest

from app.core.analysis.harmony.key import KeySection
from app.core.analysis.result import SongAnalysis
from app.core.music import BeatGrid, ChordTimeline, Key, Melody, Note, TimeSignature
from app.core.project.analysis_edits import SetTempo, apply_analysis, scale_tempo, stored_analysis
from app.core.project.model import Project

ANCHORS = ((0.0, 0.0), (1.0, 0.5), (2.0, 1.1), (3.0, 1.5))


def _analysed(anchors=()) -> Project:
    grid = BeatGrid(90.0, TimeSignature(4, 4), offset_seconds=0.3, anchors=anchors)
    melody = Melody((Note(69, 1.0, 0.5), Note(72, 2.5, 1.5)), key=Key(9, "minor"), tempo_bpm=90.0)
    analysis = SongAnalysis(grid=grid, tempo_determined=True, tempo_confidence=0.8, key=Key(9, "minor"),
                            key_confidence=0.7, key_sections=(KeySection(8.0, 16.0, Key(4, "minor"), 0.9),),
                            chords=ChordTimeline.from_symbols(["Am", "F", "C", "G"], quarters_each=4),
                            melody=melody, lead="lead", roles={}, role_sources={}, stems=(), duration_seconds=12.0,
                            tempo_fit_bpm=90.01, tempo_map=((0.0, 90.0),))
    p = Project(name="Half-time reading")
    apply_analysis(p, analysis).apply(p)
    return p


def _heard(p: Project) -> dict:
    """Everything the analysis placed, in seconds."""
    a = stored_analysis(p)
    g, ag = p.beat_grid(), a.grid
    return {"chords": [(round(g.seconds(s.start), 6), round(g.seconds(s.end), 6), s.chord.symbol) for s in p.chords],
            "analysis chords": [(round(ag.seconds(s.start), 6), s.chord.symbol) for s in a.chords],
            "melody": [(round(ag.seconds(n.onset), 6), round(ag.seconds(n.onset + n.duration), 6), n.pitch)
                       for n in a.melody.notes],
            "sections": [(round(ag.seconds(k.start), 6), round(ag.seconds(k.end), 6)) for k in a.key_sections],
            "bar 1": round(g.seconds(0.0), 6)}


@pytest.mark.parametrize("anchors", [(), ANCHORS])
def test_doubling_keeps_every_analysed_thing_on_the_audio_and_undoes(anchors):
    p = _analysed(anchors)
    before, snapshot = _heard(p), p.snapshot()
    edit = scale_tempo(p, 2.0)
    edit.apply(p)
    assert p.tempo_bpm == 180.0 and _heard(p) == before
    a = stored_analysis(p)
    assert a.grid.tempo_bpm == 180.0 and a.tempo_fit_bpm == pytest.approx(180.02) and a.tempo_map == ((0.0, 180.0),)
    assert [s.start for s in p.chords] == [0.0, 8.0, 16.0, 24.0]  # four bars of 4/4 became eight
    assert p.tempo_anchors == tuple((2 * q, t) for q, t in anchors)
    assert a.melody.tempo_bpm == 180.0 and [n.onset for n in a.melody.notes] == [2.0, 5.0]
    edit.revert(p)
    assert p.snapshot() == snapshot


def test_halving_and_the_limits():
    p = _analysed()
    before = _heard(p)
    scale_tempo(p, 0.5).apply(p)
    assert p.tempo_bpm == 45.0 and _heard(p) == before
    assert scale_tempo(p, 0.5).label == "Halve tempo (45 → 22.5 BPM)"
    with pytest.raises(ValueError, match="outside 20–400"):
        scale_tempo(p, 0.25)
    with pytest.raises(ValueError, match="no tempo"):
        scale_tempo(Project(), 2.0)


def test_a_typed_tempo_keeps_quarter_notes_as_before():
    # the contrast the edit exists for: typing the double moves the chords off the audio (a DAW's MIDI does that)
    p = _analysed()
    second_chord = p.beat_grid().seconds(p.chords.spans[1].start)
    SetTempo(180.0).apply(p)
    assert p.beat_grid().seconds(p.chords.spans[1].start) != pytest.approx(second_chord)
