"""The feature panels are reachable from the studio window: catalogue dock, File → Export… / Verify…."""

from __future__ import annotations

from app.core.catalogue import Catalogue
from app.ui.panels import install_panels, trained_work_ids
from tests.gui.studio_fixtures import make_window


def test_catalogue_dock_and_file_actions_are_installed(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    install_panels(window, window.home, window.runner)
    assert window.catalogue_dock.widget() is window.catalogue_panel
    view_titles = [a.text() for a in window.menu("View").actions()]
    assert "Catalogue" in view_titles
    file_titles = [a.text() for a in window.menu("File").actions()]
    assert "Export…" in file_titles and "Verify…" in file_titles
    window.verify_action.trigger()
    assert window.verify_dialog.isVisible()
    window.verify_dialog.close()
    window.export_action.trigger()  # nothing to export yet: a status message, no dialog
    assert "Nothing to export" in window.statusBar().currentMessage()
    window.undo_stack.setClean()
    window.close()


def test_catalogue_panel_sees_the_homes_catalogue(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    Catalogue.open(window.home.catalogue_path).close()
    install_panels(window, window.home, window.runner)
    assert window.catalogue_panel.catalogue_path == window.home.catalogue_path
    assert trained_work_ids(window.home) == set()  # no model yet
    window.undo_stack.setClean()
    window.close()


def test_analysis_dock_and_chord_lane_follow_the_current_project(qtbot, tmp_path):
    from app.core.music import Chord, ChordTimeline
    from app.core.project.model import Project

    window = make_window(qtbot, tmp_path)
    install_panels(window, window.home, window.runner)
    lane = window.chord_lane
    assert any(row.findChild(type(lane)) is lane for row in window.timeline_view.lanes())
    window.analysis_panel.bpm.setValue(132.0)  # typed tempo → one undoable edit on the project
    assert window.project.tempo_bpm == 132.0
    window.undo_stack.undo()
    assert window.project.tempo_bpm != 132.0

    other = Project(name="Other", tempo_bpm=90.0, chords=ChordTimeline.from_symbols(["C", "G"], quarters_each=4))
    window.set_project(other)
    assert window.chord_lane.project is window.project and window.analysis_panel.project is window.project
    assert lane.set_chord(1, Chord.parse("Am"))
    assert window.project.chords.at(4).symbol == "Am"
    window.undo_stack.undo()
    assert window.project.chords.at(4).symbol == "G"
    window.undo_stack.setClean()
    window.close()


def test_clicking_the_empty_chord_lane_analyses_the_stems(qtbot, tmp_path, monkeypatch):
    from PySide6.QtCore import QPoint, Qt

    window = make_window(qtbot, tmp_path)
    install_panels(window, window.home, window.runner)
    calls = []
    monkeypatch.setattr(window.analysis_panel, "analyze", lambda: calls.append(1))
    qtbot.mouseClick(window.chord_lane, Qt.MouseButton.LeftButton, pos=QPoint(20, 10))
    assert calls == [1]
    window.undo_stack.setClean()
    window.close()
