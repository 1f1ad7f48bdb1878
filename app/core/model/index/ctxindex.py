"""PPM*'s counts for one viewpoint as flat sorted arrays: the *sorted context index*.

The works' symbol sequences are concatenated (`T`, each work after a separator) and every event position is
sorted by its history read backwards (`SA`, capped at the order cap): the occurrences of a context of order n
are then one contiguous range of SA, nested in the range of its order n-1 suffix — the reversed-context trie
of ppm.py, implicit. A context's count table is the histogram of T over its range, and a work's own counts
are the positions of its range that belong to it (a position's work: a binary search in the works' starts),
so the attribution index *is* the same arrays: 6–8 bytes per note and viewpoint (T int16 while the alphabet
allows, SA int32), no per-context objects, and the arrays can be saved and memory-mapped.

- Learning appends the works' text and inserts their sorted positions into SA (binary search per position,
  one array insertion): no rebuild. Training sorts all positions at once (prefix doubling with numpy).
- Forgetting marks the work's index dead (`alive`): every count skips it, so counts are exactly those of
  the remaining works; dead positions are dropped from SA once they are a quarter of it (order kept).
- Reading mirrors `ContextTrie`: `walk`/`state_walk(hist)` return *handles* (int: range and order) of the
  contexts of orders 0..m, `counts[handle]` their tables {code: count}, `virtual_tail` nothing (the index
  is never lazy). The estimates, PPM*'s state selection and credit are therefore the same arithmetic on
  the same counts as with the trie.

The walks and their handles are in ctxwalk.py, per-work counts for credit in ctxcredit.py.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from app.core.model.index.ctxcredit import IndexCredit
from app.core.model.index.ctxwalk import _GATHER_BUDGET, _TABLE_CACHE, IndexWalk, handle, unpack

_EMPTY = np.zeros(0, dtype=np.int64)
_DENSE_MIN = 2048  # contexts this long keep their whole histogram (compiled estimates)
# count_inputs' dense_of when no context is long (orders < 2**8). Shared, so never written; left writeable
# because numba compiles a read-only array as another type (a second specialisation of every kernel)
_NOT_DENSE = np.full(256, -1, dtype=np.int64)


def sort_positions(T: np.ndarray, cap: int) -> np.ndarray:
    """Event positions of T (T[0] a separator) sorted by history (capped at `cap`), ties by position:
    prefix doubling — rank of the history's first h symbols, then of 2h from two ranks — in numpy sorts."""
    n = len(T)
    idx = np.arange(n, dtype=np.int64)
    sep = T < 0
    avail = idx - np.maximum.accumulate(np.where(sep, idx, 0)) - 1  # real symbols before p in its work
    r1 = np.zeros(n, dtype=np.int64)
    r1[1:] = T[:-1].astype(np.int64) + 1  # the separator ranks lowest (0)
    powers = {1: r1}
    h = 1
    while 2 * h <= cap:
        powers[2 * h] = _extend(powers[h], powers[h], h, avail)
        h *= 2
    cur, length = powers[h], h
    for q in sorted(powers, reverse=True):
        if length + q <= cap:
            cur = _extend(cur, powers[q], length, avail)
            length += q
    real = np.flatnonzero(~sep)
    order = np.argsort(cur[real], kind="stable")
    return real[order].astype(np.int32)


def _extend(first: np.ndarray, second: np.ndarray, shift: int, avail: np.ndarray) -> np.ndarray:
    """Dense ranks of (first[p], second[p - shift]) — the second part only where p has `shift` symbols."""
    tail = np.zeros_like(first)
    tail[shift:] = np.where(avail[shift:] >= shift, second[:-shift], 0)
    key = first * (int(second.max()) + 1) + tail
    order = np.argsort(key, kind="stable")
    sk = key[order]
    ranks = np.empty_like(first)
    ranks[order] = np.concatenate([[0], np.cumsum(sk[1:] != sk[:-1])])
    return ranks


class _Counts:
    """`index.counts[handle]`: the count table {code: count} of a context (memoised until a change)."""

    __slots__ = ("_ix",)

    def __init__(self, ix: ContextIndex) -> None:
        self._ix = ix

    def __getitem__(self, h: int) -> dict[int, int]:
        ix = self._ix
        d = ix._tables.get(h)
        if d is None:
            lo, hi, _ = unpack(h)
            pos = ix.SA[lo:hi]
            if ix.any_dead:
                pos = pos[ix.alive[ix.work_of(pos)].view(bool)]
            if len(pos) <= 32:  # short ranges (most contexts): a dict count beats a bincount over the alphabet
                codes = ix.codes
                d = {}
                for t in ix.T[pos].tolist():
                    c = codes[t]
                    d[c] = d.get(c, 0) + 1
            else:
                cnt = np.bincount(ix.T[pos], minlength=len(ix.codes))
                syms = np.flatnonzero(cnt)
                d = dict(zip(ix.code_array[syms].tolist(), cnt[syms].tolist(), strict=True))
            if len(ix._tables) >= _TABLE_CACHE:
                ix._tables.clear()
            ix._tables[h] = d
        return d


class ContextIndex(IndexCredit, IndexWalk):
    """Counts of (context, next symbol) of orders 0..cap over a set of works, with per-work attribution."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.T = np.full(1, -1, dtype=np.int32)
        self.SA = np.zeros(0, dtype=np.int32)
        self.alive = np.zeros(0, dtype=np.uint8)
        self.codes: list[int] = []  # symbol id -> viewpoint code
        self.sid: dict[int, int] = {}
        self.code_array = np.zeros(0, dtype=np.int64)
        self.index_of: dict[int, int] = {}  # work id -> work index (live works)
        self.work_ids: list[int] = []  # work index -> work id
        self.starts = np.zeros(0, dtype=np.int64)  # work index -> its first position in T
        self.lengths = np.zeros(0, dtype=np.int64)  # work index -> its number of events
        self._dead: dict[int, int] = {}  # forgotten work id -> its (dead) index, revivable until compaction
        self.dead_positions = 0
        self.counts = _Counts(self)
        self._tables: dict[int, dict[int, int]] = {}
        self._credit: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
        self._child: dict[int, int] = {}  # context << 24 | symbol id -> the longer context, 0: none
        self._gathered: dict[int, np.ndarray] = {}  # long ranges: T[SA[lo:hi] - order - 1]
        self._gathered_size = 0
        self._dense: dict[int, np.ndarray] = {}
        self._dense_size = 0
        self._empty_dense = np.zeros((0, 0), dtype=np.int64)
        self._spans: dict[tuple[int, int], tuple[int, int, int]] = {}
        self._arena_w = self._arena_c = _EMPTY
        self._arena_used = 0
        self._root_base = -1
        self._arena_lock = threading.Lock()
        self._walk_kernel: Any = None  # genkernels.index_walk once generation has imported numba
        self._root_credit: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._runs: tuple[np.ndarray, np.ndarray] | None = None  # the compiled walk's symbol_runs and memo
        # credit: per suffix-array rank, its symbol and work (genkernels.ranked_symbols_and_works)
        self._ranked: tuple[np.ndarray, np.ndarray] | None = None
        self._columns_memo: tuple | None = None  # credit: (work ids array, its columns), per index state
        self.any_dead = False
        self.root = 0
        self._starts_list: list[int] | None = None

    def _changed(self) -> None:
        self._starts_list = None
        self.any_dead = self.dead_positions > 0
        self.root = handle(0, len(self.SA), 0)
        self._tables.clear()
        self._credit.clear()
        self._child.clear()
        self._gathered.clear()
        self._gathered_size = 0
        self._dense.clear()
        self._dense_size = 0
        self._spans = {}
        self._arena_w = self._arena_c = _EMPTY
        self._arena_used = 0
        self._root_base = -1
        self._root_credit = None
        self._runs = None
        self._ranked = None
        self._columns_memo = None

    # -- learning and forgetting ----------------------------------------------------------------------
    def _symbols(self, seq: np.ndarray) -> np.ndarray:
        new = [c for c in np.unique(seq).tolist() if c not in self.sid]
        for c in new:
            self.sid[c] = len(self.codes)
            self.codes.append(c)
        if new:
            self.code_array = np.array(self.codes, dtype=np.int64)
        if not len(seq):
            return np.zeros(0, dtype=np.int32)
        keys = np.array(sorted(self.sid), dtype=np.int64)
        ids = np.array([self.sid[c] for c in keys.tolist()], dtype=np.int32)
        return ids[np.searchsorted(keys, seq)]

    def add_works(self, items: Sequence[tuple[int, Sequence[int] | np.ndarray]]) -> None:
        """Learn works (id, viewpoint codes): append their text and insert their positions into SA."""
        seqs = [np.asarray(q, dtype=np.int64) for _, q in items]
        self.add_sequences([w for w, _ in items], np.concatenate(seqs) if seqs else np.zeros(0, np.int64),
                           np.array([len(q) for q in seqs], dtype=np.int64))

    def add_sequences(self, ids: Sequence[int], codes: np.ndarray, lengths: np.ndarray) -> None:
        """`add_works` with the sequences concatenated (`lengths` per work)."""
        offsets = np.cumsum(lengths) - lengths
        keep = np.ones(len(ids), dtype=bool)
        for i, wid in enumerate(ids):
            if wid in self.index_of:
                raise ValueError(f"work {wid} is already in the model")
            if wid in self._dead:
                keep[i] = not self._revive(wid, codes[offsets[i]:offsets[i] + lengths[i]])
        if not keep.all():
            codes = codes[np.repeat(keep, lengths)]
            ids, lengths = [w for w, k in zip(ids, keep.tolist(), strict=True) if k], lengths[keep]
        if not len(ids):
            return
        syms = self._symbols(codes)
        base = len(self.T)
        starts = base + np.cumsum(lengths + 1) - lengths  # each work after its separator
        for wid in ids:
            self.index_of[wid] = len(self.work_ids)
            self.work_ids.append(wid)
        fresh = ids
        dtype = np.int16 if len(self.codes) < 2**15 - 1 else np.int32
        text = np.full(int(lengths.sum() + len(fresh)), -1, dtype=dtype)
        inside = np.ones(len(text), dtype=bool)
        inside[starts - base - 1] = False
        text[inside] = syms
        self.starts = np.concatenate([self.starts, starts])
        self.lengths = np.concatenate([self.lengths, lengths])
        self.alive = np.concatenate([self.alive, np.ones(len(fresh), dtype=np.uint8)])
        local = sort_positions(np.concatenate([np.full(1, -1, dtype=dtype), text]), self.cap)  # local T[0]: separator
        new_pos = (local.astype(np.int64) - 1 + base).astype(np.int32)
        self.T = np.concatenate([self.T.astype(dtype, copy=False), text])
        if len(self.SA) == 0:
            self.SA = new_pos
        else:
            try:
                from app.core.model.index.ctxkernels import (
                    insertion_points,  # numba: only to learn into an index
                )
            except ImportError:  # numba comes with librosa; without it, sort the positions all again
                everything = sort_positions(self.T, self.cap)  # (dead works compacted away stay away)
                keep = self.alive[self.work_of(everything)].view(bool) | np.isin(everything, self.SA)
                self.SA = everything[keep]
            else:
                self.SA = np.insert(self.SA, insertion_points(self.T, self.SA, new_pos, self.cap), new_pos)
        self._changed()

    def _revive(self, wid: int, seq) -> bool:
        """Learning back a forgotten work with the same sequence only marks it alive again."""
        k = self._dead.get(wid)
        if k is None:
            return False
        a = int(self.starts[k])
        b = a + int(self.lengths[k])
        seq = np.asarray(seq, dtype=np.int64)
        if b - a != len(seq) or not np.array_equal(self.code_array[self.T[a:b]], seq):
            return False
        del self._dead[wid]
        self.alive[k] = 1
        self.index_of[wid] = k
        self.dead_positions -= b - a
        self._changed()
        return True

    def remove_work(self, wid: int) -> None:
        """Forget a work: its index stops counting (exact); SA is compacted when dead positions pile up."""
        k = self.index_of.pop(wid)
        self.alive[k] = 0
        self.dead_positions += int(self.lengths[k])
        self._dead[wid] = k
        self._changed()
        if self.dead_positions * 4 > len(self.SA):
            self.compact()

    def compact(self) -> None:
        """Drop dead positions from SA (order kept); their text stays until the index is saved."""
        if self.dead_positions:
            keep = self.alive[self.work_of(self.SA)].view(bool)
            self.SA = self.SA[keep]
            self.dead_positions = 0
            self._dead.clear()
            self._changed()

    def work_of(self, pos: np.ndarray) -> np.ndarray:
        """Work index of each position."""
        return np.searchsorted(self.starts, pos, side="right") - 1

    # -- saving and loading -----------------------------------------------------------------------------
    def export(self) -> dict[str, np.ndarray]:
        """The live works' arrays (dead works' text and positions left out), as `from_arrays` reads them."""
        T, SA, starts, lengths = self.T, self.SA, self.starts, self.lengths
        live = self.alive.view(bool)
        if not live.all():
            mark = np.zeros(len(T) + 1, dtype=np.int64)  # +1 from a dead work's separator to its end
            np.add.at(mark, starts[~live] - 1, 1)
            np.add.at(mark, starts[~live] + lengths[~live], -1)
            keep = np.cumsum(mark[:-1]) == 0
            new = np.cumsum(keep) - 1
            SA = new[SA[live[self.work_of(SA)]]].astype(np.int32)
            T, starts, lengths = T[keep], new[starts[live]], lengths[live]
        return {"T": np.ascontiguousarray(T), "SA": np.ascontiguousarray(SA, dtype=np.int32),
                "starts": starts.astype(np.int64), "lengths": lengths.astype(np.int64),
                "work_ids": np.array(self.work_ids, dtype=np.int64)[live], "codes": self.code_array.copy()}

    @classmethod
    def from_arrays(cls, cap: int, arrays: dict[str, np.ndarray]) -> ContextIndex:
        """An index over arrays from `export` (they may be read-only memory maps: changes copy them)."""
        ix = cls(cap)
        ix.T, ix.SA = arrays["T"], arrays["SA"]
        ix.starts, ix.lengths = arrays["starts"], arrays["lengths"]
        ix.work_ids = arrays["work_ids"].tolist()
        ix.index_of = {w: k for k, w in enumerate(ix.work_ids)}
        ix.codes = arrays["codes"].tolist()
        ix.code_array = np.array(ix.codes, dtype=np.int64)
        ix.sid = {c: i for i, c in enumerate(ix.codes)}
        ix.alive = np.ones(len(ix.work_ids), dtype=np.uint8)
        ix._changed()
        return ix

    def sequence(self, wid: int) -> np.ndarray:
        """A live work's viewpoint codes."""
        k = self.index_of[wid]
        a = int(self.starts[k])
        return self.code_array[self.T[a:a + int(self.lengths[k])]]

    # -- reading: count rows for the compiled estimates (the walks are in ctxwalk.py) -------------------
    def restricted_counts(self, walk: Sequence[int], pos_of_sid: np.ndarray, size: int) -> np.ndarray:
        """Count rows (orders x alphabet positions) of the walk's contexts, for symbols mapped by `pos_of_sid`
        (symbol id -> alphabet position or -1); long ranges' histograms are memoised (no dead works)."""
        from app.core.model.generation.estimatekernels import index_counts

        return index_counts(self.T, self.SA, *self.count_inputs(walk), pos_of_sid, size)

    def _no_dense(self) -> np.ndarray:
        """No histogram rows, at the current number of symbols (memoised until learning adds symbols)."""
        empty = self._empty_dense
        if empty.shape[1] != len(self.codes):
            empty = self._empty_dense = np.zeros((0, len(self.codes)), dtype=np.int64)
        return empty

    def count_inputs(self, walk: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(handles, dense rows, dense_of) of the walk, as estimatekernels.index_counts reads them: a context
        of a long range reads its memoised whole histogram (dense_of[n] >= 0) instead of a scan."""
        widest = unpack(walk[0]) if walk else (0, 0, 0)
        if widest[1] - widest[0] < _DENSE_MIN:
            # the widest context (order 0) is short, so every one is: no histograms (a small catalogue's
            # every walk; shared inputs the kernels only read, nothing allocated but the handles)
            return np.array(walk, dtype=np.int64), self._no_dense(), _NOT_DENSE[:len(walk)]
        rows: list[np.ndarray] = []
        dense_of = np.full(len(walk), -1, dtype=np.int64)
        for n, h in enumerate(walk):
            lo, hi, _ = unpack(h)
            if hi - lo < _DENSE_MIN:
                break  # a longer context's range lies inside this one: no later order is long either
            row = self._dense.get(h)
            if row is None:
                if self._dense_size > _GATHER_BUDGET:
                    self._dense.clear()
                    self._dense_size = 0
                # the symbols after the context: in rank order when credit has built them (read in order),
                # else gathered through the suffix array
                syms = self._ranked[0][lo:hi] if self._ranked is not None else self.T[self.SA[lo:hi]]
                row = self._dense[h] = np.bincount(syms, minlength=len(self.codes))
                self._dense_size += len(row)
            dense_of[n] = len(rows)
            rows.append(row)
        # the order-0 context is long (else the early return), so there is at least one row. np.array of
        # equal rows: the same matrix as np.stack, in a fifth of its time (~0.7 against ~3 µs)
        return np.array(walk, dtype=np.int64), np.array(rows), dense_of
