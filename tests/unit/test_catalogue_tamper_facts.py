"""Each catalogue edit from issue 12's "Why" list, made with plain sqlite3 (another tool): the audit fails
naming the work, and nothing is usable until the catalogue is restored or repaired."""

from __future__ import annotations

import sqlite3

import pytest

from app.core.catalogue import Catalogue, ContributorShare
from app.core.catalogue.integrity.anchor import head_path
from app.core.errors import ConsentError
from tests.helpers.catalogue_files import melody

SHARES = [ContributorShare("Ann", "composer", 5000), ContributorShare("Jo Lee", "lyricist", 5000)]


@pytest.fixture
def cat_path(tmp_path):
    """Work 1 granted by both; work 2 revoked by Jo Lee; work 3 removed."""
    path = tmp_path / "catalogue.sqlite"
    with Catalogue.open(path) as cat:
        for i in range(3):
            cat.add_work(melody([60 + i, 62 + i, 64, 65]), title=f"Song {i + 1}", contributors=SHARES)
            cat.record_consent(i + 1, "grant")
        cat.record_consent(2, "revoke", contributor="Jo Lee")
        cat.remove_work(3)
        assert cat.audit().ok
        assert [w.id for w in cat.usable_works()] == [1]
    return path


def _edit(path, *sql):
    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        conn.execute("DROP TRIGGER IF EXISTS consent_ledger_no_delete")  # a determined editor drops triggers
        for statement in sql:
            conn.execute(statement)
    finally:
        conn.close()


def _failed(path, work_id, *words):
    with Catalogue.open(path) as cat:
        audit = cat.audit()
        assert not audit.ok
        assert audit.work_id == work_id, audit
        for w in words:
            assert w in audit.reason, audit.reason
        with pytest.raises(ConsentError, match="fails its audit") as err:
            cat.usable_works()
        assert "accord catalogue repair" in (err.value.hint or "")
    return audit


def test_deleting_the_revoking_contributors_row(cat_path):
    _edit(cat_path, "DELETE FROM contributors WHERE work_id = 2 AND name = 'Jo Lee'",
          "UPDATE contributors SET split_bp = 10000 WHERE work_id = 2")
    _failed(cat_path, 2, "work 2", "contributors or splits")


def test_renaming_the_revoking_contributor_to_a_granting_one(cat_path):
    _edit(cat_path, "UPDATE contributors SET name = 'Ann', role = 'arranger' WHERE work_id = 2 AND name = 'Jo Lee'")
    _failed(cat_path, 2, "'Song 2'", "contributors")


def test_changing_only_a_split(cat_path):
    _edit(cat_path, "UPDATE contributors SET split_bp = 9000 WHERE work_id = 1 AND name = 'Ann'",
          "UPDATE contributors SET split_bp = 1000 WHERE work_id = 1 AND name = 'Jo Lee'")
    _failed(cat_path, 1, "splits")


def test_un_removing_a_removed_work(cat_path):
    _edit(cat_path, "UPDATE works SET removed_at = NULL WHERE id = 3")
    _failed(cat_path, 3, "removal")


def test_copying_a_revoked_works_melody_into_a_granted_row(cat_path):
    _edit(cat_path, "UPDATE works SET melody_json = (SELECT melody_json FROM works WHERE id = 2) WHERE id = 1")
    _failed(cat_path, 1, "melody")


def test_changing_a_works_source_hash(cat_path):
    _edit(cat_path, "UPDATE works SET sha256 = 'ff' || substr(sha256, 3) WHERE id = 1")
    _failed(cat_path, 1, "source file hash")


def test_adding_a_work_row_by_hand(cat_path):
    _edit(cat_path, "INSERT INTO works (title, kind, path, sha256, melody_json, note_count, added_at) "
          "SELECT 'Smuggled', kind, path, 'ee' || substr(sha256, 3), melody_json, note_count, added_at FROM works "
          "WHERE id = 1")
    _failed(cat_path, 4, "'Smuggled'", "outside Accord")


def test_deleting_the_last_ledger_rows_and_lowering_sqlite_sequence(cat_path):
    _edit(cat_path, "DELETE FROM consent_ledger WHERE id = (SELECT MAX(id) FROM consent_ledger)",
          "UPDATE sqlite_sequence SET seq = (SELECT MAX(id) FROM consent_ledger) WHERE name = 'consent_ledger'")
    audit = _failed(cat_path, 2, "signed head file", "deleted from its end")
    assert audit.broken_entry_id == 7


def test_deleting_the_head_file_is_caught(cat_path):
    head_path(cat_path).unlink()
    _failed(cat_path, None, "head file", "missing")


def test_a_head_file_signed_by_another_key_is_refused(cat_path, tmp_path):
    from app.core.catalogue.integrity.anchor import write_head
    from app.core.provenance.identity import create_identity

    other = create_identity(tmp_path / "mallory", "Mallory")
    write_head(cat_path, {"ledger": [0, "0" * 64, 0], "facts": [0, "0" * 64, 0]}, other)
    _failed(cat_path, None, "another key")


def test_repair_keeps_only_what_contributors_signed(cat_path):
    _edit(cat_path, "DELETE FROM contributors WHERE work_id = 2 AND name = 'Jo Lee'",
          "UPDATE contributors SET split_bp = 10000 WHERE work_id = 2")
    with Catalogue.open(cat_path) as cat:
        notes = cat.repair(recorded_by="Ann")
        assert any("work 2" in n for n in notes)
        assert cat.audit().ok
        # work 2's consent was only recorded by the artist: it is voided, never usable through the edit
        assert [w.id for w in cat.usable_works()] == [1]
        assert cat.work_state(2).state == "revoked"


def test_accord_edits_keep_the_audit_green(cat_path):
    with Catalogue.open(cat_path) as cat:
        cat.set_contributors(1, [ContributorShare("Ann", "composer", 4000),
                                 ContributorShare("Jo Lee", "lyricist", 6000)])
        cat.update_work(1, title="Renamed")
        cat.remove_work(1)
        assert cat.audit().ok and cat.audit().facts_checked == 6


def test_contributor_badges_signed_recorded_pending_revoked(tmp_path):
    from app.core.provenance.consent import build_request, parse_statement, sign_reply
    from app.core.provenance.identity import create_identity

    ann, jo = create_identity(tmp_path / "ann", "Ann"), create_identity(tmp_path / "jo", "Jo Lee")
    with Catalogue.open(tmp_path / "c.sqlite", identity=ann) as cat:
        cat.add_work(melody([60, 62, 64]), title="One", contributors=SHARES)
        assert [(c.name, c.badge) for c in cat.contributor_consent(1)] == [("Ann", "pending"), ("Jo Lee", "pending")]
        request = build_request(cat.consent_request_works([1]), use="melody-model", terms="t", identity=ann)
        cat.record_consent(1, "grant", contributor="Ann")
        reply = sign_reply(request, jo, decision="grant")
        cat.import_signed_consent([parse_statement(s) for s in reply["statements"]])
        badges = {c.name: c for c in cat.contributor_consent(1)}
        assert badges["Ann"].badge == "recorded" and badges["Jo Lee"].badge == "signed"
        assert badges["Jo Lee"].key_id == jo.key_id
        cat.import_signed_consent([parse_statement(s) for s in sign_reply(request, jo, decision="revoke")["statements"]])
        cat.record_consent(1, "grant", contributor="Jo Lee")  # the artist's word does not lift a signed revoke
        assert {c.name: c.badge for c in cat.contributor_consent(1)}["Jo Lee"] == "revoked"
        assert cat.work_state(1).state == "revoked" and cat.audit().ok
