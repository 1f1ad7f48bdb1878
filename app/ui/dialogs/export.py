"""Export dialog: what (mix / stems + suggestion tracks / a suggestion alone), format, destination, a
preview of the provenance record that will be embedded, and progress. Runs the export on the task runner.

Self-contained: `ExportDialog(project, home, runner)`; the main window only opens it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import AccordError
from app.core.home import AccordHome
from app.core.project.export.consent import UnusableWorkError
from app.core.project.export.project import export_project
from app.core.project.export.records import what_will_be_signed
from app.core.provenance.readable import describe_record
from app.core.provenance.record import build_record
from app.ui.dialogs.export_choices import (
    FORMAT_CHOICES,
    WHAT_CHOICES,
    default_export_folder,
    default_signer,
    file_stem,
    format_extension,
    free_path,
    unusable_message,
)

log = logging.getLogger(__name__)

class ExportDialog(QDialog):
    """Choose, preview, export. `exported` fires with the list of ExportResult when done."""

    exported = Signal(object)

    def __init__(self, project: Any, home: AccordHome, runner: Any, parent: QWidget | None = None, *,
                 prefs: Any = None) -> None:  # app.ui.preferences.Preferences: default folder and format
        super().__init__(parent)
        self.prefs = prefs
        self.setObjectName("ExportDialog")
        self.setWindowTitle("Export with provenance")
        self.project, self.home, self.runner = project, home, runner
        self.handle = None
        self._running = False
        self.results: list = []
        self.error: str | None = None
        self._preview_gen = 0
        self._preview_running = False
        self._fields: Any = None  # what_will_be_signed's list, or the error it raised (None: computing)
        self.without: list[str] = []  # suggestions the artist chose to leave out (revoked works)
        self.unusable: Any = None  # the UnusableWorkError the preview or the export met, if any

        self.what = QComboBox()
        for key, label in WHAT_CHOICES:
            self.what.addItem(label, key)
        self.suggestion = QComboBox()
        for s in project.suggestions:  # the ideas still in play (a discarded one is not offered)
            if s.visible:
                self.suggestion.addItem(s.name or s.id, s.id)
        # The format list's items are made here, not by addItem: the MIDI entry is enabled and disabled
        # through a Python-owned item (an item Qt made, fetched with model().item(), can outlive its combo as
        # a stale wrapper, and a later object at its address then comes back as a QStandardItem; CI stop 22).
        self.format_items = {key: QStandardItem(label) for key, label in FORMAT_CHOICES}
        format_model = QStandardItemModel(self)
        for key, item in self.format_items.items():
            item.setData(key, Qt.ItemDataRole.UserRole)
            format_model.appendRow(item)
        self.format = QComboBox()
        self.format.setModel(format_model)
        if prefs is not None:
            self.format.setCurrentIndex(max(self.format.findData(prefs.export_format), 0))
        self.c2pa = QCheckBox("Add a C2PA manifest (WAV, FLAC, MP3)")
        self.destination = QLineEdit()
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        dest_row = QHBoxLayout()
        dest_row.addWidget(self.destination, 1)
        dest_row.addWidget(browse)
        form = QFormLayout()
        form.addRow("Export", self.what)
        form.addRow("Suggestion", self.suggestion)
        form.addRow("Format", self.format)
        form.addRow("", self.c2pa)
        form.addRow("Destination", dest_row)
        # First export: the artist says who signs (the key is created, or the key the catalogue already uses is
        # named, with this name and kept under the home).
        from app.core.provenance.identity import load_identity

        self.signer_name: QLineEdit | None = None
        self.signer_contact: QLineEdit | None = None
        existing = load_identity(home.keys_dir)
        if existing is None or not existing.name_confirmed:
            self.signer_name, self.signer_contact = QLineEdit(default_signer()), QLineEdit()
            self.signer_name.setObjectName("SignerName")
            self.signer_contact.setPlaceholderText("optional: email or website")
            form.addRow("Sign as", self.signer_name)
            form.addRow("Contact", self.signer_contact)
            self.signer_name.textChanged.connect(lambda _t: self._render_preview())
        self._identity_name = existing.name if existing is not None and existing.name_confirmed else ""

        self.preview = QPlainTextEdit()
        self.preview.setObjectName("ExportPreview")
        self.preview.setReadOnly(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.without_button = QPushButton("Export without this suggestion")
        self.without_button.setObjectName("ExportWithout")
        self.without_button.clicked.connect(self.leave_out_unusable)
        self.without_button.setVisible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = QPushButton("Cancel export")
        self.cancel_button.setEnabled(False)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.accepted.connect(self.start_export)
        self.buttons.rejected.connect(self.reject)
        self.cancel_button.clicked.connect(self.cancel_export)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        self.preview_heading = QLabel("What will be embedded and signed:")
        layout.addWidget(self.preview_heading)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.without_button)
        layout.addWidget(self.buttons)
        self.suggestion.currentIndexChanged.connect(lambda _i: self._suggestion_chosen())
        for combo in (self.what, self.suggestion, self.format):
            combo.currentIndexChanged.connect(self._changed)
        self.c2pa.toggled.connect(self._changed)
        self._default_destination()
        self._changed()
        self.resize(640, 560)

    # --- state ---------------------------------------------------------------------------------------
    def _file_stem(self, what: str | None) -> str:
        """"My Song", "My Song – stems", "My Song – #4 Continue bars 5–8"."""
        song = self.project.name or "export"
        if what == "suggestion" and self.suggestion.currentIndex() >= 0:
            return file_stem(f"{song} – {self.suggestion.currentText()}")
        return file_stem(f"{song} – stems" if what == "stems" else song)

    def _default_destination(self) -> None:
        self._last_what = self.what.currentData()
        chosen = self.prefs.export_folder if self.prefs is not None else ""
        folder = Path(chosen) if chosen else default_export_folder(self.project, self.home)
        self.destination.setText(str(folder / f"{self._file_stem(self._last_what)}.wav"))

    def confirm_overwrite(self, path: Path) -> bool:
        """Ask before replacing an existing file (or writing into a folder that holds files)."""
        from PySide6.QtWidgets import QMessageBox

        answer = QMessageBox.question(
            self, "Replace?", f"“{path.name}” already exists in {path.parent}. Replace it?\n\n"
            "No: export under a new name beside it.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def _suggestion_chosen(self) -> None:
        if self.what.currentData() == "suggestion":
            self._last_what = None  # name the file after the newly chosen idea

    def _browse(self) -> None:
        if self.what.currentData() == "stems":
            path = QFileDialog.getExistingDirectory(self, "Export stems into", self.destination.text())
        else:
            path, _ = QFileDialog.getSaveFileName(self, "Export to", self.destination.text())
        if path:
            self.destination.setText(path)

    def _changed(self, *_: Any) -> None:
        what = self.what.currentData()
        self.format_items["midi"].setEnabled(what == "suggestion")  # MIDI is only for one suggestion
        if what != "suggestion" and self.format.currentData() == "midi":
            self.format.blockSignals(True)
            self.format.setCurrentIndex(self.format.findData("wav24"))
            self.format.blockSignals(False)
        fmt = self.format.currentData()
        self.suggestion.setEnabled(what == "suggestion" and self.suggestion.count() > 0)
        self.c2pa.setEnabled(fmt in {"wav24", "wav16", "wav32f", "flac", "mp3"})
        dest = Path(self.destination.text() or ".")
        if what == "stems":
            if dest.suffix:
                self.destination.setText(str(dest.with_name(self._file_stem("stems"))))
        else:
            stem = dest if dest.suffix else dest / self._file_stem(what)
            if what != self._last_what and dest.suffix:  # another choice: the name that says what it is
                stem = dest.with_name(self._file_stem(what) + dest.suffix)
            self.destination.setText(str(stem.with_name(stem.stem + format_extension(fmt))))
        self._last_what = what
        self.update_preview()

    def signer(self) -> str:
        """The name the record will be signed with: the confirmed identity's, else the one typed here."""
        if self.signer_name is not None:
            return self.signer_name.text().strip()
        return self._identity_name

    def update_preview(self) -> None:
        """Recompute what will be signed on the runner (it re-checks consent against the catalogue, which
        audits it: ~0.2 s for 500 works); the latest request wins."""
        from app.core.catalogue.store import Catalogue
        from app.core.provenance.model_manifest import load_model_manifest

        self._preview_gen += 1
        self._fields = None
        self.export_button.setEnabled(False)
        self.preview.setPlainText("Checking consent and building the record…")
        if self._preview_running:  # one at a time (two workers opening one catalogue race); rerun when done
            return
        self._preview_running = True
        project, home, without = self.project, self.home, list(self.without)
        what, sid = self.what.currentData(), self.suggestion.currentData()
        gen = self._preview_gen

        def task(progress, cancel):  # exactly what export_project signs: same consent re-check and manifest
            manifest = load_model_manifest(home.current_model_path, required=False)
            with Catalogue.open(home.catalogue_path) as catalogue:
                return what_will_be_signed(project, what=what, suggestion_id=sid, catalogue=catalogue,
                                           model_manifest=manifest, without=without)

        def done(outcome: Any) -> None:
            self._preview_running = False
            if gen == self._preview_gen:
                self._fields = outcome
                self._render_preview()
            else:  # a later choice superseded this one: build that one now
                self._preview_gen -= 1
                self.update_preview()

        self.runner.start("export preview", task, on_finished=done, on_failed=done)

    def _render_preview(self) -> None:
        lines: list[str] = []
        signer = self.signer() or "(say who signs above)"
        self.preview_heading.setText(f"What will be embedded and signed by {signer}:")
        outcome = self._fields
        if outcome is None:
            return  # still being computed
        self.unusable = outcome if isinstance(outcome, UnusableWorkError) else None
        if self.unusable is not None:
            lines = [f"Cannot export this: {unusable_message(outcome, self.project)}"]
        elif isinstance(outcome, BaseException):
            lines = [f"Cannot export this: {outcome}" if isinstance(outcome, AccordError)
                     else f"Cannot export this: unexpected error: {outcome}"]
        else:
            for name, fields in outcome:
                record = build_record(fields, content_method="(computed at export)", content_sha256="")
                lines.append(f"== {name} ==")
                lines += describe_record({**record, "artist": record.get("artist") or signer})[:-1]
                lines.append(f"content hash: computed from the written file; then signed by {signer} (Ed25519)")
                lines.append("")
            if self.without:
                lines.append("Left out: " + ", ".join(self.without))
            if not lines:
                lines = ["Nothing to export yet."]
        self.export_button.setEnabled(self.handle is None and not isinstance(outcome, BaseException))
        self.without_button.setVisible(self.unusable is not None and self.unusable.suggestion_id is not None)
        if self.c2pa.isChecked() and self.c2pa.isEnabled():
            lines.append("C2PA manifest: c2pa.created (" + "AI-generated" + "), training-and-mining: notAllowed, "
                         "and this record as org.accord.provenance")
        self.preview.setPlainText("\n".join(lines))

    def leave_out_unusable(self) -> None:
        """"Export without this suggestion": leave the suggestion at fault out of this export."""
        if self.unusable is not None and self.unusable.suggestion_id is not None:
            self.without.append(str(self.unusable.suggestion_id))
            self.status.setText(f"Suggestion {self.unusable.suggestion_id} will be left out of this export.")
            self.update_preview()

    # --- export --------------------------------------------------------------------------------------
    def start_export(self) -> None:
        if self.handle is not None:
            return
        what, fmt, sid = self.what.currentData(), self.format.currentData(), self.suggestion.currentData()
        out = Path(self.destination.text())
        occupied = out.is_file() or (out.is_dir() and any(out.iterdir()))
        if occupied and not self.confirm_overwrite(out):  # never silently: replace only when the artist says so
            out = free_path(out)
            self.destination.setText(str(out))
        home, project, c2pa = self.home, self.project, self.c2pa.isChecked() and self.c2pa.isEnabled()
        without = list(self.without)
        signer = self.signer_name.text().strip() if self.signer_name is not None else ""
        contact = self.signer_contact.text().strip() if self.signer_contact is not None else ""
        if self.signer_name is not None and not signer:
            self.status.setText("Say who signs this export (your artist name).")
            return

        def task(progress, cancel):
            from app.core.provenance.identity import confirm_identity_name, ensure_identity
            from app.core.provenance.model_manifest import load_model_manifest

            identity = (confirm_identity_name(home.keys_dir, signer, contact or None) if signer
                        else ensure_identity(home.keys_dir))
            manifest = load_model_manifest(home.current_model_path, required=False)
            from app.core.catalogue.store import Catalogue

            catalogue = Catalogue.open(home.catalogue_path)  # the export log lives there
            try:
                return export_project(project, what=what, suggestion_id=sid, format=fmt, out=out,
                                      identity=identity, catalogue=catalogue, model_manifest=manifest,
                                      c2pa_keys_dir=home.keys_dir if c2pa else None, without=without,
                                      progress=progress, cancel=cancel)
            finally:
                catalogue.close()

        self.error = None
        self.export_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.status.setText("Exporting…")
        self._running = True
        handle = self.runner.start("export", task, on_finished=self._finished, on_failed=self._failed,
                                   on_progress=self._progress, on_cancelled=self._cancelled)
        self.handle = handle if self._running else None  # a synchronous runner has already finished

    def cancel_export(self) -> None:
        if self.handle is not None:
            self.handle.cancel()

    def _progress(self, fraction: float, text: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        if text:
            self.status.setText(text)

    def _done(self) -> None:
        self._running = False
        self.handle = None
        self.cancel_button.setEnabled(False)
        self.export_button.setEnabled(True)

    def _finished(self, results: list) -> None:
        self._done()
        self.results = list(results)
        self.progress.setValue(1000)
        self.status.setText("Exported (signed):\n" + "\n".join(str(r.path) for r in self.results))
        self.exported.emit(self.results)

    def _failed(self, exc: BaseException) -> None:
        self._done()
        self.error = str(exc)
        if isinstance(exc, UnusableWorkError):
            self.unusable = exc
            self.status.setText(f"Export failed: {unusable_message(exc, self.project)}")
            self.without_button.setVisible(exc.suggestion_id is not None)
        else:
            self.status.setText(f"Export failed: {exc}")

    def _cancelled(self) -> None:
        self._done()
        self.progress.setValue(0)
        self.status.setText("Export cancelled; nothing was written.")
