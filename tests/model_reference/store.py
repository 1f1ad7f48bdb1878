"""The attribution index of one viewpoint: the aggregate trie plus every work's own (context, symbol) counts.

Each work's counts are kept as two arrays (the trie's int key `node << 32 | symbol id` and a count), so the
index is compact and forgetting a work is a subtraction of exactly the counts it added. The aggregate counts
are plain sums of per-work counts (no update exclusion), so every count — and therefore every probability,
which is linear in the counts — splits exactly into per-work shares.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tests.model_reference.ppm import ContextTrie
from tests.model_reference.viewpoints import Viewpoint

_UNKNOWN = (1 << 32) - 1  # a symbol id no key uses


class ViewpointStore:
    def __init__(self, viewpoint: Viewpoint, cap: int) -> None:
        self.viewpoint = viewpoint
        self.trie = ContextTrie(cap, lazy=True)
        self.work_keys: dict[int, np.ndarray] = {}
        self.work_counts: dict[int, np.ndarray] = {}
        self._pending: dict[int, list[int]] = {}
        self._index: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._columns: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None

    def add_work(self, work_id: int, codes: Sequence[int]) -> None:
        if work_id in self.work_keys:
            raise ValueError(f"work {work_id} is already in the model")
        occurrences = np.array(self.trie.add_sequence_keys(codes, work_id), dtype=np.int64)
        keys, counts = np.unique(occurrences, return_counts=True)  # sorted, as the index needs them
        self.trie.add_counts(keys, counts)  # one update per distinct entry
        self.work_keys[work_id] = keys
        self.work_counts[work_id] = counts.astype(np.int32)
        extras = self.trie.extras
        for wid, added in extras.items():  # contexts materialised for earlier occurrences (lazy tails)
            self._pending.setdefault(wid, []).extend(added)
        extras.clear()
        self._index = None

    def _flush(self, work_id: int | None = None) -> None:
        """Fold pending count-1 entries into the works' arrays (deferred: one merge per work, not per add)."""
        for wid in ([work_id] if work_id is not None else list(self._pending)):
            added = self._pending.pop(wid, None)
            if added:
                self._merge(wid, np.array(added, dtype=np.int64))

    def _merge(self, work_id: int, keys: np.ndarray) -> None:
        """Add count-1 entries to a work's arrays (keys may repeat)."""
        all_keys = np.concatenate([self.work_keys[work_id], keys])
        all_counts = np.concatenate([self.work_counts[work_id], np.ones(len(keys), dtype=np.int32)])
        uniq, inverse = np.unique(all_keys, return_inverse=True)
        self.work_keys[work_id] = uniq
        self.work_counts[work_id] = np.bincount(inverse, all_counts, minlength=len(uniq)).astype(np.int32)

    def remove_work(self, work_id: int) -> None:
        """Subtract exactly the counts this work added, and prune the contexts left empty."""
        self._flush(work_id)
        keys = self.work_keys.pop(work_id)
        counts = self.work_counts.pop(work_id)
        self.trie.subtract_unchecked(keys.tolist(), counts.tolist())
        self.trie.forget_sequence(work_id)
        self._index = None

    # -- attribution -------------------------------------------------------------------------------------
    def _global_index(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._index is None:
            self._flush()
            ids = sorted(self.work_keys)
            if ids:
                keys = np.concatenate([self.work_keys[w] for w in ids])
                counts = np.concatenate([self.work_counts[w] for w in ids])
                works = np.concatenate([np.full(len(self.work_keys[w]), w, dtype=np.int64) for w in ids])
                order = np.argsort(keys, kind="stable")
                self._index = (keys[order], works[order], counts[order])
            else:
                empty = np.zeros(0, dtype=np.int64)
                self._index = (empty, empty, empty.astype(np.int32))
        return self._index

    def _query_keys(self, nodes: Sequence[int], codes: Sequence[int]) -> np.ndarray:
        sid = self.trie.sid
        return np.array([(n << 32) | sid.get(c, _UNKNOWN) for n, c in zip(nodes, codes, strict=True)],
                        dtype=np.int64)

    def work_counts_at(self, node: int, code: int) -> dict[int, int]:
        """{work id: count} of symbol `code` after the context `node`."""
        keys, works, counts = self._global_index()
        key = int(self._query_keys([node], [code])[0])
        lo, hi = np.searchsorted(keys, [key, key + 1])
        return {int(w): int(c) for w, c in zip(works[lo:hi], counts[lo:hi], strict=True)}

    def index_spans(self, keys_q: np.ndarray, wids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """For entry keys `node << 32 | symbol id`: (first position, number of works) of each key's per-work
        counts in the global index, and the index's (column in `wids`, count as float) arrays — what a
        batched credit look-up expands without gathering work ids (the columns are memoised per `wids`)."""
        keys, works, counts = self._global_index()
        cached = self._columns
        if cached is None or cached[0] is not keys or not np.array_equal(cached[1], wids):
            cols = np.searchsorted(wids, works)
            cached = self._columns = (keys, wids.copy(), cols, counts.astype(np.float64))
        lo = np.searchsorted(keys, keys_q, side="left")
        sizes = np.searchsorted(keys, keys_q, side="right") - lo
        return lo, sizes, cached[2], cached[3]

    def work_counts_flat(self, nodes: Sequence[int], codes: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For many (node, symbol) pairs: flat (query index, work id, count) arrays of their per-work counts."""
        keys_q = self._query_keys(nodes, codes)
        keys, works, counts = self._global_index()
        lo = np.searchsorted(keys, keys_q, side="left")
        hi = np.searchsorted(keys, keys_q, side="right")
        sizes = hi - lo
        qidx = np.repeat(np.arange(len(keys_q)), sizes)
        starts = np.repeat(lo - np.cumsum(sizes) + sizes, sizes)
        pos = starts + np.arange(int(sizes.sum()))
        return qidx, works[pos], counts[pos].astype(np.float64)
