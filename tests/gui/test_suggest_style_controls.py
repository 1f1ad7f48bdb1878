"""The suggestion form's style choices (issue 15) reach the request, and the request reaches the model."""

from __future__ import annotations

import pytest

from app.core.errors import ConstraintError
from app.core.model.style.profile import BREATHING, STUDIO_STYLE
from app.core.project.cocreate import SuggestRequest, request_style


def test_breathing_and_structure_choices_reach_the_request(qtbot):
    from app.ui.suggest.controls import SuggestControls

    controls = SuggestControls()
    qtbot.addWidget(controls)
    r = controls.request()
    assert (r.breathing, r.structure) == ("catalogue", "repeat-and-vary")
    assert request_style(r) == STUDIO_STYLE
    controls.breathing.setCurrentIndex(controls.breathing.findData("none"))
    controls.structure.setCurrentIndex(controls.structure.findData("call-and-answer"))
    r = controls.request()
    style = request_style(r)
    assert style.breathing == BREATHING["none"] == 0.0 and style.structure == "call-and-answer"
    assert SuggestRequest.from_json(r.to_json()) == r


def test_unknown_choices_are_refused():
    with pytest.raises(ConstraintError, match="structure 'aaba'"):
        SuggestRequest(structure="aaba").checked()
    with pytest.raises(ConstraintError, match="breathing 'lots'"):
        SuggestRequest(breathing="lots").checked()
