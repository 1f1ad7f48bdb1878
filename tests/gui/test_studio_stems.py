"""Stems in the studio: drop files/folders (the real drop path), errors listed, mute + undo, mixer edits."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from app.ui.dialogs.messages import FileProblemsDialog

from . import studio_fixtures as fx
from .studio_fixtures import make_window, write_tone

studio, tones = fx.studio, fx.tones  # shared pytest fixtures

GARBAGE = b"this is not audio at all" * 50


def _drop(window, paths: list[Path]) -> None:
    """Send a real QDropEvent, as the window system does when files are dropped on the window."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(QPointF(300, 200), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)


def test_dropped_files_become_stems_with_lanes_and_mix(studio, tones):
    _drop(studio, tones)
    names = [s.name for s in studio.project.stems]
    assert names == ["kick", "bass", "keys"]
    assert set(studio.decoded) == {s.id for s in studio.project.stems}
    assert len(studio.stem_lanes.lanes) == 3
    assert [t.name for t in studio.engine.mix.tracks] == names
    assert studio.engine.mix.length_frames == int(0.8 * 48000)
    assert studio.timeline_view.time_scale.length == 0.8
    lane = studio.stem_lanes.lanes[studio.project.stems[0].id]
    assert lane.waveform.state == "ready" and lane.header.name.label.text() == "kick"
    studio.undo_stack.undo()  # one drop is one undo step
    assert studio.project.stems == [] and studio.engine.mix.tracks == ()
    studio.undo_stack.redo()
    assert [s.name for s in studio.project.stems] == names and len(studio.engine.mix.tracks) == 3


def test_mixed_drop_lists_the_garbage_file_and_loads_the_rest(studio, tones, tmp_path):
    bad = tmp_path / "stems" / "broken.wav"
    bad.write_bytes(GARBAGE)
    _drop(studio, [tones[0], bad, tones[1]])
    assert [s.name for s in studio.project.stems] == ["kick", "bass"]
    title, problems = studio.dialogs.reports[-1]
    assert [Path(p).name for p, _ in problems] == ["broken.wav"]
    assert problems[0][1]  # a reason is given
    dialog = studio.dialogs.last_report
    assert isinstance(dialog, FileProblemsDialog) and dialog.isVisible()  # shown, not blocking the test
    assert dialog.file_names() == ["broken.wav"]
    dialog.close()


def test_dropping_a_folder_loads_its_audio_files(studio, tones, tmp_path):
    (tmp_path / "stems" / "notes.txt").write_text("ignored: not audio")
    _drop(studio, [tmp_path / "stems"])
    assert sorted(s.name for s in studio.project.stems) == ["bass", "keys", "kick"]
    assert studio.dialogs.reports == []


def test_loading_runs_off_the_gui_thread_with_progress(qtbot, tmp_path, tones):
    window = make_window(qtbot, tmp_path, synchronous=False)
    progress = []
    window.status.progress.valueChanged.connect(progress.append)
    with qtbot.waitSignal(window.stems_loaded, timeout=20000) as blocker:
        batch = window.add_stem_files(tones)
        assert batch is not None and window.loading()
        assert window.status.progress.isVisible()
    assert len(blocker.args[0].loaded) == 3
    assert [s.name for s in window.project.stems] == ["kick", "bass", "keys"]  # the order given, not finish order
    assert progress and max(progress) == 1000
    assert not window.status.progress.isVisible()
    window.runner.wait()
    window.close()


def test_toggle_mute_then_undo(studio, tones, qtbot):
    studio.add_stem_files(tones[:2])
    kick = studio.project.stems[0]
    header = studio.stem_lanes.lanes[kick.id].header
    qtbot.mouseClick(header.mute, Qt.MouseButton.LeftButton)
    assert kick.mute and studio.engine.mix.track("kick").mute
    assert studio.engine.mix.audible == ("bass",)
    assert studio.act_undo.text() == "&Undo Mute stem" or "Mute stem" in studio.undo_stack.undoText()
    studio.undo_stack.undo()
    assert not kick.mute and not header.mute.isChecked()
    assert studio.engine.mix.audible == ("kick", "bass")
    studio.undo_stack.redo()
    assert kick.mute and header.mute.isChecked()


def test_solo_greys_out_the_other_lanes(studio, tones, qtbot):
    studio.add_stem_files(tones)
    kick, bass, keys = studio.project.stems
    qtbot.mouseClick(studio.stem_lanes.lanes[bass.id].header.solo, Qt.MouseButton.LeftButton)
    assert studio.engine.mix.audible == ("bass",)
    assert [studio.stem_lanes.lanes[s.id].waveform.audible for s in (kick, bass, keys)] == [False, True, False]


def test_a_slider_drag_is_one_undo_step(studio, tones):
    studio.add_stem_files(tones[:1])
    stem = studio.project.stems[0]
    header = studio.stem_lanes.lanes[stem.id].header
    depth = studio.undo_stack.count()
    for db in (-1.0, -2.5, -4.0, -6.0):
        header.gain_moved.emit(db, 42)  # what the slider emits while held down
    assert stem.gain_db == -6.0 and studio.undo_stack.count() == depth + 1
    assert abs(studio.engine.mix.track(stem.name).gain_db + 6.0) < 1e-9
    header.gain_moved.emit(-9.0, 43)  # a second drag
    assert studio.undo_stack.count() == depth + 2
    studio.undo_stack.undo()
    studio.undo_stack.undo()
    assert stem.gain_db == 0.0 and header.gain.value() == 0
    header.pan.setValue(-50)  # a click/keyboard step on the pan slider
    assert stem.pan == -0.5 and header.pan_label.text() == "L50"


def test_rename_and_remove_are_undoable(studio, tones):
    studio.add_stem_files(tones[:2])
    kick = studio.project.stems[0]
    header = studio.stem_lanes.lanes[kick.id].header
    header.name.start_editing()
    header.name.edit.setText("Kick drum")
    header.name.edit.editingFinished.emit()
    assert kick.name == "Kick drum" and header.name.label.text() == "Kick drum"
    header.remove_requested.emit()
    assert [s.name for s in studio.project.stems] == ["bass"] and len(studio.stem_lanes.lanes) == 1
    assert [t.name for t in studio.engine.mix.tracks] == ["bass"]
    studio.undo_stack.undo()
    assert [s.name for s in studio.project.stems] == ["Kick drum", "bass"]
    assert kick.id in studio.decoded and len(studio.engine.mix.tracks) == 2
    studio.undo_stack.undo()
    assert studio.project.stems[0].name == "kick"


def test_add_stems_menu_action_uses_the_same_path(studio, tones):
    studio.dialogs.audio = tones[1:]
    studio.documents.add_stems()
    assert [s.name for s in studio.project.stems] == ["bass", "keys"]


def test_extra_tracks_join_the_mix(studio, tones):
    import numpy as np

    from app.core.audio.mix import TrackMix

    studio.add_stem_files(tones[:1])
    seen = []
    studio.mix_changed.connect(seen.append)
    samples = np.zeros((2, 4800), np.float32)
    samples.flags.writeable = False
    studio.set_extra_tracks("suggestion", [TrackMix("suggestion", samples)])
    assert [t.name for t in studio.engine.mix.tracks] == ["kick", "suggestion"] and seen
    studio.set_extra_tracks("suggestion", [])
    assert [t.name for t in studio.engine.mix.tracks] == ["kick"]


def test_stereo_file_with_other_rate_is_resampled(studio, tmp_path):
    path = write_tone(tmp_path / "pad.wav", 220.0, 1.0, channels=2, rate=44100)
    studio.add_stem_files([path])
    assert studio.decoded[studio.project.stems[0].id].frames == 48000


def test_other_features_can_add_lanes_and_menus_and_docks(studio, tones):
    from PySide6.QtWidgets import QLabel

    assert studio.timeline_view.empty_hint.isVisible()
    studio.add_stem_files(tones[:2])
    assert not studio.timeline_view.empty_hint.isVisible()
    chord_lane = QLabel("chords")
    row = studio.timeline_view.add_lane(chord_lane, title="Chords")
    studio.add_stem_files(tones[2:])  # a new stem lane goes before the feature's lane
    rows = studio.timeline_view.lanes()
    assert rows[-1] is row and [r.content for r in rows[:3]] == [
        studio.stem_lanes.lanes[s.id].waveform for s in studio.project.stems]
    tools = studio.menu("Tools")
    assert studio.menu("&Tools") is tools and studio.menu("File") is studio.menu("&File")
    titles = [a.text().replace("&", "") for a in studio.menuBar().actions()]
    assert titles.index("Tools") == titles.index("Help") - 1
    dock = studio.add_dock("Analysis", QLabel("panel"))
    assert dock.toggleViewAction() in studio.menu("View").actions()
    studio.timeline_view.remove_lane(row)
    assert len(studio.timeline_view.lanes()) == 3


def test_cancelling_a_load_adds_nothing(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, synchronous=False)
    long_files = [write_tone(tmp_path / f"long{i}.wav", 110.0 * (i + 1), 8.0, channels=2, rate=44100)
                  for i in range(2)]
    with qtbot.waitSignal(window.stems_loaded, timeout=20000) as blocker:
        window.add_stem_files(long_files)
        window.status.cancel.click()
    assert blocker.args[0].cancelled
    window.runner.wait()
    qtbot.wait(50)  # results that arrive after the cancel are dropped
    assert window.project.stems == [] and window.decoded == {} and not window.loading()
    assert not window.status.progress.isVisible() and "cancelled" in window.status.currentMessage()
    window.close()
