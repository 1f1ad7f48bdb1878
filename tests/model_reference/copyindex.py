"""Max-order k (Papadopoulos, Roy & Pachet 2014): the interval n-grams of the training works.

A suggestion may not contain k+1 consecutive notes whose k pitch intervals equal the intervals of k+1
consecutive notes of any one training work (transposition-invariant; rhythm ignored). Generation masks, at
each step, the next intervals that would complete such a k-gram (`forbidden_next`); `longest_copied_run`
reports the longest run of notes copied from a single work, and which one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def intervals(pitches: Sequence[int]) -> tuple[int, ...]:
    return tuple(int(b) - int(a) for a, b in zip(pitches, pitches[1:], strict=False))


class CopyIndex:
    """Interval n-grams (n <= k) of every work, with the lowest work id holding each."""

    def __init__(self, work_pitches: Mapping[int, Sequence[int]], k: int) -> None:
        self.k = k
        self._prefix: dict[tuple[int, ...], set[int]] = {}
        self._owner: dict[tuple[int, ...], int] = {}
        if k <= 0:
            return
        for wid in sorted(work_pitches):
            iv = intervals(list(work_pitches[wid]))
            for n in range(1, k + 1):
                for i in range(len(iv) - n + 1):
                    gram = iv[i:i + n]
                    self._owner.setdefault(gram, wid)
                    if n == k:
                        self._prefix.setdefault(gram[:-1], set()).add(gram[-1])

    def forbidden_next(self, prefix_intervals: Sequence[int]) -> set[int]:
        """Intervals that would complete a copied k-gram after the last k-1 intervals."""
        if self.k <= 0 or len(prefix_intervals) < self.k - 1:
            return set()
        key = tuple(prefix_intervals[len(prefix_intervals) - (self.k - 1):]) if self.k > 1 else ()
        return self._prefix.get(key, set())

    def owner(self, gram: tuple[int, ...]) -> int | None:
        return self._owner.get(gram)

    def longest_copied_run(self, pitches: Sequence[int]) -> tuple[int, int | None]:
        """(notes, work id) of the longest run whose intervals occur in one work (up to k+1 notes known).

        A run of n notes has n-1 intervals; runs of one note are not copies (length 1, no work)."""
        iv = intervals(pitches)
        best, owner = (1 if len(pitches) else 0), None
        for i in range(len(iv)):
            n = 1
            while i + n <= len(iv) and n <= self.k:
                w = self._owner.get(iv[i:i + n])
                if w is None:
                    break
                if n + 1 > best:
                    best, owner = n + 1, w
                n += 1
        return best, owner


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
