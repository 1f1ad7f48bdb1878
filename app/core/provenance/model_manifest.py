"""Read a model file's manifest (model id, fingerprint, training works) as plain JSON, for the record
and the training-data report, without importing the model package (which stays independent).

A model file is JSON, or a zip/npz holding `manifest.json` (or a JSON string array named `manifest`).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from app.core.errors import ProvenanceError

MAX_MANIFEST_BYTES = 64 * 1024 * 1024


def _from_json_bytes(data: bytes, path: Path) -> dict[str, Any]:
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ProvenanceError(f"the model manifest is not valid JSON: {exc}", path=path) from exc
    if not isinstance(value, dict):
        raise ProvenanceError("the model manifest is not a JSON object", path=path)
    return value.get("manifest", value) if isinstance(value.get("manifest"), dict) else value


def load_model_manifest(path: Path, *, required: bool) -> dict[str, Any] | None:
    """The manifest of the model at `path`; None when absent and not `required`."""
    path = Path(path)
    if not path.exists():
        if required:
            raise ProvenanceError("model file not found", path=path)
        return None
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES * 4:
            raise ProvenanceError("is too large to be an Accord model", path=path)
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
                for candidate in ("manifest.json", "manifest.npy"):
                    if candidate in names:
                        info = zf.getinfo(candidate)
                        if info.file_size > MAX_MANIFEST_BYTES:
                            raise ProvenanceError("has an oversize manifest", path=path)
                        raw = zf.read(candidate)
                        if candidate.endswith(".npy"):
                            import io

                            import numpy as np

                            arr = np.load(io.BytesIO(raw), allow_pickle=False)
                            raw = (arr.item() if arr.shape == () else "".join(arr.tolist())).encode("utf-8")
                        return _from_json_bytes(raw, path)
            raise ProvenanceError("holds no manifest", path=path)
        return _from_json_bytes(path.read_bytes(), path)
    except ProvenanceError:
        raise
    except (OSError, zipfile.BadZipFile, ValueError, KeyError) as exc:
        raise ProvenanceError(f"the model manifest cannot be read: {exc}", path=path) from exc
