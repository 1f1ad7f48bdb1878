"""The catalogue's full audit: everything that decides what may be trained on, credited or signed.

1. the consent ledger's hash chain (ledger.audit_events), including each contributor-signed statement;
2. the chain of each work's deciding facts and every work row against it (facts.audit_facts);
3. the ends of both chains against the signed head file beside the database (anchor.py), which catches
   entries cut off the end (also when `sqlite_sequence` was lowered to hide it).
The first problem is reported with the work it concerns, so the artist knows what was touched.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from app.core.catalogue.integrity.anchor import read_head
from app.core.catalogue.integrity.facts import audit_facts
from app.core.catalogue.integrity.ledger import LEDGER_COLUMNS, audit_events, event_from_row
from app.core.catalogue.records import AuditResult


def _statement_problem(conn: sqlite3.Connection) -> tuple[int | None, int | None, str]:
    """A signed entry whose statement no longer verifies, or names another contributor/decision/work."""
    from app.core.provenance.consent import StatementError, parse_statement

    rows = conn.execute("SELECT l.id, l.work_id, l.contributor, l.action, l.use, l.statement, w.sha256 "
                        "FROM consent_ledger l JOIN works w ON w.id = l.work_id WHERE l.statement != ''")
    for entry_id, work_id, contributor, action, use, text, sha in rows:
        try:
            st = parse_statement(text)
        except StatementError as exc:
            return entry_id, work_id, f"entry {entry_id} (work {work_id}): its signed statement {exc.reason}"
        if (st.contributor, st.decision, st.use, st.work_sha256) != (contributor, action, use, sha):
            return entry_id, work_id, (f"entry {entry_id} (work {work_id}): the signed statement says "
                                       f"{st.contributor} {st.decision}s {st.use} for content {st.work_sha256[:12]}…, "
                                       "not what the entry records")
    return None, None, ""


def chain_problem(conn: sqlite3.Connection) -> str:
    """Why the consent ledger's own chain is broken (entries edited, inserted or removed inside), or ''."""
    result = audit_events(event_from_row(r) for r in conn.execute(
        f"SELECT {LEDGER_COLUMNS} FROM consent_ledger ORDER BY id"))
    return "" if result.ok else result.reason


def full_audit(conn: sqlite3.Connection, db: Path, owner_key_ids: set[str]) -> AuditResult:
    # The head file first, before this transaction's first read fixes its snapshot of the database. A writer
    # commits, then writes the head; read after, the head could name an entry committed after the snapshot was
    # taken, which looks exactly like entries cut off the end: `accord train` then saw "nothing is usable" while
    # a consent changed in another process, and forgot every work it had learned (an empty model, saved). Read
    # before, the head is at most as new as the snapshot, and a head that lags the database passes.
    heads, why = read_head(db)
    cursor = conn.execute(f"SELECT {LEDGER_COLUMNS} FROM consent_ledger ORDER BY id")
    result = audit_events(event_from_row(r) for r in cursor)
    if not result.ok:
        return result
    entries = result.entries_checked
    seq = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'consent_ledger'").fetchone()
    last = conn.execute("SELECT MAX(id) FROM consent_ledger").fetchone()[0] or 0
    if seq and seq[0] > last:
        return AuditResult(False, entries, last + 1,
                           f"entries {last + 1}–{seq[0]} were deleted from the end of the ledger")
    entry_id, work_id, reason = _statement_problem(conn)
    if reason:
        return AuditResult(False, entries, entry_id, reason, work_id=work_id)
    checked, problem = audit_facts(conn)
    if problem is not None:
        return AuditResult(False, entries, problem.entry_id, problem.reason, work_id=problem.work_id,
                           facts_checked=checked)
    if heads is None:
        if last == 0 and checked == 0:
            return AuditResult(True, entries, facts_checked=checked)  # nothing recorded yet: nothing to anchor
        return AuditResult(False, entries, None, why)
    if owner_key_ids and why not in owner_key_ids:
        return AuditResult(False, entries, None, f"the head file was signed by another key ({why[:16]}…), not "
                           "this catalogue's owner")
    for name, table, what in (("ledger", "consent_ledger", "consent ledger"), ("facts", "work_facts", "facts chain")):
        head_id, head_hash, head_work = heads[name]
        if head_id == 0:
            continue
        row = conn.execute(f"SELECT entry_hash, work_id FROM {table} WHERE id = ?", (head_id,)).fetchone()
        if row is None:
            end = conn.execute(f"SELECT MAX(id) FROM {table}").fetchone()[0] or 0
            return AuditResult(False, entries, end + 1, f"the {what} ends at entry {end}, but the signed head file "
                               f"records entry {head_id} (work {head_work}): entries were deleted from its end",
                               work_id=head_work)
        if row[0] != head_hash:
            return AuditResult(False, entries, head_id, f"{what} entry {head_id} (work {row[1]}) differs from the "
                               "one the signed head file records: the chain was rewritten", work_id=row[1])
    return AuditResult(True, entries, facts_checked=checked)
