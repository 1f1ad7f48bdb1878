"""A record in readable lines (for `accord verify` and the Verify dialog): what, which model, which
works, who gets credit. Numbers come straight from the record (basis points shown as percentages)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _pct(bp: Any) -> str:
    return f"{bp // 100}.{bp % 100:02d}%" if isinstance(bp, int) else "?"


def describe_record(record: Mapping[str, Any]) -> list[str]:
    lines = [f"title: {record.get('title') or '-'} ({record.get('kind', '?')}) by {record.get('artist') or '-'}",
             f"AI content: {'yes' if record.get('aiContent') else 'no'} — {record.get('digitalSourceType', '?')}"]
    if record.get("humanEditedNotes"):
        lines.append(f"human-edited notes: {record['humanEditedNotes']}")
    model = record.get("model") or {}
    if model:
        lines.append(f"model: {model.get('id')} (fingerprint {str(model.get('fingerprint'))[:16]}…)")
    works = record.get("trainingWorks") or []
    if works:
        lines.append(f"trained on {len(works)} consented work(s):")
        for w in works[:20]:
            lines.append(f"  #{w.get('id')} {w.get('title')} (sha256 {str(w.get('sha256'))[:12]}…, "
                         f"{len(w.get('consent') or [])} consent entr{'y' if len(w.get('consent') or []) == 1 else 'ies'})")
        if len(works) > 20:
            lines.append(f"  … and {len(works) - 20} more")
    titles = {w.get("id"): w.get("title") for w in works}
    titles.setdefault(0, "(unattributed: no single work; given to no contributor)")
    for c in record.get("credit") or []:
        lines.append(f"credit: {_pct(c.get('bp'))} to work #{c.get('workId')} {titles.get(c.get('workId'), '')}")
    for s in record.get("contributorShares") or []:
        lines.append(f"share: {s.get('name')} {_pct(s.get('bp'))} ({', '.join(s.get('roles') or [])})")
    for s in record.get("stems") or []:
        lines.append(f"stem: {s.get('name')} ({'AI' if s.get('aiContent') else 'human'}, "
                     f"sha256 {str(s.get('sha256'))[:12]}…)")
    if record.get("longestCopiedRun") is not None:
        lines.append(f"longest run copied from one work: {record['longestCopiedRun']} notes")
    signer = record.get("signer") or {}
    app = record.get("app") or {}
    lines.append(f"signed by {signer.get('name')} (key {str(signer.get('keyId'))[:16]}…) at {record.get('createdAt')}"
                 f" with Accord {app.get('version')}")
    return lines
