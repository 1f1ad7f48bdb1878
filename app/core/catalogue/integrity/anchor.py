"""The chain heads, anchored outside the database in a small signed file beside it (`catalogue.sqlite.head`).

A hash chain alone cannot show that entries were cut off its end (the shorter chain is still valid). After
every write Accord stores the last entry id and hash of the consent ledger and of the facts chain in the
head file, signed with the artist's Ed25519 key and written atomically. The audit then requires each head
to be an entry of the database's chains: deleting the last rows (and lowering `sqlite_sequence`) is caught.

The head may lag the database by one write (a crash between the commit and the head write); that is
accepted because the lagging head is still an entry of the chain. A head *ahead* of the chain is not.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from app.core.errors import AccordError
from app.core.fsutil import atomic_write_text

HEAD_FORMAT = "accord-catalogue-head"
MAX_HEAD_BYTES = 64 * 1024
HEAD_KEY_FILE = "catalogue-head-key.json"  # used only until the artist creates their identity


def head_path(db: Path) -> Path:
    return db.with_name(db.name + ".head")


def _payload(heads: dict[str, Any], signer: dict[str, Any]) -> bytes:
    from app.core.provenance.canonical import canonical_bytes

    return canonical_bytes({"format": HEAD_FORMAT, "heads": heads, "signer": signer})


def write_head(db: Path, heads: dict[str, Any], identity: Any) -> None:
    """Sign and store `heads` ({"ledger": [id, hash, work id], "facts": [id, hash, work id]}) atomically."""
    signer = {"keyId": identity.key_id, "name": identity.name,
              "publicKey": base64.b64encode(identity.public_raw).decode("ascii")}
    signature = base64.b64encode(identity.sign(_payload(heads, signer))).decode("ascii")
    text = json.dumps({"format": HEAD_FORMAT, "heads": heads, "signer": signer,
                       "signature": {"alg": "Ed25519", "value": signature}}, indent=1, sort_keys=True)
    atomic_write_text(head_path(db), text + "\n")


def read_head(db: Path) -> tuple[dict[str, Any] | None, str]:
    """(heads, signer key id) from the head file, or (None, why) when missing, unreadable or forged."""
    from app.core.provenance.identity import PublicKeyInfo, key_id_of

    path = head_path(db)
    try:
        if path.stat().st_size > MAX_HEAD_BYTES:
            return None, "the head file beside the catalogue is too large to be one"
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, f"the signed head file {path.name} beside the catalogue is missing"
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        return None, f"the head file {path.name} cannot be read ({exc})"
    try:
        heads, signer = data["heads"], data["signer"]
        raw = base64.b64decode(signer["publicKey"], validate=True)
        sig = base64.b64decode(data["signature"]["value"], validate=True)
        if data.get("format") != HEAD_FORMAT or len(raw) != 32 or key_id_of(raw) != signer.get("keyId"):
            raise ValueError("not an Accord head file")
        if not PublicKeyInfo("", raw).verify(sig, _payload(heads, signer)):
            return None, f"the head file {path.name} was edited (its signature does not match)"
        for name in ("ledger", "facts"):
            entry_id, digest, work_id = heads[name]
            if isinstance(entry_id, bool) or not isinstance(entry_id, int) or not isinstance(digest, str) \
                    or not isinstance(work_id, int):
                raise ValueError(f"head {name} is malformed")
    except (KeyError, TypeError, ValueError, AccordError) as exc:
        return None, f"the head file {path.name} is damaged ({exc})"
    return heads, str(signer["keyId"])


def head_key(keys_dir: Path, *, create: bool) -> Any:
    """The key that signs the head file before the artist has an identity: a local Ed25519 key kept beside
    the identity (0600). Opening a catalogue must not create the artist's identity: the studio asks for
    the artist's name first (export dialog). None when absent and not `create`."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from app.core.provenance.identity import Identity, utc_now_iso, write_private_text

    path = Path(keys_dir) / HEAD_KEY_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        raw = base64.b64decode(data["privateKey"], validate=True)
        if len(raw) == 32:
            return Identity("catalogue head key", None, raw, str(data.get("createdAt", "")))
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError, TypeError):
        return None  # damaged: the audit reports the head as signed by an unknown key
    if not create:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                                     serialization.NoEncryption())
    key = Identity("catalogue head key", None, raw, utc_now_iso())
    write_private_text(path, json.dumps({"format": "accord-catalogue-head-key", "createdAt": key.created_at,
                                         "privateKey": base64.b64encode(raw).decode("ascii")}))
    return key
