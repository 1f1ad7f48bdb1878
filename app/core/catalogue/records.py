"""Read-only views the catalogue returns to the CLI and the studio (never used for training).

A work's melody is deliberately absent from these: the only way a melody leaves the catalogue is
`Catalogue.usable_works(use)` (types.UsableWork), so nothing can train on a work by listing it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app.core.catalogue.types import ContributorShare

USABLE = "usable"
PENDING = "pending"
REVOKED = "revoked"
BLOCKED = "blocked"  # would be usable, but the catalogue fails its audit: nothing is usable until restored
STATES = (USABLE, PENDING, REVOKED, BLOCKED)

KINDS = ("midi", "musicxml", "audio")
ROLES = ("composer", "lyricist", "performer", "producer", "arranger", "other")
ACTIONS = ("grant", "revoke")


@dataclass(frozen=True)
class WorkState:
    """Whether a work may be used for `use` now, and why not."""

    work_id: int
    use: str
    state: str  # "usable" | "pending" | "revoked"
    pending: tuple[str, ...] = ()  # contributors who have not granted yet
    revoked_by: tuple[str, ...] = ()  # contributors whose latest word is a revoke
    removed: bool = False  # the work was removed from the catalogue (state is then "revoked")

    @property
    def usable(self) -> bool:
        return self.state == USABLE

    @property
    def label(self) -> str:
        """Plain text for tables: 'usable', 'pending (Ann, Bo)', 'revoked (by Cy)'."""
        if self.state == PENDING:
            return f"pending ({', '.join(self.pending)})" if self.pending else "pending"
        if self.removed:
            return "removed"
        if self.state == REVOKED:
            return f"revoked (by {', '.join(self.revoked_by)})"
        if self.state == BLOCKED:
            return "blocked (the catalogue fails its audit)"
        return self.state

    def to_json(self) -> dict:
        return {"state": self.state, "pending": list(self.pending), "revoked_by": list(self.revoked_by),
                "removed": self.removed}


@dataclass(frozen=True)
class WorkSummary:
    id: int
    title: str
    kind: str
    path: str
    sha256: str
    note_count: int
    contributors: tuple[ContributorShare, ...]
    state: WorkState

    def to_json(self) -> dict:
        return {
            "id": self.id, "title": self.title, "kind": self.kind, "path": self.path, "sha256": self.sha256,
            "notes": self.note_count, **self.state.to_json(),
            "contributors": [{"name": c.name, "role": c.role, "split_bp": c.split_bp} for c in self.contributors],
        }


@dataclass(frozen=True)
class ConsentEvent:
    """One ledger entry, as stored."""

    id: int
    work_id: int
    contributor: str
    use: str
    action: str
    recorded_at: str
    recorded_by: str
    note: str
    prev_hash: str
    entry_hash: str
    statement: str = ""  # the contributor-signed statement (canonical JSON) when the consent is signed

    @property
    def evidence(self) -> str:
        """'signed' (the contributor signed a statement) or 'recorded' (the artist's attestation)."""
        return "signed" if self.statement else "recorded"

    def to_json(self) -> dict:
        out = {k: getattr(self, k) for k in ("id", "work_id", "contributor", "use", "action", "recorded_at",
                                             "recorded_by", "note", "prev_hash", "entry_hash")}
        out["evidence"] = self.evidence
        if self.statement:
            out["statement"] = self.statement
        return out


@dataclass(frozen=True)
class WorkDetail:
    summary: WorkSummary
    isrc: str | None
    iswc: str | None
    year: int | None
    notes_text: str  # the user's free-text notes about the work
    added_at: str
    source_detail: str  # e.g. which MIDI track/channel the melody came from
    tempo_bpm: float | None
    key: str | None
    time_signature: str
    history: tuple[ConsentEvent, ...]

    @property
    def id(self) -> int:
        return self.summary.id

    def to_json(self) -> dict:
        return {
            **self.summary.to_json(), "isrc": self.isrc, "iswc": self.iswc, "year": self.year,
            "notes_text": self.notes_text, "added_at": self.added_at, "source_detail": self.source_detail,
            "tempo_bpm": self.tempo_bpm, "key": self.key, "time_signature": self.time_signature,
            "history": [e.to_json() for e in self.history],
        }


@dataclass(frozen=True)
class AuditResult:
    ok: bool
    entries_checked: int
    broken_entry_id: int | None = None  # the first entry whose link or hash is wrong
    reason: str = ""
    work_id: int | None = None  # the work the problem concerns, when one does
    facts_checked: int = 0  # entries of the facts chain (contributors, splits, removal, melody, source hash)

    def to_json(self) -> dict:
        return {"ok": self.ok, "entries_checked": self.entries_checked, "facts_checked": self.facts_checked,
                "broken_entry_id": self.broken_entry_id, "reason": self.reason, "work_id": self.work_id}


@dataclass(frozen=True)
class ImportProblem:
    path: Path
    reason: str  # one line naming the file and why


@dataclass(frozen=True)
class ImportResult:
    added: tuple[WorkSummary, ...] = ()
    duplicates: tuple[tuple[Path, int], ...] = ()  # (file, id of the work that already holds it)
    failed: tuple[ImportProblem, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.failed
