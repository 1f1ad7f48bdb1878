"""The artist's signing identity (Ed25519) and the verifier's trust list.

- The private key lives in ``keys_dir/identity.json`` with owner-only permissions (0600). The file is
  created with that mode from the start (mkstemp) and replaced atomically, so it is never readable by
  others, not even for a moment.
- A key id is the hex sha256 of the raw 32-byte public key: short to show, impossible to confuse.
- Trust comes from the verifier's own list (``keys_dir/trusted.json``), never from the file being
  verified; the artist's own key is trusted by default.
"""

from __future__ import annotations

import base64
import contextlib
import getpass
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.core.errors import ProvenanceError
from app.core.fsutil import TEMP_PREFIX, atomic_write_text
from app.core.names import name_problem

IDENTITY_FILE = "identity.json"
TRUST_FILE = "trusted.json"
PUBLIC_KEY_FORMAT = "accord-public-key"
MAX_KEY_FILE_BYTES = 64 * 1024


def key_id_of(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()


def utc_now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class PublicKeyInfo:
    """A public key someone may trust: who it claims to be and the raw Ed25519 key."""

    name: str
    public_raw: bytes
    contact: str | None = None

    @property
    def key_id(self) -> str:
        return key_id_of(self.public_raw)

    def to_json(self) -> dict[str, Any]:
        return {"format": PUBLIC_KEY_FORMAT, "name": self.name, "contact": self.contact,
                "publicKey": base64.b64encode(self.public_raw).decode("ascii"), "keyId": self.key_id}

    def verify(self, signature: bytes, data: bytes) -> bool:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        try:
            Ed25519PublicKey.from_public_bytes(self.public_raw).verify(signature, data)
        except (InvalidSignature, ValueError):
            return False
        return True


@dataclass(frozen=True)
class Identity:
    """The artist's key pair. `sign(data)` gives a 64-byte Ed25519 signature."""

    name: str
    contact: str | None
    private_raw: bytes
    created_at: str
    # False while the name is only a stand-in (the OS account name, set when something had to sign before the
    # artist said who they are, e.g. the catalogue's head file); the studio asks at the first export.
    name_confirmed: bool = True

    @property
    def public_raw(self) -> bytes:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return Ed25519PrivateKey.from_private_bytes(self.private_raw).public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def key_id(self) -> str:
        return key_id_of(self.public_raw)

    @property
    def public(self) -> PublicKeyInfo:
        return PublicKeyInfo(self.name, self.public_raw, self.contact)

    def sign(self, data: bytes) -> bytes:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return Ed25519PrivateKey.from_private_bytes(self.private_raw).sign(data)

    def __repr__(self) -> str:  # never print the private key by accident
        return f"Identity(name={self.name!r}, key_id={self.key_id[:16]}…)"


def write_private_text(path: Path, text: str) -> None:
    """Atomic write of a secret: mkstemp creates the temp file 0600, so the secret is never exposed."""
    folder = path.parent
    with contextlib.suppress(OSError):
        os.chmod(folder, 0o700)
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".json", dir=folder)
    try:
        if hasattr(os, "fchmod"):  # mkstemp already made it 0600 on POSIX; Windows has no fchmod (< 3.13)
            os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise ProvenanceError(f"cannot store the signing key: {exc.strerror or exc}", path=path) from exc


def _read_json(path: Path, what: str) -> Any:
    try:
        if path.stat().st_size > MAX_KEY_FILE_BYTES:
            raise ProvenanceError(f"{what} is too large to be a key file", path=path)
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ProvenanceError(f"{what} not found", path=path) from exc
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:  # Recursion: nested JSON (fuzz)
        raise ProvenanceError(f"{what} cannot be read: {exc}", path=path) from exc


def load_identity(keys_dir: Path) -> Identity | None:
    """The stored identity, or None when none was created yet. A damaged file raises ProvenanceError."""
    path = Path(keys_dir) / IDENTITY_FILE
    if not path.exists():
        return None
    data = _read_json(path, "the signing identity")
    try:
        private_raw = base64.b64decode(data["privateKey"], validate=True)
        if len(private_raw) != 32:
            raise ValueError("the private key is not 32 bytes")
        identity = Identity(str(data["name"]), data.get("contact"), private_raw, str(data.get("createdAt", "")),
                            bool(data.get("nameConfirmed", True)))
        if data.get("keyId") and data["keyId"] != identity.key_id:
            raise ValueError("the key id does not match the key")
    except (KeyError, TypeError, ValueError) as exc:
        raise ProvenanceError(f"the signing identity is damaged: {exc}", path=path,
                              hint="restore it from a backup or create a new one") from exc
    return identity


def person_name(text: str | None, *, what: str = "the artist name") -> str:
    """A signer's name as it will be shown: one line, no control or direction-changing characters. A name with
    a line break printed under `accord verify` as an extra line of its own ("signed by Ana\nverified: ...")."""
    name = (text or "").strip()
    if not name:
        raise ProvenanceError(f"{what} is empty", hint="give --name")
    if (why := name_problem(name)) is not None:
        raise ProvenanceError(f"{what} {why}", hint="use a name on one line, without control characters")
    return name


def create_identity(keys_dir: Path, name: str, contact: str | None = None, *, replace: bool = False,
                    name_confirmed: bool = True) -> Identity:
    """Create (and trust) a new Ed25519 identity. Refuses to overwrite an existing one unless `replace`."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    keys_dir = Path(keys_dir)
    name = person_name(name)
    path = keys_dir / IDENTITY_FILE
    if path.exists() and not replace:
        existing = load_identity(keys_dir)
        if existing is not None and not existing.name_confirmed and name_confirmed:
            return confirm_identity_name(keys_dir, name, contact)  # the stand-in name becomes the artist's
        raise ProvenanceError("a signing identity already exists", path=path,
                              hint="files signed with it would no longer verify against a new key")
    keys_dir.mkdir(parents=True, exist_ok=True)
    private_raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    identity = Identity(name, (contact or "").strip() or None, private_raw, utc_now_iso(), name_confirmed)
    _store(keys_dir, identity)
    return identity


def _store(keys_dir: Path, identity: Identity) -> None:
    write_private_text(Path(keys_dir) / IDENTITY_FILE, json.dumps({
        "format": "accord-identity", "name": identity.name, "contact": identity.contact,
        "createdAt": identity.created_at, "keyId": identity.key_id, "nameConfirmed": identity.name_confirmed,
        "privateKey": base64.b64encode(identity.private_raw).decode("ascii")}, indent=2))
    trust = TrustList.load(keys_dir)
    trust.add(identity.public)  # same key id: the entry's name follows the identity's
    trust.save()


def confirm_identity_name(keys_dir: Path, name: str, contact: str | None = None) -> Identity:
    """Name the stored identity (the key stays the same, so everything it signed still verifies)."""
    identity = load_identity(keys_dir)
    name = person_name(name)
    if identity is None:
        return create_identity(keys_dir, name, contact)
    identity = Identity(name, (contact or "").strip() or None, identity.private_raw, identity.created_at, True)
    _store(keys_dir, identity)
    return identity


# Who names a first-run identity when the caller gives no name: the front end passes a namer (the CLI asks
# on a terminal, else says which name it used). Without one, the OS account name is used, marked unconfirmed.
FirstRunNamer = Callable[[str], tuple[str, str | None] | None]


def account_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "Artist"


def ensure_identity(keys_dir: Path, name: str | None = None, *, namer: FirstRunNamer | None = None) -> Identity:
    """The stored identity, created on first use when none exists: with `name`, else as `namer(account_name)`
    returns (name, contact), else after the OS user (marked as not yet named)."""
    existing = load_identity(keys_dir)
    if existing is not None:
        return existing
    if name:
        return create_identity(keys_dir, name, None)
    chosen = namer(account_name()) if namer else None
    if chosen is not None:
        return create_identity(keys_dir, chosen[0], chosen[1])
    return create_identity(keys_dir, account_name(), name_confirmed=False)


def export_public_key(info: PublicKeyInfo, path: str | Path) -> Path:
    """Write a public key: PEM when the file ends in .pem, else Accord's small JSON (name + key + id)."""
    path = Path(path)
    if path.suffix.lower() == ".pem":
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        pem = Ed25519PublicKey.from_public_bytes(info.public_raw).public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")
        # Who the key belongs to, as text after the block (RFC 7468 lets text sit outside it), so that
        # `accord identity trust` can name the key; PEM tools ignore it.
        about = [f"Name: {_one_line(info.name)}"] + ([f"Contact: {_one_line(info.contact)}"] if info.contact else [])
        atomic_write_text(path, pem + "\n".join(about) + "\n")
    else:
        atomic_write_text(path, json.dumps(info.to_json(), indent=2) + "\n")
    return path


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]


def _pem_about(raw: bytes) -> dict[str, str]:
    """The `Name:` / `Contact:` lines written after the PEM block by `export_public_key` (if any)."""
    tail = raw.split(b"-----END", 1)[-1].split(b"\n", 1)[-1] if b"-----END" in raw else b""
    about: dict[str, str] = {}
    for line in tail.decode("utf-8", "replace").splitlines():
        field, sep, value = line.partition(":")
        if sep and field.strip().lower() in ("name", "contact") and value.strip():
            about.setdefault(field.strip().lower(), _one_line(value))
    return about


def import_public_key(path: str | Path, *, name: str | None = None) -> PublicKeyInfo:
    """Read a public key file (PEM or Accord JSON). Raises ProvenanceError naming the file."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_KEY_FILE_BYTES:
            raise ProvenanceError("is too large to be a public key file", path=path)
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise ProvenanceError("file not found", path=path) from exc
    except OSError as exc:
        raise ProvenanceError(f"cannot be read: {exc.strerror or exc}", path=path) from exc
    if raw.lstrip().startswith(b"-----BEGIN"):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        try:
            key = serialization.load_pem_public_key(raw)
        except (ValueError, TypeError) as exc:
            raise ProvenanceError(f"is not a readable PEM public key: {exc}", path=path) from exc
        if not isinstance(key, Ed25519PublicKey):
            raise ProvenanceError("is not an Ed25519 public key", path=path)
        public_raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        about = _pem_about(raw)
        if not (name or about.get("name")):
            raise ProvenanceError("this PEM key does not say whose it is", path=path,
                                  hint="give the owner's name with --name")
        try:
            return PublicKeyInfo(person_name(name or about["name"], what="the key's owner name"), public_raw,
                                 about.get("contact"))
        except ProvenanceError as exc:
            raise ProvenanceError(exc.reason, path=path, hint=exc.hint) from exc
    try:
        data = json.loads(raw.decode("utf-8"))
        if data.get("format") != PUBLIC_KEY_FORMAT:
            raise ValueError(f"format is {data.get('format')!r}, expected {PUBLIC_KEY_FORMAT!r}")
        public_raw = base64.b64decode(data["publicKey"], validate=True)
        if len(public_raw) != 32:
            raise ValueError("the key is not 32 bytes")
        info = PublicKeyInfo(person_name(name or str(data["name"]), what="the key's owner name"), public_raw,
                             data.get("contact"))
        if data.get("keyId") not in (None, info.key_id):
            raise ValueError("its keyId does not match the key (edited?)")
    except ProvenanceError as exc:
        raise ProvenanceError(exc.reason, path=path, hint=exc.hint) from exc
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise ProvenanceError(f"is not an Accord public key: {exc}", path=path,
                              hint="expected a .pem or the JSON written by `accord identity export-public`") from exc
    return info


class TrustList:
    """Public keys this verifier trusts, keyed by key id. Load, change, `save()` (atomic)."""

    def __init__(self, path: Path | None, keys: dict[str, PublicKeyInfo] | None = None) -> None:
        self.path = path
        self._keys: dict[str, PublicKeyInfo] = dict(keys or {})

    @classmethod
    def load(cls, keys_dir: Path) -> TrustList:
        """The stored list plus the artist's own key (trusted by default)."""
        path = Path(keys_dir) / TRUST_FILE
        trust = cls(path)
        if path.exists():
            data = _read_json(path, "the trust list")
            try:
                for entry in data["keys"]:
                    info = PublicKeyInfo(str(entry["name"]), base64.b64decode(entry["publicKey"], validate=True),
                                         entry.get("contact"))
                    if len(info.public_raw) != 32 or entry.get("keyId") not in (None, info.key_id):
                        raise ValueError(f"entry {entry.get('name')!r} is damaged")
                    trust._keys[info.key_id] = info
            except (KeyError, TypeError, ValueError) as exc:
                raise ProvenanceError(f"the trust list is damaged: {exc}", path=path) from exc
        own = load_identity(Path(keys_dir))
        if own is not None:
            trust._keys.setdefault(own.key_id, own.public)
        return trust

    @classmethod
    def of(cls, *keys: PublicKeyInfo) -> TrustList:
        """An in-memory list (tests, one-off checks)."""
        return cls(None, {k.key_id: k for k in keys})

    def add(self, info: PublicKeyInfo) -> None:
        self._keys[info.key_id] = info

    def trust(self, info: PublicKeyInfo, *, rename: bool = False) -> PublicKeyInfo | None:
        """Add `info`, returning the entry it replaces (None for a new key). A key already trusted under
        another name keeps it unless `rename` (the user chose the name): a key file must not quietly relabel
        whose signatures these are (re-trusting Jo's key from a file that says "Mallory" renamed it)."""
        old = self._keys.get(info.key_id)
        if old is not None and old.name != info.name and not rename:
            raise ProvenanceError(f"this key is already trusted as {old.name!r}; the file names it {info.name!r}",
                                  hint=f"to call it {info.name!r} from now on, run again with --name {info.name!r}")
        self._keys[info.key_id] = info
        return old

    def remove(self, key_id: str) -> bool:
        return self._keys.pop(key_id, None) is not None

    def get(self, key_id: str) -> PublicKeyInfo | None:
        return self._keys.get(key_id)

    def __contains__(self, key_id: object) -> bool:
        return key_id in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def entries(self) -> list[PublicKeyInfo]:
        return sorted(self._keys.values(), key=lambda k: (k.name.lower(), k.key_id))

    def save(self) -> None:
        if self.path is None:
            raise ProvenanceError("this trust list is not stored in a file")
        entries = [{"keyId": k.key_id, "name": k.name, "contact": k.contact,
                    "publicKey": base64.b64encode(k.public_raw).decode("ascii")} for k in self.entries]
        atomic_write_text(self.path, json.dumps({"format": "accord-trust-list", "version": 1, "keys": entries},
                                                indent=2) + "\n")
