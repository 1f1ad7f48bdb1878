"""Consent re-checked at the moment of signing: a signed file never credits, or lists as consented, a work
that is not usable now.

`recheck_consent(fields, catalogue)` is called by export.py right before a record is signed (every export,
render and mix goes through it). Every training work the record would list must be usable now, with the same
content hash it had when the model learned it; otherwise nothing is signed and the error names each work and
says whether the suggestion credits it. The record's training works are then rebuilt from the catalogue as
it stands: current contributors and splits, and each contributor's consent evidence (the signed statement,
or "recorded by the artist").
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from app.core.errors import ConsentError
from app.core.provenance.record import UNATTRIBUTED, ConsentRef, RecordFields, TrainingWork, WorkContributor

REGENERATE_HINT = ("regenerate the suggestion with the retrained model (accord train, then suggest again), or "
                   "export without it")


class UnusableWorkError(ConsentError):
    """A record would credit or list works that are not usable now; `work_ids` names them."""

    def __init__(self, reason: str, *, work_ids: tuple[int, ...], credited: tuple[int, ...],
                 hint: str | None = REGENERATE_HINT, suggestion_id: str | None = None) -> None:
        super().__init__(reason, hint=hint)
        self.work_ids = work_ids
        self.credited = credited
        self.suggestion_id = suggestion_id  # the kept suggestion at fault, when known (export without it)

    def __reduce__(self):  # keep the fields across process boundaries
        return (_rebuild, (self.reason, self.work_ids, self.credited, self.hint, self.suggestion_id))


def _rebuild(reason: str, work_ids: tuple[int, ...], credited: tuple[int, ...], hint: str | None,
             suggestion_id: str | None):
    return UnusableWorkError(reason, work_ids=work_ids, credited=credited, hint=hint, suggestion_id=suggestion_id)


def _why(now: Any, sha256: str) -> str:
    if now is None:
        return "is not in this catalogue"
    if now.sha256 != sha256:
        return "is another work in this catalogue (its content hash differs)"
    state = now.state
    return "was removed" if state.removed else f"is {state.label}"


def recheck_consent(fields: RecordFields, catalogue: Any, *, what: str = "") -> RecordFields:
    """`fields` with training works as consented now; raises UnusableWorkError (or ConsentError) otherwise."""
    credited = {k for k, v in fields.credit_bp.items() if k != UNATTRIBUTED and v > 0}
    if not fields.training_works and not credited:
        return fields
    label = what or fields.title
    if catalogue is None:
        raise ConsentError(f"{label}: credits training works, but the catalogue is not available to re-check "
                           "their consent; nothing was signed", hint="open the catalogue (check `accord catalogue "
                           "audit`) and export again")
    listed = {w.id: w for w in fields.training_works}
    now = catalogue.consent_now(sorted(set(listed) | credited))
    bad = []
    for work_id in sorted(set(listed) | credited):
        w = listed.get(work_id)
        current = now.get(work_id)
        sha = w.sha256 if w is not None else (current.sha256 if current is not None else "")
        if current is None or current.sha256 != sha or not current.state.usable:
            bad.append((work_id, (w.title if w else "") or (current.title if current else "?"), _why(current, sha)))
    if bad:
        lines = "; ".join(f"work {i} ({t!r}) {why}" + (", and the suggestion credits it" if i in credited else
                                                        ", and the model that made it learned from it")
                          for i, t, why in bad)
        raise UnusableWorkError(f"{label}: cannot be signed as it is: {lines}", work_ids=tuple(i for i, _, _ in bad),
                                credited=tuple(i for i, _, _ in bad if i in credited))
    works = tuple(TrainingWork(
        id=c.id, title=c.title, sha256=c.sha256,
        contributors=tuple(WorkContributor(p.name, p.role, p.split_bp) for p in c.contributors),
        consent=tuple(ConsentRef(r.entry_id, r.contributor, r.action, r.use, r.recorded_at, r.entry_hash, r.statement)
                      for r in c.consent))
        for c in (now[i] for i in sorted(listed.keys() | credited)))
    return replace(fields, training_works=works)
