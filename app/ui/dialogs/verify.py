"""File → Verify…: check a file's signed provenance. Drop files on the dialog or open them; each shows
its status (verified / tampered / invalid-signature / unknown-signer / no-provenance) and the record in
readable form, with the consent summary of its training works. A file whose tags hold no record is searched
for the keyed audio watermark (the record it names comes from this machine's export log); that detection
takes a second or more per file, so it runs with the rest on the task runner, never on the GUI thread.
Constructor: `VerifyDialog(project, home, runner)`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.audio.formats import AUDIO_EXTENSIONS
from app.core.errors import AccordError
from app.core.home import AccordHome
from app.core.provenance.readable import describe_record
from app.ui.theme import COLOURS

STATUS_TEXT = {
    "verified": ("✔ Verified", COLOURS.verified),
    "tampered": ("✖ Tampered: the content changed after signing", COLOURS.failed),
    "invalid-signature": ("✖ Invalid signature: the record was edited", COLOURS.failed),
    "unknown-signer": ("? Unknown signer: not in your trust list", COLOURS.warning),
    "no-provenance": ("– No provenance record", COLOURS.neutral),
    "found-by-watermark": ("≈ Found by watermark, not by tag: the file was converted, cut or re-encoded",
                           COLOURS.warning),
    "error": ("✖ Cannot read this file", COLOURS.failed),
}
# every audio type Accord reads (an .m4a copy is checked for its watermark), and MIDI
FILE_FILTER = ("Audio and MIDI (" + " ".join(f"*{e}" for e in sorted(AUDIO_EXTENSIONS)) + " *.mid *.midi);;"
               "All files (*)")


class VerifyDialog(QDialog):
    """Drop or open files; `verified` fires with the list of results (VerifyResult or error dicts)."""

    verified = Signal(object)

    def __init__(self, project: Any, home: AccordHome, runner: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("VerifyDialog")
        self.setWindowTitle("Verify provenance")
        self.setAcceptDrops(True)
        self.project, self.home, self.runner = project, home, runner
        self.results: list[Any] = []
        self.watermarks: dict[int, Any] = {}  # result index → WatermarkReport (files without a tag record, or tampered)
        self.handle = None
        hint = QLabel("Drop audio or MIDI files here, or open them. Trust comes from your own list of keys "
                      "(accord identity trust), never from the file.")
        hint.setWordWrap(True)
        self.files = QListWidget()
        self.files.currentRowChanged.connect(self._show)
        self.status = QLabel("")
        self.status.setObjectName("VerifyStatus")
        self.status.setWordWrap(True)
        self.reason = QLabel("")
        self.reason.setWordWrap(True)
        self.watermark = QLabel("")
        self.watermark.setObjectName("VerifyWatermark")
        self.watermark.setWordWrap(True)
        self.watermark.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.consent = QLabel("")
        self.consent.setObjectName("VerifyConsent")
        self.consent.setWordWrap(True)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        open_button = QPushButton("Open files…")
        open_button.clicked.connect(self._open)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.addButton(open_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        for w in (hint, self.files, self.status, self.reason, self.watermark, self.consent):
            layout.addWidget(w)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)
        self.resize(600, 520)

    # --- input ---------------------------------------------------------------------------------------
    def _open(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Verify files", str(Path.home()), FILE_FILTER)
        if paths:
            self.verify_paths([Path(p) for p in paths])

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.verify_paths(paths)

    # --- work ----------------------------------------------------------------------------------------
    def verify_paths(self, paths: list[Path]) -> None:
        keys_dir = self.home.keys_dir
        root = keys_dir / "c2pa" / "root.pem"
        catalogue_path = self.home.catalogue_path

        def task(progress, cancel):
            from app.core.provenance.identity import TrustList
            from app.core.provenance.verify import verify_file

            trust = TrustList.load(keys_dir)
            root_pem = root.read_text("ascii") if root.exists() else None
            out: list[Any] = []
            marks: dict[int, Any] = {}
            records: list[list[dict]] = []  # the export log, read once and only if a file needs it
            for i, path in enumerate(paths):
                cancel.check()
                progress(i / len(paths), f"verifying {path.name}")
                try:
                    out.append(verify_file(path, trust, check_c2pa=True, c2pa_root_pem=root_pem))
                except AccordError as exc:
                    out.append({"path": path, "status": "error", "reason": str(exc)})
                status = out[-1]["status"] if isinstance(out[-1], dict) else out[-1].status
                if status in ("no-provenance", "error", "tampered") and path.is_file():
                    progress((i + 0.5) / len(paths), f"looking for a watermark in {path.name}")
                    if not records:
                        records.append(_log_records(catalogue_path))
                    # a tampered file's own record too: a converted copy's mark names it on any machine
                    own = [out[-1].record] if status == "tampered" and out[-1].record else []
                    marks[i] = _inspect(path, trust, [*own, *records[0]])
            return out, marks

        self.status.setText("Verifying…")
        self.handle = self.runner.start("verify", task, on_finished=self._finished, on_failed=self._failed)

    def _finished(self, found: tuple[list[Any], dict[int, Any]]) -> None:
        results, self.watermarks = found
        self.handle = None
        self.results = list(results)
        self.files.clear()
        for r in self.results:
            status = r["status"] if isinstance(r, dict) else r.status
            path = r["path"] if isinstance(r, dict) else r.path
            mark = self.watermarks.get(self.files.count())
            if mark is not None and mark.present and status != "tampered":  # tampered stays tampered, mark or not
                status = "found-by-watermark"
            item = QListWidgetItem(f"{STATUS_TEXT[status][0].split(':')[0]}  —  {Path(path).name}")
            item.setData(Qt.ItemDataRole.UserRole, status)
            self.files.addItem(item)
        if self.results:
            self.files.setCurrentRow(0)
        self.verified.emit(self.results)

    def _failed(self, exc: BaseException) -> None:
        self.handle = None
        self.status.setText(f"Verification failed: {exc}")

    def _show(self, row: int) -> None:
        if not 0 <= row < len(self.results):
            return
        r = self.results[row]
        if isinstance(r, dict):
            status, reason, record, c2pa = r["status"], r["reason"], None, None
        else:
            status, reason, record, c2pa = r.status, r.reason, r.record, r.c2pa
        mark = self.watermarks.get(row)
        consent = None if isinstance(r, dict) else r.consent
        if mark is not None and mark.present and status != "tampered":
            status, record = "found-by-watermark", mark.record
            consent = _consent_of(mark.record, self.home.keys_dir) if mark.record else None
        text, colour = STATUS_TEXT[status]
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {colour}; font-weight: bold;")
        self.reason.setText(reason)
        self.watermark.setText(watermark_text(mark) if mark is not None else "")
        self.consent.setText(f"Consent: {consent['summary']}" if consent and consent.get("summary") else "")
        lines = describe_record(record) if record else []
        if c2pa and c2pa.get("present"):
            lines.append(f"C2PA manifest: {c2pa.get('state')}")
        self.details.setPlainText("\n".join(lines))


def watermark_text(report: Any) -> str:
    """The watermark fallback in words: found or not, its id, how sure, whose key, the record's signature."""
    if not report.present:
        return f"Watermark: none found ({report.message})."
    d = report.detection
    owner = report.owner.name if report.owner is not None else "an unknown key"
    parts = [f"Watermark {d.wm_hex} found ({d.confidence:.4%} confidence), made with {owner}'s key."]
    if report.record is None:
        parts.append("No record with this id is known on this machine (it is not in your export log).")
    else:
        parts.append("The record it names is signed and intact." if report.signature_ok
                     else "The record it names does NOT verify: it was edited.")
    return " ".join(parts)


def _log_records(catalogue_path: Path) -> list[dict]:
    """Records in this machine's export log that name a watermark ([] without a readable catalogue)."""
    if not catalogue_path.exists():
        return []
    from app.core.catalogue.store import Catalogue
    from app.core.provenance.watermark.lookup import records_from_log

    try:
        with Catalogue.open(catalogue_path) as catalogue:
            return records_from_log(catalogue)
    except AccordError:
        return []


def _inspect(path: Path, trust: Any, records: list[dict]) -> Any:
    from app.core.provenance.watermark.lookup import WatermarkReport, inspect_file

    try:
        return inspect_file(path, trust, records)
    except AccordError as exc:  # not audio we can decode: say so beside the tag result
        return WatermarkReport(path, None, None, None, False, f"the sound could not be read: {exc.reason}")


def _consent_of(record: dict, keys_dir: Path) -> dict | None:
    from app.core.provenance.consent import consent_evidence
    from app.core.provenance.identity import TrustList

    try:
        return consent_evidence(record, TrustList.load(keys_dir))
    except (AccordError, KeyError, TypeError, ValueError):
        return None
