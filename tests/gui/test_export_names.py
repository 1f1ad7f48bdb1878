"""Export file names a musician would choose, and no silent overwrite (offscreen, real files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.home import AccordHome
from app.ui.dialogs.export import ExportDialog
from app.ui.dialogs.export_choices import file_stem, free_path
from app.ui.workers import TaskRunner
from tests.helpers.provenance import consented_catalogue, make_project


@pytest.fixture
def dialog(qtbot, tmp_path):
    home = AccordHome.resolve()
    consented_catalogue(home.catalogue_path).close()
    project = make_project(tmp_path / "song")
    d = ExportDialog(project, home, TaskRunner(synchronous=True))
    qtbot.addWidget(d)
    return d


def _choose(combo, key):
    combo.setCurrentIndex(combo.findData(key))


def test_file_stem_keeps_the_words():
    assert file_stem("My Song – #4 Continue bars 5–8") == "My Song – #4 Continue bars 5–8"
    assert file_stem('a/b:c?') == "a-bc"
    assert file_stem("  ") == "export"


def test_free_path_never_reuses_a_name(tmp_path):
    first = tmp_path / "Song.wav"
    assert free_path(first) == first
    first.write_bytes(b"x")
    assert free_path(first).name == "Song (2).wav"
    (tmp_path / "Song (2).wav").write_bytes(b"x")
    assert free_path(first).name == "Song (3).wav"


def test_destination_names_say_what_is_exported(dialog):
    song = dialog.project.name
    assert Path(dialog.destination.text()).name == f"{song}.wav"
    _choose(dialog.what, "stems")
    assert Path(dialog.destination.text()).name == f"{song} – stems"
    _choose(dialog.what, "suggestion")
    _choose(dialog.format, "midi")
    idea = dialog.suggestion.currentText()
    assert Path(dialog.destination.text()).name == f"{file_stem(song + ' – ' + idea)}.mid"


def test_an_existing_file_is_not_replaced_unless_the_artist_says_so(dialog, tmp_path, monkeypatch):
    out = tmp_path / "out" / "mix.wav"
    out.parent.mkdir()
    out.write_bytes(b"an earlier export")
    dialog.destination.setText(str(out))
    asked = []
    monkeypatch.setattr(dialog, "confirm_overwrite", lambda p: asked.append(p) or False)
    dialog.start_export()
    assert asked == [out]
    assert out.read_bytes() == b"an earlier export"
    assert Path(dialog.destination.text()).name == "mix (2).wav"
