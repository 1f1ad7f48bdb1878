"""PPM* estimation over the count tables of one or more context tries, as in IDyOM (Pearce 2005).

Estimation follows IDyOM's `compute-mixture` literally: from the selected state down to order 0, each order
contributes `escape * weight * c(s) / state_count`, where the state count excludes symbols seen at the next
higher order (exclusion), the weight is `state_count / (state_count + types)` (escape method C; X counts
singletons + 1), and the order -1 term is uniform over the alphabet minus the root's symbols. The sum is then
normalised. Every probability is therefore `(sum_n a_n c_n(s) + b) / Z`, linear in the counts, which is what
makes per-work credit exact. The counts themselves live in `ppm.ContextTrie`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from app.core.model.ppm.trie import ContextTrie


def merged_chain(tries: Sequence[ContextTrie], hist: Sequence[int], walks: Sequence[list[int]] | None = None
                 ) -> tuple[list[tuple[dict[int, int], ...]], list[list[int]]]:
    """Per order 0..m, the count tables of every trie that has the context (LTM plus the piece so far: their
    counts add up), and each trie's nodes. Tables are not merged: estimation sums them per symbol."""
    if walks is None:
        walks = [t.walk(hist) for t in tries]
    if len(tries) == 1:
        counts = tries[0].counts
        return [(counts[node],) for node in walks[0]], list(walks)
    tables = [[t.counts[node] for node in w] + t.virtual_tail(w, hist) for t, w in zip(tries, walks, strict=True)]
    top = max(len(x) for x in tables)
    chain = [tuple(x[n] for x in tables if n < len(x)) for n in range(top)]
    return chain, list(walks)


def _types(tables: tuple[dict[int, int], ...]) -> int:
    if len(tables) == 1:
        return len(tables[0])
    keys: set[int] = set()
    for t in tables:
        keys.update(t)
    return len(keys)


def select_orders(chain: Sequence[tuple[dict[int, int], ...]]) -> int:
    """PPM*'s state selection: the longest context, or the shortest deterministic one when it is deterministic."""
    top = len(chain) - 1
    if top < 0:
        return -1
    if _types(chain[top]) != 1:
        return top
    sel = top
    while sel - 1 >= 0 and _types(chain[sel - 1]) == 1:
        sel -= 1
    return sel


def _restricted(tables: tuple[dict[int, int], ...], index: Mapping[int, int]) -> list[tuple[int, int, int]]:
    """(position, symbol, count) of the symbols in the alphabet, iterating whichever side is smaller."""
    if len(tables) == 1:
        d = tables[0]
        if len(d) <= len(index):
            return [(index[s], s, c) for s, c in d.items() if s in index]
        return [(j, s, d[s]) for s, j in index.items() if s in d]
    items: list[tuple[int, int, int]] = []
    for s, j in index.items():
        c = 0
        for d in tables:
            c += d.get(s, 0)
        if c:
            items.append((j, s, c))
    return items


@dataclass(slots=True)
class Estimate:
    """An estimate over an alphabet: p = q / z with q[j] = sum_n coefs[n] * c_n(alphabet[j]) + uniform."""

    q: np.ndarray
    z: float
    coefs: Sequence[float]  # per order, index = order (0..selected); 0.0 where an order contributed nothing
    uniform: float

    @property
    def p(self) -> np.ndarray:
        return self.q / self.z


def estimate(chain: Sequence[tuple[dict[int, int], ...]], selected: int, index: Mapping[int, int], size: int, *,
             escape: str = "c", exclusion: bool = True) -> Estimate:
    """IDyOM's interpolated PPM mixture over an alphabet given by `index` (symbol -> position)."""
    q = [0.0] * size  # a list: per-element updates on a numpy array cost ~10x more
    esc = 1.0
    excluded: set[int] | None = None
    coefs = [0.0] * (selected + 1)
    root_types = 0
    for n in range(selected, -1, -1):
        items = _restricted(chain[n], index)
        ntypes = len(items)
        if escape == "x":
            types = 1 + sum(1 for _, _, c in items if c == 1)
        else:
            types = ntypes
        if n == 0:
            root_types = ntypes
        state = 0
        if exclusion and excluded is not None:
            for _, s, c in items:
                if s not in excluded:
                    state += c
        else:
            for _, _, c in items:
                state += c
        denom = state + (1 if escape == "a" else types)
        weight = state / denom if denom else 0.0
        if state:
            a = esc * weight / state
            coefs[n] = a
            for j, _, c in items:
                q[j] += a * c
        esc *= 1.0 - weight
        excluded = {s for _, s, _ in items}
    rest = size + 1 - (root_types if exclusion else 1)
    uniform = esc / rest if rest > 0 else 0.0
    qa = np.array(q) + uniform
    z = float(qa.sum())
    return Estimate(qa, z, coefs, uniform)
