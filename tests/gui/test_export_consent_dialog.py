"""The export dialog's preview is what will be signed; a revoked work is named with a way out; names and
destinations a musician expects (offscreen, real catalogue, real files and signatures)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import mido
import pytest

from app.core.catalogue import Catalogue
from app.core.home import AccordHome
from app.core.provenance.identity import TrustList, create_identity
from app.core.provenance.verify import VERIFIED, verify_file
from app.ui.dialogs.export import ExportDialog
from app.ui.dialogs.export_choices import default_export_folder
from app.ui.workers import TaskRunner
from tests.helpers.provenance import consented_catalogue, make_project


@pytest.fixture
def home():
    h = AccordHome.resolve()
    consented_catalogue(h.catalogue_path).close()
    return h


def _dialog(qtbot, project, home):
    d = ExportDialog(project, home, TaskRunner(synchronous=True))
    qtbot.addWidget(d)
    return d


def _choose(combo, key):
    combo.setCurrentIndex(combo.findData(key))


def test_preview_names_the_real_signer(qtbot, tmp_path, home):
    create_identity(home.keys_dir, "Mara Velez")
    dialog = _dialog(qtbot, make_project(tmp_path / "song"), home)
    assert dialog.signer_name is None  # a confirmed identity: no question
    assert "signed by Mara Velez" in dialog.preview_heading.text()
    text = dialog.preview.toPlainText()
    assert "(your identity)" not in text and "signed by Mara Velez (Ed25519)" in text


def test_preview_follows_the_typed_signer_on_first_export(qtbot, tmp_path, home):
    dialog = _dialog(qtbot, make_project(tmp_path / "song"), home)
    dialog.signer_name.setText("Ode Quist")
    assert "signed by Ode Quist" in dialog.preview_heading.text()
    assert "signed by Ode Quist (Ed25519)" in dialog.preview.toPlainText()


def test_a_revoked_work_is_named_and_the_export_can_leave_the_suggestion_out(qtbot, tmp_path, home):
    with Catalogue.open(home.catalogue_path) as cat:
        cat.record_consent(2, "revoke", contributor="Cy Eng")
    dialog = _dialog(qtbot, make_project(tmp_path / "song"), home)
    text = dialog.preview.toPlainText()
    assert "Hook s1" in text and "2" in text and "Suggestions panel" in text
    assert not dialog.export_button.isEnabled() and not dialog.without_button.isHidden()
    dialog.without_button.click()
    assert dialog.without == ["s1"] and dialog.export_button.isEnabled() and dialog.without_button.isHidden()
    assert "Left out: s1" in dialog.preview.toPlainText() and "Cy Eng" not in dialog.preview.toPlainText()
    dialog.signer_name.setText("Mara Velez")
    dialog.destination.setText(str(tmp_path / "out" / "mix.wav"))
    with qtbot.waitSignal(dialog.exported, timeout=30000):
        dialog.export_button.click()
    result = verify_file(dialog.results[0].path, TrustList.load(home.keys_dir))
    assert result.status == VERIFIED and not result.record.get("trainingWorks")


def test_the_default_destination_is_a_visible_folder(qtbot, tmp_path, home):
    project = make_project(tmp_path / "song")
    assert default_export_folder(project, home) == project.folder / "exports"
    hidden = make_project(home.root / "demo" / "song")  # the demo project lives in Accord's home
    assert default_export_folder(hidden, home) == Path.home() / "Music" / "Accord exports"
    dialog = _dialog(qtbot, hidden, home)
    assert Path(dialog.destination.text()).parent == Path.home() / "Music" / "Accord exports"


def test_midi_is_only_offered_for_one_suggestion(qtbot, tmp_path, home):
    dialog = _dialog(qtbot, make_project(tmp_path / "song"), home)
    midi = dialog.format_items["midi"]
    assert dialog.format.model().itemFromIndex(dialog.format.model().index(dialog.format.findData("midi"), 0)) is midi
    assert not midi.isEnabled()  # the mix is audio
    _choose(dialog.what, "suggestion")
    assert midi.isEnabled()
    _choose(dialog.format, "midi")
    _choose(dialog.what, "stems")
    assert not midi.isEnabled() and dialog.format.currentData() == "wav24"


def test_a_suggestion_midi_is_named_after_it_with_its_en_dash(qtbot, tmp_path, home):
    project = make_project(tmp_path / "song")
    project.name = "Accord Demo"
    project.suggestions = (replace(project.suggestions[0], name="#4 Continue bars 5–8"),)
    project.tracks = tuple(replace(t, name="#4 Continue bars 5–8") for t in project.tracks)
    dialog = _dialog(qtbot, project, home)
    _choose(dialog.what, "suggestion")
    _choose(dialog.format, "midi")
    dialog.signer_name.setText("Mara Velez")
    assert Path(dialog.destination.text()).name == "Accord Demo – #4 Continue bars 5–8.mid"
    dialog.destination.setText(str(tmp_path / "out" / "Accord Demo – #4 Continue bars 5–8.mid"))
    for _ in range(2):  # the second time: not replaced silently, a " (2)" beside it
        dialog.confirm_overwrite = lambda p: False
        dialog.start_export()
        assert dialog.error is None, dialog.status.text()
    assert [p.name for p in sorted((tmp_path / "out").glob("*.mid"))] == [
        "Accord Demo – #4 Continue bars 5–8 (2).mid", "Accord Demo – #4 Continue bars 5–8.mid"]
    names = [m.name for t in mido.MidiFile(str(dialog.results[0].path)).tracks for m in t if m.type == "track_name"]
    assert len(names) == 2  # the track name's en dash is the core's to keep (export_project/midifile: latin-1)


def test_the_preview_is_built_on_a_worker_thread(qtbot, tmp_path, home):
    from PySide6.QtCore import QThreadPool

    # its own pool: the global one (2 threads on 2 cores) may still hold earlier tests' background work
    runner = TaskRunner(synchronous=False, pool=QThreadPool())
    dialog = ExportDialog(make_project(tmp_path / "song"), home, runner)
    qtbot.addWidget(dialog)
    _choose(dialog.what, "stems")  # a second request while the first may still run: the latest wins
    try:
        qtbot.waitUntil(lambda: "== drums ==" in dialog.preview.toPlainText(), timeout=20000)
    except Exception:
        print("PREVIEW:", dialog.preview.toPlainText()[:600], "STATUS:", dialog.status.text())
        raise
    assert runner.wait(20000) and "== drums ==" in dialog.preview.toPlainText()
    assert dialog.export_button.isEnabled()
