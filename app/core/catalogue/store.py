"""The catalogue: one SQLite file of works, contributors, the consent ledger and the export log.

`Catalogue.usable_works(use)` is THE function that lets a melody out for training, evaluation and
attribution (DESIGN.md §3); nothing else in Accord selects melodies (a test checks the source).
Every write is one `BEGIN IMMEDIATE` transaction (WAL, synchronous=FULL): a crash leaves either the old
or the new state, and two writers can never fork the ledger's hash chain. A connection belongs to the
thread that opened it; the studio opens one per worker.

This file keeps the plumbing (_write, _snapshot, _query), usable_works and reading; writing works and the
export log is WritesMixin (store_writes.py), consent is ConsentMixin (store_consent.py).
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from app.core.catalogue import schema
from app.core.catalogue.integrity.facts import melody_digest
from app.core.catalogue.records import (
    BLOCKED,
    AuditResult,
    WorkDetail,
    WorkState,
    WorkSummary,
)
from app.core.catalogue.store_consent import ConsentMixin
from app.core.catalogue.store_writes import WritesMixin
from app.core.catalogue.types import (
    MELODY_MODEL_USE,
    ConsentEntryRef,
    ContributorShare,
    UsableWork,
)
from app.core.errors import CatalogueError, ConsentError
from app.core.music import Melody

log = logging.getLogger(__name__)

_SUMMARY_SQL = "SELECT id, title, kind, path, sha256, note_count FROM works"
RECOVERY_HINT = ("`accord catalogue audit` names the entry and the work; restore the catalogue (and its .head "
                 "file) from a backup, or run `accord catalogue repair`, which accepts the rows as they are, "
                 "voids the consent the artist merely recorded for the works concerned and keeps only the "
                 "contributor-signed statements that still match")


def _describe(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "disk is full" in text or "database or disk is full" in text:
        return "the disk is full; nothing was changed"
    if "locked" in text or "busy" in text:
        return "is busy (another Accord process is writing); try again"
    if "readonly" in text or "read-only" in text:
        return "is read-only; nothing was changed"
    if "not a database" in text or "malformed" in text:
        return f"is damaged ({text})"
    if "I/O error" in text:
        return f"could not be written ({text}: the disk may be full or failing); nothing was changed"
    return text


class Catalogue(ConsentMixin, WritesMixin):
    """Open with `Catalogue.open(path)` (creates and migrates); use as a context manager."""

    def __init__(self, conn: sqlite3.Connection, path: Path, *, identity: Any = None,
                 keys_dir: Path | None = None) -> None:
        self._conn = conn
        self.path = path
        self._identity = identity
        # The head file is signed with the artist's key; a home keeps it in keys/ beside the catalogue.
        self.keys_dir = Path(keys_dir) if keys_dir is not None else path.parent / "keys"
        self._anchored: tuple | None = None
        self._head_key: Any = None

    @classmethod
    def open(cls, path: str | Path, *, identity: Any = None, keys_dir: str | Path | None = None) -> Catalogue:
        """Open (create, migrate). `identity`/`keys_dir`: who signs the head file (default: keys/ beside it)."""
        path = Path(path)
        conn = schema.connect(path)
        try:
            start = schema.migrate(conn, path)
        except BaseException:
            conn.close()
            raise
        cat = cls(conn, path, identity=identity, keys_dir=None if keys_dir is None else Path(keys_dir))
        if start < schema.FACTS_VERSION:  # new, or upgraded just now: anchor the chains as they stand
            cat._anchor(force=True)
        return cat

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._conn.close()

    def __enter__(self) -> Catalogue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return int(self._query("PRAGMA user_version")[0][0])

    # -- plumbing -----------------------------------------------------------------------------------------
    def _error(self, exc: sqlite3.Error) -> CatalogueError:
        return CatalogueError(_describe(exc), path=self.path)

    def _query(self, sql: str, params: Sequence = ()) -> list[tuple]:
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise self._error(exc) from exc

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise self._error(exc) from exc
        try:
            yield conn
            heads = self._heads()
            conn.execute("COMMIT")
        except BaseException as exc:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise self._error(exc) from exc
            raise
        self._anchor(heads=heads)

    @contextlib.contextmanager
    def _snapshot(self) -> Iterator[None]:
        """Several reads that must agree (states and melodies) in one read transaction. An audit in it comes
        first: it reads the signed head file before the transaction's first read fixes the snapshot (full_audit)."""
        if self._conn.in_transaction:
            yield
            return
        try:
            self._conn.execute("BEGIN")
        except sqlite3.Error as exc:
            raise self._error(exc) from exc
        try:
            yield
        finally:
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("COMMIT")

    def _live_ids(self, work_ids: Sequence[int]) -> None:
        for work_id in work_ids:
            rows = self._query("SELECT removed_at FROM works WHERE id = ?", (int(work_id),))
            if not rows:
                raise CatalogueError(f"work {work_id}: no such work in the catalogue",
                                     hint="see `accord catalogue list`")
            if rows[0][0] is not None:
                raise CatalogueError(f"work {work_id}: was removed from the catalogue on {rows[0][0][:10]}")

    def _contributors(self, *, live_only: bool = True) -> dict[int, list[ContributorShare]]:
        where = "JOIN works w ON w.id = c.work_id WHERE w.removed_at IS NULL" if live_only else ""
        out: dict[int, list[ContributorShare]] = {}
        for work_id, name, role, split in self._query(
                f"SELECT c.work_id, c.name, c.role, c.split_bp FROM contributors c {where} ORDER BY c.work_id, c.id"):
            out.setdefault(work_id, []).append(ContributorShare(name, role, split))
        return out

    # -- THE function -------------------------------------------------------------------------------------
    def usable_works(self, use: str = MELODY_MODEL_USE, *, verify_ledger: bool = True) -> list[UsableWork]:
        """Works whose every contributor has granted `use` and none revoked since, sorted by id.

        The only way a melody leaves the catalogue: training, evaluation and attribution call only this.
        It fails closed: when the ledger's hash chain is broken (edited outside Accord) nothing is usable and
        ConsentError says where, because a forged grant must never reach a model.
        """
        with self._snapshot():
            if verify_ledger:
                self.require_audit()
            contributors = self._contributors()
            states, latest = self._states(use, contributors)
            usable = {w for w, s in states.items() if s.usable}
            if not usable:
                return []
            rows = self._query("SELECT id, title, sha256, melody_json FROM works WHERE removed_at IS NULL "
                               "ORDER BY id")

        works = []
        for work_id, title, sha, melody_json in rows:
            if work_id not in usable:
                continue
            try:
                melody = Melody.from_json(json.loads(melody_json))
            except (ValueError, KeyError, TypeError, RecursionError) as exc:
                raise CatalogueError(f"work {work_id}: its stored melody is damaged ({exc})", path=self.path) from exc
            shares = tuple(contributors[work_id])
            names = list(dict.fromkeys(c.name for c in shares))
            consent = tuple(ConsentEntryRef(latest[(work_id, n)][3], n, "grant", use, latest[(work_id, n)][4],
                                            latest[(work_id, n)][5], latest[(work_id, n)][6] or "") for n in names)
            works.append(UsableWork(work_id, title, sha, melody, shares, consent, melody_digest(melody_json)))
        return works

    def usable_work_ids(self, use: str = MELODY_MODEL_USE) -> set[int]:
        """The ids usable_works would return, without loading melodies (for staleness checks); none while
        the catalogue fails its audit."""
        with self._snapshot():
            if not self.audit().ok:
                return set()
            states, _ = self._states(use)
        return {w for w, s in states.items() if s.usable}

    # -- reading ------------------------------------------------------------------------------------------
    def works(self, use: str = MELODY_MODEL_USE) -> list[WorkSummary]:
        """Every work not removed, by id, with its consent state for `use` (no melodies)."""
        with self._snapshot():
            ok = self.audit().ok  # first: the audit reads the head file before the snapshot's first read
            contributors = self._contributors()
            states, _ = self._states(use, contributors)
            rows = self._query(_SUMMARY_SQL + " WHERE removed_at IS NULL ORDER BY id")
            if not ok:  # never show "usable" while nothing may be used
                states = {w: WorkState(w, use, BLOCKED) if s.usable else s for w, s in states.items()}
        return [WorkSummary(r[0], r[1], r[2], r[3], r[4], r[5], tuple(contributors.get(r[0], ())), states[r[0]])
                for r in rows]

    def work(self, work_id: int, use: str = MELODY_MODEL_USE) -> WorkDetail:
        with self._snapshot():
            rows = self._query("SELECT id, title, kind, path, sha256, note_count, isrc, iswc, year, notes_text, "
                               "added_at, source_detail, tempo_bpm, key_name, time_signature, removed_at "
                               "FROM works WHERE id = ?", (int(work_id),))
            if not rows:
                raise CatalogueError(f"work {work_id}: no such work in the catalogue",
                                     hint="see `accord catalogue list`")
            r = rows[0]
            contributors = [ContributorShare(*c) for c in self._query(
                "SELECT name, role, split_bp FROM contributors WHERE work_id = ? ORDER BY id", (r[0],))]
            state = self.work_state(r[0], use)
            history = self.consent_history(r[0])
        summary = WorkSummary(r[0], r[1], r[2], r[3], r[4], r[5], tuple(contributors), state)
        return WorkDetail(summary, r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], tuple(history))

    def find_by_sha256(self, sha256: str) -> int | None:
        rows = self._query("SELECT id FROM works WHERE sha256 = ? AND removed_at IS NULL", (sha256,))
        return rows[0][0] if rows else None

    def audit(self) -> AuditResult:
        """Check everything that decides what may be used, and report the first problem (naming the work):
        the consent ledger's chain, the chain of each work's facts (contributors, splits, removal, melody,
        source hash) against the rows, and the signed head file that anchors both chains' ends."""
        from app.core.catalogue.integrity.audit import full_audit

        with self._snapshot():
            try:
                return full_audit(self._conn, self.path, self._owner_key_ids())
            except sqlite3.Error as exc:
                raise self._error(exc) from exc

    def require_audit(self) -> None:
        """Raise ConsentError (saying how to recover) unless the catalogue passes its audit."""
        audit = self.audit()
        if not audit.ok:
            raise ConsentError(f"the catalogue fails its audit ({audit.reason}); nothing can be trained, "
                               "suggested or signed from it until it is restored", path=self.path,
                               hint=RECOVERY_HINT)

    def exports(self) -> list[dict]:
        return [{"id": r[0], "time": r[1], "file_name": r[2], "content_sha256": r[3], "record_json": r[4]}
                for r in self._query("SELECT id, time, file_name, content_sha256, record_json FROM exports "
                                     "ORDER BY id")]

    # -- writing: store_writes.py ------------------------------------------------------------------------
    def checkpoint(self) -> None:
        """Fold the WAL into the main file (backups, hashing the file in tests)."""
        self._query("PRAGMA wal_checkpoint(TRUNCATE)")

