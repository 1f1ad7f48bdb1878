"""Preferences: one declared model over QSettings (round trip, bad values fall back), the dialog (audio,
MIDI, export, identity), Edit → Preferences…, and "reopen the last project" with a real saved project."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QKeySequence

from app.core.audio.engine import AudioEngine
from app.core.live.types import LiveError
from app.core.provenance.identity import create_identity
from app.ui import app as studio_app
from app.ui.dialogs.preferences import PreferencesDialog
from app.ui.preferences import BUFFER_SIZE, EXPORT_FORMAT, REOPEN_LAST, Preferences

from .studio_fixtures import make_window, studio, tones  # noqa: F401 — fixtures


def _settings(path: Path) -> QSettings:
    return QSettings(str(path), QSettings.Format.IniFormat)


def test_preferences_round_trip_through_the_ini_file(tmp_path):
    prefs = Preferences(_settings(tmp_path / "s.ini"))
    assert (prefs.buffer_size, prefs.export_format, prefs.reopen_last) == (256, "wav24", False)
    prefs.buffer_size, prefs.export_format, prefs.reopen_last = 1024, "flac", True
    prefs.audio_device, prefs.midi_input, prefs.export_folder = "USB Audio", "Keys In", str(tmp_path)
    prefs.sync()
    again = Preferences(_settings(tmp_path / "s.ini"))  # a fresh reader: values come from the file as text
    assert (again.buffer_size, again.export_format, again.reopen_last) == (1024, "flac", True)
    assert (again.audio_device, again.midi_input, again.export_folder) == ("USB Audio", "Keys In", str(tmp_path))


def test_an_invalid_stored_value_falls_back_to_its_default(tmp_path):
    (tmp_path / "s.ini").write_text("[audio]\nbuffer_size=lots\n[export]\nformat=wma\n"
                                    "[start]\nreopen_last_project=perhaps\n")
    prefs = Preferences(_settings(tmp_path / "s.ini"))
    assert prefs.buffer_size == BUFFER_SIZE.default
    assert prefs.export_format == EXPORT_FORMAT.default
    assert prefs.reopen_last is REOPEN_LAST.default
    with pytest.raises(ValueError):
        prefs.buffer_size = 300  # not an allowed size: refused at write time too


def test_dialog_writes_through_the_model_and_shows_the_identity(qtbot, tmp_path):
    keys = tmp_path / "keys"
    keys.mkdir()
    identity = create_identity(keys, "Mara Quinn")
    prefs = Preferences(_settings(tmp_path / "s.ini"))
    dialog = PreferencesDialog(prefs, keys, devices=lambda: [{"name": "Speakers"}, {"name": "USB Audio"}],
                               midi_ports=lambda: {"inputs": ["Keys In"], "outputs": ["Synth Out"]})
    qtbot.addWidget(dialog)
    assert "Mara Quinn" in dialog.identity.text() and identity.key_id[:16] in dialog.identity.text()
    assert not dialog.audio_note.isVisibleTo(dialog) and dialog.midi_available
    dialog.device.setCurrentIndex(dialog.device.findData("USB Audio"))
    dialog.buffer.setCurrentIndex(dialog.buffer.findData(512))
    dialog.midi_in.setCurrentIndex(dialog.midi_in.findData("Keys In"))
    dialog.midi_out.setCurrentIndex(dialog.midi_out.findData("Synth Out"))
    dialog.export_format.setCurrentIndex(dialog.export_format.findData("flac"))
    dialog.export_folder.setText(str(tmp_path / "out"))
    dialog.reopen_last.setChecked(True)
    dialog.accept()
    again = Preferences(_settings(tmp_path / "s.ini"))
    assert (again.audio_device, again.buffer_size, again.midi_input, again.midi_output) == \
        ("USB Audio", 512, "Keys In", "Synth Out")
    assert (again.export_format, again.export_folder, again.reopen_last) == ("flac", str(tmp_path / "out"), True)


def test_dialog_without_audio_or_midi_says_so_and_keeps_choices(qtbot, tmp_path):
    prefs = Preferences(_settings(tmp_path / "s.ini"))
    prefs.audio_device, prefs.midi_output = "Gone Device", "Gone Port"

    def no_midi():
        raise LiveError("no MIDI system", hint="start a JACK server")

    dialog = PreferencesDialog(prefs, tmp_path / "keys", devices=lambda: [], midi_ports=no_midi)
    qtbot.addWidget(dialog)
    assert dialog.audio_note.isVisibleTo(dialog) and "Playback is unavailable" in dialog.audio_note.text()
    assert not dialog.midi_available and dialog.midi_note.isVisibleTo(dialog)
    # the backend's own reason and what to do, as sentences (it was "here (ALSA … (start a … (on Linux: …)))")
    assert "here: no MIDI system. To get one: start a JACK server." in dialog.midi_note.text()
    assert not dialog.midi_out.isVisibleTo(dialog)
    assert "No signing identity yet" in dialog.identity.text()
    dialog.accept()
    assert (prefs.audio_device, prefs.midi_output) == ("Gone Device", "Gone Port")  # not lost


def test_edit_menu_opens_preferences(studio, monkeypatch):  # noqa: F811
    monkeypatch.setattr("app.ui.dialogs.preferences.real_midi_ports", lambda: {"inputs": [], "outputs": []})
    monkeypatch.setattr("app.ui.dialogs.preferences.real_output_devices", lambda: [])
    act = studio.act_preferences
    assert act in studio.menu("Edit").actions()
    platform_keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Preferences)
    assert act.shortcuts() == (platform_keys or [QKeySequence("Ctrl+,")])
    assert not act.shortcut().isEmpty()
    studio.context.prefs.buffer_size = 1024
    dialog = studio.show_preferences()
    assert dialog.isVisible() and dialog.buffer.currentData() == 1024
    dialog.accept()
    assert studio.engine.blocksize == 1024  # the output follows the new buffer size


def test_reopen_last_project_with_a_real_saved_project(qtbot, tmp_path, tones):  # noqa: F811
    first = make_window(qtbot, tmp_path)
    first.add_stem_files(tones[:1])
    first.runner.wait(20000)
    song = tmp_path / "songs" / "song.accord"
    song.parent.mkdir()
    assert first.documents.save_as(song)
    assert first.prefs.last_project == str(song.absolute())
    first.undo_stack.setClean()
    first.close()

    later = make_window(qtbot, tmp_path)  # same settings file
    assert not studio_app.reopen_last_project(later)  # the preference is off by default
    later.prefs.reopen_last = True
    assert studio_app.reopen_last_project(later)
    assert later.project.path == song.absolute() and len(later.project.stems) == 1
    later.undo_stack.setClean()
    later.close()


def test_reopen_last_is_quiet_when_the_project_is_gone(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    window.prefs.reopen_last = True
    window.prefs.last_project = str(tmp_path / "deleted.accord")
    assert not studio_app.reopen_last_project(window)
    assert window.project.path is None and window.dialogs.errors == []
    window.close()


def test_studio_started_without_a_project_reopens_the_last(qtbot, tmp_path, monkeypatch, tones):  # noqa: F811
    monkeypatch.setattr(AudioEngine, "open", lambda self: None)
    home = tmp_path / "home"
    args = studio_app.parse_args(["--home", str(home)])
    first = studio_app.Studio(args)
    assert first.start(fallback_ok=True) is None
    window = first.window
    qtbot.addWidget(window)
    window.prefs.reopen_last = True
    window.add_stem_files(tones[:1])
    window.runner.wait(20000)
    qtbot.waitUntil(lambda: len(window.project.stems) == 1, timeout=20000)
    assert window.documents.save_as(tmp_path / "mine.accord")
    window.settings.sync()
    window.close()

    second = studio_app.Studio(args)
    assert second.start(fallback_ok=True) is None
    qtbot.addWidget(second.window)
    assert second.window.project.path == (tmp_path / "mine.accord").absolute()
    second.window.undo_stack.setClean()
    second.window.close()


def test_the_declared_formats_are_the_export_dialogs(qtbot, tmp_path):
    from app.ui.dialogs.export_choices import FORMAT_CHOICES
    from app.ui.preferences import EXPORT_FORMATS

    assert EXPORT_FORMATS == tuple(key for key, _label in FORMAT_CHOICES)


def test_export_dialog_starts_from_the_preferred_folder_and_format(studio, tmp_path):  # noqa: F811
    from app.core.project.demo import ensure_demo_project
    from app.ui.dialogs.export import ExportDialog

    studio.documents.open_project(ensure_demo_project(studio.home), ask=False)
    studio.prefs.export_folder = str(tmp_path / "my exports")
    studio.prefs.export_format = "flac"
    studio.file_actions_dialog = dialog = ExportDialog(studio.project, studio.home, studio.runner, studio,
                                                       prefs=studio.prefs)
    assert dialog.format.currentData() == "flac"
    dest = Path(dialog.destination.text())
    assert dest.parent == tmp_path / "my exports" and dest.suffix == ".flac"
    dialog.reject()


@pytest.mark.parametrize("items", [[], ["/songs/a.accord"], ["/songs/a.accord", "/songs/b.accord"]])
def test_recent_projects_round_trip_whatever_their_number(tmp_path, items):
    prefs = Preferences(_settings(tmp_path / "s.ini"))
    prefs.recent_projects = items
    prefs.sync()
    again = Preferences(_settings(tmp_path / "s.ini"))
    assert again.recent_projects == items  # INI gives a lone string back for one item; the model mends it
    again.recent_projects.append("x")
    assert Preferences(_settings(tmp_path / "t.ini")).recent_projects == []  # the default is never shared


def test_the_dialog_is_tall_enough_for_its_notes(qtbot, tmp_path):
    """Without audio or MIDI two wrapped notes show: the dialog grows for them instead of squeezing its combo
    boxes to half their height and cutting the notes to one line (seen at 1366x768 under Xvfb)."""
    prefs = Preferences(_settings(tmp_path / "s.ini"))

    def no_midi():
        raise LiveError("ALSA MIDI is not available here (MidiInAlsa::initialize: error creating ALSA sequencer "
                        "client object.)", hint="start a JACK server, or check the MIDI system (on Linux: the "
                        "snd-seq module)")

    dialog = PreferencesDialog(prefs, tmp_path / "keys", devices=lambda: [], midi_ports=no_midi)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    for combo in (dialog.device, dialog.buffer, dialog.export_format):
        assert combo.height() >= combo.sizeHint().height(), (combo.height(), combo.sizeHint())
    for note in (dialog.audio_note, dialog.midi_note):
        assert note.height() >= note.heightForWidth(note.width()), (note.text(), note.height())
    assert "object.) To get one: start a JACK server" in dialog.midi_note.text()
