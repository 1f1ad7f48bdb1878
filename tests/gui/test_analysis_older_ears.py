"""The Analysis panel says when the project's analysis was heard by an earlier version of the analysis."""

from __future__ import annotations

from dataclasses import replace

from app.core.analysis import ESTIMATORS_REVISION
from app.core.project.analysis_edits import apply_analysis
from app.ui.analysis.texts import older_ears_text
from app.ui.context import ANALYSIS
from tests.gui.studio_fixtures import studio  # noqa: F401 — the fixture
from tests.gui.test_song_menu import _analysis


def test_an_analysis_from_older_ears_is_said_and_a_current_one_is_not(studio):  # noqa: F811
    panel = studio.context.panels.ensure(ANALYSIS)
    studio.push(apply_analysis(studio.project, replace(_analysis(), ears_revision=ESTIMATORS_REVISION - 1)))
    assert "earlier version" in panel.notes.text() and "Analyse" in panel.notes.text()
    studio.push(apply_analysis(studio.project, replace(_analysis(), ears_revision=ESTIMATORS_REVISION)))
    assert "earlier version" not in panel.notes.text()
    studio.undo_stack.undo()  # back to the older analysis: said again
    assert "earlier version" in panel.notes.text()


def test_older_ears_text():
    assert older_ears_text(None) == ""
    assert older_ears_text(replace(_analysis(), ears_revision=3), current=4).startswith("Heard by an earlier version")
    assert older_ears_text(replace(_analysis(), ears_revision=4), current=4) == ""
    assert older_ears_text(_analysis(), current=1) != ""  # stored before the revision was kept (0)
