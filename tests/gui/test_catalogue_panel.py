"""The Catalogue panel, offscreen, on a real catalogue file (pytest-qt)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QPushButton

from app.core.catalogue import Catalogue, ContributorShare
from app.ui.catalogue.panel import MODEL_NOT_TRAINED_TEXT, MODEL_TRAINED_TEXT, CataloguePanel, revoke_message
from app.ui.workers import TaskRunner
from tests.helpers.catalogue_files import melody, simple_midi

ANN_BO = [ContributorShare("Ann", "composer", 5000), ContributorShare("Bo", "lyricist", 5000)]


class Confirm:
    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.asked: list[tuple[str, str]] = []

    def __call__(self, title: str, text: str) -> bool:
        self.asked.append((title, text))
        return self.answer


@pytest.fixture
def path(tmp_path):
    p = tmp_path / "catalogue.sqlite"
    with Catalogue.open(p) as cat:
        for i, title in enumerate(["Alpha", "Beta", "Gamma"]):
            cat.add_work(melody([60 + i, 62, 64]), title=title, contributors=ANN_BO)
        cat.record_consent(1, "grant")
        cat.record_consent(3, "grant", contributor="Ann")
        cat.record_consent(3, "revoke", contributor="Bo")
    return p


def make_panel(qtbot, path, *, confirm=None, trained=frozenset(), synchronous=True):
    panel = CataloguePanel(path, TaskRunner(synchronous=synchronous), confirm=confirm or Confirm(True),
                           trained_work_ids=lambda: set(trained))
    qtbot.addWidget(panel)
    return panel


def test_table_shows_states_plainly_with_colour_and_filters(qtbot, path):
    panel = make_panel(qtbot, path)
    assert panel.table.rowCount() == 3
    states = [panel.table.item(r, 5).text() for r in range(3)]
    assert states == ["usable", "pending (Ann, Bo)", "revoked (by Bo)"]
    colours = {panel.table.item(r, 5).foreground().color().name() for r in range(3)}
    assert len(colours) == 3  # one colour per state, as well as the text
    panel.set_state_filter("pending")
    assert panel.visible_work_ids() == [2]
    panel.set_state_filter(None)
    panel.search.setText("gam")
    assert panel.visible_work_ids() == [3]
    panel.search.setText("bo")  # contributors are searched too
    assert panel.visible_work_ids() == [1, 2, 3]


def test_import_by_drop_with_progress_reports_bad_files(qtbot, path, tmp_path):
    panel = make_panel(qtbot, path)
    good = simple_midi(tmp_path / "Delta.mid", [65, 67])
    bad = tmp_path / "broken.mid"
    bad.write_bytes(b"MThd broken")
    progress = []
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(good)), QUrl.fromLocalFile(str(bad))])
    event = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(panel.catalogueChanged, timeout=5000):
        panel.dropEvent(event)
        progress.append(panel.progress.value())
    assert panel.last_import is not None and [w.title for w in panel.last_import.added] == ["Delta"]
    assert "broken.mid" in panel.status.text() and "could not be imported" in panel.status.text()
    assert panel.table.rowCount() == 4 and panel.selected_work_id() == 4
    assert not panel.progress.isVisible()


def test_import_on_a_real_worker_thread(qtbot, path, tmp_path):
    panel = make_panel(qtbot, path, synchronous=False)
    files = [simple_midi(tmp_path / f"t{i}.mid", [50 + i, 52]) for i in range(5)]
    seen = []
    with qtbot.waitSignal(panel.catalogueChanged, timeout=10000):
        handle = panel.import_paths(files)
        handle.progress.connect(lambda f, t: seen.append(f))
    assert panel.runner.wait(10000)  # the worker has returned before the widget goes away
    assert panel.table.rowCount() == 8 and seen and max(seen) <= 1.0
    panel.close_catalogue()


def test_cancelled_import_adds_nothing(qtbot, path, tmp_path):
    panel = make_panel(qtbot, path)
    files = [simple_midi(tmp_path / f"c{i}.mid", [70 + i]) for i in range(4)]
    panel.runner.synchronous = True
    original = panel._progressed

    def cancel_midway(fraction, text):
        original(fraction, text)
        if fraction > 0.2:
            panel.cancel_import()

    panel._progressed = cancel_midway
    panel.import_paths(files)
    assert "cancelled" in panel.status.text() and panel.table.rowCount() == 3


def test_detail_edits_splits_with_validation(qtbot, path):
    panel = make_panel(qtbot, path)
    panel.select_work(2)
    d = panel.detail
    assert d.contributors.rowCount() == 2 and d.contributors.item(0, 2).text() == "50"
    d.contributors.item(0, 2).setText("60")
    assert not d.save_splits.isEnabled() and "110 %" in d.splits_message.text()
    d.contributors.item(1, 2).setText("40")
    assert d.save_splits.isEnabled()
    with qtbot.waitSignal(panel.catalogueChanged, timeout=5000):
        d.save_splits.click()
    with Catalogue.open(path) as cat:
        assert [c.split_bp for c in cat.work(2).summary.contributors] == [6000, 4000]


def test_grant_buttons_make_a_work_usable(qtbot, path):
    panel = make_panel(qtbot, path)
    panel.select_work(2)
    panel.detail.note.setText("signed at the session")
    grant_ann = panel.detail.findChild(QPushButton, "grant:Ann")
    with qtbot.waitSignal(panel.catalogueChanged, timeout=5000):
        grant_ann.click()
    assert panel.state_text(2) == "pending (Bo)"
    with qtbot.waitSignal(panel.catalogueChanged, timeout=5000):
        panel.detail.grant_all.click()
    assert panel.state_text(2) == "usable"
    assert panel.detail.history.rowCount() == 3 and panel.detail.history.item(0, 5).text() == "signed at the session"
    with Catalogue.open(path) as cat:
        assert cat.usable_work_ids() == {1, 2}


def test_revoke_asks_and_says_what_happens_to_the_model(qtbot, path):
    confirm = Confirm(False)
    panel = make_panel(qtbot, path, confirm=confirm, trained={1})
    panel.select_work(1)
    panel.detail.findChild(QPushButton, "revoke:Bo").click()
    (title, text), = confirm.asked
    assert "Revoke" in title and "Bo" in text and "Alpha" in text and MODEL_TRAINED_TEXT in text
    assert panel.state_text(1) == "usable"  # declined: nothing recorded
    confirm.answer = True
    with qtbot.waitSignal(panel.catalogueChanged, timeout=5000):
        panel.detail.revoke_all.click()
    assert panel.state_text(1) == "revoked (by Ann, Bo)"
    assert revoke_message("X", ["Cy"], in_current_model=False).endswith(MODEL_NOT_TRAINED_TEXT)


def test_remove_and_errors_show_in_the_status_line(qtbot, path):
    panel = make_panel(qtbot, path)
    panel.select_work(2)
    with qtbot.waitSignal(panel.catalogueChanged, timeout=5000):
        panel.detail.remove.click()
    assert [panel.table.item(r, 1).text() for r in range(panel.table.rowCount())] == ["Alpha", "Gamma"]
    panel.grant(99)
    assert "work 99: no such work" in panel.status.text()


def test_a_catalogue_that_cannot_be_opened_is_reported_not_crashed(qtbot, tmp_path):
    bad = tmp_path / "catalogue.sqlite"
    bad.write_bytes(b"not sqlite at all" * 100)
    panel = make_panel(qtbot, bad)
    assert panel.table.rowCount() == 0 and "not an SQLite database" in panel.status.text()


def test_an_imported_bounce_gets_the_songs_beat(qtbot, tmp_path):
    """The panel's import hands the catalogue the analysis's ears: a bounce's melody goes on the song's beat."""
    pytest.importorskip("onnxruntime")
    import soundfile as sf

    from app.core.music import TimeSignature
    from tests.helpers.songs import make_song

    song = make_song(5, meter=TimeSignature(4, 4), seconds=10.0)
    wav = tmp_path / "Night Swim bounce.wav"
    sf.write(wav, song.mix().T, song.sample_rate)
    path = tmp_path / "empty.sqlite"
    Catalogue.open(path).close()
    panel = make_panel(qtbot, path)
    panel.import_paths([wav])
    with Catalogue.open(path) as cat:
        (work,) = cat.works()
        detail = cat.work(work.id)
    assert "the song's beat" in detail.source_detail
    assert detail.tempo_bpm == pytest.approx(song.tempo_bpm, rel=0.005)

