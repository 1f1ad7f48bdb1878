"""The catalogue's consent machinery, as a mixin of Catalogue (store.py): the signed head file written after
every write (anchor.py), each work's consent as it stands now (what export re-checks at signing), and
contributor-signed consent: requests, importing replies, badges, repair (signed.py).

Kept apart from store.py so each file stays readable; it uses the store's plumbing (_write, _snapshot,
_query, _append, _states) and never lets a melody out.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core.catalogue.consent import latest_words_query, names_by_work, signed_revocations_win, state_of
from app.core.catalogue.fields import checked_use
from app.core.catalogue.integrity import anchor
from app.core.catalogue.integrity.facts import facts_head, stored_melody_digest
from app.core.catalogue.integrity.ledger import (
    GENESIS_HASH,
    LEDGER_COLUMNS,
    entry_hash,
    event_from_row,
    now_utc,
)
from app.core.catalogue.records import ACTIONS, REVOKED, AuditResult, ConsentEvent, WorkState
from app.core.catalogue.signed import ImportedStatement, import_statements, request_works
from app.core.catalogue.signed import repair as repair_rows
from app.core.catalogue.splits import default_artist
from app.core.catalogue.types import (
    MELODY_MODEL_USE,
    ConsentEntryRef,
    ContributorConsent,
    ContributorShare,
    WorkConsent,
)
from app.core.errors import AccordError, CatalogueError

log = logging.getLogger(__name__)


class ConsentMixin:
    """Mixed into Catalogue; see store.py for the attributes it relies on."""

    path: Path
    keys_dir: Path
    _conn: sqlite3.Connection
    _identity: Any
    _head_key: Any
    _anchored: tuple | None

    if TYPE_CHECKING:  # provided by Catalogue (store.py)
        def _snapshot(self) -> contextlib.AbstractContextManager[None]: ...
        def _write(self) -> contextlib.AbstractContextManager[sqlite3.Connection]: ...
        def _query(self, sql: str, params: Sequence = ()) -> list[tuple]: ...
        def _error(self, exc: sqlite3.Error) -> CatalogueError: ...
        def _contributors(self, *, live_only: bool = True) -> dict[int, list[ContributorShare]]: ...
        def audit(self) -> AuditResult: ...
        def _live_ids(self, work_ids: Sequence[int]) -> None: ...
        def require_audit(self) -> None: ...

    # -- consent as the ledger records it: state per work, history, new entries (hash-chained) ---------------
    def _states(self, use: str, contributors: dict[int, list[ContributorShare]] | None = None) \
            -> tuple[dict[int, WorkState], dict[tuple[int, str], tuple]]:
        contributors = self._contributors() if contributors is None else contributors
        names = names_by_work((w, c.name) for w, cs in contributors.items() for c in cs)
        latest = {(r[0], r[1]): r for r in self._query(latest_words_query(), (use,))}
        signed_revocations_win(latest, self._query(latest_words_query(signed_only=True), (use,)))
        live = [r[0] for r in self._query("SELECT id FROM works WHERE removed_at IS NULL ORDER BY id")]
        return {w: state_of(w, use, names.get(w, []), latest) for w in live}, latest

    def work_state(self, work_id: int, use: str = MELODY_MODEL_USE) -> WorkState:
        rows = self._query("SELECT removed_at FROM works WHERE id = ?", (int(work_id),))
        if not rows:
            raise CatalogueError(f"work {work_id}: no such work in the catalogue")
        if rows[0][0] is not None:
            return WorkState(int(work_id), use, REVOKED, removed=True)
        with self._snapshot():
            names, latest = self._words_of(int(work_id), use)
        return state_of(int(work_id), use, names, latest)

    def _words_of(self, work_id: int, use: str) -> tuple[list[str], dict[tuple[int, str], tuple]]:
        """One work's contributors (in order) and each one's effective latest word for `use` (a signed
        revocation wins over a later unsigned grant). Call inside a snapshot."""
        names = list(dict.fromkeys(r[0] for r in self._query(
            "SELECT name FROM contributors WHERE work_id = ? ORDER BY id", (work_id,))))
        latest = {(r[0], r[1]): r for r in self._query(latest_words_query(one_work=True), (use, work_id))}
        signed_revocations_win(latest, self._query(latest_words_query(one_work=True, signed_only=True),
                                                   (use, work_id)))
        return names, latest

    def consent_history(self, work_id: int) -> list[ConsentEvent]:
        if not self._query("SELECT 1 FROM works WHERE id = ?", (int(work_id),)):
            raise CatalogueError(f"work {work_id}: no such work in the catalogue")
        return [event_from_row(r) for r in self._query(
            f"SELECT {LEDGER_COLUMNS} FROM consent_ledger WHERE work_id = ? ORDER BY id", (int(work_id),))]

    def record_consent(self, work_id: int, action: str, *, contributor: str | None = None,
                       use: str = MELODY_MODEL_USE, recorded_by: str | None = None,
                       note: str = "") -> list[ConsentEntryRef]:
        """Append grant/revoke entries for one contributor (or all of the work's contributors)."""
        return self.record_consent_many([work_id], action, contributor=contributor, use=use,
                                        recorded_by=recorded_by, note=note)

    def record_consent_many(self, work_ids: Sequence[int], action: str, *, contributor: str | None = None,
                            use: str = MELODY_MODEL_USE, recorded_by: str | None = None,
                            note: str = "") -> list[ConsentEntryRef]:
        """As record_consent for several works, in one transaction: all are recorded or none."""
        if action not in ACTIONS:
            raise CatalogueError(f"action: {action!r} is not one of {', '.join(ACTIONS)}")
        checked_use(use)
        by = (recorded_by or default_artist()).strip() or "Artist"
        refs: list[ConsentEntryRef] = []
        with self._write() as conn:
            self._live_ids(work_ids)
            for work_id in dict.fromkeys(int(w) for w in work_ids):
                names = list(dict.fromkeys(r[0] for r in conn.execute(
                    "SELECT name FROM contributors WHERE work_id = ? ORDER BY id", (work_id,))))
                if contributor is not None:
                    if contributor.strip() not in names:
                        raise CatalogueError(f"contributor: {contributor!r} is not a contributor of work {work_id} "
                                             f"({', '.join(names) or 'none'})")
                    names = [contributor.strip()]
                for name in names:
                    refs.append(self._append(conn, work_id, name, use, action, by, note))
        return refs

    def _append(self, conn: sqlite3.Connection, work_id: int, contributor: str, use: str, action: str,
                recorded_by: str, note: str, statement: str = "") -> ConsentEntryRef:
        last = conn.execute("SELECT id, entry_hash FROM consent_ledger ORDER BY id DESC LIMIT 1").fetchone()
        seq = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'consent_ledger'").fetchone()
        prev_id, prev_hash = last if last else (0, GENESIS_HASH)
        new_id = max(prev_id, seq[0] if seq else 0) + 1
        at = now_utc()
        digest = entry_hash(id=new_id, work_id=work_id, contributor=contributor, use=use, action=action,
                            recorded_at=at, recorded_by=recorded_by, note=note, prev_hash=prev_hash,
                            statement=statement)
        conn.execute(f"INSERT INTO consent_ledger ({LEDGER_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                     (new_id, work_id, contributor, use, action, at, recorded_by, note, prev_hash, digest, statement))
        return ConsentEntryRef(new_id, contributor, action, use, at, digest, statement)

    # -- the signed head file (anchor.py) -----------------------------------------------------------------
    def _signer(self) -> Any:
        """The artist's identity when there is one, else the catalogue's local head key (never creates the
        artist's identity: the studio asks for their name first)."""
        from app.core.provenance.identity import load_identity

        if self._identity is None:
            self._identity = load_identity(self.keys_dir)
        if self._identity is None and self._head_key is None:
            self._head_key = anchor.head_key(self.keys_dir, create=True)
        return self._identity or self._head_key

    def _owner_key_ids(self) -> set[str]:
        """Keys allowed to sign the head file: the artist's identity and the catalogue's local head key."""
        from app.core.provenance.identity import load_identity

        ids: set[str] = set()
        try:
            own = self._identity or load_identity(self.keys_dir)
        except AccordError:
            own = None
        if own is not None:
            ids.add(str(own.key_id))
        local = anchor.head_key(self.keys_dir, create=False)
        if local is not None:
            ids.add(str(local.key_id))
        return ids

    def _heads(self) -> tuple:
        last = self._conn.execute("SELECT id, entry_hash, work_id FROM consent_ledger ORDER BY id DESC LIMIT 1"
                                  ).fetchone()
        return (tuple(last) if last else (0, GENESIS_HASH, 0)), facts_head(self._conn)

    def _anchor(self, *, force: bool = False, heads: tuple | None = None) -> None:
        """Write the signed head file when the chains moved. A failure is logged: the head then lags, which
        the audit accepts (its entry is still in the chain); nothing already committed is undone."""
        try:
            heads = heads or self._heads()
            if not force and heads == self._anchored:
                return
            anchor.write_head(self.path, {"ledger": list(heads[0]), "facts": list(heads[1])}, self._signer())
            self._anchored = heads
        except (AccordError, sqlite3.Error, OSError) as exc:
            log.warning("%s: the signed head file could not be written (%s)", self.path, exc)


    def consent_now(self, work_ids: Sequence[int], use: str = MELODY_MODEL_USE) -> dict[int, WorkConsent]:
        """Each asked work's consent as it stands now, without melodies (export re-checks this at the moment
        of signing). Raises ConsentError when the catalogue fails its audit."""
        with self._snapshot():
            self.require_audit()
            contributors = self._contributors()
            states, latest = self._states(use, contributors)
            rows = {r[0]: r for r in self._query("SELECT id, title, sha256, removed_at FROM works")}
        out: dict[int, WorkConsent] = {}
        for work_id in dict.fromkeys(int(w) for w in work_ids):
            row = rows.get(work_id)
            if row is None:
                continue
            state = states.get(work_id) or WorkState(work_id, use, REVOKED, removed=True)
            shares = tuple(contributors.get(work_id, ()))
            names = list(dict.fromkeys(c.name for c in shares))
            refs = tuple(ConsentEntryRef(latest[(work_id, n)][3], n, latest[(work_id, n)][2], use,
                                         latest[(work_id, n)][4], latest[(work_id, n)][5], latest[(work_id, n)][6] or "")
                         for n in names if (work_id, n) in latest) if state.usable else ()
            out[work_id] = WorkConsent(work_id, row[1], row[2], state, shares, refs,
                                       stored_melody_digest(self._conn, work_id) or "")
        return out


    # -- signed consent (signed.py) ------------------------------------------------------------------------
    def consent_request_works(self, work_ids: Sequence[int]) -> list[dict]:
        """What a consent request names for each work (content hash, melody digest, contributors, splits)."""
        with self._snapshot():
            try:
                return request_works(self._conn, work_ids)
            except sqlite3.Error as exc:
                raise self._error(exc) from exc

    def import_signed_consent(self, statements: Sequence[Any], *, use: str = MELODY_MODEL_USE,
                              recorded_by: str | None = None) -> list[ImportedStatement]:
        """Record contributor-signed statements (provenance.consent.parse_statement results), all or none.

        Refuses a catalogue failing its audit, a statement for another use, one naming content that is not a
        current work (changed or removed), and a signer who is not a contributor of the work."""
        checked_use(use)
        self.require_audit()
        by = (recorded_by or default_artist()).strip() or "Artist"
        with self._write() as conn:
            return import_statements(conn, statements, self._append, use=use, recorded_by=by)

    def import_consent_reply(self, path: str | Path, *, use: str = MELODY_MODEL_USE,
                             recorded_by: str | None = None) -> list[ImportedStatement]:
        """Read a reply file from `accord consent sign` and import its statements (the studio's "Import
        reply…"). Every statement must verify, or nothing is imported (the error names the statement)."""
        from app.core.provenance.consent import (
            REPLY_FORMAT,
            StatementError,
            parse_statement,
            read_consent_file,
        )

        reply = read_consent_file(path, REPLY_FORMAT)
        statements = []
        items = reply.get("statements")
        for i, item in enumerate(items if isinstance(items, list) else []):
            try:
                statements.append(parse_statement(item))
            except StatementError as exc:
                raise CatalogueError(f"statement {i + 1}: {exc.reason}; nothing was imported", path=path,
                                     hint="ask the contributor to sign the request again") from exc
        if not statements:
            raise CatalogueError("holds no statements", path=path)
        return self.import_signed_consent(statements, use=use, recorded_by=recorded_by)

    def contributor_consent(self, work_id: int, use: str = MELODY_MODEL_USE) -> list[ContributorConsent]:
        """Per contributor of a work, the badge the studio shows: signed (with the key id) / recorded (by the
        artist) / pending / revoked, from their effective word (a signed revocation wins)."""
        with self._snapshot():
            names, latest = self._words_of(int(work_id), use)
        out = []
        for name in names:
            row = latest.get((int(work_id), name))
            key_id = ""
            if row is not None and row[6]:
                with contextlib.suppress(ValueError, KeyError, TypeError):
                    key_id = str(json.loads(row[6])["signer"]["keyId"])
            badge = ("pending" if row is None else "revoked" if row[2] == "revoke"
                     else "signed" if row[6] else "recorded")
            out.append(ContributorConsent(name, badge, "signed" if row is not None and row[6] else "recorded",
                                          key_id))
        return out

    def repair(self, *, recorded_by: str | None = None) -> list[str]:
        """Bring a catalogue that fails its audit back to a state that passes, trusting only signed consent.

        Rows edited outside Accord are accepted as they are, the artist's recorded consent for the works
        concerned is voided and the contributors' signed statements that still match are re-recorded; a
        missing, forged or overtaken head file (entries cut off the end) does the same for every work. A
        ledger whose own entries were edited cannot be repaired here: restore it from a backup."""
        from app.core.catalogue.integrity.audit import chain_problem

        with self._snapshot():
            broken = chain_problem(self._conn)
        if broken:
            raise CatalogueError(f"cannot be repaired: {broken}", path=self.path,
                                 hint="restore the catalogue from a backup")
        audit = self.audit()
        if audit.ok:
            return []
        every = audit.reason.startswith(("the signed head", "the head file", "the consent ledger ends",
                                         "the facts chain ends")) or "head file" in audit.reason
        by = (recorded_by or default_artist()).strip() or "Artist"
        with self._write() as conn:
            notes = repair_rows(conn, self._append, recorded_by=by, every_work=every)
        self._anchor(force=True)
        return notes + ["the signed head file was written anew"]

