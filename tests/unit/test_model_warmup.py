"""The kernel warm-up reaches the compiled kernels that ordinary generation uses (so a first suggestion in
the studio or after install does not compile them)."""

from __future__ import annotations

from app.core.model.generation import blendkernels, genkernels
from app.core.model.generation.warmup import warm_kernels, warm_once


def test_warm_up_compiles_the_generation_kernels():
    assert warm_kernels() > 0
    # the kernels generation calls from Python; index_counts, mixture and piece_counts are compiled into
    # ltm_row and stm_row (numba inlines a kernel called from a kernel: its own dispatcher stays empty)
    for kernel in (genkernels.index_walk, blendkernels.ltm_row, blendkernels.stm_row, blendkernels.blend,
                   blendkernels.sampling_draw, blendkernels.note_step, genkernels.ranked_symbols_and_works,
                   genkernels.range_work_counts, genkernels.contributor_sums):
        assert kernel.signatures, f"{kernel.__name__} was not compiled by the warm-up"


def test_warm_once_runs_the_warm_up_once_per_process():
    first = warm_once()
    assert warm_once() == first  # cached: the same measurement, no second run
