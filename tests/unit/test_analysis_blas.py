"""The analysis runs with one BLAS thread (pipeline.one_blas_thread) and gives the setting back afterwards,
also when it fails: its own threads keep both cores busy, and results do not depend on the core count."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from app.core.analysis import grid_and_harmony
from app.core.analysis.pipeline import StemInput, analyze_stems
from app.core.errors import AnalysisError


def _blas_threads() -> set[int]:
    return {lib["num_threads"] for lib in threadpool_info() if lib.get("user_api") == "blas"}


def _stems() -> list[StemInput]:
    rate = 22050
    t = np.arange(6 * rate) / rate
    tone = (0.3 * np.sin(2 * np.pi * 220 * t) * ((t * 2) % 1 < 0.5)).astype(np.float32)[None, :]
    return [StemInput("keys", tone, rate, "k" * 64)]


def test_one_blas_thread_during_analysis_and_restored_after(monkeypatch):
    if not _blas_threads():
        pytest.skip("no BLAS library that threadpoolctl can see")
    before = _blas_threads()
    seen = []
    real = grid_and_harmony.hear

    def spy(*args, **kwargs):
        seen.append(_blas_threads())
        return real(*args, **kwargs)

    monkeypatch.setattr(grid_and_harmony, "hear", spy)
    analyze_stems(_stems())
    assert seen == [{1}]
    assert _blas_threads() == before

    def fail(*args, **kwargs):
        raise AnalysisError("stop here")

    monkeypatch.setattr(grid_and_harmony, "hear", fail)
    with pytest.raises(AnalysisError):
        analyze_stems(_stems())
    assert _blas_threads() == before
