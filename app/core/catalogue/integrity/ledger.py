"""The consent ledger's hash chain.

Every entry's hash covers its own fields (including its id and the previous entry's hash), as canonical
JSON (sorted keys, UTF-8, no spaces). Changing, inserting or deleting any entry breaks the link of the
entry after it, so `audit` finds the first place where the file was edited by another tool, even though
SQLite triggers already refuse UPDATE and DELETE through Accord. (Cutting entries off the *end* leaves a
valid shorter chain: the signed head file beside the database, anchor.py, exposes that.)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime

from app.core.catalogue.records import ACTIONS, AuditResult, ConsentEvent

GENESIS_HASH = "0" * 64
LEDGER_COLUMNS = ("id, work_id, contributor, use, action, recorded_at, recorded_by, note, prev_hash, entry_hash, "
                  "statement")


def now_utc() -> str:
    """ISO 8601 UTC with microseconds, e.g. 2026-11-22T09:00:00.123456Z (sorts as text)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(*, id: int, work_id: int, contributor: str, use: str, action: str, recorded_at: str,
               recorded_by: str, note: str, prev_hash: str, statement: str = "") -> str:
    """A signed statement (contributor-signed consent) is covered by its sha256; entries without one hash
    exactly as before, so older ledgers keep their hashes."""
    payload = {"id": id, "work_id": work_id, "contributor": contributor, "use": use, "action": action,
               "recorded_at": recorded_at, "recorded_by": recorded_by, "note": note, "prev_hash": prev_hash}
    if statement:
        payload["statement_sha256"] = hashlib.sha256(statement.encode("utf-8")).hexdigest()
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def event_from_row(row: tuple) -> ConsentEvent:
    return ConsentEvent(*row)


def audit_events(events: Iterable[ConsentEvent]) -> AuditResult:
    """Re-hash the chain in id order; report the first entry that is out of place or altered."""
    prev_hash = GENESIS_HASH
    prev_id = 0
    checked = 0
    for e in events:
        checked += 1
        reason = ""
        if not isinstance(e.id, int) or e.id <= prev_id:
            reason = f"entry {e.id} is out of order (after entry {prev_id})"
        elif e.prev_hash != prev_hash:
            reason = (f"entry {e.id} does not link to the entry before it"
                      + (f" (entry {prev_id})" if prev_id else "")
                      + ": an entry was removed, inserted or changed by hand")
        elif e.action not in ACTIONS:
            reason = f"entry {e.id} has an unknown action {e.action!r}"
        else:
            try:
                expected = entry_hash(id=e.id, work_id=e.work_id, contributor=e.contributor, use=e.use,
                                      action=e.action, recorded_at=e.recorded_at, recorded_by=e.recorded_by,
                                      note=e.note, prev_hash=e.prev_hash, statement=e.statement or "")
            except (TypeError, ValueError):
                expected = ""
            if expected != e.entry_hash:
                reason = f"entry {e.id} was changed after it was recorded (its hash does not match its content)"
        if reason:
            return AuditResult(False, checked, e.id if isinstance(e.id, int) else None, reason,
                               work_id=e.work_id if isinstance(e.work_id, int) else None)
        prev_hash = e.entry_hash
        prev_id = e.id
    return AuditResult(True, checked)
