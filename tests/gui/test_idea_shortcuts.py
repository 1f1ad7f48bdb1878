"""Window-wide idea shortcuts: 1–9 audition idea #1–#9 by its number whatever has focus, Esc stops, Ctrl+.
stops everything; a spin box still takes its digits. And the banners and buttons say what is true."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.core.project.cocreation.suggestion_edits import DiscardSuggestion
from tests.gui.suggest_fixtures import cocreate, run_suggest, trained_home_template  # noqa: F401


def _active(window, qtbot) -> None:
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def test_key_n_plays_the_idea_numbered_n_with_focus_on_the_timeline(cocreate, qtbot):  # noqa: F811
    window, panel = cocreate
    _active(window, qtbot)
    panel.controls.play_first.setChecked(False)
    ids = run_suggest(panel, start_bar=0, bars=1, count=3, seed=23)
    window.push(DiscardSuggestion(ids[0]))  # #1 is gone: #2 is now the card at the bottom, #3 on top
    window.timeline_view.setFocus()
    qtbot.keyClick(window.timeline_view, Qt.Key.Key_3)
    assert panel.audition.active == ids[2]
    qtbot.keyClick(window.timeline_view, Qt.Key.Key_2)
    assert panel.audition.active == ids[1]
    qtbot.keyClick(window.timeline_view, Qt.Key.Key_1)  # no #1 any more: nothing else starts
    assert panel.audition.active == ids[1]
    assert "No idea #1" in window.statusBar().currentMessage()
    qtbot.keyClick(window.timeline_view, Qt.Key.Key_Escape)
    assert panel.audition.active is None


def test_a_spin_box_keeps_its_digits(cocreate, qtbot):  # noqa: F811
    window, panel = cocreate
    _active(window, qtbot)
    panel.controls.play_first.setChecked(False)
    ids = run_suggest(panel, start_bar=0, bars=1, count=2, seed=3)
    panel.audition_suggestion(None)
    box = panel.controls.count
    box.setFocus()
    box.selectAll()
    qtbot.keyClick(box, Qt.Key.Key_2)
    assert box.value() == 2
    assert panel.audition.active is None and ids


def test_panic_stops_the_transport_and_the_audition(cocreate, qtbot):  # noqa: F811
    window, panel = cocreate
    _active(window, qtbot)
    panel.controls.play_first.setChecked(False)
    ids = run_suggest(panel, start_bar=0, bars=1, count=1, seed=4)
    panel.shortcuts.audition_number(1)
    assert panel.audition.active == ids[0] and window.engine.transport.playing
    window.timeline_view.setFocus()
    qtbot.keyClick(window.timeline_view, Qt.Key.Key_Period, Qt.KeyboardModifier.ControlModifier)
    assert panel.audition.active is None and not window.engine.transport.playing
    assert window.audition_mutes == frozenset()


def test_numbers_are_shown_in_the_transport_menu(cocreate):  # noqa: F811
    window, panel = cocreate
    texts = [a.text() for a in panel.shortcuts.audition]
    assert texts[0] == "Audition idea #1" and panel.shortcuts.audition[8].shortcut().toString() == "9"
    assert panel.shortcuts.panic.shortcut().toString() == "Ctrl+."


def test_the_banners_and_the_button_say_what_is_true(cocreate, qtbot):  # noqa: F811
    from app.core.project.demo_catalogue import Readiness
    from app.ui.suggest.setup import suggest_button_text

    window, panel = cocreate
    panel.controls.play_first.setChecked(False)
    assert suggest_button_text(Readiness(12, 12, True, True)) == "Retrain the model (out of date)"
    assert suggest_button_text(Readiness(12, 12, False, False)) == "Train the model to suggest"
    assert suggest_button_text(Readiness(12, 0, True, True)) == "Suggest (no works with consent)"
    assert suggest_button_text(Readiness(0, 0, False, False)) == "Suggest (import works first)"
    run_suggest(panel, start_bar=0, bars=1, count=2, seed=8)
    panel.state = None
    panel.firstrun.show_state(Readiness(12, 11, True, True))  # a work was revoked: the model is out of date
    panel.state = Readiness(12, 11, True, True)
    panel.update_banner()
    assert panel.firstrun.isHidden()  # ideas exist: no "Before the first suggestion"


def test_the_mute_the_lead_tip_only_when_the_lead_is_not_muted_for_us(cocreate, qtbot):  # noqa: F811
    from app.core.project.edits import SetStemRole

    window, panel = cocreate
    panel.controls.play_first.setChecked(False)
    window.push(SetStemRole(window.project.stems[0].id, "lead"))
    ids = run_suggest(panel, start_bar=0, bars=1, count=1, seed=9)
    height = panel.status.height()
    panel.status.setText("")
    panel.audition_suggestion(ids[0])
    assert "mute the" not in panel.status.text()  # "Mute the song's lead while auditioning" is ticked
    panel.controls.mute_lead.setChecked(False)
    panel.audition_suggestion(None)
    panel.audition_suggestion(ids[0])
    assert "mute the pad stem (M)" in panel.status.text()
    assert panel.status.minimumHeight() >= 3 * panel.status.fontMetrics().lineSpacing()
    assert height >= panel.status.minimumHeight()


def test_numbering_is_the_projects_own_and_survives_save_and_reopen(cocreate, qtbot, tmp_path):  # noqa: F811
    from app.core.project.cocreation.numbering import idea_number, next_idea_number
    from app.core.project.cocreation.suggestion_edits import KeepSuggestion
    from app.core.project.model import Project

    window, panel = cocreate
    panel.controls.play_first.setChecked(False)
    first = run_suggest(panel, start_bar=0, bars=1, count=4, seed=11)
    names = [window.project.suggestions[i].name for i in range(4)]
    assert [n.split()[0] for n in names] == ["#1", "#2", "#3", "#4"]
    window.push(KeepSuggestion(first[3]))
    assert idea_number(window.project.tracks[0]) == 4
    path = tmp_path / "song.accord"
    assert window.documents.save_as(path)
    window.set_project(Project())
    assert window.documents.open_project(path, ask=False)
    assert next_idea_number(window.project) == 5
    again = run_suggest(panel, start_bar=0, bars=1, count=1, seed=12)
    entry = next(s for s in window.project.suggestions if s.id == again[0])
    assert entry.number == 5 and entry.name.startswith("#5 ")
    numbers = [idea_number(s) for s in window.project.suggestions]
    assert len(numbers) == len(set(numbers))  # never a second, different "#4"


def test_a_new_project_starts_at_one(cocreate, qtbot):  # noqa: F811
    from app.core.project.model import Project

    window, panel = cocreate
    panel.controls.play_first.setChecked(False)
    run_suggest(panel, start_bar=0, bars=1, count=2, seed=2)
    window.set_project(Project())
    assert panel.shortcuts.audition_number(1) is False
    from app.core.project.cocreation.numbering import next_idea_number

    assert next_idea_number(window.project) == 1
