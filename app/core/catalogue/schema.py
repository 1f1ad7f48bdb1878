"""The catalogue's SQLite schema and its numbered migrations (`PRAGMA user_version`).

Each migration is a list of statements run in one transaction together with the new `user_version`, so a
crash mid-migration leaves the previous version intact. Never edit a released migration: add a new one.

- 1: works (melody as JSON), contributors, the append-only consent ledger (triggers refuse UPDATE/DELETE).
- 2: tombstones for removed works (their ledger rows are legal history and stay), the export log, an index
     for "latest word per contributor", and a trigger that refuses deleting a work row outright.
- 3 (consent): the chain of each work's deciding facts (`work_facts`: source hash, melody digest, contributors
     and splits, removal), a `statement` column holding a contributor-signed consent statement, and initial
     facts entries for every existing work (a Python step inside the same transaction).
- 4: melody_choices: where each work's melody came from (a MIDI part, or a transcription of audio) and every
     later choice of another part by the artist, append-only (written only by melody_source.set_work_melody).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

from app.core.errors import CatalogueError

Statement = str | Callable[[sqlite3.Connection], None]

log = logging.getLogger(__name__)

_V1: list[Statement] = [
    """CREATE TABLE works (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        title TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('midi', 'musicxml', 'audio')),
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        isrc TEXT,
        iswc TEXT,
        year INTEGER,
        notes_text TEXT NOT NULL DEFAULT '',
        melody_json TEXT NOT NULL,
        note_count INTEGER NOT NULL,
        tempo_bpm REAL,
        key_name TEXT,
        time_signature TEXT NOT NULL DEFAULT '4/4',
        added_at TEXT NOT NULL
    )""",
    "CREATE UNIQUE INDEX works_sha256 ON works (sha256)",
    """CREATE TABLE contributors (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        work_id INTEGER NOT NULL REFERENCES works (id),
        name TEXT NOT NULL CHECK (length(trim(name)) > 0),
        role TEXT NOT NULL,
        split_bp INTEGER NOT NULL CHECK (split_bp BETWEEN 0 AND 10000),
        UNIQUE (work_id, name, role)
    )""",
    "CREATE INDEX contributors_by_work ON contributors (work_id)",
    # The ledger references works without ON DELETE CASCADE on purpose: consent history is a legal record.
    """CREATE TABLE consent_ledger (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        work_id INTEGER NOT NULL REFERENCES works (id),
        contributor TEXT NOT NULL,
        use TEXT NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('grant', 'revoke')),
        recorded_at TEXT NOT NULL,
        recorded_by TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        prev_hash TEXT NOT NULL,
        entry_hash TEXT NOT NULL UNIQUE
    )""",
    """CREATE TRIGGER consent_ledger_no_update BEFORE UPDATE ON consent_ledger
       BEGIN SELECT RAISE(ABORT, 'the consent ledger is append-only: entries cannot be changed'); END""",
    """CREATE TRIGGER consent_ledger_no_delete BEFORE DELETE ON consent_ledger
       BEGIN SELECT RAISE(ABORT, 'the consent ledger is append-only: entries cannot be deleted'); END""",
]

_V2: list[Statement] = [
    "ALTER TABLE works ADD COLUMN removed_at TEXT",
    "ALTER TABLE works ADD COLUMN source_detail TEXT NOT NULL DEFAULT ''",
    # A removed work keeps its row (tombstone); the same file may be imported again as a new work.
    "DROP INDEX works_sha256",
    "CREATE UNIQUE INDEX works_live_sha256 ON works (sha256) WHERE removed_at IS NULL",
    "CREATE INDEX consent_ledger_latest ON consent_ledger (use, work_id, contributor, id)",
    """CREATE TABLE exports (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        time TEXT NOT NULL,
        file_name TEXT NOT NULL,
        content_sha256 TEXT NOT NULL,
        record_json TEXT NOT NULL
    )""",
    """CREATE TRIGGER works_no_delete BEFORE DELETE ON works
       BEGIN SELECT RAISE(ABORT, 'works are never deleted: they are marked removed (tombstone)'); END""",
]

def _facts_baseline(conn: sqlite3.Connection) -> None:
    """Chain the facts every existing work has at upgrade time (later changes are each a new entry)."""
    from app.core.catalogue.integrity.facts import record_all_facts

    record_all_facts(conn)


# Self-contained (the consent work): renumber freely at merge, nothing else refers to the number.
_V_CONSENT: list[Statement] = [
    """CREATE TABLE work_facts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        work_id INTEGER NOT NULL REFERENCES works (id),
        facts_json TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        entry_hash TEXT NOT NULL UNIQUE
    )""",
    "CREATE INDEX work_facts_by_work ON work_facts (work_id, id)",
    """CREATE TRIGGER work_facts_no_update BEFORE UPDATE ON work_facts
       BEGIN SELECT RAISE(ABORT, 'the facts chain is append-only: entries cannot be changed'); END""",
    """CREATE TRIGGER work_facts_no_delete BEFORE DELETE ON work_facts
       BEGIN SELECT RAISE(ABORT, 'the facts chain is append-only: entries cannot be deleted'); END""",
    "ALTER TABLE consent_ledger ADD COLUMN statement TEXT NOT NULL DEFAULT ''",
    _facts_baseline,
]

# Self-contained so it can be renumbered when branches merge: it only creates its own table.
_V4_MELODY_CHOICES: list[Statement] = [
    """CREATE TABLE melody_choices (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        work_id INTEGER NOT NULL REFERENCES works (id),
        source TEXT NOT NULL,
        label TEXT NOT NULL,
        melody_sha256 TEXT NOT NULL,
        chosen_by TEXT NOT NULL CHECK (chosen_by IN ('import', 'artist')),
        recorded_at TEXT NOT NULL
    )""",
    "CREATE INDEX melody_choices_by_work ON melody_choices (work_id, id)",
    """CREATE TRIGGER melody_choices_no_update BEFORE UPDATE ON melody_choices
       BEGIN SELECT RAISE(ABORT, 'melody choices are history: they cannot be changed'); END""",
    """CREATE TRIGGER melody_choices_no_delete BEFORE DELETE ON melody_choices
       BEGIN SELECT RAISE(ABORT, 'melody choices are history: they cannot be deleted'); END""",
]

MIGRATIONS: dict[int, list[Statement]] = {1: _V1, 2: _V2, 3: _V_CONSENT, 4: _V4_MELODY_CHOICES}
LATEST_VERSION = max(MIGRATIONS)
FACTS_VERSION = next(v for v, m in MIGRATIONS.items() if m is _V_CONSENT)  # the facts chain + head file exist
ACCORD_APPLICATION_ID = 0x41434344  # "ACCD": marks the file as an Accord catalogue


def _fail(path: Path, reason: str, hint: str | None = None) -> CatalogueError:
    return CatalogueError(reason, path=path, hint=hint)


def connect(path: Path) -> sqlite3.Connection:
    """Open (or create) the file and check it is a catalogue this version can read, without writing to it."""
    if path.is_dir():
        raise _fail(path, "is a folder, not a catalogue file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _fail(path, f"cannot create its folder: {exc.strerror or exc}") from exc
    try:
        conn = sqlite3.connect(str(path), isolation_level=None, timeout=10.0)
    except sqlite3.Error as exc:
        raise _fail(path, f"cannot be opened: {exc}") from exc
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
    except sqlite3.OperationalError as exc:
        # I/O trouble (a full disk cannot grow the -shm file, a locked or failing disk) is not damage: never
        # advise moving a good catalogue aside for it (found by tests/reliability disk-full checks).
        conn.close()
        raise _fail(path, f"cannot be read right now: {exc}", "the disk may be full or failing; nothing was "
                    "changed") from exc
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise _fail(path, "is not an Accord catalogue (not an SQLite database file)",
                    "move it aside; Accord creates a new catalogue when none exists") from exc
    if version > LATEST_VERSION:
        conn.close()
        raise _fail(path, f"was written by a newer version of Accord (catalogue schema {version}; this version "
                    f"reads up to {LATEST_VERSION})", "update Accord to open it")
    if tables and (version == 0 or app_id not in (0, ACCORD_APPLICATION_ID)):
        conn.close()
        raise _fail(path, "is an SQLite database of another program, not an Accord catalogue")
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 10000")
        if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
            log.warning("%s: WAL mode unavailable; using the default journal", path)
        # FULL: a commit is on disk before it returns, even in WAL mode (power loss keeps committed works).
        conn.execute("PRAGMA synchronous = FULL")
    except sqlite3.Error as exc:
        conn.close()
        raise _fail(path, f"cannot be opened for writing: {exc}") from exc
    return conn


def migrate(conn: sqlite3.Connection, path: Path, *, target: int = LATEST_VERSION) -> int:
    """Bring the file to `target` one numbered migration at a time; returns the version it had."""
    start = conn.execute("PRAGMA user_version").fetchone()[0]
    for version in range(start + 1, target + 1):
        try:
            conn.execute("BEGIN IMMEDIATE")
            for statement in MIGRATIONS[version]:
                if callable(statement):
                    statement(conn)
                else:
                    conn.execute(statement)
            conn.execute(f"PRAGMA application_id = {ACCORD_APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise _fail(path, f"could not be upgraded to catalogue schema {version}: {exc}",
                        "nothing was changed; free some disk space or check permissions") from exc
        if start:
            log.info("%s: catalogue upgraded to schema %d", path, version)
    return start
