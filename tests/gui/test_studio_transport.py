"""Transport in the studio: play on a fake stream moves the playhead; Space/Home/L; click-to-seek; meter."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from app.core.audio.engine import AudioEngine
from app.core.errors import PlaybackError
from app.core.home import AccordHome
from app.core.project.edits import SetProjectField
from app.ui.shell.main_window import MainWindow
from app.ui.workers import TaskRunner

from . import studio_fixtures as fx
from .studio_fixtures import ScriptedDialogs

studio, tones = fx.studio, fx.tones  # shared pytest fixtures


def _focus(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow(), timeout=3000)


def test_play_with_a_fake_stream_moves_the_playhead(studio, tones):
    studio.add_stem_files(tones)
    studio.transport_bar.act_play.trigger()
    assert studio.engine.transport.playing
    studio.engine.stream.pump(40)  # 40 blocks of 256 frames: 0.213 s
    studio.playback.tick()
    expected = 40 * 256 / 48000
    assert studio.engine.transport.position_seconds == pytest.approx(expected)
    assert studio.timeline_view.playhead.position == pytest.approx(expected)
    assert studio.timeline_view.ruler.position == pytest.approx(expected)
    assert studio.transport_bar.act_play.text() == "Pause"
    assert studio.transport_bar.position_label.text() == "00:00.213"
    assert max(studio.transport_bar.meter.levels) > -12  # the tones are at -6 dBFS
    studio.transport_bar.act_stop.trigger()
    assert not studio.engine.transport.playing and studio.timeline_view.playhead.position == 0.0


def test_the_playhead_timer_follows_playback_by_itself(studio, tones, qtbot):
    studio.add_stem_files(tones)
    studio.playback.toggle_play()
    studio.engine.stream.pump(20)
    qtbot.waitUntil(lambda: studio.timeline_view.playhead.position > 0.1, timeout=2000)


def test_space_home_and_l_shortcuts(studio, tones, qtbot):
    studio.add_stem_files(tones)
    _focus(qtbot, studio)
    qtbot.keyClick(studio, Qt.Key.Key_Space)
    assert studio.engine.transport.playing
    studio.engine.stream.pump(30)
    qtbot.keyClick(studio, Qt.Key.Key_Space)
    assert not studio.engine.transport.playing
    assert studio.engine.transport.position_seconds > 0.1
    qtbot.keyClick(studio, Qt.Key.Key_Home)
    assert studio.engine.transport.position_seconds == 0.0
    qtbot.keyClick(studio, Qt.Key.Key_L)
    assert studio.project.loop_enabled and studio.project.loop is not None
    assert studio.engine.transport.loop_enabled and studio.transport_bar.act_loop.isChecked()
    assert studio.project.loop.end == pytest.approx(0.8)  # no tempo: the whole song
    qtbot.keyClick(studio, Qt.Key.Key_L)
    assert not studio.project.loop_enabled and not studio.engine.transport.loop_enabled
    studio.undo_stack.undo()  # loop changes are edits of the song, so they undo
    assert studio.engine.transport.loop_enabled


def test_space_while_renaming_types_a_space_instead(studio, tones, qtbot):
    studio.add_stem_files(tones[:1])
    _focus(qtbot, studio)
    name = studio.stem_lanes.lanes[studio.project.stems[0].id].header.name
    name.start_editing()
    qtbot.keyClicks(name.edit, "big kick")
    qtbot.keyClick(name.edit, Qt.Key.Key_Return)
    assert studio.project.stems[0].name == "big kick"
    assert not studio.engine.transport.playing


def test_loop_wraps_playback(studio, tones):
    studio.add_stem_files(tones)
    studio.set_loop_region(0.1, 0.2)
    studio.engine.seek(0.1)
    studio.playback.toggle_play()
    studio.engine.stream.pump(60)  # 0.32 s of blocks: more than three times the loop
    studio.playback.tick()
    assert 0.1 <= studio.engine.transport.position_seconds < 0.2
    assert studio.timeline_view.ruler.loop == (0.1, 0.2)


def test_click_on_the_ruler_seeks(studio, tones, qtbot):
    studio.add_stem_files(tones)
    ruler = studio.timeline_view.ruler
    x = int(ruler.width() * 0.5)
    qtbot.mouseClick(ruler, Qt.MouseButton.LeftButton, pos=QPoint(x, 10))
    expected = studio.timeline_view.time_scale.seconds_at(x)
    assert 0 < expected < 0.8
    assert studio.engine.transport.position_seconds == pytest.approx(expected, abs=1e-4)
    assert studio.timeline_view.playhead.position == pytest.approx(expected, abs=1e-4)


def test_click_on_a_waveform_seeks(studio, tones, qtbot):
    studio.add_stem_files(tones)
    wave = studio.stem_lanes.lanes[studio.project.stems[1].id].waveform
    qtbot.mouseClick(wave, Qt.MouseButton.LeftButton, pos=QPoint(100, 20))
    assert studio.engine.transport.position_seconds == pytest.approx(
        studio.timeline_view.time_scale.seconds_at(100), abs=1e-4)


def test_bar_ruler_and_position_once_a_tempo_is_known(studio, tones):
    studio.add_stem_files(tones)
    assert studio.timeline_view.time_scale.grid is None
    studio.push(SetProjectField("tempo_bpm", 120.0))
    assert studio.timeline_view.time_scale.grid.tempo_bpm == 120.0
    assert studio.transport_bar.tempo_label.text().startswith("120 BPM")
    studio.playback.seek(0.5 + 0.125)  # 120 BPM: beat 2, second sixteenth of bar 1
    assert studio.transport_bar.position_label.text().strip() == "1.2.2"
    studio.undo_stack.undo()
    assert studio.timeline_view.time_scale.grid is None


def test_master_gain_fader_is_an_undoable_edit(studio, tones):
    studio.add_stem_files(tones[:1])
    studio.transport_bar.master_gain.setValue(-60)
    assert studio.project.master_gain_db == -6.0 and studio.engine.mix.master_gain_db == -6.0
    studio.undo_stack.undo()
    assert studio.project.master_gain_db == 0.0 and studio.transport_bar.master_gain.value() == 0


def test_studio_opens_without_playback_and_says_why(qtbot, tmp_path, tones):
    def no_device(*_a, **_k):
        raise PlaybackError("no audio output device found")

    engine = AudioEngine(stream_factory=no_device)
    with pytest.raises(PlaybackError):
        engine.open()
    window = MainWindow(home=AccordHome.resolve(tmp_path / "h"), engine=engine, runner=TaskRunner(synchronous=True),
                        dialogs=ScriptedDialogs())
    qtbot.addWidget(window)
    window.show()
    assert window.status.playback_label.text() == "Playback unavailable: no audio output device found"
    window.add_stem_files(tones)
    assert len(window.project.stems) == 3  # everything else works
    window.playback.toggle_play()
    # Play says what to do, not the label on the right again
    message = window.status.currentMessage()
    assert message.startswith("Cannot play: no audio output device found.") and "Reconnect Audio Output" in message
    window.close()


def test_a_device_lost_while_playing_is_reported_and_can_be_reconnected(studio, tones, qtbot):
    studio.add_stem_files(tones)
    studio.playback.toggle_play()
    studio.engine.stream.fail()  # the device goes away
    studio.playback.tick()
    qtbot.waitUntil(lambda: "Playback unavailable" in studio.status.playback_label.text(), timeout=2000)
    assert not studio.engine.transport.playing
    assert studio.reconnect_audio()
    assert studio.status.playback_label.text() == "48 kHz · 256 frames"
    studio.playback.toggle_play()
    studio.engine.stream.pump(5)
    assert studio.engine.transport.playing
