"""The one call export makes: mark the samples under the signer's key and say what the record names.

`watermark_samples(samples, rate, identity, strength_db)` -> (marked samples, record field)
The record field (signed with the rest of the record) is
    {"scheme": "accord-wm-v2", "id": "<16 hex digits>", "keyId": "<16 hex>", "strengthDb10": 5, "appliedDb10": 5}
(strengths in tenths of a dB, records hold integers only: `strengthDb10` is the setting, `appliedDb10`
the strength the mark was made with, which the embedder raises up to 2x on sparse material its own check
reads badly; its SNR guard may then lower it where the mark would come within 30 dB of the music, never
raise it, so `appliedDb10` is the most any part of the file got: embedder.embed_with_strength).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from app.core.provenance.watermark.embedder import DEFAULT_STRENGTH_DB, embed_with_strength
from app.core.provenance.watermark.keys import key_from_public, key_id

WATERMARK_STRENGTH_DB = DEFAULT_STRENGTH_DB
SCHEME = "accord-wm-v2"


def watermark_samples(samples: np.ndarray, sample_rate: int, identity: Any,
                      strength_db: float = WATERMARK_STRENGTH_DB) -> tuple[np.ndarray, dict[str, Any]]:
    import secrets

    from app.core.errors import ProvenanceError

    try:
        key = key_from_public(identity.public_raw)
        wm_id = secrets.randbits(64)
        marked, used_db = embed_with_strength(samples, sample_rate, key, wm_id, strength_db=strength_db)
    except ValueError as exc:
        raise ProvenanceError(f"the watermark could not be added: {exc}",
                              hint="use a strength between 0.1 and 3 dB, or export without a watermark") from exc
    return marked, {"scheme": SCHEME, "id": f"{wm_id:016x}", "keyId": key_id(key),
                    "strengthDb10": int(round(strength_db * 10)), "appliedDb10": int(round(used_db * 10))}
