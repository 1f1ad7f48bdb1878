"""Signed consent in the Catalogue panel (offscreen, real catalogue, real request/reply files and keys)."""

from __future__ import annotations

import sqlite3

from app.core.catalogue import Catalogue
from app.core.provenance.consent import REQUEST_FORMAT, read_consent_file, sign_reply, write_consent_file
from app.core.provenance.identity import create_identity
from app.ui.catalogue.consent import REPAIR_TITLE, ConsentActions
from tests.gui.test_catalogue_panel import Confirm, make_panel, path  # noqa: F401 — the fixture

__all__ = ["path"]


def _wire(panel, tmp_path, *, save_as="req.accordconsent", reply=None):
    shown = []
    panel.consent = ConsentActions(panel, ask_save=lambda suggested: tmp_path / save_as,
                                   ask_open=lambda: reply, show_message=lambda text, p: shown.append((text, p)))
    return shown


def _badges(panel):
    t = panel.detail.consent_table
    return {t.item(r, 0).text(): t.item(r, 1).text() for r in range(t.rowCount())}


def test_badges_request_and_signed_reply(qtbot, path, tmp_path):  # noqa: F811 — pytest fixture
    create_identity(path.parent / "keys", "Ria Artist")
    panel = make_panel(qtbot, path)
    panel.select_work(1)
    assert _badges(panel) == {"Ann": "recorded by you", "Bo": "recorded by you"}
    panel.select_work(3)
    assert _badges(panel) == {"Ann": "recorded by you", "Bo": "revoked"}
    panel.select_work(2)
    assert _badges(panel) == {"Ann": "pending", "Bo": "pending"}

    # Request consent… for two selected works: a signed request file and the note to send.
    panel.table.selectRow(1)
    model = panel.table.selectionModel()
    model.select(panel.table.model().index(0, 0), model.SelectionFlag.Select | model.SelectionFlag.Rows)
    assert panel.selected_work_ids() == [1, 2]  # extended selection
    shown = _wire(panel, tmp_path)
    panel.request_button.click()
    out = tmp_path / "req.accordconsent"
    request = read_consent_file(out, REQUEST_FORMAT)  # the signature verifies
    assert [w["id"] for w in request["works"]] == [1, 2] and request["signer"]["name"] == "Ria Artist"
    (text, p), = shown
    assert p == out and "Ria Artist asks" in text and "2 work(s)" in text and out.name in text
    assert "send it to Ann, Bo" in panel.status.text()

    # Bo signs a grant with his own key; Import reply… records it, and the badge shows his key.
    bo = create_identity(tmp_path / "bo-keys", "Bo")
    reply = write_consent_file(sign_reply(request, bo, decision="grant"), tmp_path / "reply.accordconsent")
    _wire(panel, tmp_path, reply=reply)
    panel.select_work(2)
    with qtbot.waitSignal(panel.catalogueChanged, timeout=5000):
        panel.reply_button.click()
    assert "Imported 2 signed statement(s)" in panel.status.text() and "Bo" in panel.status.text()
    assert _badges(panel) == {"Ann": "pending", "Bo": f"signed (key {bo.key_id[:16]}…)"}
    assert panel.state_text(2) == "pending (Ann)"


def test_a_bad_reply_is_reported_and_nothing_is_imported(qtbot, path, tmp_path):  # noqa: F811
    bad = tmp_path / "reply.accordconsent"
    bad.write_text('{"format": "something else"}', encoding="utf-8")
    panel = make_panel(qtbot, path)
    _wire(panel, tmp_path, reply=bad)
    panel.reply_button.click()
    assert "is not an Accord consent reply" in panel.status.text() and "reply.accordconsent" in panel.status.text()
    assert panel.state_text(2) == "pending (Ann, Bo)"


def test_request_with_nothing_selected_or_declined_save(qtbot, path, tmp_path):  # noqa: F811
    panel = make_panel(qtbot, path)
    shown = _wire(panel, tmp_path)
    panel.table.clearSelection()
    panel.request_button.click()
    assert "Select the works" in panel.status.text() and not shown
    panel.consent.ask_save = lambda suggested: None
    panel.select_work(1)
    assert panel.consent.request([1]) is None and "No consent request" in panel.status.text() and not shown


def test_audit_banner_and_repair_after_confirmation(qtbot, path):  # noqa: F811
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("UPDATE contributors SET split_bp = 9000 WHERE work_id = 1 AND name = 'Ann'")
    conn.execute("UPDATE contributors SET split_bp = 1000 WHERE work_id = 1 AND name = 'Bo'")
    conn.close()
    confirm = Confirm(False)
    panel = make_panel(qtbot, path, confirm=confirm)
    assert not panel.audit_banner.isHidden()
    assert "work 1" in panel.audit_banner.text.text() and "splits" in panel.audit_banner.text.text()
    panel.audit_banner.repair_button.click()
    assert confirm.asked[0][0] == REPAIR_TITLE and "Nothing was repaired" in panel.status.text()
    assert not panel.audit_banner.isHidden()
    confirm.answer = True
    with qtbot.waitSignal(panel.catalogueChanged, timeout=5000):
        panel.audit_banner.repair_button.click()
    assert panel.audit_banner.isHidden() and "Repaired the catalogue" in panel.status.text()
    with Catalogue.open(path) as cat:
        assert cat.audit().ok and 1 not in cat.usable_work_ids()  # recorded consent was voided


def test_the_audit_runs_on_a_worker_thread(qtbot, path):  # noqa: F811
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("UPDATE works SET removed_at = '2026-01-01T00:00:00Z' WHERE id = 2")
    conn.close()
    panel = make_panel(qtbot, path, synchronous=False)
    qtbot.waitUntil(lambda: not panel.audit_banner.isHidden(), timeout=10000)
    assert "work 2" in panel.audit_banner.text.text()
    assert panel.runner.wait(10000)
    panel.close_catalogue()
