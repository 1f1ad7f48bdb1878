"""Per-work counts of the sorted context index (ctxindex.py), for credit: which works hold a symbol after a
context, and how often. A context is a range of SA, so its per-work counts are the positions of the range
holding the symbol, grouped by the work they fall in (a binary search in the works' starts). Small requests
(the dense credit of catalogues up to 2,048 works) memoise (work indexes, counts) per (context, symbol);
large ones (credit_large.py) read spans of one growing *arena* per index, filled by compiled passes
(genkernels.py): root contexts by one counting pass over the works, the others by one scan per range for
all the symbols asked of it.
"""

from __future__ import annotations

import bisect
import mmap
from collections.abc import Sequence
from typing import Any

import numpy as np

_ORDER_BITS = 8
_HI_BITS = 28
_HI_MASK = (1 << _HI_BITS) - 1
_ORDER_MASK = (1 << _ORDER_BITS) - 1
_TABLE_CACHE = 200_000
_ARENA_BUDGET = 1 << 25  # entries of per-work counts kept for credit (two int32 each)
_EMPTY = np.zeros(0, dtype=np.int64)
# The arena's first size (entries): reserved, not touched (np.empty), so a small catalogue's few spans cost
# nothing more, while a career's first requests fill it without a copy at every doubling.
_ARENA_FIRST = 1 << 22


def _small_pages_int32(size: int) -> np.ndarray:
    """An int32 array of `size` on anonymous memory in ordinary pages, untouched until written.

    numpy asks Linux for transparent huge pages on any array of 4 MB or more. The arena is filled a few
    hundred kilobytes per request, and each first write into a new huge page made the kernel find (often
    compact) 2 MB of contiguous memory during the request: 9-21 ms of a 1 M-note request, against 2 ms in
    ordinary pages. Elsewhere the mapping is just anonymous memory."""
    if size <= 0:
        return np.zeros(0, dtype=np.int32)
    buf = mmap.mmap(-1, size * 4)
    if hasattr(mmap, "MADV_NOHUGEPAGE"):
        buf.madvise(mmap.MADV_NOHUGEPAGE)
    return np.frombuffer(buf, dtype=np.int32)


def _unpack(h: int) -> tuple[int, int, int]:
    return h >> (_HI_BITS + _ORDER_BITS), (h >> _ORDER_BITS) & _HI_MASK, h & _ORDER_MASK


def _count(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct values ascending, counts) — np.unique without its overhead on the short arrays of credit."""
    if len(w) <= 1:
        return w.astype(np.int64), np.ones(len(w), dtype=np.int64)
    w = np.sort(w)
    starts = np.flatnonzero(np.concatenate(([True], w[1:] != w[:-1])))
    return w[starts].astype(np.int64), np.diff(np.append(starts, len(w)))


class IndexCredit:
    """Mixed into ContextIndex (which sets these attributes in its __init__ and clears the memos on change)."""

    T: np.ndarray
    SA: np.ndarray
    starts: np.ndarray
    lengths: np.ndarray
    alive: np.ndarray
    any_dead: bool
    sid: dict[int, int]
    codes: list[int]
    work_ids: list[int]
    _credit: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]
    _spans: dict[tuple[int, int], tuple[int, int, int]]
    _arena_w: np.ndarray
    _arena_c: np.ndarray
    _arena_used: int
    _arena_lock: Any
    _root_base: int
    _root_credit: tuple[np.ndarray, np.ndarray, np.ndarray] | None
    _starts_list: list[int] | None
    _columns_memo: tuple | None
    _ranked: tuple[np.ndarray, np.ndarray] | None

    def work_of(self, pos: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def work_counts(self, h: int, code: int) -> tuple[np.ndarray, np.ndarray]:
        """(work indexes ascending, counts) of symbol `code` after context `h` (memoised until a change);
        `work_ids[index]` is the work's id."""
        sym = self.sid.get(code)
        if sym is None:
            return _EMPTY, _EMPTY
        key = (h, sym)
        got = self._credit.get(key)
        if got is None:
            lo, hi, order = _unpack(h)
            if order == 0:  # every work holding the symbol: one pass over all positions for all symbols
                got = self._root_work_counts(sym)
            elif hi - lo <= 32:  # short range: count in Python (numpy calls cost more than the work here)
                starts = self._starts_list
                if starts is None:
                    starts = self._starts_list = self.starts.tolist()
                pos = self.SA[lo:hi].tolist()
                alive = self.alive
                found: dict[int, int] = {}
                for p, t in zip(pos, self.T[self.SA[lo:hi]].tolist(), strict=True):
                    if t == sym:
                        w = bisect.bisect_right(starts, p) - 1
                        if not self.any_dead or alive[w]:
                            found[w] = found.get(w, 0) + 1
                keys = sorted(found)
                got = (np.array(keys, dtype=np.int64), np.array([found[k] for k in keys], dtype=np.int64))
            else:
                at = self.SA[lo:hi]
                held = self.work_of(at[self.T[at] == sym])
                if self.any_dead:
                    held = held[self.alive[held].view(bool)]
                got = _count(held)
            if len(self._credit) >= _TABLE_CACHE:
                self._credit.clear()
            self._credit[key] = got
        return got

    def _root_work_counts(self, sym: int) -> tuple[np.ndarray, np.ndarray]:
        if self._root_credit is None:  # one counting pass over the live works for all symbols
            from app.core.model.generation.genkernels import root_work_counts

            self._root_credit = root_work_counts(self.T, self.starts, self.lengths, self.alive, len(self.codes))
        widx, cnt, bounds = self._root_credit
        a, b = int(bounds[sym]), int(bounds[sym + 1])
        return widx[a:b], cnt[a:b]

    def work_counts_many(self, handles: Sequence[int], codes: Sequence[int]
                         ) -> list[tuple[np.ndarray, np.ndarray]]:
        """`work_counts` of many (context, code) pairs: the ones not memoised in one compiled pass."""
        memo = self._credit
        sget = self.sid.get
        out: list[tuple[np.ndarray, np.ndarray]] = []
        todo: dict[tuple[int, int], list[int]] = {}
        for h, code in zip(handles, codes, strict=True):
            sym = sget(code)
            got = (_EMPTY, _EMPTY) if sym is None else memo.get((h, sym))
            if got is None:
                if h & _ORDER_MASK:
                    todo.setdefault((h, sym), []).append(len(out))  # type: ignore[arg-type]
                    got = (_EMPTY, _EMPTY)
                else:
                    got = self.work_counts(h, code)
            out.append(got)
        if todo:
            keys = list(todo)
            widx, cnt, offsets, _, pick = self._range_work_counts(keys)
            bounds = offsets.tolist()
            if len(memo) + len(keys) >= _TABLE_CACHE:
                memo.clear()
            for key, q in zip(keys, pick, strict=True):
                got = memo[key] = (widx[bounds[q]:bounds[q + 1]], cnt[bounds[q]:bounds[q + 1]])
                for i in todo[key]:
                    out[i] = got
        return out

    def work_spans(self, handles: Sequence[int], codes: Sequence[int]
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """For each (context, code): (start, end, total) of its per-work counts in the credit arena, and the
        arena (work indexes ascending and counts at [start:end]; total = their sum, 0 when none).
        The arena keeps every span fetched until the index changes or outgrows its budget; root contexts
        come from one counting pass, the others from one compiled pass over the new ones. Locked: requests
        running in parallel share the arena."""
        with self._arena_lock:
            return self._work_spans(handles, codes)

    def _work_spans(self, handles: Sequence[int], codes: Sequence[int]
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        spans = self._spans
        if self._arena_used > _ARENA_BUDGET:  # earlier arenas stay valid for whoever holds them
            spans.clear()
            self._arena_w = self._arena_c = _EMPTY
            self._arena_used = 0
            self._root_base = -1
        sget = self.sid.get
        todo: dict[tuple[int, int], None] = {}
        keys = []
        for h, code in zip(handles, codes, strict=True):
            sym = sget(code)
            key = (h, -1 if sym is None else sym)
            keys.append(key)
            if key not in spans:
                if sym is None:
                    spans[key] = (0, 0, 0)
                elif not h & _ORDER_MASK:
                    spans[key] = self._root_span(sym)
                else:
                    todo[key] = None
        if todo:
            fresh = list(todo)
            widx, cnt, offsets, totals, pick = self._range_work_counts(fresh)
            base = self._append_arena(widx, cnt)
            starts, ends, sums = (offsets[:-1] + base).tolist(), (offsets[1:] + base).tolist(), totals.tolist()
            for key, q in zip(fresh, pick, strict=True):  # keys of one (range, symbol) share its span
                spans[key] = (starts[q], ends[q], sums[q])
        got = np.array([spans[k] for k in keys], dtype=np.int64).reshape(len(keys), 3)
        return got[:, 0], got[:, 1], got[:, 2], self._arena_w, self._arena_c

    def _range_work_counts(self, keys: list[tuple[int, int]]
                           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[int]]:
        """genkernels.range_work_counts of (context, symbol id) pairs of orders > 0: (work indexes, counts,
        offsets, totals) of the distinct (range, symbol) queries, sorted by range so that the ones on one range
        share its scan (contexts of two orders can be the same range), and per key its query's number.
        Key j's pairs are at [offsets[q], offsets[q + 1]) for q = pick[j]: read in place, not reordered
        (a copy of every pair, fresh memory at each request)."""
        from app.core.model.generation.genkernels import range_work_counts, ranked_symbols_and_works

        if self._ranked is None:  # per index state, 6 bytes a position: a range's scan reads in order
            self._ranked = ranked_symbols_and_works(self.T, self.SA, self.starts)

        triples = [(h >> (_HI_BITS + _ORDER_BITS), (h >> _ORDER_BITS) & _HI_MASK, s) for h, s in keys]
        distinct = sorted(set(triples))
        q = np.array(distinct, dtype=np.int64).reshape(len(distinct), 3)
        widx, cnt, offsets, totals = range_work_counts(*self._ranked, self.alive, self.any_dead,
                                                       q[:, 0].copy(), q[:, 1].copy(), q[:, 2].copy())
        at = {t: i for i, t in enumerate(distinct)}
        return widx, cnt, offsets, totals, [at[t] for t in triples]

    def _root_span(self, sym: int) -> tuple[int, int, int]:
        if self._root_base < 0:
            self._root_work_counts(sym)
            assert self._root_credit is not None
            widx, cnt, _ = self._root_credit
            self._root_base = self._append_arena(widx, cnt)
        _, cnt, bounds = self._root_credit  # type: ignore[misc]
        a, b = int(bounds[sym]), int(bounds[sym + 1])
        return a + self._root_base, b + self._root_base, int(cnt[a:b].sum())

    def _append_arena(self, widx: np.ndarray, cnt: np.ndarray) -> int:
        base = self._arena_used
        end = base + len(widx)
        if end > len(self._arena_w):  # grow into new arrays (spans handed out keep the old ones)
            size = max(end, 2 * len(self._arena_w), _ARENA_FIRST)
            # int32 (work indexes and per-work counts fit: at most 100,000 notes a work): fresh memory is
            # most of the arena's cost at a career's size, so half the bytes is half of it
            w, c = _small_pages_int32(size), _small_pages_int32(size)
            w[:base], c[:base] = self._arena_w[:base], self._arena_c[:base]
            self._arena_w, self._arena_c = w, c
        self._arena_w[base:end] = widx
        self._arena_c[base:end] = cnt
        self._arena_used = end
        return base

    def columns(self, wids: np.ndarray) -> np.ndarray:
        """Per work index, its column in the sorted id array `wids` (credit matrices)."""
        memo = self._columns_memo
        if memo is not None and memo[0] is wids:
            return memo[1]  # the same id array (memoised per model state) since the index last changed
        ids = np.array(self.work_ids, dtype=np.int64)
        cols = np.minimum(np.searchsorted(wids, ids), max(0, len(wids) - 1))
        self._columns_memo = (wids, cols)
        return cols
