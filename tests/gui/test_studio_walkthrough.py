"""What a musician met walking through the studio at 1366x768 with a DAW's 16-track export (LMMS demo songs:
"8_bassdrum_acoustic01.ogg", "13_snare_muffled02.ogg") and long track names:

- a long name ends in "…" before the lane's M/S buttons (it was cut mid-letter) and the tooltip holds it whole;
- the Analysis dock keeps its width with long names (its role labels and Lead box had pushed the Tap button,
  the ◀ ▶ nudges, "Use C major" and the role boxes out of the dock, which does not scroll sideways);
- a song without a tempo reads "— BPM" in the Analysis dock as in the transport bar (it read 120.00 BPM), and
  typing 120 into it sets the tempo (nothing happened: the box already held 120);
- Keep, then Undo: the piano roll shows the idea again (it closed), and Redo shows the track again.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication, QLabel

from app.core.project.cocreation.suggestion_edits import SUGGESTIONS, TRACKS, NoteTarget
from app.core.project.edits import RenameStem
from app.core.project.model import Project, StemRef
from app.ui.analysis.panel import AnalysisPanel
from app.ui.elided_label import ElidedLabel
from app.ui.panels import install_analysis
from app.ui.suggest.kinds import CardAction
from app.ui.theme import apply_theme
from app.ui.workers import TaskRunner
from tests.gui.studio_fixtures import studio, tones  # noqa: F401
from tests.gui.suggest_fixtures import cocreate, run_suggest, trained_home_template  # noqa: F401

LONG = "Lead Vocal Take 7 (comp, tuned) FINAL v3 – bounce 24bit 48k"
DOCK_WIDTH = 410  # the right-hand docks' width in the studio (Suggestions asks for it; Analysis is tabbed with it)


def _load(studio, paths, qtbot):  # noqa: F811
    with qtbot.waitSignal(studio.stems_loaded, timeout=10000):
        studio.add_stem_files(paths)


def test_a_long_stem_name_ends_in_an_ellipsis_before_the_mute_button(studio, tones, qtbot):  # noqa: F811
    _load(studio, tones, qtbot)
    stem = studio.project.stems[0]
    studio.push(RenameStem(stem.id, LONG))
    header = studio.stem_lanes.lanes[stem.id].header
    qtbot.wait(10)
    label = header.name.label
    assert isinstance(label, ElidedLabel)
    assert label.text() == LONG  # renaming starts from the whole name
    shown = label.shown_text()
    assert shown.endswith("…") and len(shown) < len(LONG)
    assert label.fontMetrics().horizontalAdvance(shown) <= label.contentsRect().width()
    assert header.name.geometry().right() < header.mute.geometry().left()
    assert label.toolTip().startswith(LONG) and "Double-click to rename" in label.toolTip()
    studio.set_compact_tracks(True)
    qtbot.wait(10)
    assert label.shown_text().endswith("…") and header.name.geometry().right() < header.mute.geometry().left()
    studio.set_compact_tracks(False)
    studio.push(RenameStem(stem.id, "kick"))
    assert label.shown_text() == "kick" and not label.toolTip().startswith(LONG)


def test_long_stem_names_keep_the_analysis_panel_inside_its_dock(qtbot):
    names = [LONG, "Bass DI + amp blend – verse & chorus (take 3)", "keys_Rhodes_MkII_stereo_bounce_24bit_48k",
             *[f"{i}_bassdrum_acoustic01.ogg" for i in range(4, 17)]]
    project = Project(stems=[StemRef(n, Path(f"/tmp/{i}.wav")) for i, n in enumerate(names)])
    # The studio's look, whatever test ran before in this process: unthemed, a push button is at least 80 px
    # wide and the Tempo row alone needs 433 px; this test passed or failed with the test order.
    apply_theme(QApplication.instance())
    panel = AnalysisPanel(project, lambda edit: None, TaskRunner(synchronous=True), stems_provider=lambda: [])
    qtbot.addWidget(panel)
    panel.refresh()
    room = DOCK_WIDTH - 20  # the dock's scroll bar
    assert panel.minimumSizeHint().width() <= room, panel.minimumSizeHint()
    panel.resize(room, 900)
    panel.show()
    qtbot.waitExposed(panel)
    role_names = [w for w in panel.roles_box.findChildren(QLabel) if w.text() in names]
    assert len(role_names) == len(names)
    for w in (panel.tap_button, panel.later, panel.runner_up_button.parentWidget(), *panel._role_combos.values()):
        right = w.mapTo(panel, w.rect().topRight()).x()
        assert right <= panel.width(), (w, right, panel.width())
    first = next(w for w in role_names if w.text() == LONG)
    assert first.shown_text().endswith("…") and first.toolTip().startswith(LONG)


def test_a_song_without_tempo_reads_a_dash_and_typing_120_sets_it(qtbot):
    project = Project(stems=[StemRef("drums", Path("/tmp/drums.wav"))])
    assert project.tempo_bpm is None
    pushed = []

    def push(edit):
        edit.apply(project)
        pushed.append(edit)

    panel = AnalysisPanel(project, push, TaskRunner(synchronous=True))
    qtbot.addWidget(panel)
    assert panel.bpm.text() == "— BPM"
    panel.bpm.setValue(120.0)  # what typing "120" and Enter does
    assert project.tempo_bpm == 120.0 and len(pushed) == 1
    panel.bpm.stepDown()  # 120 → 119: an ordinary step
    assert project.tempo_bpm == 119.0
    panel.bpm.setValue(20.0)
    panel.bpm.stepDown()  # under the lowest tempo: the box goes back to the song's tempo, nothing is pushed
    assert project.tempo_bpm == 20.0 and panel.bpm.value() == 20.0 and len(pushed) == 3


def test_undo_keep_brings_the_idea_back_into_the_piano_roll(cocreate):  # noqa: F811
    window, panel = cocreate
    panel.controls.play_first.setChecked(False)
    (sid,) = run_suggest(panel, start_bar=0, bars=1, count=1, seed=12)
    panel.audition_suggestion(sid)
    assert panel.lane.target.where == SUGGESTIONS and panel.lane.row is not None
    panel.card_action(CardAction.KEEP, sid)
    assert panel.lane.target.where == TRACKS
    window.undo_stack.undo()  # the track is gone: the idea it came from is shown again, not an empty roll
    assert panel.lane.row is not None and panel.lane.target == NoteTarget(SUGGESTIONS, sid)
    assert panel.lane.header.title.text().endswith(window.project.idea(sid).display_name)
    window.undo_stack.redo()  # kept again: shown as its track, as Keep itself does
    assert panel.lane.target.where == TRACKS
    assert panel.lane.header.title.text().startswith("Track: ")
    track = window.project.tracks[0]
    panel.track_action("remove", track.id)  # Remove track: the idea goes back to the list, and into the roll
    assert panel.lane.target == NoteTarget(SUGGESTIONS, sid)


class HeldRunner:
    """A runner whose task stays running until the test finishes it (as a long analysis does)."""

    class Handle:
        done = False

        def cancel(self) -> None:
            self.cancelled = True

    def __init__(self) -> None:
        self.calls: list[dict] = []

    def start(self, name, fn, **callbacks):  # noqa: ANN001, ANN003
        self.calls.append(callbacks)
        return self.Handle()


def _sixteen_stems() -> Project:
    return Project(stems=[StemRef(f"{i}_bassdrum_acoustic01.ogg", Path(f"/tmp/{i}.wav")) for i in range(1, 17)])


def test_the_running_analysis_stays_in_view_above_sixteen_roles(qtbot):
    runner = HeldRunner()
    panel = AnalysisPanel(_sixteen_stems(), lambda edit: None, runner, stems_provider=lambda: [])
    qtbot.addWidget(panel)
    panel.resize(DOCK_WIDTH - 20, 640)  # the dock at 1366x768
    panel.show()
    qtbot.waitExposed(panel)
    panel.progress.setVisible(True)  # what a run shows

    def top(w):  # noqa: ANN001, ANN202
        return w.mapTo(panel, w.rect().topLeft()).y()

    roles = top(panel.roles_box)
    for w in (panel.analyze_button, panel.cancel_button, panel.progress, panel.auto):
        assert top(w) + w.height() <= roles, (w.objectName() or w.text(), top(w), roles)
    assert top(panel.progress) + panel.progress.height() < 640


def test_the_chord_lane_says_the_stems_are_being_analysed(studio, qtbot):  # noqa: F811
    from app.ui.context import ANALYSIS, CHORD_LANE

    install_analysis(studio.context)
    panel, lane = studio.context.panels.get(ANALYSIS), studio.context.panels.get(CHORD_LANE)
    studio.push(__import__("app.core.project.edits", fromlist=["AddStems"]).AddStems(
        [StemRef("drums", Path("/tmp/drums.wav"))]))
    assert lane.hint_text().startswith("No chords yet")
    runner = HeldRunner()
    panel.runner, panel.stems_provider = runner, lambda: []
    panel.analyze()
    assert lane.hint_text().startswith("Analysing the stems")  # not "click to analyse" while it runs
    runner.calls[-1]["on_cancelled"]()
    assert lane.hint_text().startswith("No chords yet")
    panel.analyze()
    runner.calls[-1]["on_failed"](RuntimeError("no beat"))
    assert lane.hint_text().startswith("No chords yet") and "no beat" in panel.notes.text()


def test_dropped_files_say_they_are_loading_on_the_empty_timeline(qtbot, tmp_path, tones):  # noqa: F811
    from tests.gui.studio_fixtures import make_window

    window = make_window(qtbot, tmp_path, synchronous=False)
    hint = window.timeline_view.empty_hint
    asking = hint.text()
    with qtbot.waitSignal(window.stems_loaded, timeout=10000):
        window.add_stem_files(tones)
        assert hint.text().startswith("Loading 3 files") and hint.isVisible()  # not "Drop audio files…"
    assert hint.text() == asking and not hint.isVisible()
    window.undo_stack.setClean()
    window.close()


def test_a_suggestion_scrolls_the_piano_roll_into_view_under_many_stems(cocreate, qtbot):  # noqa: F811
    from app.core.project.edits import AddStems

    window, panel = cocreate
    pad = window.project.stems[0].path
    window.push(AddStems([StemRef(f"{i}_Default preset", pad) for i in range(2, 17)]))
    panel.controls.play_first.setChecked(False)
    (sid,) = run_suggest(panel, start_bar=0, bars=1, count=1, seed=12)
    panel.audition_suggestion(sid)
    row = panel.lane.row
    view = window.timeline_view
    qtbot.waitUntil(lambda: row.height() > 100 and row.visibleRegion().boundingRect().height() == row.height(),
                    timeout=3000)
    assert view.scroll.verticalScrollBar().value() > 0  # the lanes scrolled: the roll was under the fold


def test_disabled_and_checked_buttons_look_so(qtbot):
    from PySide6.QtWidgets import QPushButton

    from app.ui.theme import STYLESHEET

    def look(enabled: bool = True, checked: bool = False):  # noqa: ANN202
        b = QPushButton("Cancel")
        b.setStyleSheet(STYLESHEET.read_text(encoding="utf-8"))
        b.setCheckable(True)
        b.setChecked(checked)
        b.setEnabled(enabled)
        b.resize(120, 30)
        qtbot.addWidget(b)
        return b.grab().toImage()

    plain = look()
    assert plain != look(enabled=False)  # an idle Cancel looked clickable
    assert plain != look(checked=True)  # a card's ▶ Audition looked the same on as off


def test_deleting_an_ideas_notes_is_shown_as_a_hand_edit(cocreate):  # noqa: F811
    from app.core.project.cocreation.suggestion_edits import DeleteNote

    window, panel = cocreate
    panel.controls.play_first.setChecked(False)
    (sid,) = run_suggest(panel, start_bar=0, bars=1, count=1, seed=12)
    panel.audition_suggestion(sid)
    notes = window.project.idea(sid).melody.notes
    assert window.push(DeleteNote(NoteTarget(SUGGESTIONS, sid), 0))  # Del on one note
    detail = panel.lane.header.detail.text()
    assert detail == "1 deleted by hand", detail  # it read "As suggested"
    assert panel.cards[sid].title.text().endswith(f"· {len(notes) - 1} notes · 1 deleted")


def test_a_long_card_title_wraps_inside_the_dock(qtbot):
    from app.core.music import Melody, Note
    from app.core.project.cocreation.ideas import Idea
    from app.ui.suggest.card import SuggestionCard

    melody = Melody([Note(60 + i % 12, i * 0.25, 0.25, 90) for i in range(16)])
    idea = Idea(id="x", name="#12 Vary bars 121–124 (the second chorus, call and answer)", melody=melody,
                human_edited_notes=12, human_deleted_notes=15)  # 12 changed, 3 more of the model's removed
    card = SuggestionCard(idea)
    qtbot.addWidget(card)
    assert card.title.text().endswith("· 16 notes · 12 edited, 3 deleted")
    assert card.minimumSizeHint().width() <= DOCK_WIDTH - 70  # the dock, its scroll bars and margins


def test_the_idea_being_heard_is_scrolled_into_view_after_a_run(cocreate, qtbot):  # noqa: F811
    window, panel = cocreate
    panel.controls.play_first.setChecked(False)
    ids = run_suggest(panel, start_bar=0, bars=1, count=4, seed=12)
    assert panel.audition.active == ids[0]  # the run's first idea (#1) is heard; #2–#4 are listed above it
    card = panel.cards[ids[0]]

    def shown() -> bool:  # laid out (a card is ~190 px high) and wholly inside the cards' viewport
        top = card.mapTo(panel.scroll.viewport(), card.rect().topLeft()).y()
        return card.height() > 100 and 0 <= top and top + card.height() <= panel.scroll.viewport().height()

    qtbot.wait(300)  # the cards settle (a card passes through the top while the box is laid out)
    assert shown()
    panel.audition_suggestion(ids[-1])  # key 4: the newest, at the top
    card = panel.cards[ids[-1]]
    qtbot.wait(300)
    assert shown()



def test_every_dock_has_its_own_shortcut_in_the_view_menu(qtbot, tmp_path):
    from PySide6.QtWidgets import QDockWidget

    from app.ui.panels import install_panels
    from tests.gui.studio_fixtures import make_window

    window = make_window(qtbot, tmp_path)
    install_panels(window.context)
    docks = {d.windowTitle(): d for d in window.findChildren(QDockWidget)}
    keys = {title: d.toggleViewAction().shortcut().toString() for title, d in docks.items()}
    assert {"Analysis", "Suggestions", "Catalogue", "Live"} <= set(keys)
    assert all(keys.values()) and len(set(keys.values())) == len(keys), keys  # none missing, none shared
    assert {d.toggleViewAction() for d in docks.values()} <= set(window.menu("View").actions())
    window.undo_stack.setClean()
    window.close()
