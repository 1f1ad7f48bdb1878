"""Provenance for files made from other files (`accord mix`, `accord render`): each source that carries
a *verified* Accord record passes its AI facts on (model, training works, credit); any other source is
recorded as the artist's own material (name + file hash, no AI content).

A source whose record does not verify (unknown signer, tampered...) is treated as the artist's own: Accord
never copies credit it cannot check; docs/provenance.md explains this choice.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path

from app.core.errors import ProvenanceError
from app.core.provenance.adapters import combine_credits, credit_map, training_works
from app.core.provenance.identity import TrustList
from app.core.provenance.record import RecordFields, StemUse, TrainingWork

log = logging.getLogger(__name__)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def fields_from_sources(kind: str, title: str, sources: Sequence[str | Path], trust: TrustList) -> RecordFields:
    """Record fields for a file made from `sources` (audio stems, a MIDI suggestion...)."""
    from app.core.provenance.verify import VERIFIED, verify_file

    stems: list[StemUse] = []
    credits: list[dict[int, int]] = []
    works: dict[int, TrainingWork] = {}
    model_id = fingerprint = None
    suggestion_ids: list[str] = []
    edited = 0
    runs: list[int] = []
    for source in map(Path, sources):
        try:
            digest = file_sha256(source)
        except OSError as exc:
            raise ProvenanceError(f"cannot be read: {exc.strerror or exc}", path=source) from exc
        record = None
        try:
            result = verify_file(source, trust)
            record = result.record if result.status == VERIFIED and (result.record or {}).get("aiContent") else None
            if result.status not in (VERIFIED, "no-provenance"):
                log.warning("%s: provenance %s (%s); treated as your own material", source.name, result.status,
                            result.reason)
        except ProvenanceError as exc:
            log.info("%s: no readable provenance (%s)", source.name, exc.reason)
        stems.append(StemUse(source.stem, digest, ai_content=record is not None))
        if record is None:
            continue
        model = record.get("model") or {}
        model_id = model_id or model.get("id")
        fingerprint = fingerprint or model.get("fingerprint")
        for w in training_works(record.get("trainingWorks") or []):
            works.setdefault(w.id, w)
        if record.get("credit"):
            credits.append(credit_map(record["credit"]))
        suggestion_ids += [str(s) for s in record.get("suggestions") or []]
        edited += int(record.get("humanEditedNotes") or 0)
        if isinstance(record.get("longestCopiedRun"), int):
            runs.append(record["longestCopiedRun"])
    credit = credits[0] if len(credits) == 1 else combine_credits(credits) if credits else {}
    return RecordFields(kind=kind, title=title, model_id=model_id, model_fingerprint=fingerprint,
                        training_works=tuple(sorted(works.values(), key=lambda w: w.id)),
                        credit_bp=credit, stems=tuple(stems), suggestion_ids=tuple(dict.fromkeys(suggestion_ids)),
                        human_edited_notes=edited, longest_copied_run=max(runs) if runs else None)
