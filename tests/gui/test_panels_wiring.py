"""The feature panels live in the studio context's registry: catalogue dock, File → Export… / Verify…, analysis."""

from __future__ import annotations

import pytest

from app.core.catalogue import Catalogue
from app.ui.context import ANALYSIS, CATALOGUE, CHORD_LANE, FILE_ACTIONS, SUGGESTIONS
from app.ui.panels import install_panels
from tests.gui.studio_fixtures import make_window


def test_catalogue_dock_and_file_actions_are_installed(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    install_panels(window.context)
    panels = window.context.panels
    assert panels.dock(CATALOGUE).widget() is panels.get(CATALOGUE)
    view_titles = [a.text() for a in window.menu("View").actions()]
    assert "Catalogue" in view_titles
    file_titles = [a.text() for a in window.menu("File").actions()]
    assert "Export…" in file_titles and "Verify…" in file_titles
    actions = panels.get(FILE_ACTIONS)
    actions.verify_action.trigger()
    assert actions.verify_dialog.isVisible()
    actions.verify_dialog.close()
    actions.export_action.trigger()  # nothing to export yet: a status message, no dialog
    assert "Nothing to export" in window.statusBar().currentMessage()
    window.undo_stack.setClean()
    window.close()


def test_catalogue_panel_sees_the_homes_catalogue(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    Catalogue.open(window.home.catalogue_path).close()
    install_panels(window.context)
    assert window.context.panels.get(CATALOGUE).catalogue_path == window.home.catalogue_path
    assert window.context.models.trained_work_ids() == set()  # no model yet
    window.undo_stack.setClean()
    window.close()


def test_analysis_dock_and_chord_lane_follow_the_current_project(qtbot, tmp_path):
    from app.core.music import Chord, ChordTimeline
    from app.core.project.model import Project

    window = make_window(qtbot, tmp_path)
    install_panels(window.context)
    lane, analysis = window.context.panels.get(CHORD_LANE), window.context.panels.get(ANALYSIS)
    assert any(row.findChild(type(lane)) is lane for row in window.timeline_view.lanes())
    analysis.bpm.setValue(132.0)  # typed tempo → one undoable edit on the project
    assert window.project.tempo_bpm == 132.0
    window.undo_stack.undo()
    assert window.project.tempo_bpm != 132.0

    other = Project(name="Other", tempo_bpm=90.0, chords=ChordTimeline.from_symbols(["C", "G"], quarters_each=4))
    window.set_project(other)
    assert lane.project is window.project and analysis.project is window.project
    assert lane.set_chord(1, Chord.parse("Am"))
    assert window.project.chords.at(4).symbol == "Am"
    window.undo_stack.undo()
    assert window.project.chords.at(4).symbol == "G"
    window.undo_stack.setClean()
    window.close()


def test_clicking_the_empty_chord_lane_analyses_the_stems(qtbot, tmp_path, monkeypatch):
    from PySide6.QtCore import QPoint, Qt

    from app.core.project.edits import AddStems
    from app.core.project.model import StemRef
    from tests.gui.studio_fixtures import write_tone

    window = make_window(qtbot, tmp_path)
    install_panels(window.context)
    window.push(AddStems([StemRef(name="pad", path=write_tone(tmp_path / "pad.wav", 220.0))]))  # something to analyse
    calls = []
    monkeypatch.setattr(window.context.panels.get(ANALYSIS), "analyze", lambda: calls.append(1))
    qtbot.mouseClick(window.context.panels.get(CHORD_LANE), Qt.MouseButton.LeftButton, pos=QPoint(20, 10))
    assert calls == [1]
    window.undo_stack.setClean()
    window.close()


def test_each_panel_is_built_once_and_panels_find_each_other_through_the_registry(qtbot, tmp_path):
    from PySide6.QtWidgets import QDockWidget

    window = make_window(qtbot, tmp_path)
    ctx = window.context
    install_panels(ctx)
    catalogue = ctx.panels.get(CATALOGUE)
    suggest = ctx.panels.get(SUGGESTIONS)
    assert suggest.open_catalogue() is ctx.panels.dock(CATALOGUE)  # the studio's own dock, raised
    assert suggest.open_catalogue() is ctx.panels.dock(CATALOGUE)
    assert ctx.panels.ensure(CATALOGUE) is catalogue
    docks = [d for d in window.findChildren(QDockWidget) if d.windowTitle() == "Catalogue"]
    assert docks == [ctx.panels.dock(CATALOGUE)]
    with pytest.raises(ValueError, match="already has a Catalogue panel"):
        ctx.panels.register(CATALOGUE, catalogue)
    got = []
    ctx.panels.when_added(CATALOGUE, got.append)  # already there: called at once
    assert got == [catalogue]
    seen = []
    ctx.models.catalogue_changed.connect(lambda: seen.append(1))
    catalogue.catalogueChanged.emit()  # consent edited in the catalogue: the model service tells the others
    assert seen == [1]
    window.undo_stack.setClean()
    window.close()


def test_the_suggestion_form_uses_the_declared_request_limits(qtbot):
    from app.core.project.limits import REQUEST_BARS, REQUEST_COUNT, REQUEST_LAST_START_BAR, REQUEST_MAX_COPY
    from app.ui.suggest.controls import SuggestControls

    controls = SuggestControls()
    qtbot.addWidget(controls)
    assert (controls.bars.minimum(), controls.bars.maximum()) == (REQUEST_BARS.low, REQUEST_BARS.high)
    assert (controls.count.minimum(), controls.count.maximum()) == (REQUEST_COUNT.low, REQUEST_COUNT.high)
    assert controls.max_copy.maximum() == REQUEST_MAX_COPY.high
    assert controls.start_bar.maximum() == REQUEST_LAST_START_BAR + 1  # shown one-based
