"""Writing works into the catalogue, as a mixin of Catalogue (store.py): adding one work, importing files and
folders in one transaction, replacing contributors, changing descriptive fields, removing a work (tombstone),
and logging exports.

Kept apart from store.py so each file stays readable. Every write runs in the store's `_write` transaction
(BEGIN IMMEDIATE; the signed head file is anchored after the commit), and a change to a fact that decides
usability (a new work, its contributors, its removal) is appended to the work's facts chain in that transaction.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.catalogue.fields import (
    checked_isrc,
    checked_iswc,
    checked_kind,
    checked_title,
    checked_year,
)
from app.core.catalogue.importing.importers import extract_batch
from app.core.catalogue.integrity.facts import append_facts
from app.core.catalogue.integrity.ledger import now_utc
from app.core.catalogue.records import ImportResult, WorkSummary
from app.core.catalogue.splits import default_contributors, validate_contributors
from app.core.catalogue.types import MELODY_MODEL_USE, ContributorShare
from app.core.errors import CatalogueError
from app.core.music import Melody
from app.core.tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress, scaled
from app.core.transcription.grid import SongEars


def storable(text: str) -> str:
    """Text SQLite can hold: file names that are not valid UTF-8 arrive as surrogate escapes, which SQLite
    refuses (one such name failed a whole batch import; found by tests/reliability). Their bytes are kept
    visible as \\xNN."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate that is not an escaped byte
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


class WritesMixin:
    """Mixed into Catalogue; see store.py for the plumbing it relies on."""

    if TYPE_CHECKING:  # provided by Catalogue (store.py)
        def _write(self) -> contextlib.AbstractContextManager[sqlite3.Connection]: ...
        def _query(self, sql: str, params: Sequence = ()) -> list[tuple]: ...
        def _live_ids(self, work_ids: Sequence[int]) -> None: ...
        def works(self, use: str = MELODY_MODEL_USE) -> list[WorkSummary]: ...

    def add_work(self, melody: Melody, *, title: str, kind: str = "midi", path: str | Path = "",
                 sha256: str | None = None, contributors: Sequence[ContributorShare] | None = None,
                 isrc: str | None = None, iswc: str | None = None, year: int | None = None,
                 notes_text: str = "", source_detail: str = "") -> int:
        """Add one work (its own transaction); returns its id. Without sha256 the melody's hash is used."""
        sha = sha256 or hashlib.sha256(json.dumps(melody.to_json(), sort_keys=True).encode()).hexdigest()
        shares = validate_contributors(list(contributors) if contributors else default_contributors())
        with self._write() as conn:
            existing = conn.execute("SELECT id FROM works WHERE sha256 = ? AND removed_at IS NULL", (sha,)).fetchone()
            if existing:
                raise CatalogueError(f"is already in the catalogue as work {existing[0]}", path=path or None)
            return self._insert(conn, melody, title=title, kind=kind, path=str(path), sha256=sha, shares=shares,
                                isrc=isrc, iswc=iswc, year=year, notes_text=notes_text, source_detail=source_detail)

    def _insert(self, conn: sqlite3.Connection, melody: Melody, *, title: str, kind: str, path: str, sha256: str,
                shares: list[ContributorShare], isrc: str | None = None, iswc: str | None = None,
                year: int | None = None, notes_text: str = "", source_detail: str = "") -> int:
        title, kind = checked_title(storable(title)), checked_kind(kind)
        path, source_detail = storable(path), storable(source_detail)
        if not melody.notes:
            raise CatalogueError("melody: a work needs at least one note", path=path or None)
        isrc, iswc, year = checked_isrc(isrc), checked_iswc(iswc), checked_year(year)
        cur = conn.execute(
            "INSERT INTO works (title, kind, path, sha256, isrc, iswc, year, notes_text, melody_json, note_count, "
            "tempo_bpm, key_name, time_signature, added_at, source_detail) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (title, kind, path, sha256, isrc, iswc, year, notes_text,
             json.dumps(melody.to_json(), separators=(",", ":")), len(melody.notes), melody.tempo_bpm,
             None if melody.key is None else melody.key.name, str(melody.time_signature), now_utc(), source_detail))
        work_id = int(cur.lastrowid or 0)
        conn.executemany("INSERT INTO contributors (work_id, name, role, split_bp) VALUES (?,?,?,?)",
                         [(work_id, c.name, c.role, c.split_bp) for c in shares])
        append_facts(conn, work_id)
        return work_id

    def import_files(self, paths: Sequence[str | Path], *, contributors: Sequence[ContributorShare] | None = None,
                     title: str | None = None, track: int | None = None, channel: int | None = None,
                     transcriber: str = "auto", ears: SongEars | None = None,
                     progress: Progress = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> ImportResult:
        """Import files and folders (recursively). Bad files are reported in the result, good ones added.

        All new works are written in one transaction at the end, so a cancelled import changes nothing and
        a thousand small files cost one commit. The same file (same sha256) is never added twice.
        `ears`: hear an audio file's beat and key, for its melody's grid and key (the app passes the analysis's).
        """
        shares = validate_contributors(list(contributors) if contributors else default_contributors())
        known = {sha: wid for sha, wid in self._query("SELECT sha256, id FROM works WHERE removed_at IS NULL")}
        batch = extract_batch(paths, known, track=track, channel=channel, transcriber=transcriber,
                              ears=ears, progress=scaled(progress, 0.0, 0.95), cancel=cancel)
        extracted, duplicates, dup_of_batch = batch.extracted, list(batch.duplicates), batch.repeated
        cancel.check()
        progress(0.95, f"saving {len(extracted)} works")
        ids: dict[str, int] = {}
        if extracted:
            with self._write() as conn:
                for e in extracted:
                    row = conn.execute("SELECT id FROM works WHERE sha256 = ? AND removed_at IS NULL",
                                       (e.sha256,)).fetchone()
                    if row:  # added by another process since we looked
                        duplicates.append((e.path, row[0]))
                        continue
                    name = e.path.stem if not title else (title if batch.file_count == 1 else f"{title}: {e.path.stem}")
                    ids[e.sha256] = self._insert(conn, e.melody, title=name, kind=e.kind, path=str(e.path.resolve()),
                                                 sha256=e.sha256, shares=shares, source_detail=e.source_detail)
        duplicates += [(f, ids.get(sha) or known.get(sha, 0)) for f, sha in dup_of_batch]
        new_ids = set(ids.values())
        added = [w for w in self.works() if w.id in new_ids]
        progress(1.0, f"added {len(added)} works")
        return ImportResult(tuple(added), tuple(duplicates), batch.failed)

    def set_contributors(self, work_id: int, contributors: Sequence[ContributorShare]) -> None:
        """Replace a work's contributors; splits must sum to 10000 bp.

        A contributor whose latest word on any use is a revoke cannot be taken off the work: that would
        make it usable again without their consent.
        """
        shares = validate_contributors(list(contributors), field=f"work {work_id} contributors")
        with self._write() as conn:
            self._live_ids([work_id])
            kept = {c.name for c in shares}
            for name, in conn.execute("SELECT DISTINCT name FROM contributors WHERE work_id = ?", (work_id,)).fetchall():
                if name in kept:
                    continue
                last = conn.execute("SELECT action, use FROM consent_ledger WHERE work_id = ? AND contributor = ? "
                                    "AND id IN (SELECT MAX(id) FROM consent_ledger WHERE work_id = ? AND "
                                    "contributor = ? GROUP BY use) AND action = 'revoke'",
                                    (work_id, name, work_id, name)).fetchone()
                if last:
                    raise CatalogueError(f"work {work_id} contributors: {name} revoked consent ({last[1]}); "
                                         f"they stay on the work until they grant again")
            conn.execute("DELETE FROM contributors WHERE work_id = ?", (work_id,))
            conn.executemany("INSERT INTO contributors (work_id, name, role, split_bp) VALUES (?,?,?,?)",
                             [(work_id, c.name, c.role, c.split_bp) for c in shares])
            append_facts(conn, int(work_id))

    def update_work(self, work_id: int, *, title: str | None = None, isrc: str | None = None,
                    iswc: str | None = None, year: int | None = None, notes_text: str | None = None) -> None:
        """Change a work's descriptive fields (None keeps a field; an empty ISRC/ISWC clears it).

        The melody and source file never change: a different file is a different work.
        """
        changes: dict[str, object] = {}
        if title is not None:
            changes["title"] = checked_title(title)
        if isrc is not None:
            changes["isrc"] = checked_isrc(isrc)
        if iswc is not None:
            changes["iswc"] = checked_iswc(iswc)
        if year is not None:
            changes["year"] = checked_year(year)
        if notes_text is not None:
            changes["notes_text"] = notes_text
        with self._write() as conn:
            self._live_ids([work_id])
            if changes:
                conn.execute(f"UPDATE works SET {', '.join(f'{k} = ?' for k in changes)} WHERE id = ?",
                             (*changes.values(), int(work_id)))

    def remove_work(self, work_id: int) -> None:
        """Mark the work removed (tombstone): it is never usable again; its consent history stays."""
        with self._write() as conn:
            self._live_ids([work_id])
            conn.execute("UPDATE works SET removed_at = ? WHERE id = ?", (now_utc(), int(work_id)))
            append_facts(conn, int(work_id))

    def log_export(self, *, file_name: str, content_sha256: str, record_json: str) -> int:
        with self._write() as conn:
            cur = conn.execute("INSERT INTO exports (time, file_name, content_sha256, record_json) VALUES (?,?,?,?)",
                               (now_utc(), storable(file_name), content_sha256, record_json))
            return int(cur.lastrowid or 0)
