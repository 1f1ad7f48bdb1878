"""Edit the tempo and a chord through the analysis widgets, undo both (QUndoStack via app/ui/undo.py);
run the Analyse button through a synchronous TaskRunner."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QUndoStack

from app.core.analysis import StemInput
from app.core.music import Chord, ChordTimeline, Key, TimeSignature
from app.core.project.analysis_edits import stored_analysis
from app.core.project.model import Project, StemRef
from app.core.project.store import load_project, save_project
from app.ui.analysis.panel import AnalysisPanel
from app.ui.timeline.chord_lane import ChordLane
from app.ui.workers import TaskRunner
from tests.helpers.songs import make_song


@pytest.fixture
def project():
    p = Project(stems=[StemRef(n, Path(f"/tmp/{n}.wav")) for n in ("drums", "bass", "harmony", "lead")])
    p.tempo_bpm = 120.0
    p.chords = ChordTimeline.from_symbols(["C", "Am", "F", "G"], quarters_each=4)
    return p


def test_edit_tempo_and_chord_then_undo_both(qtbot, project):
    stack = QUndoStack()
    panel = AnalysisPanel(project, stack, TaskRunner(synchronous=True))
    lane = ChordLane(project, stack)
    qtbot.addWidget(panel)
    qtbot.addWidget(lane)
    lane.resize(600, 34)
    lane.show()

    panel.bpm.setValue(93.5)
    assert project.tempo_bpm == 93.5 and stack.count() == 1

    # click the second chord (Am, quarters 4..8) and choose Dm7 in the popup
    x = int(lane.x_of_quarter(6.0))
    qtbot.mouseClick(lane, Qt.MouseButton.LeftButton, pos=QPoint(x, 15))
    assert lane.editor.isVisible() and lane.editor.combo.currentText() == "Am"
    lane.editor.combo.setCurrentText("Dm7")
    lane.editor.ok.click()
    assert project.chords.at(6.0) == Chord(2, "m7") and stack.count() == 2

    stack.undo()
    assert project.chords.at(6.0) == Chord(9, "min")
    stack.undo()
    assert project.tempo_bpm == 120.0 and panel.bpm.value() == 120.0
    stack.redo()
    assert project.tempo_bpm == 93.5


def test_a_bad_chord_symbol_keeps_the_popup_open(qtbot, project):
    stack = QUndoStack()
    lane = ChordLane(project, stack)
    qtbot.addWidget(lane)
    lane.open_editor(0)
    lane.editor.combo.setCurrentText("H#9")
    lane.editor.commit()
    assert lane.editor.error.text() and stack.count() == 0 and project.chords.at(0.0) == Chord(0)


def test_tap_key_meter_nudge_and_role_are_undoable(qtbot, project):
    stack = QUndoStack()
    panel = AnalysisPanel(project, stack, TaskRunner(synchronous=True))
    qtbot.addWidget(panel)
    for t in (10.0, 10.5, 11.0, 11.5):
        panel.tap(t)
    assert project.tempo_bpm == pytest.approx(120.0) and stack.count() == 1  # one tap sequence = one step
    panel.tap(20.0)  # after a pause: a new sequence
    panel.tap(20.6)
    assert project.tempo_bpm == pytest.approx(100.0) and stack.count() == 2
    panel.key.setCurrentText("A minor")
    panel.key.activated.emit(panel.key.currentIndex())
    assert project.key == Key(9, "minor")
    panel.meter.setCurrentText("6/8")
    panel.meter.activated.emit(panel.meter.currentIndex())
    assert project.time_signature == TimeSignature(6, 8)
    panel.later.click()
    assert project.downbeat_offset == pytest.approx(0.01)
    panel.set_role(project.stems[3].id, "harmony")
    assert project.stems[3].role == "harmony"
    while stack.canUndo():
        stack.undo()
    assert (project.tempo_bpm, project.key, project.time_signature, project.downbeat_offset,
            project.stems[3].role) == (120.0, None, TimeSignature(4, 4), 0.0, None)


@pytest.mark.parametrize("meter", ["5/4", "12/8", "9/8", "2/4"])
def test_every_listed_meter_can_be_chosen_and_undone(qtbot, project, meter):
    stack = QUndoStack()
    panel = AnalysisPanel(project, stack, TaskRunner(synchronous=True))
    qtbot.addWidget(panel)
    assert panel.meter.findText(meter) >= 0
    panel.meter.setCurrentText(meter)
    panel.meter.activated.emit(panel.meter.currentIndex())
    assert project.time_signature == TimeSignature.parse(meter) and stack.count() == 1
    stack.undo()
    assert project.time_signature == TimeSignature(4, 4) and panel.meter.currentText() == "4/4"


def _panel_with_a_song(qtbot, project):  # noqa: ANN001, ANN202
    """An Analysis panel on a synchronous runner whose stems are a rendered 104 BPM song in E minor."""
    song = make_song(2, meter=TimeSignature(4, 4), tempo_bpm=104.0, key=Key(4, "minor"), seconds=6.0)
    stems = [StemInput(n, a, song.sample_rate, hashlib.sha256(a.tobytes()).hexdigest()) for n, a in song.stems.items()]
    stack = QUndoStack()
    panel = AnalysisPanel(project, stack, TaskRunner(synchronous=True), stems_provider=lambda: stems)
    qtbot.addWidget(panel)
    return panel, stack


def test_analyze_button_applies_the_result_as_one_step(qtbot, project):
    panel, stack = _panel_with_a_song(qtbot, project)
    assert panel.analyze_button.isEnabled()
    panel.analyze_button.click()
    assert stack.count() == 1 and stack.undoText() == "Apply analysis"
    stored = stored_analysis(project)
    assert stored is not None and stored.key is not None and project.key == stored.key
    assert project.tempo_bpm == pytest.approx(104.0, rel=0.02) and len(project.chords) >= 4
    assert panel.key_confidence.text().startswith("confidence")
    assert panel.analyze_button.isEnabled() and not panel.progress.isVisible()
    stack.undo()
    assert project.tempo_bpm == 120.0 and project.key is None


def test_failed_analysis_is_shown_not_raised(qtbot, project):
    stack = QUndoStack()
    panel = AnalysisPanel(project, stack, TaskRunner(synchronous=True), stems_provider=lambda: [])
    qtbot.addWidget(panel)
    panel.analyze()
    assert "no stems" in panel.notes.text() and stack.count() == 0


def test_stems_from_studio(project):
    from types import SimpleNamespace

    import numpy as np

    from app.core.errors import AccordError
    from app.ui.analysis.run import stems_from_studio

    audio = SimpleNamespace(samples=np.zeros((2, 10), np.float32), sample_rate=48000, content_sha256="c" * 64)
    project.stems[1].name = "drums"  # a duplicate name
    project.stems[2].missing = True
    project.stems[0].role = "drums"
    decoded = {s.id: audio for s in project.stems[:3]}
    got = stems_from_studio(project, decoded)
    assert [(s.name, s.role) for s in got] == [("drums", "drums"), ("drums (2)", None)]
    with pytest.raises(AccordError):
        stems_from_studio(project, {})


def test_a_role_changing_updates_its_box_in_place_and_only_new_stems_rebuild_the_rows(qtbot, project):
    from app.core.project.analysis_edits import OverrideStemRole
    from app.core.project.edits import RenameStem

    stack = QUndoStack()
    panel = AnalysisPanel(project, stack, TaskRunner(synchronous=True))
    qtbot.addWidget(panel)
    boxes = dict(panel._role_combos)
    lead = project.stems[3]
    OverrideStemRole(lead.id, "harmony").apply(project)
    assert panel._role_combos == boxes  # the same widgets: applying an analysis changes 16 roles one by one
    assert boxes[lead.id].currentText() == "harmony"
    OverrideStemRole(lead.id, None).apply(project)
    assert boxes[lead.id].currentIndex() == 0 and boxes[lead.id].currentText().startswith("(guess)")
    RenameStem(lead.id, "vocal").apply(project)
    assert panel._role_combos.keys() == boxes.keys() and panel._role_combos[lead.id] is not boxes[lead.id]


def test_double_and_halve_keep_the_chords_where_they_sound_and_undo_as_one_step(qtbot, project):
    stack = QUndoStack()
    panel = AnalysisPanel(project, stack, TaskRunner(synchronous=True))
    qtbot.addWidget(panel)
    grid = project.beat_grid()
    before = [(round(grid.seconds(s.start), 9), round(grid.seconds(s.end), 9), s.chord) for s in project.chords]
    qtbot.mouseClick(panel.double_button, Qt.MouseButton.LeftButton)
    assert project.tempo_bpm == 240.0 and panel.bpm.value() == 240.0
    grid = project.beat_grid()
    assert [(round(grid.seconds(s.start), 9), round(grid.seconds(s.end), 9), s.chord) for s in project.chords] == before
    assert project.chords.spans[1].start == 8.0  # Am's bar 2 at 120 is bar 3 at 240
    assert stack.undoText() == "Double tempo (120 → 240 BPM)"
    assert not panel.double_button.isEnabled()  # 480 would be past 400
    qtbot.mouseClick(panel.halve_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.halve_button, Qt.MouseButton.LeftButton)
    assert project.tempo_bpm == 60.0 and project.chords.spans[1].start == 2.0
    stack.undo()
    stack.undo()
    stack.undo()
    assert project.tempo_bpm == 120.0 and project.chords.spans[1].start == 4.0


def test_re_read_chords_hears_them_on_the_grid_the_artist_set(qtbot, project):
    panel, stack = _panel_with_a_song(qtbot, project)
    panel.analyze_button.click()
    fit = panel.tempo_fit.text()
    panel.half_beat.click()  # the artist's grid: every beat half a beat later; the chords keep their seconds...
    assert any(abs(s.start % 1.0 - 0.5) < 1e-9 for s in project.chords)  # ...so they start on the "and"
    grid = project.beat_grid()
    assert panel.reread_button.isEnabled()
    panel.reread_button.click()
    assert stack.undoText() == "Hear the key and chords on this grid" and stack.count() == 3
    assert project.beat_grid() == grid  # the grid stays the artist's
    assert all(abs(s.start - round(s.start)) < 1e-9 for s in project.chords)  # chords on its beats
    assert panel.tempo_fit.text() == fit  # the tempo the audio was heard at is still shown
    stack.undo()
    assert any(abs(s.start % 1.0 - 0.5) < 1e-9 for s in project.chords)


def test_a_stem_can_be_left_out_of_the_analysis_from_its_role_box(qtbot, project, tmp_path):
    stack = QUndoStack()
    panel = AnalysisPanel(project, stack, TaskRunner(synchronous=True))
    qtbot.addWidget(panel)
    stem = project.stems[0]
    combo = panel._role_combos[stem.id]
    items = [combo.itemText(i) for i in range(combo.count())]
    assert items[-1] == "fx" and "left out" in combo.toolTip()
    combo.setCurrentIndex(items.index("fx"))
    combo.activated.emit(items.index("fx"))  # as a click on the item does
    assert project.stems[0].role == "fx"
    path = save_project(project, tmp_path / "song.accord")
    assert load_project(path).stems[0].role == "fx"  # kept with the project, as every role
    stack.undo()
    assert project.stems[0].role is None
