"""Analysis results cached on disk by content hash (JSON only).

Layout: `<AccordHome.cache_dir>/analysis/<kind>/<key>.json`, written atomically. Keys are content hashes
(per stem: the stem's sha256 plus the algorithm version; per song: a hash of the stem hashes, roles, lead
and version). A damaged or stale entry is ignored — logged, removed and recomputed — never an error.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from app.core.fsutil import atomic_write_text

log = logging.getLogger(__name__)

CACHE_VERSION = 1
_SAFE = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")


class AnalysisCache:
    """A folder of JSON entries. Safe to share between threads: writes are atomic replacements."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root) / "analysis"

    @classmethod
    def in_home(cls, home: Any) -> AnalysisCache:
        """The cache inside an AccordHome (anything with `.cache_dir`)."""
        return cls(home.cache_dir)

    def _path(self, kind: str, key: str) -> Path:
        if not _SAFE.match(kind) or not _SAFE.match(key):
            raise ValueError(f"bad cache kind/key {kind!r}/{key!r}")
        return self.root / kind / f"{key}.json"

    def get(self, kind: str, key: str) -> dict | None:
        path = self._path(kind, key)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("analysis cache entry %s unreadable (%s): recomputing", path.name, exc)
            return None
        try:
            # Decoding belongs here: bytes that are not UTF-8 or JSON nested too deeply (a damaged entry) are
            # discarded like any other damage, not raised into the analysis (found by tests/reliability).
            data = json.loads(raw.decode("utf-8"))
            if not isinstance(data, dict) or data.get("cache_version") != CACHE_VERSION or "value" not in data:
                raise ValueError("not a current cache entry")
            value = data["value"]
            if not isinstance(value, dict):
                raise ValueError("entry value is not an object")
            return value
        except (ValueError, TypeError, RecursionError) as exc:
            log.warning("analysis cache entry %s is damaged (%s): ignoring it", path.name, exc)
            self.discard(kind, key)
            return None

    def put(self, kind: str, key: str, value: dict) -> None:
        path = self._path(kind, key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(path, json.dumps({"cache_version": CACHE_VERSION, "value": value},
                                               separators=(",", ":"), allow_nan=False))
        except Exception as exc:  # noqa: BLE001 — a cache that cannot be written only costs time
            log.warning("could not write analysis cache entry %s: %s", path.name, exc)

    def discard(self, kind: str, key: str) -> None:
        try:
            self._path(kind, key).unlink()
        except OSError:
            pass

    def keep_only(self, kind: str, keys: set[str]) -> int:
        """Remove the entries of `kind` whose key is not in `keys` (how many were removed)."""
        folder = self.root / kind
        if not _SAFE.match(kind) or not folder.is_dir():
            return 0
        return _unlink(p for p in folder.glob("*.json") if p.stem not in keys)

    def clear(self) -> int:
        return _unlink(self.root.rglob("*.json")) if self.root.is_dir() else 0


def _unlink(paths: Iterable[Path]) -> int:
    """Remove these files, skipping any that cannot be (how many were removed)."""
    removed = 0
    for p in paths:
        try:
            p.unlink()
            removed += 1
        except OSError:
            continue
    return removed


def combined_key(*parts: str) -> str:
    """A stable cache key from several strings (stem hashes, roles, options)."""
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8", "surrogateescape"))  # stem names from file names that are not valid UTF-8
        h.update(b"\0")
    return h.hexdigest()
