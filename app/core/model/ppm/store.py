"""The attribution index of one viewpoint: PPM*'s counts over the training works, per work.

The counts live in a sorted context index (ctxindex.py): flat arrays in which every context is a range of
event positions, so a context's count table and each work's share of it are read from the same arrays.
The aggregate counts are plain sums of per-work counts (no update exclusion), so every count — and therefore
every probability, which is linear in the counts — splits exactly into per-work shares, and forgetting a work
(its positions stop counting) leaves exactly the counts of the others.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.core.model.index.ctxindex import ContextIndex
from app.core.model.ppm.viewpoints import Viewpoint


class ViewpointStore:
    def __init__(self, viewpoint: Viewpoint, cap: int) -> None:
        self.viewpoint = viewpoint
        self.index = ContextIndex(cap)

    @property
    def trie(self) -> ContextIndex:
        """The counts, read like `ContextTrie` (walk, state_walk, counts[node], cap)."""
        return self.index

    @property
    def work_ids(self) -> set[int]:
        return set(self.index.index_of)

    def add_work(self, work_id: int, codes: Sequence[int]) -> None:
        self.index.add_works([(work_id, codes)])

    def add_works(self, items: Sequence[tuple[int, Sequence[int] | np.ndarray]]) -> None:
        """Learn many works at once (one sort)."""
        self.index.add_works(items)

    def remove_work(self, work_id: int) -> None:
        """Forget exactly the counts this work added."""
        self.index.remove_work(work_id)

    # -- attribution -------------------------------------------------------------------------------------
    def work_counts_at(self, node: int, code: int) -> dict[int, int]:
        """{work id: count} of symbol `code` after the context `node`."""
        idx, cnt = self.index.work_counts(node, code)
        ids = self.index.work_ids
        return {ids[int(k)]: int(c) for k, c in zip(idx.tolist(), cnt.tolist(), strict=True)}
