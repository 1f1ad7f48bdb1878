"""The consent ledger: append-only through SQLite triggers, and a hash chain the audit re-checks."""

from __future__ import annotations

import sqlite3

import pytest

from app.core.catalogue import Catalogue, ContributorShare
from app.core.catalogue.integrity.ledger import GENESIS_HASH, entry_hash
from app.core.errors import ConsentError
from tests.helpers.catalogue_files import melody


@pytest.fixture
def filled(tmp_path):
    path = tmp_path / "catalogue.sqlite"  # the name AccordHome uses, so the CLI finds it with --home
    with Catalogue.open(path) as cat:
        shares = [ContributorShare("Ann", "composer", 5000), ContributorShare("Bo", "performer", 5000)]
        for i in range(3):
            w = cat.add_work(melody([60 + i, 62, 64]), title=f"w{i}", contributors=shares)
            cat.record_consent(w, "grant", note=f"form {i}")
        cat.record_consent(1, "revoke", contributor="Bo")
        assert cat.audit().ok and cat.audit().entries_checked == 7
    return path


def _hand_edit(path, *statements):
    """What someone with the sqlite3 shell would do: drop the guard triggers, then change rows."""
    conn = sqlite3.connect(str(path))
    conn.execute("DROP TRIGGER IF EXISTS consent_ledger_no_update")
    conn.execute("DROP TRIGGER IF EXISTS consent_ledger_no_delete")
    for s in statements:
        conn.execute(s)
    conn.commit()
    conn.close()


def test_chain_links_each_entry_to_the_previous_one(filled):
    with Catalogue.open(filled) as cat:
        rows = cat._conn.execute("SELECT id, prev_hash, entry_hash FROM consent_ledger ORDER BY id").fetchall()
        events = cat.consent_history(1)
    assert rows[0][1] == GENESIS_HASH
    assert all(b[1] == a[2] for a, b in zip(rows, rows[1:], strict=False))
    e = events[0]
    assert entry_hash(id=e.id, work_id=e.work_id, contributor=e.contributor, use=e.use, action=e.action,
                      recorded_at=e.recorded_at, recorded_by=e.recorded_by, note=e.note,
                      prev_hash=e.prev_hash) == e.entry_hash


def test_triggers_refuse_update_and_delete(filled):
    with Catalogue.open(filled) as cat:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            cat._conn.execute("UPDATE consent_ledger SET action = 'grant' WHERE id = 7")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            cat._conn.execute("DELETE FROM consent_ledger WHERE id = 7")
        assert cat.work_state(1).state == "revoked"


def test_audit_catches_an_edited_row(filled):
    _hand_edit(filled, "UPDATE consent_ledger SET action = 'grant' WHERE id = 7")
    with Catalogue.open(filled) as cat:
        result = cat.audit()
        assert not result.ok and result.broken_entry_id == 7 and "changed" in result.reason
        assert cat.work_state(1).usable  # the edit "worked" — which is exactly what the audit exposes
        with pytest.raises(ConsentError, match="fails its audit .*entry 7"):
            cat.usable_works()  # fails closed: a forged grant never reaches a model
        assert len(cat.usable_works(verify_ledger=False)) == 3


def test_audit_catches_an_edited_note_in_the_middle(filled):
    _hand_edit(filled, "UPDATE consent_ledger SET note = 'forged' WHERE id = 3")
    with Catalogue.open(filled) as cat:
        result = cat.audit()
    assert (result.ok, result.broken_entry_id, result.entries_checked) == (False, 3, 3)


def test_audit_catches_a_rehashed_row_by_the_next_link(filled):
    with Catalogue.open(filled) as cat:
        e = cat.consent_history(2)[0]
    forged = entry_hash(id=e.id, work_id=e.work_id, contributor=e.contributor, use=e.use, action="revoke",
                        recorded_at=e.recorded_at, recorded_by=e.recorded_by, note=e.note, prev_hash=e.prev_hash)
    _hand_edit(filled, f"UPDATE consent_ledger SET action = 'revoke', entry_hash = '{forged}' WHERE id = {e.id}")
    with Catalogue.open(filled) as cat:
        result = cat.audit()
    assert not result.ok and result.broken_entry_id == e.id + 1 and "does not link" in result.reason


def test_audit_catches_deleted_rows(filled):
    _hand_edit(filled, "DELETE FROM consent_ledger WHERE id = 4")
    with Catalogue.open(filled) as cat:
        result = cat.audit()
    assert not result.ok and result.broken_entry_id == 5


def test_audit_catches_a_cut_off_tail(filled):
    _hand_edit(filled, "DELETE FROM consent_ledger WHERE id = 7")
    with Catalogue.open(filled) as cat:
        result = cat.audit()
        assert not result.ok and result.broken_entry_id == 7 and "deleted from the end" in result.reason


def test_cli_audit_reports_the_first_broken_link(filled, capsys):
    from app.cli.main import main

    _hand_edit(filled, "UPDATE consent_ledger SET contributor = 'Mallory' WHERE id = 2")
    assert main(["--home", str(filled.parent), "catalogue", "audit"]) == 1
    assert "BROKEN at entry 2" in capsys.readouterr().out


def test_appending_after_an_audit_keeps_the_chain(filled):
    with Catalogue.open(filled) as cat:
        cat.record_consent(1, "grant", contributor="Bo")
        result = cat.audit()
    assert result.ok and result.entries_checked == 8
