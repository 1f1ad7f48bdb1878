"""The Catalogue panel: the works Accord may learn from, their consent state, import, and consent edits.

Self-contained QWidget for a dock: `CataloguePanel(catalogue_path, runner, confirm=..., engine=...)` (the
studio's audio engine, for the Melody from box's Hear; without one that button is hidden). Reads go through
the panel's own Catalogue connection on the GUI thread (fast, WAL readers never wait); every write
(import, consent, splits, removal) runs through the TaskRunner on a worker that opens its own connection,
because SQLite connections belong to one thread. After each write the panel refreshes and emits
`catalogueChanged`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.catalogue import MELODY_MODEL_USE, Catalogue, ContributorShare, ImportResult, WorkSummary
from app.core.catalogue.splits import bp_to_percent
from app.core.errors import AccordError
from app.core.tasks import CancelToken
from app.ui.catalogue.consent import AuditBanner, ConsentActions
from app.ui.catalogue.detail import STATE_COLOURS, WorkDetailView, state_colour, state_tint
from app.ui.catalogue.importing import CatalogueImport
from app.ui.catalogue.melody_choice import MelodyChoiceActions
from app.ui.workers import TaskHandle, TaskRunner

if TYPE_CHECKING:
    from app.core.audio.engine import AudioEngine

log = logging.getLogger(__name__)

REVOKE_TITLE = "Revoke consent?"
REVOKE_TEXT = ("{who} will withdraw consent for “{title}” to be used in {use}. The withdrawal is recorded in "
               "the consent ledger, which cannot be erased, and the work stops being usable at once.\n\n{model}")
MODEL_TRAINED_TEXT = ("The current model was trained on this work; Accord will forget it exactly the next time "
                      "the model is updated.")
MODEL_NOT_TRAINED_TEXT = "No current model was trained on this work, so no model has anything to forget."
REMOVE_TEXT = ("Remove “{title}” from the catalogue? It will never be used again. Its consent history stays in "
               "the ledger as a record.\n\n{model}")
# A use as an artist would say it (the ledger's use names are identifiers, not words).
USE_WORDS = {MELODY_MODEL_USE: "training Accord's melody model"}
FILTERS = (("All works", None), ("Usable", "usable"), ("Pending", "pending"), ("Revoked", "revoked"))
COLUMNS = ("ID", "Title", "Kind", "Notes", "Contributors", "Consent")


def revoke_message(title: str, who: Sequence[str], *, use: str = MELODY_MODEL_USE, in_current_model: bool) -> str:
    """What the confirmation says: who withdraws, and what happens to models trained on the work."""
    names = ", ".join(who) if who else "Every contributor"
    return REVOKE_TEXT.format(who=names, title=title, use=USE_WORDS.get(use, f"“{use}”"),
                              model=MODEL_TRAINED_TEXT if in_current_model else MODEL_NOT_TRAINED_TEXT)


def _ask(parent: QWidget, title: str, text: str) -> bool:
    answer = QMessageBox.question(parent, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


class CataloguePanel(CatalogueImport, QWidget):
    catalogueChanged = Signal()

    def __init__(self, catalogue_path: str | Path, runner: TaskRunner,
                 confirm: Callable[[str, str], bool] | None = None, parent: QWidget | None = None, *,
                 trained_work_ids: Callable[[], set[int]] | None = None, use: str = MELODY_MODEL_USE,
                 engine: AudioEngine | None = None) -> None:
        super().__init__(parent)
        self.catalogue_path = Path(catalogue_path)
        self.runner = runner
        self.use = use
        self._confirm = confirm or (lambda title, text: _ask(self, title, text))
        self._trained_work_ids = trained_work_ids or (lambda: set())
        self._catalogue: Catalogue | None = None
        self._works: list[WorkSummary] = []
        self.import_handle: TaskHandle | None = None
        self._import_token = CancelToken()
        self.last_import: ImportResult | None = None
        self.setAcceptDrops(True)
        self.consent = ConsentActions(self)  # Request consent… / Import reply… / Repair… (consent.py)
        self._build()
        # the "Melody from" box: another part or transcription, and Hear (through the studio's `engine`)
        self.melody_choice = MelodyChoiceActions(self, engine)
        self.refresh()

    # -- layout ---------------------------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.import_button = QPushButton("Import…")
        self.import_button.setToolTip("Import MIDI, MusicXML or audio files (or drop them here)")
        self.import_button.clicked.connect(self._choose_files)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search title or contributor")
        self.search.textChanged.connect(lambda _t: self._apply_filter())
        self.state_filter = QComboBox()
        for label, state in FILTERS:
            self.state_filter.addItem(label, state)
        self.state_filter.currentIndexChanged.connect(lambda _i: self._apply_filter())
        self.request_button = QPushButton("Request consent…")
        self.request_button.setToolTip("Save a signed request for the selected works to send to their contributors")
        self.request_button.clicked.connect(lambda: self.consent.request(self.selected_work_ids()))
        self.reply_button = QPushButton("Import reply…")
        self.reply_button.setToolTip("Record the consent your contributors signed (a reply file)")
        self.reply_button.clicked.connect(lambda: self.consent.import_reply())
        bar.addWidget(self.import_button)
        bar.addWidget(self.request_button)
        bar.addWidget(self.reply_button)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.state_filter)
        layout.addLayout(bar)
        self.audit_banner = AuditBanner()
        self.audit_banner.repair_button.clicked.connect(lambda: self.consent.repair())
        layout.addWidget(self.audit_banner)
        progress_row = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_import)
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        layout.addLayout(progress_row)
        self._show_progress(False)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.status)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.detail = WorkDetailView()
        self.detail.grantRequested.connect(lambda w, who, note: self.grant(w, who, note=note))
        self.detail.revokeRequested.connect(lambda w, who, note: self.revoke(w, who, note=note))
        self.detail.contributorsSaveRequested.connect(self.save_contributors)
        self.detail.removeRequested.connect(self.remove)
        scroll = QScrollArea()  # the detail is taller than a small dock
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.detail)
        splitter.addWidget(self.table)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)
        self.empty_hint = QLabel("No works yet. Import MIDI, MusicXML or audio files, or drop them here.")
        layout.addWidget(self.empty_hint)

    def _show_progress(self, visible: bool) -> None:
        self.progress.setVisible(visible)
        self.cancel_button.setVisible(visible)

    def _set_status(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {STATE_COLOURS['revoked']}" if error else "")

    # -- reading --------------------------------------------------------------------------------------------
    def catalogue(self) -> Catalogue:
        if self._catalogue is None:
            self._catalogue = Catalogue.open(self.catalogue_path)
        return self._catalogue

    def close_catalogue(self) -> None:
        self.melody_choice.hearing.stop()
        if self._catalogue is not None:
            self._catalogue.close()
            self._catalogue = None

    def closeEvent(self, event) -> None:  # noqa: N802 — Qt's name
        self.close_catalogue()
        super().closeEvent(event)

    def refresh(self) -> None:
        """Reload the table (keeping the selection) and the selected work's detail."""
        selected = self.selected_work_id()
        try:
            self._works = self.catalogue().works(self.use)
        except AccordError as exc:
            self._works = []
            self._set_status(str(exc), error=True)
        self._check_audit()
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(self._works))
        for r, w in enumerate(self._works):
            cells = (str(w.id), w.title, w.kind, str(w.note_count),
                     ", ".join(f"{c.name} {bp_to_percent(c.split_bp)} %" for c in w.contributors), w.state.label)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 0:
                    item.setData(Qt.ItemDataRole.UserRole, w.id)
                if col == len(cells) - 1:
                    item.setForeground(QBrush(state_colour(w.state.state)))
                    item.setBackground(QBrush(state_tint(w.state.state)))
                    item.setToolTip(f"{w.state.label} — consent for {self.use}")
                self.table.setItem(r, col, item)
        self.empty_hint.setVisible(not self._works)
        self._apply_filter()
        if selected is not None and any(w.id == selected for w in self._works):
            self.select_work(selected)
        else:
            self.detail.show_detail(None)
            self.melody_choice.load(None)

    def _check_audit(self) -> None:
        """Show the banner while the catalogue fails its audit. The audit re-hashes both chains (~0.2 s for
        500 works), so it runs on a worker with its own connection."""
        path = self.catalogue_path

        def task(progress, cancel):
            with Catalogue.open(path) as cat:
                return cat.audit()

        self.runner.start("audit catalogue", task, on_finished=self.audit_banner.show_audit,
                          on_failed=lambda exc: self.audit_banner.show_audit(None, str(exc)))

    def _apply_filter(self) -> None:
        state = self.state_filter.currentData()
        needle = self.search.text().strip().lower()
        for r, w in enumerate(self._works):
            text = " ".join([w.title, *(c.name for c in w.contributors)]).lower()
            hidden = (state is not None and w.state.state != state) or (needle and needle not in text)
            self.table.setRowHidden(r, bool(hidden))

    def visible_work_ids(self) -> list[int]:
        return [w.id for r, w in enumerate(self._works) if not self.table.isRowHidden(r)]

    def set_state_filter(self, state: str | None) -> None:
        self.state_filter.setCurrentIndex([s for _, s in FILTERS].index(state))

    def selected_work_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        return None if item is None else int(item.data(Qt.ItemDataRole.UserRole))

    def selected_work_ids(self) -> list[int]:
        rows = sorted(i.row() for i in self.table.selectionModel().selectedRows()) if self.table.selectionModel() else []
        items = [self.table.item(r, 0) for r in rows]
        return [int(i.data(Qt.ItemDataRole.UserRole)) for i in items if i is not None]

    def select_work(self, work_id: int) -> None:
        for r, w in enumerate(self._works):
            if w.id == work_id:
                self.table.selectRow(r)
                self._selection_changed()
                return

    def _selection_changed(self) -> None:
        work_id = self.selected_work_id()
        if work_id is None:
            self.detail.show_detail(None)
            self.melody_choice.load(None)
            return
        try:
            self.detail.show_detail(self.catalogue().work(work_id, self.use),
                                    self.catalogue().contributor_consent(work_id, self.use))
        except AccordError as exc:
            self._set_status(str(exc), error=True)
            self.detail.show_detail(None)
            work_id = None
        self.melody_choice.load(work_id)

    def state_text(self, work_id: int) -> str:
        return next(w.state.label for w in self._works if w.id == work_id)

    # -- writing (on workers) -------------------------------------------------------------------------------
    def _write(self, name: str, action: Callable[[Catalogue], Any], done_text: Callable[[Any], str]) -> TaskHandle:
        path = self.catalogue_path

        def task(progress, cancel):
            with Catalogue.open(path) as cat:
                return action(cat)

        def finished(result: Any) -> None:
            self._set_status(done_text(result))
            self.refresh()
            self.catalogueChanged.emit()

        return self.runner.start(name, task, on_finished=finished, on_failed=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self._show_progress(False)
        self.import_button.setEnabled(True)
        self._set_status(str(exc) if isinstance(exc, AccordError) else f"unexpected error: {exc}", error=True)
        self.refresh()

    def grant(self, work_id: int, contributor: str | None = None, *, note: str = "") -> TaskHandle:
        who = contributor or "all contributors"
        return self._write("grant consent", lambda c: c.record_consent(work_id, "grant", contributor=contributor,
                                                                       use=self.use, note=note),
                           lambda refs: f"Recorded consent from {who} for work {work_id}.")

    def revoke(self, work_id: int, contributor: str | None = None, *, note: str = "") -> TaskHandle | None:
        """Ask first (saying what happens to models trained on the work); None when the user declines."""
        work = next((w for w in self._works if w.id == work_id), None)
        title = work.title if work else f"work {work_id}"
        who = [contributor] if contributor else list(dict.fromkeys(c.name for c in work.contributors)) if work else []
        text = revoke_message(title, who, use=self.use, in_current_model=work_id in self._trained_work_ids())
        if not self._confirm(REVOKE_TITLE, text):
            self._set_status("Nothing was revoked.")
            return None
        return self._write("revoke consent", lambda c: c.record_consent(work_id, "revoke", contributor=contributor,
                                                                        use=self.use, note=note),
                           lambda refs: f"Recorded the withdrawal of {', '.join(who) or 'consent'} for {title}.")

    def save_contributors(self, work_id: int, contributors: list[ContributorShare]) -> TaskHandle:
        return self._write("save splits", lambda c: c.set_contributors(work_id, contributors),
                           lambda _r: f"Saved the contributors of work {work_id}.")

    def remove(self, work_id: int) -> TaskHandle | None:
        work = next((w for w in self._works if w.id == work_id), None)
        title = work.title if work else f"work {work_id}"
        model = MODEL_TRAINED_TEXT if work_id in self._trained_work_ids() else MODEL_NOT_TRAINED_TEXT
        if not self._confirm("Remove work?", REMOVE_TEXT.format(title=title, model=model)):
            return None
        return self._write("remove work", lambda c: c.remove_work(work_id), lambda _r: f"Removed {title}.")
