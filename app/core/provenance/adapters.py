"""Thin adapters from other parts of Accord to the record's plain values (`RecordFields`).

The record never depends on the model's or the project's classes: these functions read their plain
shapes — the catalogue's `UsableWork`, a model manifest (JSON), a suggestion stored in a project (JSON) —
tolerating the few spellings those shapes use (snake_case or camelCase). docs/provenance.md lists the keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any

from app.core.errors import ProvenanceError
from app.core.provenance.record import (
    UNATTRIBUTED,
    ConsentRef,
    RecordFields,
    TrainingWork,
    WorkContributor,
    largest_remainder,
)


def _get(d: Mapping[str, Any], *names: str, default: Any = None) -> Any:
    for n in names:
        if n in d and d[n] is not None:
            return d[n]
    return default


def _attr_or_key(obj: Any, *names: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return _get(obj, *names, default=default)
    for n in names:
        value = getattr(obj, n, None)
        if value is not None:
            return value
    return default


def consent_ref(c: Any) -> ConsentRef:
    statement = _attr_or_key(c, "statement", default="") or ""
    if isinstance(statement, Mapping):  # as embedded in a record: back to the canonical text that was signed
        from app.core.provenance.canonical import canonical_bytes

        statement = canonical_bytes(dict(statement)).decode("ascii")
    return ConsentRef(int(_attr_or_key(c, "entry_id", "entryId", "id", default=0)),
                      str(_attr_or_key(c, "contributor", default="")), str(_attr_or_key(c, "action", default="grant")),
                      str(_attr_or_key(c, "use", default="")),
                      str(_attr_or_key(c, "recorded_at", "recordedAt", "time", default="")),
                      str(_attr_or_key(c, "entry_hash", "entryHash", "hash", default="")), str(statement))


def work_contributor(c: Any) -> WorkContributor:
    return WorkContributor(str(_attr_or_key(c, "name", default="")), str(_attr_or_key(c, "role", default="other")),
                           int(_attr_or_key(c, "split_bp", "splitBp", "bp", default=0)))


def training_work(w: Any) -> TrainingWork:
    """A TrainingWork from a catalogue UsableWork, a manifest entry (dict), or anything alike."""
    try:
        return TrainingWork(
            id=int(_attr_or_key(w, "id", "work_id", "workId")),
            title=str(_attr_or_key(w, "title", default="")),
            sha256=str(_attr_or_key(w, "sha256", "content_sha256", "hash", default="")),
            contributors=tuple(work_contributor(c) for c in _attr_or_key(w, "contributors", default=()) or ()),
            consent=tuple(consent_ref(c) for c in _attr_or_key(w, "consent", "consent_entries", "consentEntries",
                                                                default=()) or ()))
    except (TypeError, ValueError) as exc:
        raise ProvenanceError(f"a training work cannot be read: {exc}") from exc


def training_works(items: Iterable[Any]) -> tuple[TrainingWork, ...]:
    return tuple(sorted((training_work(w) for w in items), key=lambda w: w.id))


def manifest_model(manifest: Mapping[str, Any] | Any) -> tuple[str | None, str | None, tuple[TrainingWork, ...]]:
    """(model id, fingerprint, training works) of a model manifest (dict or object)."""
    model_id = _attr_or_key(manifest, "model_id", "modelId", "id")
    fingerprint = _attr_or_key(manifest, "fingerprint", "model_fingerprint")
    works = _attr_or_key(manifest, "training_works", "trainingWorks", "works", default=()) or ()
    return (None if model_id is None else str(model_id), None if fingerprint is None else str(fingerprint),
            training_works(works))


def credit_from_shares(shares: Mapping[Any, float], *, unattributed: float = 0.0) -> dict[int, int]:
    """Basis points from the model's float shares (work id -> share) plus the unattributed share (key 0),
    by largest remainder, as the model's `credit_basis_points` does."""
    weights = {int(k): Fraction(float(v)) for k, v in shares.items() if float(v) > 0 and int(k) != UNATTRIBUTED}
    rest = float(unattributed) + sum(float(v) for k, v in shares.items() if int(k) == UNATTRIBUTED)
    if rest > 0:
        weights[UNATTRIBUTED] = Fraction(rest)
    return dict(largest_remainder(weights))


def credit_map(credit: Any) -> dict[int, int]:
    """Per-work credit in basis points from {id: bp}, [{work_id, bp}] or [(id, bp)]."""
    out: dict[int, int] = {}
    if credit is None:
        return out
    items: Iterable[Any] = credit.items() if isinstance(credit, Mapping) else credit
    for item in items:
        if isinstance(item, Mapping):
            wid, bp = _get(item, "work_id", "workId", "id"), _get(item, "bp", "credit_bp", "basis_points")
        elif isinstance(item, (tuple, list)) and len(item) == 2:
            wid, bp = item
        else:
            wid, bp = _attr_or_key(item, "work_id", "id"), _attr_or_key(item, "bp", "credit_bp")
        if isinstance(bp, bool) or not isinstance(bp, int) or isinstance(wid, bool):
            raise ProvenanceError(f"credit for work {wid!r} is {bp!r}; basis points must be whole numbers")
        out[int(wid)] = out.get(int(wid), 0) + bp
    return out


def combine_credits(credits: Sequence[Mapping[int, int]]) -> dict[int, int]:
    """Credit of a mix holding several suggestions: each suggestion weighs the same; total 10000 bp."""
    weights: dict[int, Fraction] = {}
    for credit in credits:
        total = sum(credit.values())
        for wid, bp in credit.items():
            if total > 0 and bp > 0:
                weights[wid] = weights.get(wid, Fraction(0)) + Fraction(bp, total)
    return dict(largest_remainder(weights))


def suggestion_provenance(s: Mapping[str, Any]) -> dict[str, Any]:
    """The provenance-relevant part of a suggestion stored as JSON in a project."""
    model = _get(s, "model", default={}) or {}
    edited = _get(s, "human_edited_notes", "humanEditedNotes", "edited_notes", default=0)
    works = _get(s, "training_works", "trainingWorks", "works", default=()) or ()
    raw_credit = _get(s, "credit_bp", "creditBp")
    if raw_credit is not None:
        credit = credit_map(raw_credit)
    else:
        shares = _get(s, "credit", default={}) or {}
        floats = isinstance(shares, Mapping) and any(isinstance(v, float) for v in shares.values())
        credit = (credit_from_shares(shares, unattributed=float(_get(s, "uniform_share", default=0.0))
                                     + float(_get(s, "piece_share", default=0.0)))
                  if floats else credit_map(shares))
    run = _get(s, "longest_copied_run", "longestCopiedRun")
    if isinstance(run, Mapping):  # the model reports {"length", "work_id"} (or one run per viewpoint)
        run = run.get("length") if "length" in run else max(
            (v for v in run.values() if isinstance(v, int) and not isinstance(v, bool)), default=None)
    return {
        "id": str(_get(s, "id", default="")),
        "model_id": _get(s, "model_id", "modelId", default=_get(model, "id", "model_id")),
        "model_fingerprint": _get(s, "model_fingerprint", "fingerprint", default=_get(model, "fingerprint")),
        "credit": credit,
        "works": training_works(works),
        "human_edited_notes": len(edited) if isinstance(edited, list) else int(edited or 0),
        "longest_copied_run": run if isinstance(run, int) else None,
    }


def suggestion_record_fields(suggestion: Mapping[str, Any], manifest: Mapping[str, Any] | None, *,
                             title: str, kind: str = "suggestion") -> RecordFields:
    """Record fields for one suggestion (the model's `Suggestion.to_json()`) from its model's manifest."""
    prov = suggestion_provenance(suggestion)
    model_id, fingerprint, works = manifest_model(manifest) if manifest is not None else (None, None, ())
    if prov["model_id"] and model_id and prov["model_id"] != model_id:
        raise ProvenanceError(f"suggestion {prov['id']} comes from model {prov['model_id']}, not {model_id}")
    by_id = {w.id: w for w in works}
    for w in prov["works"]:
        by_id.setdefault(w.id, w)
    missing = sorted(set(prov["credit"]) - set(by_id) - {UNATTRIBUTED})
    if missing:
        raise ProvenanceError(f"suggestion {prov['id']} credits work(s) {missing} its model does not list")
    return RecordFields(kind=kind, title=title, model_id=prov["model_id"] or model_id,
                        model_fingerprint=prov["model_fingerprint"] or fingerprint,
                        training_works=tuple(sorted(by_id.values(), key=lambda w: w.id)), credit_bp=prov["credit"],
                        suggestion_ids=(prov["id"],) if prov["id"] else (),
                        human_edited_notes=prov["human_edited_notes"], longest_copied_run=prov["longest_copied_run"])
