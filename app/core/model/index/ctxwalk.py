"""Walking the sorted context index (ctxindex.py): the contexts of orders 0..m of a history, as *handles*
(an int packing a context's range [lo, hi) of SA and its order). The context one symbol further back is the
sub-range whose history holds that symbol there (a binary search in the range, whose gathered symbols long
ranges keep; steps memoised per index state), and `state_walk` stops at PPM*'s selected state; without dead
works a compiled walk (genkernels.index_walk) does the same. Mixed into ContextIndex, as IndexCredit is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

_ORDER_BITS = 8
_HI_BITS = 28  # positions < 2**28 per viewpoint (268 M notes)
_HI_MASK = (1 << _HI_BITS) - 1
_TABLE_CACHE = 200_000
_GATHER_MIN = 4096  # ranges at least this long keep their gathered history symbols (walk misses)
_GATHER_BUDGET = 1 << 23  # elements of gathered symbols kept in all


def handle(lo: int, hi: int, order: int) -> int:
    return (lo << (_HI_BITS + _ORDER_BITS)) | (hi << _ORDER_BITS) | order


def unpack(h: int) -> tuple[int, int, int]:
    return h >> (_HI_BITS + _ORDER_BITS), (h >> _ORDER_BITS) & ((1 << _HI_BITS) - 1), h & ((1 << _ORDER_BITS) - 1)


class IndexWalk:
    """Mixed into ContextIndex (which sets these attributes in its __init__ and clears the memos on change):
    the reading side of the ContextTrie interface used by estimates (`walk`, `state_walk`, `virtual_tail`)."""

    cap: int
    T: np.ndarray
    SA: np.ndarray
    sid: dict[int, int]
    any_dead: bool
    root: int
    counts: Any  # ctxindex._Counts: `counts[handle]` is the context's table {code: count}
    _tables: dict[int, dict[int, int]]
    _child: dict[int, int]
    _gathered: dict[int, np.ndarray]
    _gathered_size: int
    _walk_kernel: Any
    _runs: tuple[np.ndarray, np.ndarray] | None

    def _longer(self, node: int, sym: int) -> int:
        """The context `sym` + `node` (one symbol further back): its handle, or 0 when it does not occur."""
        lo, hi, order = unpack(node)
        n = order + 1
        vals = self._gathered.get(node)
        if vals is None:
            vals = self.T[self.SA[lo:hi] - n]  # sorted: the range shares its first `order` symbols
            if hi - lo >= _GATHER_MIN:
                if self._gathered_size + len(vals) > _GATHER_BUDGET:
                    self._gathered.clear()
                    self._gathered_size = 0
                self._gathered[node] = vals
                self._gathered_size += len(vals)
        a = int(vals.searchsorted(sym, "left"))
        b = int(vals.searchsorted(sym, "right"))
        if a == b:
            return 0
        h = handle(lo + a, lo + b, n)
        if self.any_dead and not self.counts[h]:
            return 0
        return h

    def _walk(self, hist: Sequence[int], stop: bool) -> list[int]:
        if not len(self.SA):
            return []
        counts = self.counts
        tget = self._tables.get
        node = self.root
        if self.any_dead and not counts[node]:
            return []
        nodes = [node]
        if stop and len(tget(node) or counts[node]) == 1:
            return nodes
        child = self._child
        cget = child.get
        sget = self.sid.get
        top = len(hist)
        for n in range(1, min(top, self.cap) + 1):
            s = sget(hist[top - n])
            if s is None:
                break
            if not stop and (node >> _ORDER_BITS) & _HI_MASK == (node >> (_HI_BITS + _ORDER_BITS)) + 1 \
                    and not self.any_dead:  # one occurrence left: follow its own history (no search)
                lo = node >> (_HI_BITS + _ORDER_BITS)
                if int(self.T[int(self.SA[lo]) - n]) != s:
                    break
                node = handle(lo, lo + 1, n)
                nodes.append(node)
                continue
            key = (node << 24) | s  # symbol ids < 2**24
            nxt = cget(key)
            if nxt is None:
                nxt = child[key] = self._longer(node, s)
                if len(child) >= _TABLE_CACHE:
                    child.clear()
            if not nxt:
                break
            node = nxt
            nodes.append(node)
            if stop and len(tget(node) or counts[node]) == 1:
                break
        return nodes

    def walk(self, hist: Sequence[int]) -> list[int]:
        """Handles of the contexts of orders 0, 1, ... of `hist` (oldest first) that occur."""
        return self._walk(hist, False)

    def state_walk(self, hist: Sequence[int], prefix: list[int] | None = None, upto: int | None = None) -> list[int]:
        """`walk` cut at PPM*'s selected state (the first deterministic context)."""
        nodes = self._walk(hist, True)
        return nodes if upto is None else nodes[:upto + 1]

    def state_walk_ids(self, sids: np.ndarray, top: int) -> list[int]:
        """`state_walk` of a history given as symbol ids (sids[:top], -1 for a code the index never saw),
        compiled. Only without dead works (`any_dead` False; callers take `state_walk` otherwise)."""
        walk = self._walk_kernel
        if walk is None:
            from app.core.model.generation.genkernels import index_walk

            walk = self._walk_kernel = index_walk
        state = self._runs
        if state is None:  # per index state: rebuilt after learning or forgetting (4 bytes per position)
            from app.core.model.generation.genkernels import symbol_runs, walk_memo

            state = self._runs = (symbol_runs(self.T, self.SA), walk_memo())
        return walk(self.T, self.SA, state[0], state[1], sids, top, self.cap).tolist()  # type: ignore[no-any-return]

    def virtual_tail(self, nodes: Sequence[int], hist: Sequence[int]) -> list[dict[int, int]]:
        return []  # the index holds every context up to the cap
