"""Max-order k (Papadopoulos, Roy & Pachet 2014): the interval n-grams of the training works.

A suggestion may not contain k+1 consecutive notes whose k pitch intervals equal the intervals of k+1
consecutive notes of any one training work (transposition-invariant; rhythm ignored). Generation masks, at
each step, the next intervals that would complete such a k-gram (`forbidden_next`); `longest_copied_run`
reports the longest run of notes copied from a single work — the true one, at any length — and which work.

Layout (flat arrays, ~12 bytes per note, built with a few numpy calls): the works' intervals concatenated,
each work followed by a separator, as bytes `interval + 128` (1..255; intervals beyond ±127 semitones are
clipped to a value no melody reaches twice in a row, see `_byte`). Every position p carries a *key*: the
first up-to-8 bytes from p, stopping at the separator, packed big-endian in a uint64 (0-padded). The keys
are sorted: the positions where an n-gram (n <= 8) occurs are one contiguous range of keys (the n-gram's
bytes followed by anything), found by two binary searches. Longer grams start from their first 8 bytes
and are checked against the text. Exact: no hashing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

KEY_BYTES = 8
_SEP = 0  # separator after each work (never a byte of an interval: those are 1..255)
_MEMO_LIMIT = 65_536
_NONE: frozenset[int] = frozenset()


def intervals(pitches: Sequence[int]) -> tuple[int, ...]:
    return tuple(int(b) - int(a) for a, b in zip(pitches, pitches[1:], strict=False))


def _byte(iv: np.ndarray) -> np.ndarray:
    """Intervals as bytes 1..255 (MIDI intervals are -127..127, so the map is exact)."""
    return (np.clip(iv, -127, 127) + 128).astype(np.uint8)


def _keys(text: np.ndarray, n: int) -> np.ndarray:
    """The key of each of the first `n` positions of `text`: its first up-to-8 bytes, stopping at the
    separator, packed big-endian (0 for a position at a separator). In text order, one contiguous pass per
    byte; genkernels.gram_keys reads the same keys at scattered positions (a test keeps them equal). numpy
    here, not that kernel: training and saving a model (which builds this index) load no compiled code."""
    keys = np.zeros(n, dtype=np.uint64)
    alive = np.ones(n, dtype=bool)
    for j in range(KEY_BYTES):  # byte j of each key: text[p + j] while no separator was met
        b = text[j:j + n]
        alive &= b != _SEP
        keys |= np.where(alive, b, 0).astype(np.uint64) << np.uint64(8 * (KEY_BYTES - 1 - j))
    return keys


def model_copy_index(model) -> CopyIndex:
    """The works' interval index of a trained model (built once per model state, shared by every k; from
    the order a loaded file stored, when it holds one). `model`: a TrainedModel (its works and cache)."""
    base = model.cache.get("copy-index")
    if base is None:
        base = CopyIndex({w: t.events.pitch for w, t in model.works.items()}, 0,
                         order=model.cache.get("copy-order"))
        model.cache["copy-index"] = base
    return base  # type: ignore[no-any-return]


class CopyIndex:
    """Interval n-grams of every work: which occur, what may follow a (k-1)-gram, the lowest work id holding
    a gram, and the longest run a melody copies from one work."""

    def __init__(self, work_pitches: Mapping[int, Sequence[int] | np.ndarray], k: int,
                 order: np.ndarray | None = None) -> None:
        """`order`: the positions in key order as a saved model holds them (`sorting_order`); used when it
        is one — each gram position once, keys ascending — else the keys are sorted here."""
        self.k = k
        ids = sorted(work_pitches)
        pitches = [np.asarray(work_pitches[w], dtype=np.int64) for w in ids]
        lengths = np.array([len(x) for x in pitches], dtype=np.int64)
        cat = np.concatenate(pitches) if pitches else np.zeros(0, np.int64)
        owner = np.repeat(np.arange(len(ids)), lengths)
        inner = owner[:-1] == owner[1:]  # consecutive notes of one work: an interval of that work
        count = np.maximum(lengths - 1, 0)
        starts = np.cumsum(count + 1) - (count + 1)  # each work's intervals, then a separator
        text = np.full(int((count + 1).sum()), _SEP, dtype=np.uint8)
        slots = np.ones(len(text), dtype=bool)
        slots[starts + count] = False
        text[slots] = _byte(np.diff(cat)[inner]) if len(cat) > 1 else np.zeros(0, np.uint8)
        # padded with separators so that p + j never runs off the end
        self.text = np.concatenate([text, np.zeros(KEY_BYTES + 1, np.uint8)])
        self.work_ids = np.array(ids, dtype=np.int64)
        self.starts = np.append(starts, len(text)).astype(np.int64)
        self._memo: dict[tuple[int, ...], frozenset[int]] = {}
        if order is not None and self._adopt_order(order, slots):
            return
        n = len(text)
        keys = _keys(self.text, n)
        # positions of equal keys in any order: every reader takes a set, a minimum or a filter of them
        order = np.argsort(keys)
        real = keys[order] != 0  # positions at a separator start no gram
        self.keys = keys[order][real]
        self.pos = order[real].astype(np.int64)

    def _adopt_order(self, order: np.ndarray, grams: np.ndarray) -> bool:
        """Take a stored order if it is the sorting of this text's gram positions (`grams`: True where a gram
        starts): every such position exactly once and the keys ascending. A file cannot make max-order k
        miss a copy this way: anything else is ignored and the keys sorted afresh."""
        n = len(grams)
        if order.ndim != 1 or len(order) != int(np.count_nonzero(grams)):
            return False
        pos = order.astype(np.int64)
        if len(pos) and (int(pos.min()) < 0 or int(pos.max()) >= n):
            return False
        seen = np.zeros(n, dtype=bool)
        seen[pos] = True
        if not np.array_equal(seen, grams):  # with the length check: each gram position once
            return False
        from app.core.model.generation.genkernels import (
            gram_keys,  # numba: loaded by generation, not at import
        )

        keys = gram_keys(self.text, pos, KEY_BYTES, _SEP)
        if len(keys) > 1 and bool(np.any(keys[1:] < keys[:-1])):
            return False
        self.keys, self.pos = keys, pos
        return True

    def sorting_order(self) -> np.ndarray:
        """The positions in key order (int32), as a model file stores them."""
        return self.pos.astype(np.int32)

    def with_k(self, k: int) -> CopyIndex:
        """The same index (arrays shared) for another k."""
        other = object.__new__(CopyIndex)
        other.__dict__.update(self.__dict__)
        other.k = k
        other._memo = {}
        return other

    # -- look-ups -------------------------------------------------------------------------------------------
    def _range(self, gram: Sequence[int]) -> tuple[int, int]:
        """Key positions [lo, hi) of the positions where `gram` (at most 8 intervals) starts."""
        n = len(gram)
        if n == 0:
            return 0, len(self.keys)
        lo_key = 0
        for j, x in enumerate(gram):
            if not -127 <= x <= 127:
                return 0, 0
            lo_key |= (int(x) + 128) << (8 * (KEY_BYTES - 1 - j))
        hi_key = lo_key + (1 << (8 * (KEY_BYTES - n)))
        if hi_key >= 1 << 64:
            return int(self.keys.searchsorted(np.uint64(lo_key))), len(self.keys)
        lo, hi = self.keys.searchsorted(np.array((lo_key, hi_key), dtype=np.uint64)).tolist()
        return lo, hi

    def occurrences(self, gram: Sequence[int]) -> np.ndarray:
        """Text positions where the interval n-gram `gram` starts inside one work (any n)."""
        lo, hi = self._range(gram[:KEY_BYTES])
        pos = self.pos[lo:hi]
        for j in range(KEY_BYTES, len(gram)):
            x = gram[j]
            if not -127 <= x <= 127 or not len(pos):
                return pos[:0]
            pos = pos[self.text[pos + j] == x + 128]
        return pos

    def _owner_of(self, pos: np.ndarray) -> int | None:
        if not len(pos):
            return None
        w = np.searchsorted(self.starts, pos, side="right") - 1
        return int(self.work_ids[int(w.min())])

    def forbidden_next(self, prefix_intervals: Sequence[int]) -> frozenset[int]:
        """Intervals that would complete a copied k-gram after the last k-1 intervals."""
        if self.k <= 0 or len(prefix_intervals) < self.k - 1:
            return _NONE
        key = tuple(prefix_intervals[len(prefix_intervals) - (self.k - 1):]) if self.k > 1 else ()
        out = self._memo.get(key)
        if out is None:
            nxt = self.text[self.occurrences(key) + (self.k - 1)].tolist()
            # most prefixes forbid nothing: one shared empty set, not thousands kept for the collector to walk
            out = frozenset(b - 128 for b in nxt if b != _SEP) or _NONE
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()
            self._memo[key] = out
        return out

    def owner(self, gram: tuple[int, ...]) -> int | None:
        """The lowest work id holding the gram (None when no work does)."""
        return self._owner_of(self.occurrences(gram)) if gram else None

    def longest_copied_run(self, pitches: Sequence[int]) -> tuple[int, int | None]:
        """(notes, work id) of the longest run whose intervals occur in one work — uncapped — and the lowest
        work id holding its intervals (the first such run, scanning from the start).

        A run of n notes has n-1 intervals; runs of one note are not copies (length 1, no work)."""
        iv = np.array(intervals(pitches), dtype=np.int64)
        m = len(iv)
        if m == 0 or not len(self.keys):
            return (1 if len(pitches) else 0), None
        # every gram iv[i:i+n], n <= 8, as a key range, in two searchsorted calls
        b = np.zeros(m + KEY_BYTES, dtype=np.uint64)
        b[:m] = (np.clip(iv, -127, 127) + 128).astype(np.uint64)
        lo_keys = np.zeros((m, KEY_BYTES), dtype=np.uint64)
        acc = np.zeros(m, dtype=np.uint64)
        for n in range(KEY_BYTES):
            acc = acc | (b[n:n + m] << np.uint64(8 * (KEY_BYTES - 1 - n)))
            lo_keys[:, n] = acc
        widths = np.array([1 << (8 * (KEY_BYTES - 1 - n)) for n in range(KEY_BYTES)], dtype=np.uint64)
        lo = np.searchsorted(self.keys, lo_keys.ravel()).reshape(m, KEY_BYTES)
        hi = np.searchsorted(self.keys, (lo_keys + widths).ravel()).reshape(m, KEY_BYTES)
        inside = np.arange(KEY_BYTES)[None, :] < (m - np.arange(m))[:, None]  # the gram fits in iv
        found = (hi > lo) & inside & (np.abs(iv).max() <= 127 if m else True)
        if np.abs(iv).max() > 127:  # an interval no melody has: grams through it are not found
            bad = np.abs(iv) > 127
            for i in range(m):
                for n in range(KEY_BYTES):
                    if i + n < m and bad[i + n]:
                        found[i, n:] = False
                        break
        runs = np.where(found.all(axis=1), KEY_BYTES, np.argmin(found, axis=1))  # leading found grams
        best_i, best_n, best_pos = -1, 0, None
        for i in range(m):
            n = int(runs[i])
            pos = None
            if n == KEY_BYTES:  # extend past 8 intervals on the text
                pos = self.pos[int(lo[i, -1]):int(hi[i, -1])]
                while i + n < m:
                    x = int(iv[i + n])
                    nxt = pos[self.text[pos + n] == x + 128] if -127 <= x <= 127 else pos[:0]
                    if not len(nxt):
                        break
                    pos, n = nxt, n + 1
            if n > best_n:
                best_i, best_n, best_pos = i, n, pos
        if best_n == 0:
            return 1, None
        if best_pos is None:
            best_pos = self.pos[int(lo[best_i, best_n - 1]):int(hi[best_i, best_n - 1])]
        return best_n + 1, self._owner_of(best_pos)


def brute_force_longest_copy(pitches: Sequence[int], work_pitches: Mapping[int, Sequence[int]]) -> int:
    """Independent checker (tests, benchmark): the longest run of notes whose intervals appear in one work."""
    iv = np.array(intervals(pitches), dtype=np.int64)
    best = 1 if len(pitches) else 0
    for seq in work_pitches.values():
        w = np.array(intervals(list(seq)), dtype=np.int64)
        for i in range(len(iv)):
            for j in range(len(w)):
                n = 0
                while i + n < len(iv) and j + n < len(w) and iv[i + n] == w[j + n]:
                    n += 1
                best = max(best, n + 1)
    return best
