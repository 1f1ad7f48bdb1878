"""The consent rule, as a pure function of the contributors and the ledger's latest word per contributor.

A work is usable for a use only when every contributor who has a say (everyone listed on the work) has
granted that use and none has revoked since: each contributor's *latest* ledger entry for the use must
be a grant. A revoke by anyone makes the work "revoked" until that person grants again; a contributor who
has not spoken yet makes it "pending". A work with no contributors is never usable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from app.core.catalogue.records import PENDING, REVOKED, USABLE, WorkState


def latest_words_query(*, one_work: bool = False) -> str:
    """SQL: each contributor's latest ledger entry per work for one use (one indexed GROUP BY).

    Parameters: (use,) or, with one_work, (use, work_id).
    """
    where = "use = ? AND work_id = ?" if one_work else "use = ?"
    return ("SELECT l.work_id, l.contributor, l.action, l.id, l.recorded_at, l.entry_hash FROM consent_ledger l "
            f"JOIN (SELECT MAX(id) AS id FROM consent_ledger WHERE {where} GROUP BY work_id, contributor) m "
            "ON l.id = m.id")


def state_of(work_id: int, use: str, names: Sequence[str], latest: Mapping[tuple[int, str], tuple]) -> WorkState:
    """`latest[(work_id, name)]` is that contributor's latest row (work_id, name, action, ...)."""
    revoked = tuple(n for n in names if (row := latest.get((work_id, n))) is not None and row[2] == "revoke")
    pending = tuple(n for n in names if (row := latest.get((work_id, n))) is None or row[2] != "grant"
                    if n not in revoked)
    if revoked:
        return WorkState(work_id, use, REVOKED, pending, revoked)
    if pending or not names:
        return WorkState(work_id, use, PENDING, pending, ())
    return WorkState(work_id, use, USABLE)


def names_by_work(rows: Iterable[tuple[int, str]]) -> dict[int, list[str]]:
    """Distinct contributor names per work, in listing order (one person may hold several roles)."""
    out: dict[int, list[str]] = {}
    for work_id, name in rows:
        names = out.setdefault(work_id, [])
        if name not in names:
            names.append(name)
    return out
