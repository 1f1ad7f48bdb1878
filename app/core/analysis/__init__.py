"""Listening to the stems: beat grid, key, chords, lead melody and stem roles (pure functions on arrays).

Public API: `analyze_stems(stems, lead=, cache=, progress=, cancel=) -> SongAnalysis`, `StemInput`,
`AnalysisCache`, `tap_tempo`, `whole_mix_reading` (the beat and key of one file that is a whole song: the
catalogue's audio import puts its melody on that grid, in that key), and `ESTIMATORS_REVISION` (the revision
of the ears an analysis is heard by). Never imports app.core.model (the project composes the two).

The names are loaded on first use (PEP 562): the estimators import numba and librosa (~0.8 s), and code that
only reads an analysis's result types (`app.core.analysis.result`, the musicality judge, `accord catalogue
list`) should not pay for the ears it does not run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.core.lazy import lazy_exports

if TYPE_CHECKING:
    from app.core.analysis.cache import AnalysisCache
    from app.core.analysis.grid_and_harmony import whole_mix_reading
    from app.core.analysis.inputs import ESTIMATORS_REVISION, StemInput
    from app.core.analysis.pipeline import analyze_stems
    from app.core.analysis.result import SongAnalysis
    from app.core.analysis.rhythm.tap import tap_tempo

__all__ = ["ESTIMATORS_REVISION", "AnalysisCache", "SongAnalysis", "StemInput", "analyze_stems", "tap_tempo",
           "whole_mix_reading"]
__getattr__, __dir__ = lazy_exports(__name__, {
    "AnalysisCache": "cache", "whole_mix_reading": "grid_and_harmony", "ESTIMATORS_REVISION": "inputs",
    "StemInput": "inputs", "analyze_stems": "pipeline", "SongAnalysis": "result", "tap_tempo": "rhythm.tap",
}, globals())
