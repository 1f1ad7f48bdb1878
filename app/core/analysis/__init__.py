"""Listening to the stems: beat grid, key, chords, lead melody and stem roles (pure functions on arrays).

Public API: `analyze_stems(stems, lead=, cache=, progress=, cancel=) -> SongAnalysis`, `StemInput`,
`AnalysisCache`, `tap_tempo`, `whole_mix_reading` (the beat and key of one file that is a whole song: the
catalogue's audio import puts its melody on that grid, in that key), and `ESTIMATORS_REVISION` (the revision of the ears an analysis is heard by). Never imports app.core.model (the project composes the two).
"""

from app.core.analysis.cache import AnalysisCache
from app.core.analysis.grid_and_harmony import whole_mix_reading
from app.core.analysis.pipeline import ESTIMATORS_REVISION, StemInput, analyze_stems
from app.core.analysis.result import SongAnalysis
from app.core.analysis.rhythm.tempo import tap_tempo

__all__ = ["ESTIMATORS_REVISION", "AnalysisCache", "SongAnalysis", "StemInput", "analyze_stems", "tap_tempo",
           "whole_mix_reading"]
