"""The Catalogue panel's "Melody from" box: which part or transcription a work's melody came from, and
picking another, on a real catalogue and real MIDI and audio files (pytest-qt, offscreen)."""

from __future__ import annotations

import pytest

from app.core.catalogue import Catalogue, ContributorShare
from app.core.catalogue.importing.melody_source import choices
from app.ui.catalogue.melody_choice import USE_TEXT
from app.ui.catalogue.panel import CataloguePanel
from app.ui.workers import TaskRunner
from tests.helpers.catalogue_files import db_hash, sine_melody_wav, three_part_midi

ANN = [ContributorShare("Ann", "composer", 10000)]


def _panel(qtbot, path, *, trained=frozenset(), synchronous=True):
    panel = CataloguePanel(path, TaskRunner(synchronous=synchronous), confirm=lambda _t, _x: True,
                           trained_work_ids=lambda: set(trained))
    qtbot.addWidget(panel)
    return panel


def _facts(panel) -> dict[str, str]:
    form = panel.detail.facts
    return {form.itemAt(r, form.ItemRole.LabelRole).widget().text():
            form.itemAt(r, form.ItemRole.FieldRole).widget().text() for r in range(form.rowCount())}


@pytest.fixture
def midi_work(tmp_path):
    path = tmp_path / "cat.sqlite"
    song = three_part_midi(tmp_path / "song.mid")
    with Catalogue.open(path) as cat:
        (work,) = cat.import_files([song]).added
        cat.set_contributors(work.id, ANN)
        cat.record_consent(work.id, "grant")
    return path, song, work.id


def test_the_box_lists_the_parts_and_the_artist_takes_another(qtbot, midi_work):
    path, _song, work_id = midi_work
    panel = _panel(qtbot, path, trained={work_id})
    panel.select_work(work_id)
    box = panel.detail.melody_box
    assert box.work_id == work_id and box.choices.count() == 3
    assert box.choices.currentIndex() == 0 and "in use" in box.choices.itemText(0)
    assert "bass part" in box.choices.itemText(2)
    assert not box.use_button.isEnabled()  # the part in use is not offered again
    assert box.use_button.text() == USE_TEXT
    box.choices.setCurrentIndex(1)
    assert box.use_button.isEnabled()
    with qtbot.waitSignal(panel.catalogueChanged, timeout=5000):
        box.use_button.click()
    facts = _facts(panel)
    assert facts["Notes"] == "16" and "track 2, channel 2" in facts["Melody"]
    assert "now comes from" in panel.status.text() and "next time it is updated" in panel.status.text()
    # listed again for the same work, the new part in use
    assert panel.detail.melody_box.choices.currentIndex() == 1
    assert "in use" in box.choices.itemText(1) and "in use" not in box.choices.itemText(0)
    assert box.progress.isHidden() and not box.use_button.isEnabled()
    with Catalogue.open(path) as cat:
        assert [c.source for c in choices(cat, work_id)] == ["midi:track=2:channel=2"]
        assert cat.audit().ok


def test_a_changed_file_says_why_no_other_part_can_be_read(qtbot, midi_work):
    path, song, work_id = midi_work
    song.write_bytes(song.read_bytes() + b"\x00")
    panel = _panel(qtbot, path)
    panel.select_work(work_id)
    box = panel.detail.melody_box
    assert box.choices.count() == 0 and not box.use_button.isEnabled()
    assert "gone or has changed" in box.message.text() and "put the original file back" not in panel.status.text()


def test_a_demo_work_shows_one_sentence_and_no_dead_controls(qtbot, tmp_path):
    # the demo catalogue's works showed "the file ... is gone ... put the original file back at that path"
    from app.core.home import AccordHome
    from app.core.project.demo_catalogue import ensure_demo_catalogue

    home = AccordHome.resolve(tmp_path / "home")
    ensure_demo_catalogue(home, works=3)
    song = three_part_midi(tmp_path / "song.mid")
    with Catalogue.open(home.catalogue_path) as cat:
        (midi,) = cat.import_files([song]).added
    panel = _panel(qtbot, home.catalogue_path)
    panel.show()
    box = panel.detail.melody_box
    panel.select_work(2)
    assert "demo work shipped with Accord" in box.message.text() and "gone" not in box.message.text()
    assert not box.choices.isVisible() and not box.use_button.isVisible() and not box.hear_button.isVisible()
    panel.select_work(midi.id)  # a MIDI work brings the list and the buttons back
    assert box.choices.isVisible() and box.choices.count() == 3 and box.use_button.isVisible()
    assert box.message.text() == ""


def test_no_work_selected_leaves_the_box_empty_and_disabled(qtbot, midi_work):
    path, _song, _work_id = midi_work
    panel = _panel(qtbot, path)
    assert panel.selected_work_id() is None
    assert not panel.detail.melody_box.isEnabled() and panel.detail.melody_box.choices.count() == 0


def test_cancelling_a_transcription_keeps_the_melody_the_work_had(qtbot, tmp_path):
    pytest.importorskip("onnxruntime")
    path = tmp_path / "cat.sqlite"
    wav = sine_melody_wav(tmp_path / "lead.wav", [60, 64, 67, 72, 67, 64, 60] * 6)
    with Catalogue.open(path) as cat:
        (work,) = cat.import_files([wav], transcriber="pyin").added
    before = db_hash(path)
    panel = _panel(qtbot, path)
    panel.select_work(work.id)
    box = panel.detail.melody_box
    assert [box.choices.itemData(i) for i in range(box.choices.count())] == [0, 1]
    assert "in use" in box.choices.itemText(1)  # imported with pYIN
    box.choices.setCurrentIndex(0)  # basic-pitch's lead line
    # Cancel as soon as the transcription reports progress, as an artist would on a long bounce
    box.progress.valueChanged.connect(lambda v: v > 0 and box.cancel_button.click())
    box.use_button.click()
    assert "Cancelled" in box.message.text() and "keeps the melody" in box.message.text()
    assert box.progress.isHidden() and box.use_button.isEnabled()
    assert db_hash(path) == before  # nothing written


def test_a_transcription_runs_on_the_worker_and_lands(qtbot, tmp_path):
    path = tmp_path / "cat.sqlite"
    wav = sine_melody_wav(tmp_path / "lead.wav", [60, 64, 67, 72, 67])
    with Catalogue.open(path) as cat:
        (work,) = cat.import_files([wav]).added
        default = cat.work(work.id).source_detail
    panel = _panel(qtbot, path, synchronous=False)
    panel.select_work(work.id)
    box = panel.detail.melody_box
    qtbot.waitUntil(lambda: box.choices.count() == 2, timeout=10000)
    other = next(i for i in range(2) if "in use" not in box.choices.itemText(i))
    box.choices.setCurrentIndex(other)
    with qtbot.waitSignal(panel.catalogueChanged, timeout=60000):
        box.use_button.click()
        assert not box.progress.isHidden() and not box.use_button.isEnabled()  # busy while the worker runs
    qtbot.waitUntil(lambda: box.choices.count() == 2 and "in use" in box.choices.itemText(other), timeout=10000)
    assert _facts(panel)["Melody"] != default
    # the new melody's grid was looked for with the analysis's ears (a lone line may or may not carry a beat)
    assert "the song's beat" in _facts(panel)["Melody"] or "no beat heard in the file" in _facts(panel)["Melody"]


def test_a_panel_closed_while_a_transcription_runs_takes_its_end_quietly(qtbot, tmp_path):
    path = tmp_path / "cat.sqlite"
    wav = sine_melody_wav(tmp_path / "lead.wav", [60, 64, 67, 72, 67] * 4)
    with Catalogue.open(path) as cat:
        (work,) = cat.import_files([wav]).added
    runner = TaskRunner(synchronous=False)
    panel = CataloguePanel(path, runner, confirm=lambda _t, _x: True)
    panel.select_work(work.id)
    box = panel.detail.melody_box
    qtbot.waitUntil(lambda: box.choices.count() == 2, timeout=10000)
    box.choices.setCurrentIndex(next(i for i in range(2) if "in use" not in box.choices.itemText(i)))
    handle = panel.melody_choice.use_chosen()
    assert handle is not None
    actions = panel.melody_choice
    panel.close_catalogue()
    panel.deleteLater()  # the studio closing its dock while the worker transcribes
    qtbot.waitUntil(lambda: handle.done, timeout=60000)
    qtbot.wait(200)  # the handle's last signals reach the GUI thread: no callback touches the deleted box
    assert actions.handle is None
    with Catalogue.open(path) as cat:  # the transcription that finished was still recorded
        assert [c.source.startswith("audio:") for c in choices(cat, work.id)] == [True]


def test_choosing_another_work_while_a_transcription_runs_shows_that_work_once_it_ends(qtbot, tmp_path):
    path = tmp_path / "cat.sqlite"
    wav = sine_melody_wav(tmp_path / "lead.wav", [60, 64, 67, 72, 67, 64, 60] * 6)
    song = three_part_midi(tmp_path / "song.mid")
    with Catalogue.open(path) as cat:
        audio_work, midi_work = cat.import_files([wav, song]).added
    panel = _panel(qtbot, path, synchronous=False)
    panel.select_work(audio_work.id)
    box = panel.detail.melody_box
    qtbot.waitUntil(lambda: box.choices.count() == 2, timeout=10000)
    box.choices.setCurrentIndex(next(i for i in range(2) if "in use" not in box.choices.itemText(i)))
    handle = panel.melody_choice.use_chosen()
    panel.select_work(midi_work.id)  # while the worker transcribes
    assert box.work_id == audio_work.id  # the box keeps the work being changed, with its progress and Cancel
    panel.melody_choice.cancel()
    qtbot.waitUntil(lambda: handle.done, timeout=60000)
    qtbot.waitUntil(lambda: box.work_id == midi_work.id and box.choices.count() == 3, timeout=10000)
    assert box.use_button.isEnabled() is False and "in use" in box.choices.itemText(0)


def test_a_bounce_imported_on_its_melodys_own_grid_is_read_again_on_the_songs_beat(qtbot, tmp_path):
    """An audio work imported by an older Accord (its grid from the melody's own onsets) is read again in one
    click: the transcription in use offers Read Again, a MIDI part in use does not."""
    pytest.importorskip("onnxruntime")
    import soundfile as sf

    from app.core.music import TimeSignature
    from app.ui.catalogue.melody_choice import READ_AGAIN_TEXT
    from tests.helpers.songs import make_song

    song = make_song(5, meter=TimeSignature(4, 4), seconds=10.0)
    wav = tmp_path / "bounce.wav"
    sf.write(wav, song.mix().T, song.sample_rate)
    path = tmp_path / "cat.sqlite"
    with Catalogue.open(path) as cat:
        (work,) = cat.import_files([wav]).added  # no beat finder: how an older Accord imported it
    panel = _panel(qtbot, path)
    panel.select_work(work.id)
    assert "tempo from the melody's notes" in _facts(panel)["Melody"]
    box = panel.detail.melody_box
    assert "in use" in box.choices.currentText() and box.use_button.text() == READ_AGAIN_TEXT
    assert box.use_button.isEnabled()
    box.use_button.click()
    assert "was read again from" in panel.status.text()
    assert "the song's beat" in _facts(panel)["Melody"]
    assert float(_facts(panel)["Tempo"].split()[0]) == pytest.approx(song.tempo_bpm, rel=0.005)
    with Catalogue.open(path) as cat:
        assert [c.source for c in choices(cat, work.id)] == ["audio:basic-pitch"]  # recorded like any choice


def test_a_midi_part_in_use_offers_no_read_again(qtbot, midi_work):
    path, _song, work_id = midi_work
    panel = _panel(qtbot, path)
    panel.select_work(work_id)
    box = panel.detail.melody_box
    assert "in use" in box.choices.currentText()
    assert box.use_button.text() == USE_TEXT and not box.use_button.isEnabled()
