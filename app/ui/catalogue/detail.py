"""One work's detail for the Catalogue panel: facts, contributors and splits (editable, validated), the
consent state per contributor with grant/revoke buttons, and the consent history.

The view never writes: it emits requests that the panel carries out on a worker (DESIGN.md §2).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.catalogue.records import PENDING, REVOKED, ROLES, USABLE, WorkDetail
from app.core.catalogue.splits import bp_to_percent, percent_to_bp, validate_contributors
from app.core.catalogue.types import ContributorConsent, ContributorShare
from app.core.errors import AccordError
from app.ui.catalogue.melody_choice import MelodySourceBox
from app.ui.theme import COLOURS

STATE_COLOURS = dict(COLOURS.consent_text)  # text: light, readable on the dark theme
STATE_TINTS = dict(COLOURS.consent_tint)  # cell backgrounds: dark tints


def state_colour(state: str) -> QColor:
    return QColor(STATE_COLOURS.get(state, COLOURS.neutral))


def state_tint(state: str) -> QColor:
    return QColor(STATE_TINTS.get(state, COLOURS.consent_tint_other))


def _table(headers: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().setVisible(False)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    return t


class WorkDetailView(QWidget):
    grantRequested = Signal(int, object, str)  # work id, contributor name or None (= all), note
    revokeRequested = Signal(int, object, str)
    contributorsSaveRequested = Signal(int, list)  # work id, list[ContributorShare]
    removeRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.detail: WorkDetail | None = None
        layout = QVBoxLayout(self)
        self.heading = QLabel("Select a work to see its contributors and consent.")
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.heading)
        self.facts = QFormLayout()
        self.facts_box = QGroupBox("Work")
        self.facts_box.setLayout(self.facts)
        layout.addWidget(self.facts_box)
        self.melody_box = MelodySourceBox()  # filled by the panel's MelodyChoiceActions (melody_choice.py)
        layout.addWidget(self.melody_box)

        splits = QGroupBox("Contributors and splits")
        sv = QVBoxLayout(splits)
        self.contributors = _table(["Name", "Role", "Split %"])
        self.contributors.setMinimumHeight(100)
        self.contributors.itemChanged.connect(lambda _item: self.validate_splits())
        sv.addWidget(self.contributors)
        row = QHBoxLayout()
        self.add_contributor = QPushButton("Add contributor")
        self.add_contributor.clicked.connect(lambda: self._add_contributor_row(ContributorShare("", "composer", 0)))
        self.remove_contributor = QPushButton("Remove selected")
        self.remove_contributor.clicked.connect(self._remove_contributor_row)
        self.save_splits = QPushButton("Save splits")
        self.save_splits.clicked.connect(self._save_splits)
        for b in (self.add_contributor, self.remove_contributor, self.save_splits):
            row.addWidget(b)
        sv.addLayout(row)
        self.splits_message = QLabel("")
        self.splits_message.setWordWrap(True)
        sv.addWidget(self.splits_message)
        layout.addWidget(splits)

        consent = QGroupBox("Consent")
        cv = QVBoxLayout(consent)
        self.consent_state = QLabel("")
        cv.addWidget(self.consent_state)
        self.consent_table = _table(["Contributor", "Consent", "", ""])
        self.consent_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.consent_table.horizontalHeader().setStretchLastSection(False)
        self.consent_table.setMinimumHeight(110)
        cv.addWidget(self.consent_table)
        self.note = QLineEdit()
        self.note.setPlaceholderText("Note for the ledger (e.g. where consent was given)")
        cv.addWidget(self.note)
        row = QHBoxLayout()
        self.grant_all = QPushButton("Grant for all")
        self.grant_all.clicked.connect(lambda: self._request(self.grantRequested, None))
        self.revoke_all = QPushButton("Revoke for all")
        self.revoke_all.clicked.connect(lambda: self._request(self.revokeRequested, None))
        row.addWidget(self.grant_all)
        row.addWidget(self.revoke_all)
        cv.addLayout(row)
        self.history = _table(["#", "When (UTC)", "Contributor", "Action", "Recorded by", "Note"])
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history.setMinimumHeight(150)
        cv.addWidget(QLabel("History (append-only ledger)"))
        cv.addWidget(self.history)
        layout.addWidget(consent)

        self.remove = QPushButton("Remove work from catalogue…")
        self.remove.clicked.connect(lambda: self.detail and self.removeRequested.emit(self.detail.id))
        layout.addWidget(self.remove)
        self.show_detail(None)

    # -- filling --------------------------------------------------------------------------------------------
    def show_detail(self, detail: WorkDetail | None, badges: list[ContributorConsent] | None = None) -> None:
        """`badges`: Catalogue.contributor_consent (signed with key / recorded by you / pending / revoked)."""
        self.detail = detail
        enabled = detail is not None and not detail.summary.state.removed
        for w in (self.facts_box, self.contributors, self.add_contributor, self.remove_contributor,
                  self.save_splits, self.consent_table, self.note, self.grant_all, self.revoke_all, self.remove):
            w.setEnabled(enabled)
        while self.facts.rowCount():
            self.facts.removeRow(0)
        self.contributors.blockSignals(True)
        self.contributors.setRowCount(0)
        self.contributors.blockSignals(False)
        self.consent_table.setRowCount(0)
        self.history.setRowCount(0)
        if detail is None:
            self.heading.setText("Select a work to see its contributors and consent.")
            self.consent_state.setText("")
            self.splits_message.setText("")
            return
        s = detail.summary
        self.heading.setText(f"{s.title}  (work {s.id}, {s.kind})")
        for label, value in (("File", s.path), ("Content hash", s.sha256[:16] + "…"), ("Melody", detail.source_detail),
                             ("Notes", str(s.note_count)), ("Key", detail.key or "unknown"),
                             ("Time signature", detail.time_signature),
                             ("Tempo", f"{detail.tempo_bpm:g} BPM" if detail.tempo_bpm else "unknown")):
            value_label = QLabel(value)
            value_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            # a transcription's source line ("…at 180 BPM 4/4 (the song's beat)") ran past a laptop's dock
            value_label.setWordWrap(True)
            self.facts.addRow(label, value_label)
        self.contributors.blockSignals(True)
        for c in s.contributors:
            self._add_contributor_row(c)
        self.contributors.blockSignals(False)
        self.validate_splits()
        self.consent_state.setText(f"State: {s.state.label}")
        self.consent_state.setStyleSheet(f"color: {STATE_COLOURS.get(s.state.state, COLOURS.neutral)}; font-weight: bold")
        self._fill_consent(detail, badges)
        for e in reversed(detail.history):
            r = self.history.rowCount()
            self.history.insertRow(r)
            for col, text in enumerate((str(e.id), e.recorded_at[:19].replace("T", " "), e.contributor, e.action,
                                        e.recorded_by, e.note)):
                item = QTableWidgetItem(text)
                if col == 3:
                    item.setForeground(QBrush(state_colour(USABLE if e.action == "grant" else REVOKED)))
                self.history.setItem(r, col, item)

    def _fill_consent(self, detail: WorkDetail, badges: list[ContributorConsent] | None) -> None:
        from app.ui.catalogue.consent import badge_state, badge_text

        latest: dict[str, str] = {}
        for e in detail.history:
            if e.use == detail.summary.state.use:
                latest[e.contributor] = e.action
        by_name = {b.name: b for b in badges or []}
        for name in dict.fromkeys(c.name for c in detail.summary.contributors):
            r = self.consent_table.rowCount()
            self.consent_table.insertRow(r)
            self.consent_table.setItem(r, 0, QTableWidgetItem(name))
            badge = by_name.get(name)
            if badge is not None:
                item = QTableWidgetItem(badge_text(badge))
                item.setForeground(QBrush(state_colour(badge_state(badge))))
                item.setToolTip(f"key {badge.key_id}" if badge.key_id else "")
            else:
                word = {"grant": "granted", "revoke": "revoked"}.get(latest.get(name, ""), "not yet asked")
                item = QTableWidgetItem(word)
                item.setForeground(QBrush(state_colour({"granted": USABLE, "revoked": REVOKED}.get(word, PENDING))))
            self.consent_table.setItem(r, 1, item)
            grant = QPushButton("Grant")
            grant.setObjectName(f"grant:{name}")
            grant.clicked.connect(lambda _c=False, n=name: self._request(self.grantRequested, n))
            revoke = QPushButton("Revoke")
            revoke.setObjectName(f"revoke:{name}")
            revoke.clicked.connect(lambda _c=False, n=name: self._request(self.revokeRequested, n))
            self.consent_table.setCellWidget(r, 2, grant)
            self.consent_table.setCellWidget(r, 3, revoke)

    def _request(self, signal, contributor: str | None) -> None:
        if self.detail is not None:
            signal.emit(self.detail.id, contributor, self.note.text().strip())

    # -- splits -----------------------------------------------------------------------------------------------
    def _add_contributor_row(self, c: ContributorShare) -> None:
        r = self.contributors.rowCount()
        self.contributors.insertRow(r)
        self.contributors.setItem(r, 0, QTableWidgetItem(c.name))
        role = QComboBox()
        role.addItems(list(ROLES))
        role.setCurrentText(c.role if c.role in ROLES else "other")
        role.currentTextChanged.connect(lambda _t: self.validate_splits())
        self.contributors.setCellWidget(r, 1, role)
        self.contributors.setItem(r, 2, QTableWidgetItem(bp_to_percent(c.split_bp)))
        self.validate_splits()

    def _remove_contributor_row(self) -> None:
        r = self.contributors.currentRow()
        if r >= 0:
            self.contributors.removeRow(r)
            self.validate_splits()

    def edited_contributors(self) -> list[ContributorShare]:
        """The table as contributors; raises AccordError naming the bad row or field."""
        shares = []
        for r in range(self.contributors.rowCount()):
            name_item, split_item = self.contributors.item(r, 0), self.contributors.item(r, 2)
            role = self.contributors.cellWidget(r, 1)
            name = name_item.text().strip() if name_item else ""
            split = percent_to_bp(split_item.text() if split_item else "", field=f"row {r + 1} split")
            shares.append(ContributorShare(name, role.currentText() if isinstance(role, QComboBox) else "other", split))
        return validate_contributors(shares)

    def validate_splits(self) -> bool:
        try:
            self.edited_contributors()
        except AccordError as exc:
            self.splits_message.setText(str(exc))
            self.splits_message.setStyleSheet(f"color: {STATE_COLOURS[REVOKED]}")
            self.save_splits.setEnabled(False)
            return False
        self.splits_message.setText("Splits add up to 100 %.")
        self.splits_message.setStyleSheet(f"color: {STATE_COLOURS[USABLE]}")
        self.save_splits.setEnabled(self.detail is not None and not self.detail.summary.state.removed)
        return True

    def _save_splits(self) -> None:
        if self.detail is not None and self.validate_splits():
            self.contributorsSaveRequested.emit(self.detail.id, self.edited_contributors())
