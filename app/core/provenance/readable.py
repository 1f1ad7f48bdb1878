"""A record in readable lines (for `accord verify` and the Verify dialog): what, which model, which
works, who gets credit. Numbers come straight from the record (basis points shown as percentages)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

UNATTRIBUTED_TEXT = "unattributed (the piece itself and chance: no training work, no contributor)"


def _pct(bp: Any) -> str:
    return f"{bp // 100}.{bp % 100:02d}%" if isinstance(bp, int) and not isinstance(bp, bool) else "?"


# A record comes from a file, and anyone can sign anything with their own key: the display must take any JSON
# shape (a string where a list of objects belongs used to crash `accord verify`; found by tests/reliability).
def _obj(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _objs(value: Any) -> list[Mapping[str, Any]]:
    return [_obj(v) for v in value] if isinstance(value, list) else []


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _key(value: Any) -> Any:
    return value if isinstance(value, int | str) else repr(value)


def describe_record(record: Mapping[str, Any]) -> list[str]:
    lines = [f"title: {record.get('title') or '-'} ({record.get('kind', '?')}) by {record.get('artist') or '-'}",
             f"AI content: {'yes' if record.get('aiContent') else 'no'} — {record.get('digitalSourceType', '?')}"]
    if record.get("humanEditedNotes"):
        lines.append(f"human-edited notes: {record['humanEditedNotes']}")
    model = _obj(record.get("model"))
    if model:
        lines.append(f"model: {model.get('id')} (fingerprint {str(model.get('fingerprint'))[:16]}…)")
    works = _objs(record.get("trainingWorks"))
    if works:
        lines.append(f"trained on {len(works)} consented work(s):")
        for w in works[:20]:
            consent = _objs(w.get("consent"))
            signed = sum(1 for c in consent if c.get("evidence") == "signed")
            how = (f"{signed} signed by the contributor, {len(consent) - signed} recorded by the artist" if signed
                   else "recorded by the artist")
            lines.append(f"  #{w.get('id')} {w.get('title')} (sha256 {str(w.get('sha256'))[:12]}…, "
                         f"{len(consent)} consent entr{'y' if len(consent) == 1 else 'ies'}: {how})")
        if len(works) > 20:
            lines.append(f"  … and {len(works) - 20} more")
    titles = {_key(w.get("id")): w.get("title") for w in works}
    for c in _objs(record.get("credit")):
        if _key(c.get("workId")) == 0:  # the same words as `accord suggest` prints
            lines.append(f"credit: {_pct(c.get('bp'))} {UNATTRIBUTED_TEXT}")
        else:
            lines.append(f"credit: {_pct(c.get('bp'))} to work #{c.get('workId')} "
                         f"{titles.get(_key(c.get('workId')), '')}")
    for s in _objs(record.get("contributorShares")):
        roles = _list(s.get("roles"))
        lines.append(f"share: {s.get('name')} {_pct(s.get('bp'))} ({', '.join(str(r) for r in roles)})")
    for s in _objs(record.get("stems")):
        lines.append(f"stem: {s.get('name')} ({'AI' if s.get('aiContent') else 'human'}, "
                     f"sha256 {str(s.get('sha256'))[:12]}…)")
    if record.get("longestCopiedRun") is not None:
        lines.append(f"longest run copied from one work: {record['longestCopiedRun']} notes")
    signer = _obj(record.get("signer"))
    app = _obj(record.get("app"))
    lines.append(f"signed by {signer.get('name')} (key {str(signer.get('keyId'))[:16]}…) at {record.get('createdAt')}"
                 f" with Accord {app.get('version')}")
    return lines
