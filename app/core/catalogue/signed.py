"""Signed consent in the catalogue: what a request names, importing a contributor's reply, and repair.

Importing checks every statement before recording any (all or nothing): the signature, the use, that the
statement names a work by its CURRENT content hash (and melody digest), and that the signer's name is one
of that work's contributors. Each becomes a ledger entry holding the statement, labelled "signed"; the
artist's own entries stay "recorded". consent.signed_revocations_win gives a signed revoke its force.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from app.core.catalogue.integrity.facts import append_facts, stored_melody_digest
from app.core.catalogue.types import ConsentEntryRef
from app.core.errors import CatalogueError, ConsentError

Append = Callable[..., ConsentEntryRef]


@dataclass(frozen=True)
class ImportedStatement:
    work_id: int
    title: str
    contributor: str
    decision: str
    key_id: str
    entry: ConsentEntryRef | None  # None when this exact statement was already recorded


def request_works(conn: sqlite3.Connection, work_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The works a consent request names: id, title, content hash, melody digest, contributors, splits."""
    out = []
    for work_id in dict.fromkeys(int(w) for w in work_ids):
        row = conn.execute("SELECT title, sha256, removed_at FROM works WHERE id = ?", (work_id,)).fetchone()
        if row is None or row[2] is not None:
            raise CatalogueError(f"work {work_id}: no such work in the catalogue" if row is None
                                 else f"work {work_id}: was removed from the catalogue")
        people = conn.execute("SELECT name, role, split_bp FROM contributors WHERE work_id = ? ORDER BY id",
                              (work_id,)).fetchall()
        out.append({"id": work_id, "title": row[0], "sha256": row[1], "melodySha256": stored_melody_digest(conn, work_id),
                    "contributors": [{"name": n, "role": r, "splitBp": s} for n, r, s in people]})
    return out


def _work_for(conn: sqlite3.Connection, st: Any) -> tuple[int, str]:
    row = conn.execute("SELECT id, title FROM works WHERE sha256 = ? AND removed_at IS NULL",
                       (st.work_sha256,)).fetchone()
    if row is None:
        raise ConsentError(f"the statement by {st.contributor} for {st.title!r} names content "
                           f"{st.work_sha256[:16]}…, which is not a current work of this catalogue (the work's "
                           "file changed, or it was removed)", hint="send a new consent request for the work")
    if st.melody_sha256 and st.melody_sha256 != stored_melody_digest(conn, row[0]):
        raise ConsentError(f"work {row[0]} ({row[1]!r}): the statement by {st.contributor} names another melody "
                           "than the one in the catalogue", hint="send a new consent request for the work")
    names = {r[0] for r in conn.execute("SELECT name FROM contributors WHERE work_id = ?", (row[0],))}
    if st.contributor not in names:
        raise ConsentError(f"work {row[0]} ({row[1]!r}): {st.contributor!r} signed, but is not one of its "
                           f"contributors ({', '.join(sorted(names))})")
    return int(row[0]), str(row[1])


def _check_keys(conn: sqlite3.Connection, statements: Sequence[Any]) -> None:
    """A contributor keeps the key they first signed with: a statement in their name by another key is
    refused (someone else's key claiming to be them), also within one reply."""
    known: dict[str, str] = {}
    for contributor, text in conn.execute("SELECT contributor, statement FROM consent_ledger WHERE statement != '' "
                                          "ORDER BY id"):
        try:
            known.setdefault(contributor, str(json.loads(text)["signer"]["keyId"]))
        except (ValueError, KeyError, TypeError):
            continue
    for st in statements:
        first = known.setdefault(st.contributor, st.key_id)
        if first != st.key_id:
            raise ConsentError(f"the statement for {st.title!r} is signed in {st.contributor}'s name by key "
                               f"{st.key_id[:16]}…, but {st.contributor} signs with key {first[:16]}…",
                               hint="ask the contributor to sign with their own identity")


def import_statements(conn: sqlite3.Connection, statements: Sequence[Any], append: Append, *,
                      use: str, recorded_by: str) -> list[ImportedStatement]:
    """Verify every statement (already parsed: signature checked) and record them in one transaction."""
    checked = []
    for st in statements:
        if st.use != use:
            raise ConsentError(f"the statement by {st.contributor} is for the use {st.use!r}, not {use!r}")
        checked.append((st, *_work_for(conn, st)))
    _check_keys(conn, [st for st, _, _ in checked])
    done = []
    for st, work_id, title in checked:
        seen = conn.execute("SELECT 1 FROM consent_ledger WHERE statement = ?", (st.text,)).fetchone()
        entry = None if seen else append(conn, work_id, st.contributor, use, st.decision, recorded_by,
                                         f"signed by {st.contributor} (key {st.key_id[:16]}…) on {st.signed_at}",
                                         st.text)
        done.append(ImportedStatement(work_id, title, st.contributor, st.decision, st.key_id, entry))
    return done


def repair(conn: sqlite3.Connection, append: Append, *, recorded_by: str, every_work: bool = False) -> list[str]:
    """Re-record the catalogue's state after a failed facts audit (rows edited outside Accord).

    The rows are accepted as they are now (a new facts entry for every work that differs), but consent the
    artist only recorded is voided for those works (a recorded revoke per contributor and use), and every
    contributor-signed statement that still names the work's current content is re-recorded: what stays
    usable is exactly what the contributors themselves signed. `every_work` treats every work so (when the
    signed head shows entries were cut off the ledger, nobody can say which works they concerned).
    Returns one line per change.
    """
    from app.core.catalogue.integrity.facts import current_facts
    from app.core.provenance.consent import StatementError, parse_statement

    notes: list[str] = []
    latest = {r[0]: r[1] for r in conn.execute(
        "SELECT work_id, facts_json FROM work_facts WHERE id IN (SELECT MAX(id) FROM work_facts GROUP BY work_id)")}
    for (work_id,) in conn.execute("SELECT id FROM works ORDER BY id").fetchall():
        now = current_facts(conn, work_id)
        same = work_id in latest and json.loads(latest[work_id]) == now
        if same and not every_work:
            continue
        if not same:
            append_facts(conn, work_id)
            notes.append(f"work {work_id}: its current rows were re-recorded")
        names = [r[0] for r in conn.execute("SELECT DISTINCT name FROM contributors WHERE work_id = ?", (work_id,))]
        uses = [r[0] for r in conn.execute("SELECT DISTINCT use FROM consent_ledger WHERE work_id = ?", (work_id,))]
        for use in uses:
            for name in names:
                append(conn, work_id, name, use, "revoke", recorded_by, "repair: recorded consent voided after a "
                       "failed audit", "")
            notes.append(f"work {work_id}: recorded consent for {use} voided")
        if now is None or now["removed"]:
            continue
        for (text,) in conn.execute("SELECT statement FROM consent_ledger WHERE work_id = ? AND statement != '' "
                                    "ORDER BY id", (work_id,)).fetchall():
            try:
                st = parse_statement(text)
            except StatementError:
                continue
            if st.work_sha256 == now["sha256"] and st.contributor in names:
                append(conn, work_id, st.contributor, st.use, st.decision, recorded_by,
                       "repair: re-recorded from the contributor's signed statement", st.text)
                notes.append(f"work {work_id}: {st.contributor}'s signed {st.decision} re-recorded")
    return notes
