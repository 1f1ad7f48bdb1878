"""The Verify dialog falls back to the audio watermark when the tags are gone, and shows the record's
consent summary (offscreen; a real signed export, a real ffmpeg MP3 with its tags dropped)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from app.core.home import AccordHome
from app.core.project.export.files import sign_and_write_audio
from app.core.provenance.identity import create_identity
from app.ui.dialogs.verify import VerifyDialog
from app.ui.workers import TaskRunner
from tests.helpers.provenance import consented_catalogue, suggestion_fields
from tests.integration.test_cli_verify import _music


def _signed_hook(tmp_path):
    """A home with Ada's identity and the consented works, and a signed, watermarked WAV export in it."""
    home = AccordHome.resolve()
    consented_catalogue(home.catalogue_path).close()
    create_identity(home.keys_dir, "Ada")
    wav = tmp_path / "hook.wav"
    return home, wav, sign_and_write_audio(wav, _music(18.0), 44100, suggestion_fields(), home=home, format="wav16")


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")
def test_a_stripped_mp3_is_found_by_watermark_with_its_record_and_consent(qtbot, tmp_path):
    home, wav, result = _signed_hook(tmp_path)
    mark_id = result.record["watermark"]["id"]
    mp3 = tmp_path / "shared.mp3"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(wav), "-map_metadata", "-1", "-b:a", "128k", str(mp3)],
                   check=True)
    plain = tmp_path / "plain.wav"
    sign_and_write_audio(plain, _music(18.0, seed=5), 44100, suggestion_fields(), home=home, format="wav16",
                         watermark=False)
    import mutagen

    mutagen.File(str(plain)).delete()  # no tags and no mark: nothing to find

    dialog = VerifyDialog(None, home, TaskRunner(synchronous=True))
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.verified, timeout=120000):
        dialog.verify_paths([mp3, wav, plain])
    assert sorted(dialog.watermarks) == [0, 2]  # only files without a tag record (or tampered) are searched
    assert dialog.files.item(0).text().startswith("≈ Found by watermark")

    dialog.files.setCurrentRow(0)
    assert dialog.status.text().startswith("≈ Found by watermark, not by tag")
    text = dialog.watermark.text()
    assert f"Watermark {mark_id} found" in text and "Ada's key" in text and "signed and intact" in text
    assert "Consent:" in dialog.consent.text()
    assert result.record["title"] in dialog.details.toPlainText()  # the record it names, in readable form

    dialog.files.setCurrentRow(1)
    assert dialog.status.text().startswith("✔ Verified") and dialog.watermark.text() == ""
    assert dialog.consent.text().startswith("Consent: ")

    dialog.files.setCurrentRow(2)
    assert dialog.status.text().startswith("– No provenance")
    assert dialog.watermark.text().startswith("Watermark: none found")
    assert dialog.consent.text() == "" and dialog.details.toPlainText() == ""


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")
def test_a_converted_copy_with_its_tags_stays_tampered_and_shows_the_watermark_naming_its_record(qtbot, tmp_path):
    home, wav, result = _signed_hook(tmp_path)
    mp3 = tmp_path / "copy.mp3"  # FFmpeg keeps the WAV's tags: the record is there, the signed bytes are not
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(wav), "-b:a", "128k", str(mp3)], check=True)
    dialog = VerifyDialog(None, home, TaskRunner(synchronous=True))
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.verified, timeout=120000):
        dialog.verify_paths([mp3])
    assert dialog.files.item(0).text().startswith("✖ Tampered")
    dialog.files.setCurrentRow(0)
    assert dialog.status.text().startswith("✖ Tampered") and "converted to another format" in dialog.reason.text()
    text = dialog.watermark.text()
    assert f"Watermark {result.record['watermark']['id']} found" in text and "signed and intact" in text
