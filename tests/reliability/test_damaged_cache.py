"""A damaged analysis cache (a disk error, a crash of an older version) costs a recomputation, never a crash:
entries that are not UTF-8, not JSON, nested too deeply or of the wrong shape are discarded."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.core.analysis.cache import AnalysisCache

DAMAGE = {
    "garbage": lambda b: bytes(range(256)) * 2,
    "not UTF-8": lambda b: b"\xff\xfe" + b,
    "truncated": lambda b: b[: len(b) // 2],
    "deeply nested": lambda b: b"[" * 100_000 + b"]" * 100_000,
    "wrong shape": lambda b: json.dumps({**json.loads(b), "value": {"x": [1, "a"]}}).encode(),
    "empty": lambda b: b"",
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_entry_is_discarded(damage, tmp_path):
    cache = AnalysisCache(tmp_path / "cache")
    cache.put("song", "k", {"tempo": 120})
    [entry] = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    entry.write_bytes(DAMAGE[damage](entry.read_bytes()))
    value = cache.get("song", "k")
    assert value is None or value == {"x": [1, "a"]}  # a well-formed but foreign value is the caller's to check
    if value is None:
        assert not entry.exists()  # discarded, so the next run recomputes and rewrites it


def test_analysis_with_every_cache_entry_damaged_recomputes(tmp_path):
    from app.core.analysis.pipeline import StemInput, analyze_stems

    rate = 22050
    t = np.arange(rate * 2) / rate
    tone = np.stack([0.3 * np.sin(2 * np.pi * 440 * t)] * 2).astype(np.float32)
    stems = [StemInput("lead", tone, rate, "a" * 64), StemInput("bass", tone * 0.5, rate, "b" * 64)]
    cache = AnalysisCache(tmp_path / "cache")
    first = analyze_stems(stems, lead="lead", cache=cache)
    for entry in [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]:
        entry.write_bytes(b"\xff" * 40)
    again = analyze_stems(stems, lead="lead", cache=cache)
    assert again.to_json() == first.to_json()
