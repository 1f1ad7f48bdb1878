"""Plain values the catalogue hands to the rest of the core (the model, attribution, provenance).

`UsableWork` is the only shape in which a work's melody leaves the catalogue for training, evaluation or
attribution, and only `Catalogue.usable_works(use)` creates it (DESIGN.md §3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.core.music import Melody

MELODY_MODEL_USE = "melody-model"
# A work's path for a demo work shipped with Accord (no file on disk: its melody comes from the app's data).
DEMO_PATH_PREFIX = "accord-demo:"


@dataclass(frozen=True)
class ContributorShare:
    name: str
    role: str  # composer | lyricist | performer | producer | arranger | other
    split_bp: int  # basis points; a work's contributors sum to 10000


@dataclass(frozen=True)
class ConsentEntryRef:
    """One ledger entry that allows a use: who granted, when, and the entry's chain hash."""

    entry_id: int
    contributor: str
    action: str  # "grant" (only grants appear in a usable work's consent)
    use: str
    recorded_at: str  # ISO 8601 UTC
    entry_hash: str  # hex sha256 of the ledger entry (chains to the previous one)
    statement: str = ""  # the contributor-signed statement (canonical JSON); empty = recorded by the artist

    @property
    def evidence(self) -> str:
        return "signed" if self.statement else "recorded"


@dataclass(frozen=True)
class UsableWork:
    id: int
    title: str
    sha256: str  # of the source file
    melody: Melody
    contributors: tuple[ContributorShare, ...]
    consent: tuple[ConsentEntryRef, ...]
    melody_sha256: str = ""  # sha256 of the melody as stored (facts.melody_digest): binds models to content


@dataclass(frozen=True)
class WorkConsent:
    """A work's consent as it stands now, without its melody (Catalogue.consent_now): what export re-checks."""

    id: int
    title: str
    sha256: str
    state: Any  # records.WorkState
    contributors: tuple[ContributorShare, ...]
    consent: tuple[ConsentEntryRef, ...]  # each contributor's effective grant (only when usable)
    melody_sha256: str = ""  # digest of the stored melody (facts.melody_digest)


@dataclass(frozen=True)
class ContributorConsent:
    """One contributor's consent badge on a work (Catalogue.contributor_consent)."""

    name: str
    badge: str  # "signed" | "recorded" (by the artist) | "pending" | "revoked"
    evidence: str  # "signed" | "recorded": what the latest word rests on
    key_id: str = ""  # the signer's key id when signed
