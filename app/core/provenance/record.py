"""The provenance record: plain input values, the canonical signed JSON, and its checks.

Callers describe an export with `RecordFields` (plain dataclasses, no dependency on the model or the
project); `build_record` turns it into the JSON object (integers only, basis points, ISO times);
`sign_record` adds the signer and the Ed25519 signature over the canonical bytes of everything else.
Docs: docs/provenance.md.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from app import __version__
from app.core.errors import ProvenanceError
from app.core.provenance.canonical import canonical_bytes
from app.core.provenance.identity import Identity, utc_now_iso

RECORD_FORMAT = "accord-provenance"
RECORD_VERSION = 1
IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
TRAINED = IPTC + "trainedAlgorithmicMedia"
COMPOSITE_TRAINED = IPTC + "compositeWithTrainedAlgorithmicMedia"
DIGITAL_CAPTURE = IPTC + "digitalCapture"
COMPOSITE_CAPTURE = IPTC + "compositeCapture"
DIGITAL_CREATION = IPTC + "digitalCreation"
TOTAL_BP = 10_000
# Credit key for the part of a suggestion no training work explains (the model's escape to uniform and the
# piece's own material): listed in `credit`, given to no contributor.
UNATTRIBUTED = 0
KINDS = ("mix", "suggestion", "stem", "render")


@dataclass(frozen=True)
class ConsentRef:
    entry_id: int
    contributor: str
    action: str
    use: str
    recorded_at: str
    entry_hash: str
    statement: str = ""  # the contributor-signed statement (canonical JSON); "" = recorded by the artist

    @property
    def evidence(self) -> str:
        return "signed" if self.statement else "recorded"


@dataclass(frozen=True)
class WorkContributor:
    name: str
    role: str
    split_bp: int


@dataclass(frozen=True)
class TrainingWork:
    id: int
    title: str
    sha256: str
    contributors: tuple[WorkContributor, ...] = ()
    consent: tuple[ConsentRef, ...] = ()


@dataclass(frozen=True)
class StemUse:
    """A stem that went into the export: its name, content hash, and whether the model made it."""

    name: str
    sha256: str
    ai_content: bool = False


@dataclass(frozen=True)
class RecordFields:
    """Everything a record says about one exported file, as plain values.

    `credit_bp` maps training work id -> the suggestion's credit for it in basis points (for a mix with
    several suggestions, the caller combines them), with key 0 (UNATTRIBUTED) for the share no work
    explains. Other works in `credit_bp` must be in `training_works`.
    """

    kind: str
    title: str
    artist: str | None = None
    model_id: str | None = None
    model_fingerprint: str | None = None
    training_works: tuple[TrainingWork, ...] = ()
    credit_bp: Mapping[int, int] = field(default_factory=dict)
    stems: tuple[StemUse, ...] = ()
    suggestion_ids: tuple[str, ...] = ()
    human_edited_notes: int = 0
    longest_copied_run: int | None = None
    created_at: str | None = None

    @property
    def ai_content(self) -> bool:
        return bool(self.suggestion_ids or self.model_id or self.credit_bp or any(s.ai_content for s in self.stems))


def largest_remainder(weights: Mapping[Any, Fraction], total: int = TOTAL_BP) -> dict[Any, int]:
    """Integer shares summing to `total`, proportional to `weights` (Hamilton's method; ties by key).

    Keys are all names (str) or all work ids (int); ties go to the smaller key, as in the model's
    `credit_basis_points`, so both give the same numbers."""
    positive = {k: Fraction(v) for k, v in weights.items() if v > 0}
    whole = sum(positive.values(), Fraction(0))
    if whole == 0:
        return {}
    exact = {k: v * total / whole for k, v in positive.items()}
    floors = {k: int(v) for k, v in exact.items()}  # Fraction -> int truncates; values are positive
    left = total - sum(floors.values())
    order = sorted(exact, key=lambda k: (-(exact[k] - floors[k]), k))
    for k in order[:left]:
        floors[k] += 1
    return floors


def contributor_shares(works: Sequence[TrainingWork], credit_bp: Mapping[int, int]) -> list[dict[str, Any]]:
    """Each contributor's share of the credit (bp, summing to 10000): work credit × the work's splits."""
    by_id = {w.id: w for w in works}
    weights: dict[str, Fraction] = {}
    roles: dict[str, set[str]] = {}
    for work_id, bp in credit_bp.items():
        if work_id == UNATTRIBUTED:
            continue
        work = by_id.get(work_id)
        if work is None:
            raise ProvenanceError(f"credit names work {work_id}, which is not among the training works")
        split_total = sum(c.split_bp for c in work.contributors)
        if bp <= 0 or split_total <= 0:
            continue
        for c in work.contributors:
            weights[c.name] = weights.get(c.name, Fraction(0)) + Fraction(bp * c.split_bp, split_total)
            roles.setdefault(c.name, set()).add(c.role)
    shares = largest_remainder(weights)
    return [{"name": name, "roles": sorted(roles[name]), "bp": bp} for name, bp in
            sorted(shares.items(), key=lambda kv: (-kv[1], kv[0]))]


def digital_source_type(fields: RecordFields) -> str:
    """IPTC digital source type (see docs/provenance.md for the choice for human-only material)."""
    human_stems = [s for s in fields.stems if not s.ai_content]
    if fields.ai_content:
        return COMPOSITE_TRAINED if human_stems else TRAINED
    if fields.kind == "render":  # the artist's own notes played by a synth: made with digital tools
        return DIGITAL_CREATION
    return COMPOSITE_CAPTURE if len(human_stems) > 1 else DIGITAL_CAPTURE


def _int(value: Any, name: str, *, low: int = 0, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProvenanceError(f"field {name} must be a whole number, got {value!r}")
    if value < low or (high is not None and value > high):
        raise ProvenanceError(f"field {name} is {value}, outside {low}..{high if high is not None else '∞'}")
    return value


def _consent_json(c: ConsentRef) -> dict[str, Any]:
    """One consent entry with its evidence: the contributor's signed statement, or the artist's record."""
    out: dict[str, Any] = {"entryId": c.entry_id, "contributor": c.contributor, "action": c.action, "use": c.use,
                           "recordedAt": c.recorded_at, "entryHash": c.entry_hash, "evidence": c.evidence}
    if c.statement:
        from app.core.provenance.canonical import parse_record_json

        out["statement"] = parse_record_json(c.statement)
    return out


def build_record(fields: RecordFields, *, content_method: str, content_sha256: str) -> dict[str, Any]:
    """The unsigned record (a JSON object) for one exported file."""
    if fields.kind not in KINDS:
        raise ProvenanceError(f"field kind is {fields.kind!r}, expected one of {', '.join(KINDS)}")
    credit = {_int(k, "credit work id"): _int(v, f"credit[{k}]", high=TOTAL_BP) for k, v in fields.credit_bp.items()}
    works = [{
        "id": _int(w.id, "training work id"), "title": w.title, "sha256": w.sha256,
        "contributors": [{"name": c.name, "role": c.role, "splitBp": _int(c.split_bp, "splitBp", high=TOTAL_BP)}
                         for c in w.contributors],
        "consent": [_consent_json(c) for c in w.consent],
    } for w in sorted(fields.training_works, key=lambda w: w.id)]
    record: dict[str, Any] = {
        "format": RECORD_FORMAT,
        "version": RECORD_VERSION,
        "kind": fields.kind,
        "title": fields.title,
        "artist": fields.artist,
        "aiContent": fields.ai_content,
        "digitalSourceType": digital_source_type(fields),
        "humanEditedNotes": _int(fields.human_edited_notes, "humanEditedNotes"),
        "model": ({"id": fields.model_id, "fingerprint": fields.model_fingerprint}
                  if fields.model_id or fields.model_fingerprint else None),
        "trainingWorks": works,
        "credit": [{"workId": k, "bp": v} for k, v in sorted(credit.items())],
        "contributorShares": contributor_shares(fields.training_works, credit),
        "stems": [{"name": s.name, "sha256": s.sha256, "aiContent": s.ai_content} for s in fields.stems],
        "suggestions": list(fields.suggestion_ids),
        "longestCopiedRun": (None if fields.longest_copied_run is None
                             else _int(fields.longest_copied_run, "longestCopiedRun")),
        "app": {"name": "Accord", "version": __version__},
        "createdAt": fields.created_at or utc_now_iso(),
        "content": {"method": content_method, "sha256": content_sha256},
    }
    canonical_bytes(record)  # refuse floats/oversize now, before anything is written
    return record


def signing_payload(record: Mapping[str, Any]) -> bytes:
    """The bytes the signature covers: the canonical record without its `signature` field."""
    return canonical_bytes({k: v for k, v in record.items() if k != "signature"})


def sign_record(record: Mapping[str, Any], identity: Identity) -> dict[str, Any]:
    """The record with `signer` (key id, name, public key) and an Ed25519 `signature` over the rest."""
    signed = {k: v for k, v in record.items() if k not in ("signature", "signer")}
    signed["signer"] = {"keyId": identity.key_id, "name": identity.name, "contact": identity.contact,
                        "publicKey": base64.b64encode(identity.public_raw).decode("ascii")}
    sig = identity.sign(signing_payload(signed))
    signed["signature"] = {"alg": "Ed25519", "value": base64.b64encode(sig).decode("ascii")}
    canonical_bytes(signed)
    return signed


def signature_bytes(record: Mapping[str, Any]) -> bytes:
    """The raw signature of a parsed record. Raises ProvenanceError when missing or malformed."""
    sig = record.get("signature")
    if not isinstance(sig, dict) or sig.get("alg") != "Ed25519" or not isinstance(sig.get("value"), str):
        raise ProvenanceError("the record has no Ed25519 signature")
    try:
        raw = base64.b64decode(sig["value"], validate=True)
    except ValueError as exc:
        raise ProvenanceError("the record's signature is not base64") from exc
    if len(raw) != 64:
        raise ProvenanceError("the record's signature is not 64 bytes")
    return raw


def signer_key_id(record: Mapping[str, Any]) -> str:
    signer = record.get("signer")
    if not isinstance(signer, dict) or not isinstance(signer.get("keyId"), str):
        raise ProvenanceError("the record names no signer")
    return signer["keyId"]


def summary(record: Mapping[str, Any]) -> str:
    """One readable line for a comment field: 'AI-assisted: …' or 'No AI content: …'."""
    if not record.get("aiContent"):
        return f"No AI content: {record.get('kind', 'file')} by {record.get('artist') or 'the artist'} (Accord)"
    model = record.get("model") or {}
    works = record.get("trainingWorks") or []
    shares = record.get("contributorShares") or []
    credit = ", ".join(f"{s['name']} {s['bp'] / 100:.2f}%" for s in shares[:5])
    more = f" and {len(shares) - 5} more" if len(shares) > 5 else ""
    return (f"AI-assisted: melody model {str(model.get('id') or '?')[:24]} trained on {len(works)} consented "
            f"work(s) (consent re-checked at signing); credit: {credit or 'none'}{more}. Verify with `accord verify`.")
