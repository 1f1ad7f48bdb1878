"""Contributor-signed consent: the request the artist sends, and the statements a contributor signs.

- A request (`.accordconsent`, format `accord-consent-request`) names each work by its content hash (and
  melody digest), title, contributors and splits, the use (`melody-model`) and the terms shown to the
  contributor. The artist signs it, so the contributor sees who asks.
- A reply (format `accord-consent-reply`) holds one statement per work, each signed by the contributor's
  own Ed25519 identity: work hash, melody digest, use, decision (grant/revoke), time, contributor name and
  public key. The signature covers the canonical JSON of everything but itself (canonical.py: no floats),
  so anyone holding the contributor's public key can check it without the artist's laptop.
Plain JSON only: this module knows nothing of the catalogue (the catalogue imports it).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.errors import ProvenanceError
from app.core.fsutil import atomic_write_text
from app.core.provenance.canonical import canonical_bytes
from app.core.provenance.identity import Identity, PublicKeyInfo, key_id_of, utc_now_iso

REQUEST_FORMAT = "accord-consent-request"
REPLY_FORMAT = "accord-consent-reply"
STATEMENT_FORMAT = "accord-consent-statement"
# The version this Accord writes and reads. A newer one may carry terms this one cannot read (a condition, a
# limit): consent it does not understand is refused, never recorded as if it were plain version-1 consent.
CONSENT_VERSION = 1
DECISIONS = ("grant", "revoke")
MAX_CONSENT_FILE_BYTES = 16 * 1024 * 1024
DEFAULT_TERMS = ("You allow the artist's local Accord melody model to learn from this work's melody, so it can "
                 "suggest new melodies to the artist. Every suggestion credits the works it draws on with your "
                 "split. The melody never leaves the artist's computer. You can revoke at any time: the work is "
                 "then removed from the model exactly, and no later export credits or uses it.")


class StatementError(ProvenanceError):
    """A consent statement that does not verify (altered, wrong key, malformed)."""


def _signed(body: dict[str, Any], identity: Identity) -> dict[str, Any]:
    body = {**body, "signer": {"name": identity.name, "keyId": identity.key_id,
                               "publicKey": base64.b64encode(identity.public_raw).decode("ascii")}}
    sig = identity.sign(canonical_bytes(body))
    return {**body, "signature": {"alg": "Ed25519", "value": base64.b64encode(sig).decode("ascii")}}


def _check_signature(obj: Mapping[str, Any], what: str) -> PublicKeyInfo:
    """The embedded key, after checking the signature over everything but itself."""
    try:
        signer, sig = obj["signer"], obj["signature"]
        raw = base64.b64decode(signer["publicKey"], validate=True)
        value = base64.b64decode(sig["value"], validate=True)
        if sig.get("alg") != "Ed25519" or len(raw) != 32 or len(value) != 64:
            raise ValueError("not an Ed25519 signature")
        if key_id_of(raw) != signer.get("keyId"):
            raise ValueError("the key id does not match the public key")
        payload = canonical_bytes({k: v for k, v in obj.items() if k != "signature"})
    except (KeyError, TypeError, ValueError, ProvenanceError) as exc:
        raise StatementError(f"{what} is malformed ({_what_is_wrong(exc)})") from exc
    key = PublicKeyInfo(str(signer.get("name") or "?"), raw)
    if not key.verify(value, payload):
        raise StatementError(f"{what} does not match its signature: it was altered after signing, or signed by "
                             "another key than the one it names")
    return key


def _what_is_wrong(exc: BaseException) -> str:
    """Python's words ("'NoneType' object is not subscriptable") said nothing to whoever holds the file."""
    import binascii

    if isinstance(exc, KeyError):
        return f"the field {exc.args[0]!r} is missing"
    if isinstance(exc, binascii.Error):
        return "a key or signature is not valid base64"
    if isinstance(exc, (TypeError, AttributeError)):
        return "a field holds the wrong kind of value"
    return str(getattr(exc, "reason", exc))


@dataclass(frozen=True)
class Statement:
    """A verified statement: `contributor` (the name on the work) decided `decision` for `use`."""

    work_sha256: str
    melody_sha256: str
    title: str
    use: str
    decision: str
    contributor: str
    key: PublicKeyInfo
    signed_at: str
    text: str  # the canonical JSON as signed (stored in the ledger, copied into provenance records)

    @property
    def key_id(self) -> str:
        return self.key.key_id


def sign_statement(work: Mapping[str, Any], *, use: str, decision: str, contributor: str, identity: Identity,
                   terms: str, request_id: str = "") -> dict[str, Any]:
    if decision not in DECISIONS:
        raise ProvenanceError(f"decision {decision!r} is not grant or revoke")
    return _signed({"format": STATEMENT_FORMAT, "version": CONSENT_VERSION, "requestId": request_id,
                    "work": {"sha256": str(work["sha256"]), "melodySha256": str(work.get("melodySha256") or ""),
                             "title": str(work.get("title") or "")},
                    "use": use, "decision": decision, "contributor": contributor, "terms": terms,
                    "signedAt": utc_now_iso()}, identity)


def parse_statement(data: str | Mapping[str, Any]) -> Statement:
    """Verify one statement (JSON text or object). Raises StatementError saying what is wrong."""
    try:
        obj = json.loads(data, parse_constant=_refuse) if isinstance(data, str) else dict(data)
    except (ValueError, RecursionError) as exc:
        raise StatementError(f"is not valid JSON ({exc})") from exc
    if not isinstance(obj, dict) or obj.get("format") != STATEMENT_FORMAT:
        raise StatementError("is not an Accord consent statement")
    if (why := _unreadable_version(obj)) is not None:
        raise StatementError(why)
    key = _check_signature(obj, "the statement")
    try:
        work, decision = obj["work"], obj["decision"]
        if decision not in DECISIONS or not isinstance(obj["contributor"], str) or not obj["contributor"].strip():
            raise ValueError("no decision or contributor")
        return Statement(str(work["sha256"]), str(work.get("melodySha256") or ""), str(work.get("title") or ""),
                         str(obj["use"]), decision, obj["contributor"], key, str(obj.get("signedAt") or ""),
                         canonical_bytes(obj).decode("ascii"))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StatementError(f"is malformed ({_what_is_wrong(exc)})") from exc


def _unreadable_version(obj: Mapping[str, Any]) -> str | None:
    """Why this Accord cannot read the file's format version (None when it can; files without one are 1)."""
    version = obj.get("version", CONSENT_VERSION)
    if version == CONSENT_VERSION and not isinstance(version, bool):
        return None
    return f"is format version {version!r}; this Accord reads version {CONSENT_VERSION} only"


def _refuse(text: str) -> Any:
    raise ValueError(f"{text} is not a number JSON allows")


def build_request(works: Sequence[Mapping[str, Any]], *, use: str, terms: str, identity: Identity) -> dict[str, Any]:
    """`works`: {id, title, sha256, melodySha256, contributors: [{name, role, splitBp}]} each."""
    if not works:
        raise ProvenanceError("a consent request needs at least one work")
    return _signed({"format": REQUEST_FORMAT, "version": CONSENT_VERSION, "requestId": uuid.uuid4().hex, "use": use,
                    "terms": terms, "createdAt": utc_now_iso(), "works": [dict(w) for w in works]}, identity)


def read_consent_file(path: str | Path, expected: str) -> dict[str, Any]:
    """Read a request or reply file, refusing oversize, non-JSON and non-finite numbers; checks the signature
    of a request (a reply's statements are checked one by one)."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_CONSENT_FILE_BYTES:
            raise ProvenanceError("is too large to be a consent file", path=path)
        obj = json.loads(path.read_text(encoding="utf-8"), parse_constant=_refuse)
    except FileNotFoundError as exc:
        raise ProvenanceError("file not found", path=path) from exc
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ProvenanceError(f"is not a readable consent file ({exc})", path=path) from exc
    if not isinstance(obj, dict) or obj.get("format") != expected:
        kind = "request" if expected == REQUEST_FORMAT else "reply"
        raise ProvenanceError(f"is not an Accord consent {kind} (format {obj.get('format') if isinstance(obj, dict) else '?'!r})",
                              path=path)
    if (why := _unreadable_version(obj)) is not None:
        raise ProvenanceError(why, path=path, hint="update Accord to read it, or ask for one made with this version")
    if expected == REQUEST_FORMAT:
        try:
            _check_signature(obj, "the request")
        except StatementError as exc:
            raise ProvenanceError(exc.reason, path=path) from exc
        if not isinstance(obj.get("works"), list) or not obj["works"]:
            raise ProvenanceError("names no works", path=path)
    return obj


def sign_reply(request: Mapping[str, Any], identity: Identity, *, decision: str, contributor: str | None = None,
               work_ids: Sequence[int] = ()) -> dict[str, Any]:
    """The contributor's reply: one signed statement per requested work (or the chosen `work_ids`) that
    lists `contributor` (default: the identity's name) among its contributors."""
    name = (contributor or identity.name).strip()
    works = [w for w in request["works"] if not work_ids or int(w.get("id", -1)) in set(work_ids)]
    unknown = sorted(set(work_ids) - {int(w.get("id", -1)) for w in request["works"]})
    if unknown:
        raise ProvenanceError(f"the request has no work {', '.join(map(str, unknown))}")
    mine = [w for w in works if name in {c.get("name") for c in w.get("contributors") or []}]
    if not mine:
        raise ProvenanceError(f"{name!r} is not a contributor of the requested work(s)",
                              hint="give --as NAME exactly as the request lists you")
    statements = [sign_statement(w, use=str(request["use"]), decision=decision, contributor=name,
                                 identity=identity, terms=str(request.get("terms") or ""),
                                 request_id=str(request.get("requestId") or "")) for w in mine]
    return {"format": REPLY_FORMAT, "version": CONSENT_VERSION, "requestId": request.get("requestId"), "statements": statements}


def write_consent_file(obj: Mapping[str, Any], path: str | Path) -> Path:
    path = Path(path)
    atomic_write_text(path, json.dumps(obj, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    return path


def request_message(artist: str, work_count: int, file_name: str) -> str:
    """The short text the artist sends with a request file (CLI prints it; the studio offers to copy it)."""
    return (f"{artist} asks for your consent to let their Accord melody model learn from {work_count} work(s) "
            f"you contributed to. Open the attached file with\n"
            f"    accord consent sign {file_name} --grant -o reply.accordconsent\n"
            "(or --revoke), check what it shows, and send reply.accordconsent back.")


def describe_request(request: Mapping[str, Any]) -> str:
    """What the contributor is asked to agree to, as plain text (printed before signing)."""
    signer = request.get("signer") or {}
    lines = [f"Consent request from {signer.get('name')} (key {str(signer.get('keyId'))[:16]}…)",
             f"Use: {request.get('use')}", "Terms:", f"  {request.get('terms')}", "Works:"]
    for w in request.get("works") or []:
        people = ", ".join(f"{c.get('name')} ({c.get('role')}, {int(c.get('splitBp', 0)) / 100:.2f}%)"
                           for c in w.get("contributors") or [])
        lines.append(f"  [{w.get('id')}] {w.get('title')}  content {str(w.get('sha256'))[:16]}…  {people}")
    return "\n".join(lines)


def _items(value: Any) -> list[Any]:
    """A record's list field, or [] when a hostile record put something else there."""
    return value if isinstance(value, list) else []


def consent_evidence(record: Mapping[str, Any], trust: Any) -> dict[str, Any]:
    """What a provenance record shows about its training works' consent, checkable without the artist:
    per work, whether every contributor's consent is a valid signed grant naming that work's content hash,
    or only recorded by the artist; every statement signature is checked, and the signer keys are looked
    up in the verifier's `trust` list. `summary` is the one line `accord verify` prints."""
    works = [w for w in _items(record.get("trainingWorks")) if isinstance(w, Mapping)]
    signed_works = recorded_works = 0
    invalid: list[str] = []
    keys: dict[str, bool] = {}
    per_work = []
    for w in works:
        entries = [c for c in _items(w.get("consent")) if isinstance(c, Mapping)]
        names = {str(c.get("name")) for c in _items(w.get("contributors")) if isinstance(c, Mapping)}
        good: set[str] = set()
        for c in entries:
            if not c.get("statement"):
                continue
            try:
                st = parse_statement(c["statement"])
            except StatementError as exc:
                invalid.append(f"work {w.get('id')}: {c.get('contributor')}'s statement {exc.reason}")
                continue
            if st.work_sha256 != w.get("sha256") or st.decision != "grant" or st.contributor != c.get("contributor"):
                invalid.append(f"work {w.get('id')}: {st.contributor}'s statement is not a grant for this content")
                continue
            keys[st.key_id] = st.key_id in trust
            good.add(st.contributor)
        every = bool(names) and names <= good
        signed_works += every
        recorded_works += not every
        per_work.append({"id": w.get("id"), "evidence": "signed" if every else "recorded",
                         "signedBy": sorted(good)})
    trusted = sum(keys.values())
    parts = [f"training works {len(works)}: consent signed by every contributor {signed_works}, recorded by the "
             f"artist {recorded_works}",
             "signatures valid" if not invalid else f"{len(invalid)} signature(s) INVALID",
             f"{trusted} signer key(s) trusted" + (f", {len(keys) - trusted} not in your trust list"
                                                  if len(keys) > trusted else "")]
    return {"trainingWorks": len(works), "signedByEveryContributor": signed_works, "recordedByArtist": recorded_works,
            "invalid": invalid, "signerKeys": len(keys), "trustedSignerKeys": trusted, "works": per_work,
            "summary": "; ".join(parts)}
