"""The analysis cache: hits by content hash, damaged entries ignored and recomputed, JSON only."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

import app.core.analysis.grid_and_harmony as grid_and_harmony
import app.core.analysis.melody as melody_mod
from app.core.analysis import AnalysisCache, StemInput, analyze_stems
from app.core.home import AccordHome
from tests.helpers.songs import make_song


@pytest.fixture(scope="module")
def stems():
    song = make_song(9, seconds=5.0)
    return [StemInput(n, a, song.sample_rate, hashlib.sha256(a.tobytes()).hexdigest())
            for n, a in song.stems.items() if n in ("drums", "lead")]


def test_second_run_is_served_from_the_cache(stems, monkeypatch):
    cache = AnalysisCache.in_home(AccordHome.resolve())
    first = analyze_stems(stems, cache=cache)
    files = sorted(p.relative_to(cache.root).as_posix() for p in cache.root.rglob("*.json"))
    assert any(f.startswith("song/") for f in files) and any(f.startswith("lead-notes/") for f in files)
    for p in cache.root.rglob("*"):
        if p.is_file():
            json.loads(p.read_text())  # JSON, nothing else

    def boom(*_a, **_k):
        raise AssertionError("recomputed despite the cache")

    monkeypatch.setattr(grid_and_harmony, "estimate_grid", boom)
    assert analyze_stems(stems, cache=cache) == first


def test_per_stem_results_survive_a_different_song_combination(stems, tmp_path, monkeypatch):
    cache = AnalysisCache(tmp_path)
    analyze_stems(stems, cache=cache)
    calls = []
    real = melody_mod.track_notes
    monkeypatch.setattr(melody_mod, "track_notes", lambda *a, **k: calls.append(1) or real(*a, **k))
    again = analyze_stems(stems[1:], cache=cache)  # the lead alone: a new song key, same lead stem
    assert calls == [] and again.melody is not None and len(again.melody) > 0


def test_damaged_entries_are_ignored_and_recomputed(stems, tmp_path):
    cache = AnalysisCache(tmp_path)
    first = analyze_stems(stems, cache=cache)
    for p in cache.root.rglob("*.json"):
        p.write_bytes(b"\x00garbage{")
    assert analyze_stems(stems, cache=cache) == first
    for p in cache.root.rglob("*.json"):
        json.loads(p.read_text())  # rewritten whole


def test_cache_api(tmp_path):
    cache = AnalysisCache(tmp_path)
    assert cache.get("song", "abc") is None
    cache.put("song", "abc", {"x": 1})
    assert cache.get("song", "abc") == {"x": 1}
    (cache.root / "song" / "abc.json").write_text(json.dumps({"cache_version": 999, "value": {}}))
    assert cache.get("song", "abc") is None and not (cache.root / "song" / "abc.json").exists()
    with pytest.raises(ValueError):
        cache.get("../etc", "passwd")
    cache.put("song", "n", {"y": np.float64(1.5).item()})
    assert cache.clear() == 1
