"""Watermark keys: derived from the signer's Ed25519 public key (a documented derivation).

key = SHA-256("accord-watermark-key-v1|" + raw public key (32 bytes)).

Why the public key: whoever trusts an artist's key (their verify trust list) can then find that
artist's watermark after tags are stripped, without any secret being shared; a file marked under
another key does not decode (other pattern, other CRC mask). The price, stated in docs/provenance.md:
anyone who knows the public key can also locate the mark and try to erase it. The mark is a pointer
to the signed record, not a signature: a forged mark can only point at a record the artist signed.
"""

from __future__ import annotations

import hashlib

KEY_DOMAIN = b"accord-watermark-key-v1|"


def key_from_public(public_raw: bytes) -> bytes:
    if len(public_raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return hashlib.sha256(KEY_DOMAIN + bytes(public_raw)).digest()


def key_id(key: bytes) -> str:
    """A short public name of a watermark key (for reports and the C2PA soft binding)."""
    return hashlib.sha256(b"accord-watermark-key-id|" + key).hexdigest()[:16]
