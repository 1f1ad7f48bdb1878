"""Accord's keyed audio watermark (accord-wm-v2): a 64-bit id that survives codecs, resampling and cuts.

Public API:
- `watermark_key(public_raw)` — the 32-byte key of a signer (keys.py documents the derivation);
- `new_watermark_id()` — a random 64-bit id for one export (the signed record names it);
- `embed_watermark(samples, rate, key, wm_id, strength_db=DEFAULT_STRENGTH_DB)` — marked samples;
- `detect_watermark(samples, rate, keys)` / `detect_file(path, keys)` — a `Detection` or None.

Design (docs/provenance.md, "Watermark"): spread spectrum on the STFT log-magnitude (layout.py),
K=7 convolutional code + CRC-32 with soft Viterbi (code.py), informed embedding that cancels the
music's own interference (embedder.py), sync search over offset and +-3.5 % speed (detector.py).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.core.provenance.watermark import layout as L
from app.core.provenance.watermark.detector import Scores, analyse, detect_analysis, to_internal
from app.core.provenance.watermark.embedder import DEFAULT_STRENGTH_DB, MAX_STRENGTH_DB, embed
from app.core.provenance.watermark.export_hook import SCHEME
from app.core.provenance.watermark.keys import key_from_public, key_id

WINDOW_S = 20.0  # detection looks at windows this long (a speed change drifts less within one)
WINDOW_HOP_S = 15.0
MAX_WINDOWS = 12  # ~3 minutes scanned before giving up on a long file
__all__ = ["DEFAULT_STRENGTH_DB", "MAX_STRENGTH_DB", "SCHEME", "Detection", "Scores", "detect_file", "detect_watermark",
           "embed_watermark", "new_watermark_id", "watermark_key", "key_id"]


@dataclass(frozen=True)
class Detection:
    """A watermark found: its 64-bit id, the key that found it, and how sure we are."""

    wm_id: int
    key_id: str
    key: bytes
    confidence: float  # 1 - (chance that noise passes the CRC in the attempts made)
    sync_z: float
    agreement: float  # share of coded bits read with the right sign before error correction
    speed: float
    at_s: float  # start of the window that carried it, seconds into the file

    @property
    def wm_hex(self) -> str:
        return f"{self.wm_id:016x}"

    def to_json(self) -> dict:
        return {"scheme": SCHEME, "id": self.wm_hex, "keyId": self.key_id, "confidence": round(self.confidence, 9),
                "syncZ": round(self.sync_z, 2), "bitAgreement": round(self.agreement, 3),
                "speed": round(self.speed, 4), "atSeconds": round(self.at_s, 2)}


def watermark_key(public_raw: bytes) -> bytes:
    return key_from_public(public_raw)


def new_watermark_id() -> int:
    return secrets.randbits(64)


def embed_watermark(samples: np.ndarray, sample_rate: int, key: bytes, wm_id: int, *,
                    strength_db: float = DEFAULT_STRENGTH_DB) -> np.ndarray:
    return embed(samples, sample_rate, key, wm_id, strength_db=strength_db)


def _detect_internal(y: np.ndarray, keys: list[bytes], *, speed_search: bool, max_windows: int,
                     scores: Scores | None = None) -> Detection | None:
    win = int(WINDOW_S * L.RATE)
    hop = int(WINDOW_HOP_S * L.RATE)
    starts = [0] if len(y) <= win else list(range(0, len(y) - win // 2, hop))[:max_windows]
    for passes in ((False, True) if speed_search else (False,)):
        for start in starts:  # first every window at speed 1 (fast), then the speed search
            found = detect_analysis(analyse(y[start:start + win]), keys, speed_search=passes, nominal=not passes,
                                    scores=scores)
            if found is not None:
                chance = found.attempts * 2.0 ** -32
                return Detection(found.record_id, key_id(found.key), found.key, 1.0 - chance, found.sync_z,
                                 found.agreement, found.speed, start / L.RATE)
    return None


def detect_watermark(samples: np.ndarray, sample_rate: int, keys: list[bytes], *, speed_search: bool = True,
                     max_windows: int = MAX_WINDOWS, scores: Scores | None = None) -> Detection | None:
    """The first watermark found under any of `keys` in (channels, frames) or mono samples, or None.
    `scores`, when given, collects what was seen (CRC checks made, best sync and bit agreement)."""
    if not keys:
        return None
    return _detect_internal(to_internal(samples, sample_rate), keys, speed_search=speed_search,
                            max_windows=max_windows, scores=scores)


def decode_for_detection(path: str | Path) -> np.ndarray:
    """Mono float samples of any audio file at the watermark's internal rate. Raises AccordError."""
    from app.core.audio.io import MAX_SAMPLE_MAGNITUDE, MAX_SECONDS, load_audio
    from app.core.errors import AccordError, AudioFileError

    path = Path(path)
    try:
        return load_audio(path, sample_rate=L.RATE).samples.astype(np.float64).mean(axis=0)
    except AudioFileError as first:
        import shutil
        import subprocess

        ffmpeg = shutil.which("ffmpeg")
        if ffmpeg is None or not path.is_file():  # a missing file or a folder: load_audio's words say it all
            raise
        # -t: the same length limit as load_audio, so a file it refused as too long cannot fill memory here
        proc = subprocess.run([ffmpeg, "-v", "error", "-nostdin", "-i", str(path), "-t", str(MAX_SECONDS),
                               "-ac", "1", "-ar", str(L.RATE), "-f", "f32le", "-"], capture_output=True, check=False)
        if proc.returncode != 0 or not proc.stdout:
            raise AccordError(f"cannot be decoded ({first.reason}; ffmpeg: "
                              f"{proc.stderr.decode(errors='replace').strip()[:200]})", path=path) from first
        mono = np.frombuffer(proc.stdout, dtype="<f4").astype(np.float64)
        mono[~(np.abs(mono) <= MAX_SAMPLE_MAGNITUDE)] = 0.0  # as load_audio does: NaN/inf/absurd values are damage
        return mono


def detect_file(path: str | Path, keys: list[bytes], *, speed_search: bool = True,
                max_windows: int = MAX_WINDOWS) -> Detection | None:
    """Decode `path` (any format soundfile, pedalboard or ffmpeg reads) and look for a watermark."""
    if not keys:
        return None
    return _detect_internal(decode_for_detection(path), keys, speed_search=speed_search, max_windows=max_windows)
