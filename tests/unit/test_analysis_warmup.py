"""The analysis warm-up (run once by the install script, alone) reaches the librosa kernels the analysis uses,
so parallel first analyses in a fresh environment only load cached code and cannot race to write it."""

from __future__ import annotations

import librosa.core.constantq as constantq
import librosa.sequence
import librosa.util.utils as librosa_utils

from app.core.analysis.warmup import _stems, warm_analysis


def test_warm_up_compiles_the_lazily_compiled_librosa_kernels():
    assert warm_analysis() > 0
    # jitted on first call (the dynamic ones): pyin's Viterbi decoding, the CQT's filter-length helper
    for kernel in (librosa.sequence._viterbi, getattr(constantq, "__num_two_factors")):
        assert kernel.signatures, f"{kernel.__name__} was not compiled by the warm-up"
    # gufuncs with explicit signatures: compiled (or loaded) when their module was imported
    for gufunc in (getattr(librosa_utils, "__peak_pick"), librosa_utils._localmax):
        assert gufunc.ufunc.types


def test_warm_up_stems_are_distinct_named_mono_inputs():
    stems = _stems(2.0)
    assert [s.name for s in stems] == ["drums", "bass", "keys", "lead"]
    assert len({s.content_sha256 for s in stems}) == 4
    assert all(s.samples.ndim == 2 and s.samples.shape[0] == 1 and s.samples.dtype.name == "float32"
               for s in stems)


def test_the_studio_warm_up_runs_once_per_process_on_a_song_with_a_lead_and_on_a_lone_stem(monkeypatch):
    from app.core.analysis import pipeline, warmup

    calls = []
    monkeypatch.setattr(pipeline, "analyze_stems", lambda stems, **kw: calls.append(([s.name for s in stems], kw)))
    warmup.warm_once.cache_clear()
    try:
        warmup.warm_once()
        warmup.warm_once()
    finally:
        warmup.warm_once.cache_clear()  # a real warm-up later in this process must still run
    assert calls == [(["drums", "bass", "keys", "lead"], {"lead": "lead"}), (["drums"], {})]
