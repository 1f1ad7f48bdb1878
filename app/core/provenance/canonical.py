"""Canonical JSON: the exact bytes a provenance signature covers.

Rules (docs/provenance.md): UTF-8 JSON with keys sorted, no whitespace, ASCII only (``\\u`` escapes, so
the same bytes fit a latin-1 MIDI text event), and **no floats** — shares are basis points, times are
ISO strings — because float formatting differs between JSON libraries and would break signatures made
elsewhere. Parsing refuses floats, NaN, duplicate keys and oversize input, so a record cannot mean two
things to two readers.
"""

from __future__ import annotations

import json
from typing import Any

from app.core.errors import ProvenanceError

# mido refuses meta events over 1,000,000 bytes when reading, and the MIDI sequencer-specific event also
# carries a short prefix: stay well below that for every format.
MAX_RECORD_BYTES = 900_000


def _check(value: Any, where: str) -> None:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, int):
        return
    if isinstance(value, float):
        raise ProvenanceError(f"field {where} is a float; provenance records use integers only")
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise ProvenanceError(f"field {where} has a non-text key {k!r}")
            _check(v, f"{where}.{k}" if where else k)
        return
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _check(v, f"{where}[{i}]")
        return
    raise ProvenanceError(f"field {where or '(record)'} has a value of type {type(value).__name__}, "
                          "which a provenance record cannot hold")


def canonical_bytes(obj: Any) -> bytes:
    """The canonical encoding of a JSON value (dict/list/str/int/bool/None). Raises ProvenanceError."""
    _check(obj, "")
    data = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode(
        "ascii")
    if len(data) > MAX_RECORD_BYTES:
        raise ProvenanceError(f"the provenance record is {len(data):,} bytes; at most {MAX_RECORD_BYTES:,} "
                              "are allowed", hint="export fewer stems or a model with fewer training works")
    return data


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ProvenanceError(f"the provenance record has the key {key!r} twice")
        out[key] = value
    return out


def _no_float(text: str) -> Any:
    raise ProvenanceError(f"the provenance record holds a float ({text}); records use integers only")


def _no_constant(text: str) -> Any:
    raise ProvenanceError(f"the provenance record holds {text}, which is not JSON")


def parse_record_json(data: bytes | str) -> dict[str, Any]:
    """Parse a stored record strictly (size, duplicates, floats). Raises ProvenanceError."""
    if isinstance(data, str):
        try:
            data = data.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ProvenanceError("the provenance record is not valid text") from exc
    if len(data) > MAX_RECORD_BYTES:
        raise ProvenanceError(f"the provenance record is {len(data):,} bytes; at most {MAX_RECORD_BYTES:,} "
                              "are accepted")
    try:
        value = json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_float=_no_float,
                           parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ProvenanceError(f"the provenance record is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise ProvenanceError("the provenance record is not a JSON object")
    return value
