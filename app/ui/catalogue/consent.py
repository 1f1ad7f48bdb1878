"""Signed consent in the Catalogue panel: per-contributor badges, "Request consent…", "Import reply…", and
the banner (with "Repair…") shown when the catalogue fails its audit.

The request is built and signed on the GUI thread (a few works, one Ed25519 signature: instant); importing a
reply and repairing write the catalogue, so they go through the panel's worker like every other write.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.catalogue.types import ContributorConsent
from app.core.errors import AccordError
from app.ui.catalogue.detail import STATE_COLOURS

if TYPE_CHECKING:
    from app.core.catalogue import AuditResult
    from app.ui.catalogue.panel import CataloguePanel

REQUEST_FILTER = "Accord consent request (*.accordconsent)"
REPLY_FILTER = "Accord consent reply (*.accordconsent);;All files (*)"
REPAIR_TITLE = "Repair the catalogue?"
REPAIR_TEXT = ("Accord will accept the catalogue's rows as they are now, void the consent you recorded yourself "
               "for the works concerned, and re-record only the consent your contributors signed. Works without "
               "signed consent become pending until you record or request it again. Continue?")


def badge_text(c: ContributorConsent) -> str:
    """What a contributor's consent rests on, as the artist reads it."""
    if c.badge == "signed":
        return f"signed (key {c.key_id[:16]}…)" if c.key_id else "signed"
    if c.badge == "recorded":
        return "recorded by you"
    return {"revoked": "revoked", "pending": "pending"}.get(c.badge, c.badge)


def badge_state(c: ContributorConsent) -> str:
    """The colour state of a badge (usable/pending/revoked, as the table's consent column)."""
    return {"signed": "usable", "recorded": "usable", "revoked": "revoked"}.get(c.badge, "pending")


class AuditBanner(QFrame):
    """Shown only while the catalogue fails its audit: which work, why, and a Repair… button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("auditBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        row = QHBoxLayout(self)
        self.text = QLabel("")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setStyleSheet(f"color: {STATE_COLOURS['revoked']}; font-weight: bold")
        self.repair_button = QPushButton("Repair…")
        self.repair_button.setToolTip("Keep the rows as they are and trust only consent the contributors signed")
        row.addWidget(self.text, 1)
        row.addWidget(self.repair_button)
        self.setVisible(False)

    def show_audit(self, audit: AuditResult | None, error: str = "") -> None:
        if error:
            self.text.setText(f"The catalogue could not be checked: {error}")
        elif audit is None or audit.ok:
            self.setVisible(False)
            return
        else:
            where = f"work {audit.work_id}: " if audit.work_id is not None else ""
            self.text.setText(f"The catalogue fails its audit ({where}{audit.reason}). Nothing can be trained, "
                              "suggested or signed from it until it is repaired or restored from a backup.")
        self.setVisible(True)


class RequestMessageDialog(QDialog):
    """The note to send with a request file, in a box the artist can select and copy."""

    def __init__(self, text: str, file_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Send this consent request")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Saved {file_path}. Send that file to each contributor with this note:"))
        self.box = QPlainTextEdit(text)
        self.box.setReadOnly(True)
        layout.addWidget(self.box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = buttons.addButton("Copy", QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.box.toPlainText()))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(560, 220)


class ConsentActions:
    """The panel's signed-consent actions. `ask_save`/`ask_open` return a path or None (a file dialog by
    default; tests pass their own); `show_message(text, path)` shows the note to send."""

    def __init__(self, panel: CataloguePanel, *, ask_save: Callable[[str], Path | None] | None = None,
                 ask_open: Callable[[], Path | None] | None = None,
                 show_message: Callable[[str, Path], Any] | None = None) -> None:
        self.panel = panel
        self.ask_save = ask_save or self._save_dialog
        self.ask_open = ask_open or self._open_dialog
        self.show_message = show_message or self._message_dialog
        self.last_message = ""
        self.dialog: RequestMessageDialog | None = None

    def _save_dialog(self, suggested: str) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(self.panel, "Save consent request", str(Path.home() / suggested),
                                              REQUEST_FILTER)
        return Path(path) if path else None

    def _open_dialog(self) -> Path | None:
        path, _ = QFileDialog.getOpenFileName(self.panel, "Import consent reply", str(Path.home()), REPLY_FILTER)
        return Path(path) if path else None

    def _message_dialog(self, text: str, path: Path) -> None:
        self.dialog = RequestMessageDialog(text, path, self.panel)
        self.dialog.show()

    def request(self, work_ids: Sequence[int]) -> Path | None:
        """Build, sign and save a request for `work_ids`; None when nothing was selected or the save was declined."""
        from app.core.provenance.consent import (
            DEFAULT_TERMS,
            build_request,
            request_message,
            write_consent_file,
        )
        from app.core.provenance.identity import ensure_identity

        panel = self.panel
        if not work_ids:
            panel._set_status("Select the works to ask consent for first.", error=True)
            return None
        try:
            works = panel.catalogue().consent_request_works(list(work_ids))
            name = "consent request" if len(works) != 1 else f"consent request – {works[0].get('title', '')}"
            path = self.ask_save(_safe_file_name(name) + ".accordconsent")
            if path is None:
                panel._set_status("No consent request was saved.")
                return None
            identity = ensure_identity(panel.catalogue().keys_dir)
            request = build_request(works, use=panel.use, terms=DEFAULT_TERMS, identity=identity)
            out = write_consent_file(request, path)
        except AccordError as exc:
            panel._set_status(str(exc), error=True)
            return None
        names = sorted({c["name"] for w in works for c in w.get("contributors") or []})
        panel._set_status(f"Saved the consent request for {len(works)} work(s) to {out.name}; "
                          f"send it to {', '.join(names) or 'the contributors'}.")
        self.last_message = request_message(identity.name, len(works), out.name)
        self.show_message(self.last_message, out)
        return out

    def import_reply(self, path: Path | None = None) -> Any:
        path = path or self.ask_open()
        if path is None:
            return None

        def done(imported: Any) -> str:
            works = sorted({i.work_id for i in imported})
            people = sorted({i.contributor for i in imported})
            return (f"Imported {len(imported)} signed statement(s) from {Path(path).name}: "
                    f"{', '.join(people)} for work(s) {', '.join(map(str, works))}.")

        return self.panel._write("import consent reply", lambda c: c.import_consent_reply(path, use=self.panel.use), done)

    def repair(self) -> Any:
        if not self.panel._confirm(REPAIR_TITLE, REPAIR_TEXT):
            self.panel._set_status("Nothing was repaired.")
            return None

        def done(notes: list[str]) -> str:
            return "Repaired the catalogue: " + ("; ".join(notes) if notes else "it already passed its audit") + "."

        return self.panel._write("repair catalogue", lambda c: c.repair(), done)


def _safe_file_name(text: str) -> str:
    """A file name that every OS accepts (keeps letters, digits, spaces, dashes incl. the en dash)."""
    cleaned = "".join(ch if ch.isalnum() or ch in " -–_.,#()'" else "_" for ch in text).strip(" .")
    return cleaned[:120] or "untitled"
