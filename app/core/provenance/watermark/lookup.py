"""From a watermark to the signed record it names, and the verify fallback when tags are gone.

- `records_from_log(catalogue)` / `record_from_file(path)`: candidate records (the export log, or a
  record the user supplies with `--record`: a JSON file or any file Accord embedded one in);
- `inspect_file(path, trust, records)`: the core function `accord detect` (and the studio's Verify
  dialog) call: is a mark of a trusted key present, its id, confidence, and the record it names with
  the record's own signature checked;
- `watermark_fallback(records)`: the callable `verify_file(..., watermark_fallback=)` uses; it returns
  a result with status `found-by-watermark` (never `verified`: the bytes are not what was signed).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.errors import AccordError, ProvenanceError
from app.core.provenance.identity import PublicKeyInfo, TrustList, key_id_of
from app.core.provenance.watermark import Detection, detect_file, watermark_key

FOUND_BY_WATERMARK = "found-by-watermark"


def trusted_keys(trust: TrustList) -> dict[bytes, PublicKeyInfo]:
    """Watermark key -> the trusted signer it belongs to."""
    return {watermark_key(info.public_raw): info for info in trust.entries}


def records_from_log(catalogue: Any) -> list[dict[str, Any]]:
    """Records in the catalogue's export log that name a watermark."""
    from app.core.provenance.canonical import parse_record_json

    out = []
    for row in catalogue.exports():
        try:
            record = parse_record_json(row["record_json"])
        except ProvenanceError:
            continue
        if isinstance(record.get("watermark"), dict):
            out.append(record)
    return out


def record_from_file(path: str | Path) -> dict[str, Any]:
    """A record from a JSON file, or the one embedded in an Accord export. Raises ProvenanceError."""
    from app.core.provenance.canonical import parse_record_json
    from app.core.provenance.embedding.embed import read_provenance

    path = Path(path)
    if path.suffix.lower() == ".json":
        try:
            return parse_record_json(path.read_bytes())
        except OSError as exc:
            raise ProvenanceError(f"cannot be read: {exc.strerror or exc}", path=path) from exc
    found = read_provenance(path)
    if len(found.distinct) != 1 or found.problems:
        raise ProvenanceError("holds no single provenance record to match a watermark against", path=path)
    return parse_record_json(found.distinct[0])


def signature_intact(record: dict[str, Any]) -> bool:
    from app.core.provenance.record import signature_bytes, signing_payload

    signer = record.get("signer") or {}
    try:
        raw = base64.b64decode(str(signer.get("publicKey", "")), validate=True)
        if len(raw) != 32 or key_id_of(raw) != signer.get("keyId"):
            return False
        return PublicKeyInfo("?", raw).verify(signature_bytes(record), signing_payload(record))
    except (ValueError, ProvenanceError):
        return False


@dataclass(frozen=True)
class WatermarkReport:
    path: Path
    detection: Detection | None
    owner: PublicKeyInfo | None  # the trusted signer whose key found the mark
    record: dict[str, Any] | None  # the signed record naming this mark, if one is known
    signature_ok: bool
    message: str

    @property
    def present(self) -> bool:
        return self.detection is not None

    def to_json(self) -> dict[str, Any]:
        return {"path": str(self.path), "present": self.present,
                "watermark": self.detection.to_json() if self.detection else None,
                "keyOwner": ({"name": self.owner.name, "keyId": self.owner.key_id, "contact": self.owner.contact}
                             if self.owner else None),
                "record": self.record, "recordSignatureOk": self.signature_ok if self.record else None,
                "message": self.message}


def _matching(records: Iterable[dict[str, Any]], detection: Detection, owner: PublicKeyInfo) -> dict | None:
    for record in records:
        mark = record.get("watermark")
        signer = record.get("signer") or {}
        if isinstance(mark, dict) and str(mark.get("id", "")).lower() == detection.wm_hex \
                and signer.get("keyId") == owner.key_id:
            return record
    return None


def inspect_file(path: str | Path, trust: TrustList, records: Iterable[dict[str, Any]] = (), *,
                 speed_search: bool = True, max_windows: int | None = None) -> WatermarkReport:
    """Look for a watermark of any trusted key in `path` and name the signed record it points to."""
    path = Path(path)
    keys = trusted_keys(trust)
    if not keys:
        return WatermarkReport(path, None, None, None, False, "your trust list is empty: no key to look for")
    more = {} if max_windows is None else {"max_windows": max_windows}
    detection = detect_file(path, list(keys), speed_search=speed_search, **more)
    if detection is None:
        return WatermarkReport(path, None, None, None, False,
                               f"no Accord watermark of the {len(keys)} trusted key(s) was found")
    owner = keys[detection.key]
    record = _matching(records, detection, owner)
    if record is None:
        return WatermarkReport(path, detection, owner, None, False,
                               f"watermark {detection.wm_hex} of {owner.name}'s key found; no record with this id "
                               "is known here (not in this machine's export log; pass the record with --record)")
    ok = signature_intact(record)
    what = "its signature is intact" if ok else "but its signature does NOT verify (the record was edited)"
    return WatermarkReport(path, detection, owner, record, ok,
                           f"watermark {detection.wm_hex} names a record signed by {owner.name}; {what}")


QUICK_MAX_WINDOWS = 4  # what verify reads of a file's sound for its watermark: the first minute


def quick_inspect(path: str | Path, trust: TrustList, records: Iterable[dict[str, Any]]) -> WatermarkReport | None:
    """`inspect_file` as verify runs it: the first minute, no speed search; None where no mark could be read."""
    try:
        return inspect_file(path, trust, records, speed_search=False, max_windows=QUICK_MAX_WINDOWS)
    except AccordError:
        return None


def watermark_fallback(records: Callable[[], list[dict[str, Any]]] | list[dict[str, Any]], *,
                       speed_search: bool = False,
                       max_windows: int = QUICK_MAX_WINDOWS) -> Callable[[Path, TrustList, Any], Any]:
    """The hook `verify_file` calls when a file carries no record in its tags.

    Kept cheap, because verify runs it on every untagged file: the first minute only, no speed search
    (`accord detect` does both)."""

    def fallback(path: Path, trust: TrustList, c2pa: Any) -> Any:
        from app.core.provenance.verify import VerifyResult

        if Path(path).suffix.lower() in (".mid", ".midi", ".kar", ".rmi"):
            return None  # notes carry no audio watermark
        try:
            report = inspect_file(path, trust, records() if callable(records) else records,
                                  speed_search=speed_search, max_windows=max_windows)
        except AccordError:
            return None
        if not report.present:
            return None
        signer = None
        if report.record is not None:
            signer = dict(report.record.get("signer") or {})
            signer["trusted"] = True
            signer["trustedName"] = report.owner.name if report.owner else None
        reason = (f"no record in the tags; found by watermark, not by tag: {report.message}. The bytes are not "
                  "the signed file (converted, cut or re-encoded), so the content hash is not checked")
        return VerifyResult(path, FOUND_BY_WATERMARK, reason, signer, report.record,
                            {"method": "watermark", "sha256": ""}, c2pa)

    return fallback


def dumps(reports: list[WatermarkReport]) -> str:
    return json.dumps({"results": [r.to_json() for r in reports]}, indent=2, sort_keys=True)
