"""Hear in the Catalogue panel's "Melody from" box: the chosen part or transcription played alone through a real
AudioEngine (FakeStream: no device), on a real catalogue and real MIDI and audio files (pytest-qt, offscreen)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.core.audio.engine import AudioEngine, FakeStream
from app.core.audio.mix import MixState, TrackMix
from app.core.catalogue import Catalogue
from app.core.catalogue.importing import melody_source
from app.core.errors import PlaybackError
from app.ui.catalogue import hearing as hearing_module
from app.ui.catalogue.melody_choice import HEAR_TEXT, STOP_TEXT
from app.ui.catalogue.panel import CataloguePanel
from app.ui.workers import TaskRunner
from tests.helpers.catalogue_files import db_hash, sine_melody_wav, three_part_midi

RATE = 48000


def _engine(factory=FakeStream) -> AudioEngine:
    engine = AudioEngine(sample_rate=RATE, blocksize=512, stream_factory=factory)
    song = np.full((2, RATE * 4), 0.1, dtype=np.float32)
    song.flags.writeable = False
    engine.set_mix(MixState((TrackMix("song", song),)))
    return engine


def _panel(qtbot, path, engine):
    panel = CataloguePanel(path, TaskRunner(synchronous=True), confirm=lambda _t, _x: True, engine=engine)
    qtbot.addWidget(panel)
    return panel


def _work_shown(qtbot, path, work_id, engine):
    """The panel with the work selected, and its Melody from box."""
    panel = _panel(qtbot, path, engine)
    panel.select_work(work_id)
    return panel, panel.detail.melody_box


def _band(samples: np.ndarray, start_s: float, hz: float) -> float:
    """Spectral energy within 3 % of `hz` in 0.2 s of the preview from `start_s`."""
    x = samples[0, int(start_s * RATE):int((start_s + 0.2) * RATE)]
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    freqs = np.fft.rfftfreq(len(x), 1.0 / RATE)
    return float(spectrum[(freqs > hz * 0.97) & (freqs < hz * 1.03)].sum())


@pytest.fixture
def midi_work(tmp_path):
    path = tmp_path / "cat.sqlite"
    with Catalogue.open(path) as cat:
        (work,) = cat.import_files([three_part_midi(tmp_path / "song.mid")]).added
    return path, work.id


def test_hear_plays_the_melody_in_use_and_stop_fades_it(qtbot, midi_work):
    path, work_id = midi_work
    engine = _engine()
    panel, box = _work_shown(qtbot, path, work_id, engine)
    assert box.hear_button.isVisibleTo(panel) and box.hear_button.text() == HEAR_TEXT
    before = db_hash(path)
    box.hear_button.click()
    hearing = panel.melody_choice.hearing
    assert engine.previewing and box.hear_button.text() == STOP_TEXT
    assert "(the part in use)" in box.message.text() and "100 BPM" in box.message.text()
    # the tune in use starts on C5 (523 Hz) a beat (0.6 s at 100 BPM) into the preview, not the E4 line under it
    samples = hearing.preview.samples
    assert _band(samples, 0.65, 523.25) > 5 * _band(samples, 0.65, 329.63)
    assert engine.stream.pump(80)[int(0.6 * RATE):].any()  # the line sounds from its first note
    box.hear_button.click()  # Stop
    assert box.hear_button.text() == HEAR_TEXT
    engine.stream.pump(1)
    assert not engine.previewing and not engine.stream.pump(2).any()
    assert db_hash(path) == before  # hearing writes nothing


def test_hear_another_part_plays_that_part_and_pauses_the_song(qtbot, midi_work):
    path, work_id = midi_work
    engine = _engine()
    engine.play()
    panel, box = _work_shown(qtbot, path, work_id, engine)
    box.choices.setCurrentIndex(1)  # the second line, E4 F4 G4 F4 in quarters
    box.hear_button.click()
    assert not engine.transport.playing  # the song paused for the line
    samples = panel.melody_choice.hearing.preview.samples
    assert _band(samples, 0.65, 329.63) > 5 * _band(samples, 0.65, 523.25)
    assert "Hearing" in box.message.text() and "in use" not in box.message.text()
    box.choices.activated.emit(0)  # the artist picks another line: this one stops
    assert box.hear_button.text() == HEAR_TEXT
    engine.stream.pump(1)
    assert not engine.previewing


def test_stop_turns_back_into_hear_when_the_line_has_played_out(qtbot, midi_work):
    path, work_id = midi_work
    engine = _engine()
    panel, box = _work_shown(qtbot, path, work_id, engine)
    box.hear_button.click()
    preview = panel.melody_choice.hearing.preview
    engine.stream.pump(preview.frames // engine.blocksize + 2)
    qtbot.waitUntil(lambda: box.hear_button.text() == HEAR_TEXT, timeout=3000)
    assert preview.finished


def test_the_shortcut_toggles_hearing(qtbot, midi_work):
    path, work_id = midi_work
    engine = _engine()
    panel = _panel(qtbot, path, engine)
    panel.show()
    panel.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is panel)
    panel.select_work(work_id)
    panel.detail.melody_box.choices.setFocus()
    qtbot.keyClick(panel.detail.melody_box.choices, Qt.Key.Key_P, modifier=_ctrl_alt())
    assert engine.previewing
    qtbot.keyClick(panel.detail.melody_box.choices, Qt.Key.Key_P, modifier=_ctrl_alt())
    assert panel.detail.melody_box.hear_button.text() == HEAR_TEXT


def _ctrl_alt():
    return Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier


def test_without_an_output_hear_says_why_and_stays_hear(qtbot, midi_work):
    def no_device(*_args, **_kw):
        raise PlaybackError("no audio output device was found")

    path, work_id = midi_work
    panel = _panel(qtbot, path, _engine(no_device))
    panel.select_work(work_id)
    box = panel.detail.melody_box
    box.hear_button.click()
    assert "Cannot play: no audio output device was found" in box.message.text()
    assert "Preferences" in box.message.text()  # what to do about it
    assert box.hear_button.text() == HEAR_TEXT and box.hear_button.isEnabled()


def test_a_panel_outside_the_studio_has_no_hear_button(qtbot, midi_work):
    path, work_id = midi_work
    panel = _panel(qtbot, path, None)
    panel.select_work(work_id)
    assert not panel.detail.melody_box.hear_button.isVisibleTo(panel)
    assert not panel.detail.melody_box.with_song.isVisibleTo(panel)
    assert panel.melody_choice.hearing.hear() is None


def test_a_transcription_heard_is_not_run_again_when_it_is_used(qtbot, tmp_path, monkeypatch):
    path = tmp_path / "cat.sqlite"
    wav = sine_melody_wav(tmp_path / "lead.wav", [60, 64, 67, 72, 67, 64, 60] * 2)
    with Catalogue.open(path) as cat:
        (work,) = cat.import_files([wav]).added
    reads = []
    real = melody_source.read_candidate

    def counted(*args, **kw):
        reads.append(args[2].source)
        return real(*args, **kw)

    monkeypatch.setattr(melody_source, "read_candidate", counted)  # what Use This Part reads through
    monkeypatch.setattr(hearing_module, "read_candidate", counted)
    engine = _engine()
    panel = _panel(qtbot, path, engine)
    panel.select_work(work.id)
    box = panel.detail.melody_box
    other = next(i for i in range(box.choices.count()) if "in use" not in box.choices.itemText(i))
    box.choices.setCurrentIndex(other)
    source = box.chosen().source
    before = db_hash(path)
    box.hear_button.click()
    assert reads == [source] and engine.previewing and box.progress.isHidden()
    assert db_hash(path) == before
    box.use_button.click()
    assert reads == [source]  # the reading heard became the melody: the file was not transcribed twice
    assert not engine.previewing or engine.stream.pump(1) is not None
    with Catalogue.open(path) as cat:
        assert [c.source for c in melody_source.choices(cat, work.id)] == [source]


def test_a_transcription_is_heard_over_the_song_it_was_read_from(qtbot, tmp_path):
    """With the song (on by default for an audio work): the line on the grid it was put on, the bounce under it. A
    quiet 110 Hz drone under the bounce's melody is heard with the song, and not in the line alone."""
    import soundfile as sf

    wav = sine_melody_wav(tmp_path / "lead.wav", [60, 64, 67, 72, 67, 64, 60] * 2)
    y, rate = sf.read(wav, dtype="float32")
    sf.write(wav, y + 0.05 * np.sin(2 * np.pi * 110.0 * np.arange(y.size) / rate).astype(np.float32), rate)
    path = tmp_path / "cat.sqlite"
    with Catalogue.open(path) as cat:
        (work,) = cat.import_files([wav], transcriber="pyin").added
    engine = _engine()
    panel, box = _work_shown(qtbot, path, work.id, engine)
    assert box.with_song.isVisibleTo(panel) and box.with_song.isChecked()
    box.hear_button.click()
    assert "over the song" in box.message.text()
    with_song = panel.melody_choice.hearing.preview.samples
    box.with_song.setChecked(False)  # stops the line; Hear again plays it alone (the reading is kept)
    assert box.hear_button.text() == HEAR_TEXT
    box.hear_button.click()
    assert "over the song" not in box.message.text()
    alone = panel.melody_choice.hearing.preview.samples
    assert _band(with_song, 1.0, 110.0) > 20 * _band(alone, 1.0, 110.0)


def test_a_midi_part_has_no_song_to_be_heard_over(qtbot, midi_work):
    path, work_id = midi_work
    panel, box = _work_shown(qtbot, path, work_id, _engine())
    assert not box.with_song.isVisibleTo(panel)
