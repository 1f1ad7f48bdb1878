"""Export and Verify dialogs (offscreen, synchronous task runner, real files and signatures)."""

from __future__ import annotations

from dataclasses import replace

import mutagen
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from app.core.home import AccordHome
from app.core.provenance.identity import TrustList
from app.core.provenance.verify import VERIFIED, verify_file
from app.ui.dialogs.export import ExportDialog
from app.ui.dialogs.verify import VerifyDialog
from app.ui.workers import TaskRunner
from tests.helpers.provenance import consented_catalogue, make_project


@pytest.fixture
def home():
    h = AccordHome.resolve()
    consented_catalogue(h.catalogue_path).close()  # export re-checks consent of every credited work
    return h


@pytest.fixture
def runner():
    return TaskRunner(synchronous=True)


@pytest.fixture
def project(tmp_path):
    return make_project(tmp_path / "song")


def _choose(combo, key):
    combo.setCurrentIndex(combo.findData(key))


def test_preview_shows_what_will_be_embedded(qtbot, project, home, runner):
    dialog = ExportDialog(project, home, runner)
    qtbot.addWidget(dialog)
    text = dialog.preview.toPlainText()
    assert "AI content: yes" in text and "compositeWithTrainedAlgorithmicMedia" in text
    assert "share: Cy Eng 58.00%" in text and "stem: drums" in text
    _choose(dialog.what, "stems")
    text = dialog.preview.toPlainText()
    assert "== drums ==" in text and "AI content: no" in text and "== Hook s1 ==" in text
    assert not dialog.destination.text().endswith(".wav")
    _choose(dialog.what, "suggestion")
    _choose(dialog.format, "midi")
    assert dialog.destination.text().endswith(".mid") and dialog.suggestion.isEnabled()
    assert not dialog.c2pa.isEnabled()


def test_export_mix_writes_a_verified_file_with_progress(qtbot, project, home, runner, tmp_path):
    dialog = ExportDialog(project, home, runner)
    qtbot.addWidget(dialog)
    _choose(dialog.format, "flac")
    dialog.destination.setText(str(tmp_path / "out" / "mix.flac"))
    with qtbot.waitSignal(dialog.exported, timeout=30000):
        dialog.export_button.click()
    assert dialog.progress.value() == 1000 and dialog.error is None
    [result] = dialog.results
    assert result.path == tmp_path / "out" / "mix.flac" and "mix.flac" in dialog.status.text()
    assert verify_file(result.path, TrustList.load(home.keys_dir)).status == VERIFIED


def test_failed_export_is_shown_and_dialog_keeps_working(qtbot, project, home, runner, tmp_path):
    idea = project.suggestions[0]
    project.suggestions = (replace(idea, provenance={k: v for k, v in idea.provenance.items()
                                                     if k != "training_works"}),)
    dialog = ExportDialog(project, home, runner)
    qtbot.addWidget(dialog)
    assert "Cannot export this" in dialog.preview.toPlainText() and not dialog.export_button.isEnabled()
    dialog.destination.setText(str(tmp_path / "mix.wav"))
    dialog.start_export()
    assert "Export failed" in dialog.status.text() and not (tmp_path / "mix.wav").exists()


def test_verify_dialog_accepts_dropped_files(qtbot, project, home, runner, tmp_path):
    exporter = ExportDialog(project, home, runner)
    qtbot.addWidget(exporter)
    _choose(exporter.what, "suggestion")
    _choose(exporter.format, "mp3")
    exporter.destination.setText(str(tmp_path / "hook.mp3"))
    exporter.start_export()
    good = tmp_path / "hook.mp3"
    stripped = tmp_path / "stripped.mp3"
    stripped.write_bytes(good.read_bytes())
    mutagen.File(str(stripped)).delete()
    dialog = VerifyDialog(project, home, runner)
    qtbot.addWidget(dialog)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(good)), QUrl.fromLocalFile(str(stripped)),
                  QUrl.fromLocalFile(str(tmp_path / "missing.wav"))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(dialog.verified, timeout=30000):
        dialog.dropEvent(event)
    statuses = [r["status"] if isinstance(r, dict) else r.status for r in dialog.results]
    assert statuses == ["verified", "no-provenance", "error"]
    assert dialog.status.text().startswith("✔ Verified")
    assert "share: Cy Eng" in dialog.details.toPlainText()
    dialog.files.setCurrentRow(1)
    assert "No provenance" in dialog.status.text() and dialog.details.toPlainText() == ""
    dialog.files.setCurrentRow(2)
    assert "not found" in dialog.reason.text()


def test_first_export_asks_who_signs_and_creates_that_identity(qtbot, project, home, runner, tmp_path):
    from app.core.provenance.identity import load_identity

    dialog = ExportDialog(project, home, runner)
    qtbot.addWidget(dialog)
    assert dialog.signer_name is not None  # no identity yet: the dialog asks
    dialog.signer_name.setText("")
    dialog.export_button.click()
    before = load_identity(home.keys_dir)  # the catalogue's head file is signed by a not-yet-named key
    assert "who signs" in dialog.status.text() and (before is None or not before.name_confirmed)
    dialog.signer_name.setText("Mara Velez")
    dialog.signer_contact.setText("mara@example.org")
    _choose(dialog.format, "wav16")
    dialog.destination.setText(str(tmp_path / "mix.wav"))
    with qtbot.waitSignal(dialog.exported, timeout=30000):
        dialog.export_button.click()
    identity = load_identity(home.keys_dir)
    assert identity is not None and identity.name == "Mara Velez" and identity.name_confirmed
    assert before is None or identity.key_id == before.key_id  # the key is kept: the catalogue still verifies
    result = verify_file(dialog.results[0].path, TrustList.load(home.keys_dir))
    assert result.status == VERIFIED and "Mara Velez" in str(result.signer)
    again = ExportDialog(project, home, runner)  # the identity exists now: no question
    qtbot.addWidget(again)
    assert again.signer_name is None
