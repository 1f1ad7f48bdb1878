"""The consent rule, as a pure function of the contributors and the ledger's latest word per contributor.

A work is usable for a use only when every contributor who has a say (everyone listed on the work) has
granted that use and none has revoked since: each contributor's *latest* ledger entry for the use must
be a grant. A revoke by anyone makes the work "revoked" until that person grants again; a contributor who
has not spoken yet makes it "pending". A work with no contributors is never usable.

Signed beats recorded: a revocation the contributor signed stays in force over any later grant the artist
merely recorded; only a later grant signed by the contributor lifts it (`signed_revocations_win`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from app.core.catalogue.records import PENDING, REVOKED, USABLE, WorkState


def latest_words_query(*, one_work: bool = False, signed_only: bool = False) -> str:
    """SQL: each contributor's latest ledger entry per work for one use (one indexed GROUP BY).

    Parameters: (use,) or, with one_work, (use, work_id). Rows: work_id, contributor, action, id,
    recorded_at, entry_hash, statement.
    """
    where = "use = ? AND work_id = ?" if one_work else "use = ?"
    if signed_only:
        where += " AND statement != ''"
    return ("SELECT l.work_id, l.contributor, l.action, l.id, l.recorded_at, l.entry_hash, l.statement "
            f"FROM consent_ledger l JOIN (SELECT MAX(id) AS id FROM consent_ledger WHERE {where} "
            "GROUP BY work_id, contributor) m ON l.id = m.id")


def signed_revocations_win(latest: dict[tuple[int, str], tuple], signed: Iterable[tuple]) -> dict[tuple[int, str], tuple]:
    """Each contributor's effective word: their latest signed revocation unless a later entry is also signed."""
    for row in signed:
        key = (row[0], row[1])
        if row[2] == "revoke" and key in latest and not latest[key][6]:
            latest[key] = row
    return latest


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
