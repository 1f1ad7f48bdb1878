"""Optional C2PA manifest (c2pa-python 0.38.1, imported lazily) for WAV, FLAC and MP3.

- A local certificate chain under ``keys_dir/c2pa/``: a root CA (kept only to issue) and a leaf for
  signing (C2PA refuses a self-signed leaf). Keys are ECDSA P-256 ("ES256"), files 0600.
- The manifest: a `c2pa.created` action with the record's IPTC digitalSourceType, a training-and-mining
  assertion (the artist's choice, default "notAllowed"), and the signed Accord record as the custom
  assertion `org.accord.provenance`.
- C2PA hashes the file's bytes, so it is written LAST, after the Accord record is embedded; any later
  byte change (even a tag) makes the C2PA manifest invalid while the Accord record still verifies.
- Reading: "Valid" without anchors; "Trusted" only when given Accord's root (`root_pem`).
- Soft binding: when the record names an audio watermark, a `c2pa.soft-binding` assertion declares it
  (alg `org.accord.audio-watermark.1`, the 64-bit id as the value, the watermark key id in alg_params),
  so after the manifest is stripped, `accord detect` (the algorithm's decoder) recovers the id and a
  manifest store keyed by it gives the manifest back. The alg is not (yet) in the C2PA soft binding
  algorithm list.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.errors import ProvenanceError
from app.core.provenance.identity import write_private_text

log = logging.getLogger(__name__)

C2PA_FORMATS = {"wav": "audio/wav", "flac": "audio/flac", "mp3": "audio/mpeg"}
ASSERTION_LABEL = "org.accord.provenance"
SOFT_BINDING_LABEL = "c2pa.soft-binding"
SOFT_BINDING_ALG = "org.accord.audio-watermark.1"
TRAINING_USES = ("c2pa.ai_generative_training", "c2pa.ai_inference", "c2pa.ai_training", "c2pa.data_mining")
CERT_DAYS = 3650


def c2pa_available() -> tuple[bool, str]:
    """(available, message) — the feature degrades with this message when c2pa-python is missing."""
    try:
        import c2pa  # noqa: F401
    except ImportError as exc:
        return False, f"C2PA is unavailable: c2pa-python is not installed ({exc}); pip install c2pa-python==0.38.1"
    except OSError as exc:  # the native library failed to load
        return False, f"C2PA is unavailable: its native library failed to load ({exc})"
    return True, "c2pa-python is available"


@dataclass(frozen=True)
class C2paCredentials:
    root_pem: str
    chain_pem: str  # leaf first, then root
    leaf_key_pem: str


def _name(common: str):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Accord (local)")])


def _make_chain(artist: str) -> tuple[str, str, str, str]:
    """(root cert, chain leaf+root, leaf private key, root private key), all PEM."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID

    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = _name(f"Accord local root for {artist}")
    root = (x509.CertificateBuilder().subject_name(root_name).issuer_name(root_name)
            .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + dt.timedelta(days=CERT_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder().subject_name(_name(f"{artist} (Accord)")).issuer_name(root_name)
            .public_key(leaf_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + dt.timedelta(days=CERT_DAYS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    root_pem = root.public_bytes(pem).decode("ascii")
    leaf_pem = leaf.public_bytes(pem).decode("ascii")
    key_pem = leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()).decode("ascii")
    root_key_pem = root_key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()).decode("ascii")
    return root_pem, leaf_pem + root_pem, key_pem, root_key_pem


def ensure_credentials(keys_dir: Path, artist: str) -> C2paCredentials:
    """The local root + leaf, created on first use under keys_dir/c2pa (private keys 0600)."""
    folder = Path(keys_dir) / "c2pa"
    root_path, chain_path, key_path = folder / "root.pem", folder / "chain.pem", folder / "leaf-key.pem"
    if not (root_path.exists() and chain_path.exists() and key_path.exists()):
        folder.mkdir(parents=True, exist_ok=True)
        root_pem, chain_pem, leaf_key_pem, root_key_pem = _make_chain(artist)
        write_private_text(key_path, leaf_key_pem)
        write_private_text(folder / "root-key.pem", root_key_pem)
        write_private_text(chain_path, chain_pem)
        write_private_text(root_path, root_pem)
    try:
        return C2paCredentials(root_path.read_text("ascii"), chain_path.read_text("ascii"),
                               key_path.read_text("ascii"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ProvenanceError(f"the C2PA certificates cannot be read: {exc}", path=folder) from exc


def manifest_definition(record: dict[str, Any], *, title: str, mime: str, training_use: str) -> dict[str, Any]:
    app = record.get("app") or {}
    return {
        "claim_generator_info": [{"name": "Accord", "version": str(app.get("version", "0"))}],
        "title": title,
        "format": mime,
        "assertions": [
            {"label": "c2pa.actions.v2", "data": {"actions": [{
                "action": "c2pa.created", "digitalSourceType": record["digitalSourceType"],
                "softwareAgent": {"name": "Accord", "version": str(app.get("version", "0"))}}]}},
            {"label": "cawg.training-mining", "data": {"entries": {
                use.replace("c2pa.", "cawg."): {"use": training_use} for use in TRAINING_USES}}},
            {"label": ASSERTION_LABEL, "data": record},
            *soft_binding(record),
        ],
    }


def soft_binding(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The `c2pa.soft-binding` assertion for the record's audio watermark ([] without one)."""
    mark = record.get("watermark")
    if not isinstance(mark, dict) or not mark.get("id"):
        return []
    return [{"label": SOFT_BINDING_LABEL, "data": {
        "alg": SOFT_BINDING_ALG, "name": "Accord keyed audio watermark (whole file, repeated every 7.4 s)",
        "alg_params": f"scheme={mark.get('scheme')};keyId={mark.get('keyId')};strengthDb10={mark.get('strengthDb10')}",
        "blocks": [{"scope": {}, "value": str(mark["id"])}], "pad": []}}]


def sign_c2pa(source: Path, dest: Path, record: dict[str, Any], creds: C2paCredentials, *, fmt: str,
              title: str, training_use: str = "notAllowed") -> None:
    """Write `source` with a C2PA manifest to `dest` (a different path). Raises ProvenanceError."""
    mime = C2PA_FORMATS.get(fmt)
    if mime is None:
        raise ProvenanceError(f"C2PA manifests are not supported for {fmt.upper()} (only WAV, FLAC, MP3)",
                              path=source)
    ok, message = c2pa_available()
    if not ok:
        raise ProvenanceError(message, path=source)
    import c2pa

    definition = manifest_definition(record, title=title, mime=mime, training_use=training_use)
    try:
        info = c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, creds.chain_pem.encode("ascii"),
                                   creds.leaf_key_pem.encode("ascii"), None)
        settings = {"builder": {"thumbnail": {"enabled": False}},
                    "verify": {"verify_after_sign": False, "remote_manifest_fetch": False, "ocsp_fetch": False}}
        with c2pa.Context.from_dict(settings) as ctx, c2pa.Signer.from_info(info) as signer, \
                c2pa.Builder(json.dumps(definition), ctx) as builder:
            builder.sign_file(source, dest, signer)  # faster than Python stream callbacks
    except c2pa.C2paError as exc:
        raise ProvenanceError(f"the C2PA manifest could not be written: {exc}", path=source) from exc


def read_c2pa(path: Path, *, root_pem: str | None = None) -> dict[str, Any]:
    """{'present', 'state' (Valid/Trusted/Invalid/None), 'digitalSourceType', 'record', 'message'}."""
    from app.core.provenance.content.content_hash import format_of

    fmt = format_of(path)
    out: dict[str, Any] = {"present": False, "state": None, "message": ""}
    if fmt not in C2PA_FORMATS:
        out["message"] = f"C2PA is not used for {fmt.upper()} files"
        return out
    ok, message = c2pa_available()
    if not ok:
        out["message"] = message
        return out
    import c2pa

    settings: dict[str, Any] = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}
    if root_pem:
        settings["trust"] = {"user_anchors": root_pem}
    try:
        with c2pa.Context.from_dict(settings) as ctx, open(path, "rb") as fh, \
                c2pa.Reader(C2PA_FORMATS[fmt], fh, context=ctx) as reader:
            store = json.loads(reader.json())
            state = reader.get_validation_state()
    except c2pa.C2paError as exc:
        text = str(exc)
        if "ManifestNotFound" in type(exc).__name__ or "not found" in text.lower() or "no jumbf" in text.lower():
            out["message"] = "no C2PA manifest"
            return out
        out.update(present=True, state="Invalid", message=f"C2PA manifest unreadable: {text}")
        return out
    active = store.get("manifests", {}).get(store.get("active_manifest", ""), {})
    out.update(present=True, state=state, message=json.dumps(store.get("validation_status") or [])[:2000])
    for assertion in active.get("assertions", []):
        if assertion.get("label") == ASSERTION_LABEL:
            out["record"] = assertion.get("data")
        elif assertion.get("label") == SOFT_BINDING_LABEL:
            out["softBinding"] = assertion.get("data")
        elif str(assertion.get("label", "")).startswith("c2pa.actions"):
            for action in assertion.get("data", {}).get("actions", []):
                if action.get("action") == "c2pa.created":
                    out["digitalSourceType"] = action.get("digitalSourceType")
    return out
