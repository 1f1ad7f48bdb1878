"""The consented catalogue: works, contributors and splits, the consent ledger, and THE usable-works function.

Everything that trains, evaluates or attributes gets melodies only from `Catalogue.usable_works(use)`.
"""

from app.core.catalogue.records import (
    AuditResult,
    ConsentEvent,
    ImportProblem,
    ImportResult,
    WorkDetail,
    WorkState,
    WorkSummary,
)
from app.core.catalogue.store import Catalogue
from app.core.catalogue.types import (
    MELODY_MODEL_USE,
    ConsentEntryRef,
    ContributorConsent,
    ContributorShare,
    UsableWork,
    WorkConsent,
)

__all__ = [
    "MELODY_MODEL_USE", "AuditResult", "Catalogue", "ConsentEntryRef", "ConsentEvent", "ContributorConsent",
    "ContributorShare", "WorkConsent",
    "ImportProblem", "ImportResult", "UsableWork", "WorkDetail", "WorkState", "WorkSummary",
]
