"""The Suggestions panel in the studio: results become cards, keep/discard/undo, first run, reopening."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import QDockWidget

from app.core.project.cocreation.suggestion_edits import kept_tracks, visible_suggestions
from app.core.project.store import save_project
from app.ui.suggest.panel import install_cocreate
from tests.gui.studio_fixtures import make_window
from tests.gui.suggest_fixtures import cocreate, run_suggest, studio_with_panel, trained_home_template  # noqa: F401


def test_results_become_cards_one_undo_step_and_the_first_is_auditioned(cocreate):  # noqa: F811
    window, panel = cocreate
    ids = run_suggest(panel, start_bar=1, bars=2, count=3, seed=5)
    assert len(ids) == 3 and set(panel.cards) == set(ids)
    for sid in ids:
        card = panel.cards[sid]
        entry = next(s for s in window.project.suggestions if s.id == sid)
        assert card.roll.melody.notes and len(card.roll.melody.notes) == len(entry.melody.notes)
        assert card.credit_bar.shares and "Longest run" in card.copied.text() or "Copies nothing" in card.copied.text()
        assert card.credit.text().startswith("From:")
    assert panel.audition.active == ids[0] and panel.cards[ids[0]].buttons["audition"].isChecked()
    assert panel.audition.wait(10)
    panel.audition.refresh()
    names = {t.name for t in window.engine.mix.tracks}
    assert {f"suggestion:{sid}" for sid in ids} <= names
    assert window.engine.mix.audible.count(f"suggestion:{ids[0]}") == 1
    assert window.project.loop is not None and window.project.loop_enabled  # the range loops
    window.undo_stack.undo()  # the whole run is one step
    assert window.project.suggestions == () and panel.cards == {}
    window.undo_stack.undo()  # then the loop it set


def test_keep_discard_and_undo(cocreate):  # noqa: F811
    window, panel = cocreate
    a, b = run_suggest(panel, start_bar=0, bars=1, count=2, seed=9)
    panel.card_action("keep", a)
    assert [t.suggestion_id for t in kept_tracks(window.project)] == [a]
    assert panel.cards[a].badge.text() == "KEPT" and not panel.cards[a].buttons["keep"].isEnabled()
    assert list(panel.track_rows) == [kept_tracks(window.project)[0].id]
    assert panel.lane.row is not None and panel.lane.target.where == "tracks"
    panel.card_action("discard", b)
    assert [s.id for s in visible_suggestions(window.project)] == [a] and b not in panel.cards
    window.undo_stack.undo()
    assert b in panel.cards
    window.undo_stack.undo()
    assert kept_tracks(window.project) == [] and panel.track_rows == {}
    assert panel.cards[a].badge.text() == ""
    window.undo_stack.redo()
    assert len(kept_tracks(window.project)) == 1
    tid = kept_tracks(window.project)[0].id
    panel.track_action("mute", tid)
    assert kept_tracks(window.project)[0].mute is True
    panel.track_action("remove", tid)
    assert kept_tracks(window.project) == []


def test_regenerate_like_this_and_vary_this(cocreate):  # noqa: F811
    window, panel = cocreate
    (a,) = run_suggest(panel, start_bar=0, bars=2, count=1, seed=3)
    panel.card_action("regenerate", a)
    again = [s for s in window.project.suggestions if s.id != a]
    assert len(again) == 1 and again[0].request["start_bar"] == 0 and again[0].request["bars"] == 2
    panel.controls.count.setValue(2)
    panel.card_action("vary", a)
    varied = [s for s in window.project.suggestions if s.mode.startswith("vary")]
    assert len(varied) == 2 and all(v.request["source"] for v in varied)


def test_first_run_guides_then_demo_catalogue_gives_a_suggestion(qtbot, tmp_path):
    window, panel = studio_with_panel(qtbot, tmp_path, None)
    try:
        assert not panel.firstrun.isHidden() and panel.state.step == "import"
        assert panel.suggest() is None  # the button goes to the catalogue instead (it says so)
        assert not panel.firstrun.demo_button.isHidden() and not panel.firstrun.train_button.isEnabled()
        assert panel.firstrun.train_button.isHidden() and "import works first" in panel.suggest_button.text()
        dock = panel.open_catalogue()
        assert isinstance(dock, QDockWidget) and dock.isVisible()
        panel.firstrun.demo_button.click()  # synchronous runner: catalogue filled and model trained
        assert panel.state.ready and panel.firstrun.isHidden() and panel.suggest_button.isEnabled()
        assert "Demo catalogue ready" in panel.status.text() and panel.suggest_button.text() == "Suggest"
        assert len(run_suggest(panel, start_bar=0, bars=1, count=1, seed=1)) == 1
    finally:
        window.undo_stack.setClean()
        window.close()


def test_opening_the_demo_into_an_empty_home_sets_up_the_demo_catalogue(qtbot, tmp_path):
    from app.core.project.demo import ensure_demo_project

    window = make_window(qtbot, tmp_path)
    panel = install_cocreate(window.context)
    try:
        window.documents.open_project(ensure_demo_project(window.home), ask=False)
        assert panel.state.ready and panel.state.works > 0
        ids = run_suggest(panel, count=2, seed=4)  # a new idea for the lead's last four bars by default
        assert len(ids) == 2
        first = next(s for s in window.project.suggestions if s.id == ids[0])
        assert first.request["start_bar"] == 4 and 16.0 <= first.melody.notes[0].onset < 32.0
    finally:
        window.undo_stack.setClean()
        window.close()


def test_reopening_a_saved_project_shows_its_suggestions_and_kept_tracks(cocreate, tmp_path):  # noqa: F811
    window, panel = cocreate
    a, b, c = run_suggest(panel, start_bar=0, bars=1, count=3, seed=21)
    panel.card_action("keep", a)
    panel.card_action("discard", c)
    panel.lane.roll.delete_note(0)
    path = save_project(window.project, tmp_path / "song.accord")
    window.documents.open_project(Path(path), ask=False)
    assert set(panel.cards) == {a, b}
    assert len(panel.track_rows) == 1
    track = kept_tracks(window.project)[0]
    assert track.suggestion_id == a and track.human_edited is True
    assert next(s for s in window.project.suggestions if s.id == c).status == "discarded"
    assert panel.audition.wait(10)
    panel.audition.refresh()
    assert f"suggestion:track:{track.id}" in window.engine.mix.audible


def test_threaded_run_streams_results_and_can_be_cancelled(qtbot, tmp_path, trained_home_template):  # noqa: F811
    import shutil

    from app.core.project.edits import SetProjectField

    shutil.copytree(trained_home_template, tmp_path / "home")
    window = make_window(qtbot, tmp_path, synchronous=False)
    panel = install_cocreate(window.context)
    try:
        window.push(SetProjectField("tempo_bpm", 90.0))
        panel.controls.play_first.setChecked(False)
        panel.controls.count.setValue(3)
        with qtbot.waitSignal(panel.run_finished, timeout=20000) as done:
            assert panel.suggest() is not None
            assert not panel.suggest_button.isEnabled() and panel.cancel_button.isEnabled()
        assert done.args == [3] and len(panel.cards) == 3 and panel.handle is None
        assert panel.suggest_button.isEnabled()
        panel.controls.count.setValue(16)
        with qtbot.waitSignal(panel.run_finished, timeout=20000):
            handle = panel.suggest()
            handle.cancel()
        assert "Cancelled" in panel.status.text() or len(panel.cards) == 3 + 16
        assert panel.audition.wait(20)
    finally:
        window.runner.wait(20000)
        window.undo_stack.setClean()
        window.close()


def test_discarding_the_auditioned_idea_clears_the_lane_and_its_sound(cocreate):  # noqa: F811
    window, panel = cocreate
    a, b = run_suggest(panel, start_bar=0, bars=1, count=2, seed=40)
    panel.audition_suggestion(a)
    assert panel.lane.row is not None
    panel.card_action("discard", a)
    assert panel.lane.row is None and panel.audition.active is None
    assert panel.audition.wait(10)
    panel.audition.refresh()
    assert not any(name.startswith("suggestion:") for name in window.engine.mix.audible)


def test_changing_the_sound_rerenders_without_a_hole(cocreate):  # noqa: F811
    window, panel = cocreate
    (a,) = run_suggest(panel, start_bar=0, bars=1, count=1, seed=41)
    assert panel.audition.wait(10)
    panel.audition.refresh()
    before = window.engine.mix.track(f"suggestion:{a}").samples
    other = next(i for i in range(panel.controls.instrument.count())
                 if panel.controls.instrument.itemData(i) != panel.audition.settings.instrument)
    panel.controls.instrument.setCurrentIndex(other)  # re-render queued; the old buffer keeps playing
    assert f"suggestion:{a}" in window.engine.mix.audible
    assert panel.audition.wait(10)
    panel.audition.refresh()
    after = window.engine.mix.track(f"suggestion:{a}").samples
    assert after is not before and not (after.shape == before.shape and (after == before).all())


def test_a_damaged_suggestion_in_the_file_is_named_when_opening_and_the_studio_keeps_its_song(cocreate, tmp_path):  # noqa: F811
    import json

    window, panel = cocreate
    a, b = run_suggest(panel, start_bar=0, bars=1, count=2, seed=42)
    path = save_project(window.project, tmp_path / "damaged.accord")
    data = json.loads(Path(path).read_text())
    data["suggestions"][0]["melody"] = {"notes": [["x", 0, 1]]}
    Path(path).write_text(json.dumps(data))
    window.undo_stack.setClean()
    assert not window.documents.open_project(Path(path), ask=False)
    title, text = window.dialogs.errors[-1]
    assert "damaged.accord" in text and "suggestions[0].melody" in text  # the file and the field, parsed once
    assert set(panel.cards) == {a, b}  # the song that was open stays open


def test_a_loop_selected_on_the_ruler_becomes_the_range(cocreate):  # noqa: F811
    window, panel = cocreate
    bar = 4 * 60.0 / 100.0
    window.set_loop_region(2 * bar + 0.01, 5 * bar - 0.02)  # what Shift-drag on the ruler does
    assert panel.controls.start_bar.value() == 3 and panel.controls.bars.value() == 3
    (sid,) = run_suggest(panel, count=1, seed=43)
    entry = next(s for s in window.project.suggestions if s.id == sid)
    assert entry.request["start_bar"] == 2 and entry.request["bars"] == 3


def test_results_of_a_run_never_land_in_the_next_project(cocreate):  # noqa: F811
    from app.core.project.model import Project

    window, panel = cocreate
    (sid,) = run_suggest(panel, start_bar=0, bars=1, count=1, seed=45)
    late = replace(next(s for s in window.project.suggestions if s.id == sid), id="late-result")
    run = panel._live_run
    window.set_project(Project(name="Next song"))
    panel._result(late, run)  # what a result still queued from the old run would do
    assert window.project.suggestions == () and panel.cards == {}


def test_first_run_consent_then_train_then_retrain_after_a_revoke(qtbot, tmp_path):
    from app.core.catalogue.store import Catalogue
    from app.core.catalogue.types import ContributorShare
    from app.core.model import load_chorales

    window, panel = studio_with_panel(qtbot, tmp_path, None)
    try:
        with Catalogue.open(window.home.catalogue_path) as cat:
            ids = [cat.add_work(m, title=name, contributors=[ContributorShare("Ann", "composer", 10000)])
                   for name, m in load_chorales()[:6]]
        assert panel.check_ready().step == "consent" and panel.firstrun.demo_button.isHidden()
        with Catalogue.open(window.home.catalogue_path) as cat:
            cat.record_consent_many(ids, "grant")
        assert panel.check_ready().step == "train" and not panel.firstrun.train_button.isHidden()
        panel.firstrun.train_button.click()
        assert panel.state.ready and panel.model is not None and len(panel.model.works) == 6
        with Catalogue.open(window.home.catalogue_path) as cat:
            cat.record_consent(ids[0], "revoke")
        state = panel.check_ready()
        assert state.step == "retrain" and panel.model is None and panel.suggest() is None
        assert "Retrain" in panel.firstrun.train_button.text()
        panel.firstrun.train_button.click()
        assert panel.state.ready and len(panel.model.works) == 5
    finally:
        window.undo_stack.setClean()
        window.close()
