"""`verify_file(path, trust)`: is this file what the artist signed?

Statuses (docs/provenance.md):
- `verified` — one record, signed by a trusted key, and the content hash matches;
- `tampered` — the content changed after signing, or the file holds several/hidden records;
- `invalid-signature` — the record was edited (or is damaged) after signing;
- `unknown-signer` — a well-formed signature by a key not in the verifier's trust list;
- `no-provenance` — no record at all (never signed, or tags stripped).
Trust comes only from `trust` (the verifier's list), never from the file.

A file Accord reads but never signs (`.m4a`, `.aac`, `.opus`: the first thing a shared bounce is converted to)
carries no record in its tags by construction; only the watermark in its sound can still name the signed record.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.audio.formats import FFMPEG_EXTENSIONS
from app.core.errors import AudioFileError, ProvenanceError
from app.core.provenance.canonical import parse_record_json
from app.core.provenance.content.content_hash import SIGNED_TEXT, content_hash, format_of
from app.core.provenance.embedding.embed import read_provenance
from app.core.provenance.identity import PublicKeyInfo, TrustList, key_id_of
from app.core.provenance.record import RECORD_FORMAT, signature_bytes, signer_key_id, signing_payload

log = logging.getLogger(__name__)

VERIFIED = "verified"
TAMPERED = "tampered"
INVALID_SIGNATURE = "invalid-signature"
UNKNOWN_SIGNER = "unknown-signer"
NO_PROVENANCE = "no-provenance"
STATUSES = (VERIFIED, TAMPERED, INVALID_SIGNATURE, UNKNOWN_SIGNER, NO_PROVENANCE)


@dataclass(frozen=True)
class VerifyResult:
    path: Path
    status: str
    reason: str
    signer: dict[str, Any] | None = None  # keyId, name, contact, trusted
    record: dict[str, Any] | None = None
    content: dict[str, str] | None = None  # method + sha256 as computed now
    c2pa: dict[str, Any] | None = field(default=None)
    consent: dict[str, Any] | None = None  # consent evidence of the training works (provenance.consent)

    @property
    def ok(self) -> bool:
        return self.status == VERIFIED

    def to_json(self) -> dict[str, Any]:
        return {"path": str(self.path), "status": self.status, "reason": self.reason, "signer": self.signer,
                "record": self.record, "content": self.content, "c2pa": self.c2pa, "consent": self.consent}


def _embedded_key(record: dict[str, Any]) -> PublicKeyInfo | None:
    signer = record.get("signer") or {}
    try:
        raw = base64.b64decode(str(signer.get("publicKey", "")), validate=True)
    except ValueError:
        return None
    if len(raw) != 32 or key_id_of(raw) != signer.get("keyId"):
        return None
    return PublicKeyInfo(str(signer.get("name") or "?"), raw, signer.get("contact"))


def verify_file(path: str | Path, trust: TrustList, *, check_c2pa: bool = False,
                c2pa_root_pem: str | None = None, watermark_fallback: Any = None) -> VerifyResult:
    """Verify one file. Raises ProvenanceError only for files that cannot be read at all.

    `watermark_fallback(path, trust, c2pa)` (watermark/lookup.py) is asked when the tags hold no record:
    its result has status `found-by-watermark`, or it returns None. Given, it also lets a tampered file's reason
    say whether its sound carries the record's watermark (`_watermark_note`); None (--no-watermark) reads no sound."""
    path = Path(path)
    if path.suffix.lower() in FFMPEG_EXTENSIONS:
        return _unsigned_format(path, trust, watermark_fallback)
    fmt = format_of(path)
    found = read_provenance(path, fmt=fmt)
    c2pa = None
    if check_c2pa:
        from app.core.provenance.embedding.c2pa_adapter import read_c2pa

        c2pa = read_c2pa(path, root_pem=c2pa_root_pem)

    def result(status: str, reason: str, record: dict | None = None, signer: dict | None = None,
               content: dict | None = None) -> VerifyResult:
        from app.core.provenance.consent import consent_evidence

        consent = consent_evidence(record, trust) if record and record.get("trainingWorks") else None
        return VerifyResult(path, status, reason, signer, record, content, c2pa, consent)

    if not found.fields:
        if watermark_fallback is not None:  # the tags are gone: the audio watermark may still name the record
            by_mark = watermark_fallback(path, trust, c2pa)
            if by_mark is not None:
                return by_mark
        return result(NO_PROVENANCE, "the file carries no Accord provenance record")
    if found.problems:
        return result(TAMPERED, "; ".join(found.problems))
    if len(found.distinct) > 1:
        where = ", ".join(w for w, _ in found.fields)
        return result(TAMPERED, f"the file holds {len(found.distinct)} different provenance records ({where})")
    try:
        record = parse_record_json(found.distinct[0])
        if record.get("format") != RECORD_FORMAT:
            raise ProvenanceError(f"the record's format is {record.get('format')!r}, not {RECORD_FORMAT!r}")
        key_id = signer_key_id(record)
        signature = signature_bytes(record)
        payload = signing_payload(record)
    except ProvenanceError as exc:
        return result(INVALID_SIGNATURE, f"the record is damaged: {exc.reason}")
    signer = dict(record.get("signer") or {})
    embedded = _embedded_key(record)
    if embedded is None or not embedded.verify(signature, payload):
        signer["trusted"] = key_id in trust
        return result(INVALID_SIGNATURE, "the signature does not match the record: it was edited after signing",
                      record, signer)
    trusted = trust.get(key_id)
    signer["trusted"] = trusted is not None
    if trusted is not None:
        signer["trustedName"] = trusted.name
    content: dict[str, Any] = record["content"] if isinstance(record.get("content"), dict) else {}
    try:
        method, now = content_hash(path, fmt)
    except ProvenanceError as exc:  # a signed record over content that no longer decodes
        status = TAMPERED if trusted is not None else UNKNOWN_SIGNER
        return result(status, f"the content cannot be decoded any more: {exc.reason}", record, signer)
    computed = {"method": method, "sha256": now}
    content_ok = content.get("method") == method and content.get("sha256") == now
    if trusted is None:
        tail = "the content matches the record" if content_ok else "and the content changed after signing"
        return result(UNKNOWN_SIGNER, f"signed by {signer.get('name')!r} (key {key_id[:16]}…), a key not in your "
                      f"trust list; the signature is intact and {tail}", record, signer, computed)
    if not trusted.verify(signature, payload):  # cannot differ (key id = hash of key), kept as a guard
        return result(INVALID_SIGNATURE, "the signature does not verify with the trusted key", record, signer)
    if not content_ok:
        if content.get("method") != method:
            why = (f"the record binds content by {content.get('method')!r}, the file is {method!r} (a copy converted "
                   "to another format keeps the signed file's tags, not its signed bytes)")
        else:
            why = "the sound (or notes) differ from what was signed"
        why += _watermark_note(path, trust, record, watermark_fallback)
        return result(TAMPERED, f"the content changed after signing: {why}", record, signer, computed)
    return result(VERIFIED, f"signed by {trusted.name} (key {key_id[:16]}…); content matches", record, signer,
                  computed)


def _watermark_note(path: Path, trust: TrustList, record: dict[str, Any], watermark_fallback: Any) -> str:
    """What the sound's watermark says of a file whose tags hold a record its content no longer matches: the
    status stays `tampered` (a part of the song replaced keeps the mark too), but a converted copy of one's own
    export ("the file is 'mp3-frames-v2'") is told from a file that names no such origin."""
    mark = record.get("watermark")
    if watermark_fallback is None or not isinstance(mark, dict) or not mark.get("id"):  # --no-watermark
        return ""
    from app.core.provenance.watermark.lookup import quick_inspect

    # matched against this record itself, so a recipient without the signer's export log is told too
    report = quick_inspect(path, trust, [record])
    if report is None or not report.present:
        return ""
    if report.record is not None:
        return ("; its sound carries this record's watermark, so it was made from the signed file (converted, "
                "re-encoded or edited since)")
    return f"; its sound carries another watermark ({report.detection.wm_hex}) than this record's ({mark['id']})"


def _unsigned_format(path: Path, trust: TrustList, watermark_fallback: Any) -> VerifyResult:
    """An M4A or AAC file: Accord never writes one, so no tag can hold a record; the watermark may name one."""
    from app.core.audio.io import check_readable

    try:  # a damaged copy gets the decoder's reason, not "no watermark found" in sound that never decoded
        check_readable(path)
    except AudioFileError as exc:
        raise ProvenanceError(exc.reason, path=path) from exc
    kind = path.suffix.lstrip(".").upper()
    if watermark_fallback is not None:
        by_mark = watermark_fallback(path, trust, None)
        if by_mark is not None:
            return by_mark
        why = f"no Accord watermark of a trusted key was found in its sound ({kind} files carry no signed record: " \
              f"Accord signs {SIGNED_TEXT})"
    else:
        why = f"{kind} files carry no signed record (Accord signs {SIGNED_TEXT})"
    return VerifyResult(path, NO_PROVENANCE, why)
