"""The Song menu: the Analysis panel's gestures by key from anywhere in the window (tap, halve, double, the
runner-up key, bar 1), each undoable and enabled only when its button is; and a compound meter's felt beat."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.core.analysis import SongAnalysis
from app.core.music import BeatGrid, ChordTimeline, Key, TimeSignature
from app.core.project.analysis_edits import NUDGE_STEP_SECONDS, SetTempo, SetTimeSignature, apply_analysis
from app.ui.analysis.texts import beats_as_texts, felt_beat_text, tempo_runner_up_texts
from app.ui.context import ANALYSIS
from app.ui.dialogs.help import shortcut_rows
from tests.gui.studio_fixtures import studio  # noqa: F401 — the fixture

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


G_MAJOR = Key(7, "major")


def _analysis(runner_up: Key | None = G_MAJOR, tempo_runner_up: float = 0.0) -> SongAnalysis:
    return SongAnalysis(grid=BeatGrid(tempo_bpm=120.0, time_signature=TimeSignature(4, 4), offset_seconds=0.0),
                        tempo_determined=True, tempo_confidence=0.9, key=Key(4, "minor"), key_confidence=0.7,
                        key_sections=(), chords=ChordTimeline.from_symbols(["Em", "C"], quarters_each=4),
                        melody=None, lead=None, roles={}, role_sources={}, stems=(), duration_seconds=8.0,
                        key_runner_up=runner_up, key_runner_up_confidence=0.2 if runner_up else 0.0,
                        tempo_fit_bpm=120.0, tempo_runner_up_bpm=tempo_runner_up)


def _song_actions(window, analysis: SongAnalysis):  # noqa: ANN001, ANN202
    panel = window.context.panels.ensure(ANALYSIS)
    window.push(apply_analysis(window.project, analysis))
    return panel, panel.song_actions


def test_keys_halve_double_switch_key_and_move_bar_one_from_the_timeline_each_undoable(studio, qtbot):  # noqa: F811
    panel, actions = _song_actions(studio, _analysis())
    view = studio.timeline_view
    view.setFocus()
    steps = studio.undo_stack.count()
    qtbot.keyClick(view, Qt.Key.Key_Up, CTRL_SHIFT)
    assert studio.project.tempo_bpm == 240.0 and panel.bpm.value() == 240.0
    assert studio.project.chords.spans[1].start == 8.0  # C stays where it sounds: bar 3 at twice the tempo
    qtbot.keyClick(view, Qt.Key.Key_Down, CTRL_SHIFT)
    qtbot.keyClick(view, Qt.Key.Key_Down, CTRL_SHIFT)
    assert studio.project.tempo_bpm == 60.0
    qtbot.keyClick(view, Qt.Key.Key_K, CTRL_SHIFT)
    assert studio.project.key == Key(7, "major")
    assert actions.runner_up.text() == "Use E minor"  # the same key goes back to what was heard
    qtbot.keyClick(view, Qt.Key.Key_Right, CTRL_SHIFT)
    assert studio.project.downbeat_offset == pytest.approx(NUDGE_STEP_SECONDS)
    assert studio.undo_stack.count() == steps + 5
    for _ in range(5):
        studio.undo_stack.undo()
    assert studio.project.tempo_bpm == 120.0 and studio.project.key == Key(4, "minor")
    assert studio.project.downbeat_offset == 0.0


def test_each_action_is_enabled_as_its_button(studio):  # noqa: F811
    panel, actions = _song_actions(studio, _analysis(runner_up=None))
    assert not actions.runner_up.isEnabled() and actions.runner_up.text() == "Use the &Runner-up Key"
    assert actions.halve.isEnabled() and actions.double.isEnabled()
    studio.push(SetTempo(300.0))  # 600 is past the tempo range
    assert not actions.double.isEnabled() and not panel.double_button.isEnabled() and actions.halve.isEnabled()
    before = studio.undo_stack.count()
    actions.double.trigger()  # a disabled action does nothing
    assert studio.project.tempo_bpm == 300.0 and studio.undo_stack.count() == before
    assert not actions.analyse.isEnabled()  # no stems to analyse


def test_the_runner_up_action_names_its_key_and_the_menu_lists_the_keys(studio):  # noqa: F811
    _panel, actions = _song_actions(studio, _analysis())
    assert actions.runner_up.isEnabled() and actions.runner_up.text() == "Use G major"
    rows = dict(shortcut_rows(studio))
    assert rows["Double Tempo"] == "Ctrl+Shift+Up" and rows["Tap Tempo"] == "Ctrl+T"
    menu = studio.menu("&Song")
    assert [a.text() for a in menu.actions() if not a.isSeparator()][:5] == [
        "&Analyse Stems", "Re-read the Key and &Chords on This Grid", "&Tap Tempo", "&Halve Tempo", "&Double Tempo"]
    assert rows["Re-read the Key and Chords on This Grid"] == "Ctrl+Shift+R"


def test_tap_by_key_sets_the_tempo_from_the_taps(studio, qtbot):  # noqa: F811
    panel, actions = _song_actions(studio, _analysis())
    assert panel.tap(10.0) is None
    actions.tap.trigger()  # "now" is far from 10.0: a new tap sequence, no tempo yet
    assert studio.project.tempo_bpm == 120.0
    assert panel.tap(100.0) is None and panel.tap(100.5) == pytest.approx(120.0)
    assert panel.tap(101.0) == pytest.approx(120.0)


def test_a_compound_meter_says_its_felt_beat(studio):  # noqa: F811
    panel, _actions = _song_actions(studio, _analysis())
    assert panel.felt_beat.text() == ""
    studio.push(SetTimeSignature(TimeSignature(6, 8)))
    studio.push(SetTempo(177.0))
    assert panel.felt_beat.text() == "beat: dotted quarter = 118/min (2 a bar)"
    studio.undo_stack.undo()
    studio.undo_stack.undo()
    assert panel.felt_beat.text() == ""


def test_a_6_8_reading_is_written_as_4_4_in_triplets_by_one_click_and_back_by_undo(studio):  # noqa: F811
    panel, actions = _song_actions(studio, _analysis())
    assert panel.beats_as_button.text() == "As 12/8" and actions.beats_as.text() == "&Write the Same Beats as 12/8"
    studio.push(SetTimeSignature(TimeSignature(6, 8)))  # JazzRock: 4/4 at 118 with triplets, heard as 6/8 at 177
    studio.push(SetTempo(177.0))
    second = studio.project.beat_grid().seconds(studio.project.chords.spans[1].start)
    assert panel.beats_as_button.text() == "As 4/4" and actions.beats_as.isEnabled()
    assert "two 6/8 bars make one 4/4 bar" in panel.beats_as_button.toolTip()
    steps = studio.undo_stack.count()
    panel.beats_as_button.click()
    p = studio.project
    assert str(p.time_signature) == "4/4" and p.tempo_bpm == pytest.approx(118.0) and panel.felt_beat.text() == ""
    assert p.beat_grid().seconds(p.chords.spans[1].start) == pytest.approx(second)  # the chord stays on the audio
    assert studio.undo_stack.count() == steps + 1
    studio.undo_stack.undo()
    assert str(studio.project.time_signature) == "6/8" and studio.project.tempo_bpm == 177.0
    actions.beats_as.trigger()  # the menu item does the same
    assert str(studio.project.time_signature) == "4/4"
    studio.push(SetTimeSignature(TimeSignature(5, 4)))
    assert panel.beats_as_button.isHidden() and not actions.beats_as.isEnabled()


def test_the_triplet_feel_box_and_its_menu_item_set_the_songs_feel_undoably(studio):  # noqa: F811
    """Heard straight (a swung bass over straight drums can read either way): one click says the song swings, the
    Suggestions' "Song's feel" follows it, and undo takes it back; a compound meter has no such box."""
    from app.core.project.analysis_edits import stored_analysis
    from app.core.project.cocreation.cocreate import song_context

    panel, actions = _song_actions(studio, _analysis())
    assert panel.triplet_feel.isVisibleTo(panel) and not panel.triplet_feel.isChecked()
    assert actions.triplet_feel.isEnabled() and not actions.triplet_feel.isChecked()
    steps = studio.undo_stack.count()
    panel.triplet_feel.click()
    assert stored_analysis(studio.project).triplet_feel and song_context(studio.project).triplet_feel
    assert actions.triplet_feel.isChecked() and studio.undo_stack.count() == steps + 1
    studio.undo_stack.undo()
    assert not stored_analysis(studio.project).triplet_feel and not panel.triplet_feel.isChecked()
    actions.triplet_feel.trigger()  # the Song menu's item does the same
    assert stored_analysis(studio.project).triplet_feel and panel.triplet_feel.isChecked()
    studio.push(SetTimeSignature(TimeSignature(12, 8)))
    assert panel.triplet_feel.isHidden() and not actions.triplet_feel.isEnabled()


def test_the_runner_up_tempo_is_one_click_or_one_key_away_and_the_first_reading_becomes_the_runner_up(studio, qtbot):  # noqa: F811,E501
    panel, actions = _song_actions(studio, _analysis(tempo_runner_up=60.0))  # PopBallad: 144 heard, 72 notated
    assert panel.tempo_runner_up_button.text() == "Use 60" and "(half of 120)" in panel.tempo_runner_up_button.toolTip()
    assert actions.tempo_runner_up.isEnabled() and actions.tempo_runner_up.text() == "Use 60 BPM"
    second = studio.project.beat_grid().seconds(studio.project.chords.spans[1].start)
    view = studio.timeline_view
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_T, CTRL_SHIFT)
    p = studio.project
    assert p.tempo_bpm == 60.0 and p.beat_grid().seconds(p.chords.spans[1].start) == pytest.approx(second)
    assert panel.tempo_runner_up_button.text() == "Use 120"  # the reading heard first is now the other one
    panel.tempo_runner_up_button.click()
    assert studio.project.tempo_bpm == 120.0
    studio.undo_stack.undo()
    studio.undo_stack.undo()
    assert studio.project.tempo_bpm == 120.0 and panel.tempo_runner_up_button.text() == "Use 60"
    _song_actions(studio, _analysis())  # no runner-up heard: nothing offered
    assert panel.tempo_runner_up_button.isHidden() and not actions.tempo_runner_up.isEnabled()


@pytest.mark.parametrize("other, shown, text, word", [
    (72.0, 144.0, "Use 72", "half of 144"), (134.0, 89.33, "Use 134", "3:2 of 89.33"),
    (128.0, 170.67, "Use 128", "3:4 of 170.7"), (100.0, 90.0, "Use 100", "×1.11 of 90"),
])
def test_tempo_runner_up_texts(other, shown, text, word):
    got = tempo_runner_up_texts(_analysis(tempo_runner_up=other), shown)
    assert got is not None and got[0] == text and f"({word})" in got[1] and got[2] == pytest.approx(other / shown)
    assert tempo_runner_up_texts(_analysis(tempo_runner_up=other), other * 1.02) is None  # the tempo shown
    assert tempo_runner_up_texts(_analysis(), shown) is None and tempo_runner_up_texts(None, shown) is None


@pytest.mark.parametrize("bpm, meter, text, enabled", [
    (177.0, TimeSignature(6, 8), "As 4/4", True), (180.0, TimeSignature(12, 8), "As 4/4", True),
    (90.0, TimeSignature(9, 8), "As 3/4", True), (80.0, TimeSignature(4, 4), "As 12/8", True),
    (300.0, TimeSignature(4, 4), "As 12/8", False),  # 450 quarter notes a minute is past the tempo range
])
def test_beats_as_texts(bpm, meter, text, enabled):
    got = beats_as_texts(bpm, meter)
    assert got is not None and got[0] == text and got[2] is enabled
    assert beats_as_texts(None, meter) is None and beats_as_texts(120.0, TimeSignature(7, 8)) is None


@pytest.mark.parametrize("bpm, meter, text", [
    (177.0, TimeSignature(6, 8), "beat: dotted quarter = 118/min (2 a bar)"),
    (180.0, TimeSignature(12, 8), "beat: dotted quarter = 120/min (4 a bar)"),
    (100.0, TimeSignature(9, 8), "beat: dotted quarter = 66.67/min (3 a bar)"),
    (120.0, TimeSignature(3, 4), ""),
    (120.0, TimeSignature(3, 8), ""),  # one beat a bar: counted in eighths, not compound
    (None, TimeSignature(6, 8), ""),
])
def test_felt_beat_text(bpm, meter, text):
    assert felt_beat_text(bpm, meter) == text


def test_no_two_window_wide_actions_share_a_key(studio):  # noqa: F811
    """Two window-wide actions on one key make Qt fire neither ("ambiguous shortcut"): every panel built, each
    key belongs to one action (a piano roll's own keys, active only while it has focus, are not window-wide)."""
    from PySide6.QtGui import QAction

    from app.ui.panels import INSTALLERS

    for key, _install in INSTALLERS:
        studio.context.panels.ensure(key)
    owners: dict[str, list[str]] = {}
    for action in studio.findChildren(QAction):
        if action.shortcutContext() == Qt.ShortcutContext.WidgetShortcut:
            continue
        for seq in action.shortcuts():
            if not seq.isEmpty():
                owners.setdefault(seq.toString(), []).append(action.text())
    assert "Ctrl+Shift+Up" in owners and "Ctrl+T" in owners
    shared = {k: v for k, v in owners.items() if len(v) > 1}
    assert not shared, shared


CTRL_ALT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier


def test_bar_one_moves_by_a_beat_or_the_grid_by_half_a_beat_by_key_or_click_each_undoable(studio, qtbot):  # noqa: F811
    panel, actions = _song_actions(studio, _analysis())
    view = studio.timeline_view
    view.setFocus()
    steps = studio.undo_stack.count()
    second = studio.project.beat_grid().seconds(studio.project.chords.spans[1].start)  # C at 2.0 s
    qtbot.keyClick(view, Qt.Key.Key_Right, CTRL_ALT)  # the "1" heard was the band's "4": bar 1 a beat later
    p = studio.project
    assert p.downbeat_offset == pytest.approx(0.5) and panel.downbeat.text() == "0.500 s"
    assert p.beat_grid().seconds(p.chords.spans[1].start) == pytest.approx(second)  # C stays where it sounds
    qtbot.keyClick(view, Qt.Key.Key_H, CTRL_ALT)  # every beat onto the "and"
    assert studio.project.downbeat_offset == pytest.approx(0.75)
    panel.beat_earlier.click()
    assert studio.project.downbeat_offset == pytest.approx(0.25)
    actions.beat_earlier.trigger()  # before the audio's start: the same downbeat a bar on (0.25 - 0.5 + 2.0)
    assert studio.project.downbeat_offset == pytest.approx(1.75)
    assert studio.undo_stack.count() == steps + 4
    assert studio.undo_stack.undoText() == "Move bar 1 a beat earlier"
    for _ in range(4):
        studio.undo_stack.undo()
    assert studio.project.downbeat_offset == 0.0
    assert studio.project.beat_grid().seconds(studio.project.chords.spans[1].start) == pytest.approx(second)
    assert [a.text() for a in studio.menu("&Song").actions() if not a.isSeparator()][-3:] == [
        "Move Bar 1 a &Beat Earlier", "&Move Bar 1 a Beat Later", "Move the &Grid Half a Beat Later"]


def test_the_beat_moves_need_a_tempo(studio):  # noqa: F811
    from app.core.project.edits import SetProjectField

    panel = studio.context.panels.ensure(ANALYSIS)
    actions = panel.song_actions
    studio.push(SetProjectField("tempo_bpm", None))  # a new song: no beat to move by
    assert not panel.half_beat.isEnabled() and not panel.beat_later.isEnabled()
    assert not actions.half_beat.isEnabled() and not actions.beat_earlier.isEnabled()
    studio.push(SetTempo(100.0))
    assert panel.half_beat.isEnabled() and actions.beat_later.isEnabled() and actions.beat_earlier.isEnabled()
    studio.push(SetTimeSignature(TimeSignature(6, 8)))  # a beat of three eighths: the grid moves by one
    assert panel.half_beat.text() == "⅓ Beat" and actions.half_beat.text() == "Move the &Grid a Third of a Beat Later"
    before = studio.project.downbeat_offset
    actions.half_beat.trigger()
    assert studio.project.downbeat_offset == pytest.approx(before + 0.5 * 60.0 / 100.0)
    assert studio.undo_stack.undoText() == "Move bar 1 a third of a beat later"
