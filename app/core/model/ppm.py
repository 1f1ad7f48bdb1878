"""PPM* counts and estimation, as in IDyOM (Pearce 2005; Cleary & Teahan 1997).

Counts live in a *reversed-context trie*: the root is the empty context; the child of node `c` under symbol
`x` is the context `x·c` (one event further into the past). Walking from the root along the history read
backwards visits every order 0, 1, 2, ... in one pass of dict look-ups, which is what both training and
prediction need. Nodes are integers, so per-work entries are plain `(node, symbol) -> count` tables: the
attribution index and exact forgetting are count subtraction on the same keys.

Invariant: a node exists iff its count table is non-empty (counts of a longer context never exceed those of
its suffix), so after subtracting a work and pruning empty nodes the trie behaves exactly as if the work had
never been added.

Estimation follows IDyOM's `compute-mixture` literally: from the selected state down to order 0, each order
contributes `escape * weight * c(s) / state_count`, where the state count excludes symbols seen at the next
higher order (exclusion), the weight is `state_count / (state_count + types)` (escape method C; X counts
singletons + 1), and the order -1 term is uniform over the alphabet minus the root's symbols. The sum is then
normalised. Every probability is therefore `(sum_n a_n c_n(s) + b) / Z`, linear in the counts, which is what
makes per-work credit exact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

DEFAULT_ORDER_CAP = 24


class ContextTrie:
    """Counts of (context, next symbol) for every context of every order up to `cap`."""

    __slots__ = ("cap", "child", "counts", "parent", "label", "free")

    def __init__(self, cap: int = DEFAULT_ORDER_CAP) -> None:
        self.cap = cap
        self.child: dict[tuple[int, int], int] = {}
        self.counts: list[dict[int, int]] = [{}]
        self.parent: list[int] = [-1]
        self.label: list[int] = [0]
        self.free: list[int] = []

    # -- building ---------------------------------------------------------------------------------------
    def _new_node(self, parent: int, symbol: int) -> int:
        if self.free:
            node = self.free.pop()
            self.parent[node] = parent
            self.label[node] = symbol
        else:
            node = len(self.counts)
            self.counts.append({})
            self.parent.append(parent)
            self.label.append(symbol)
        self.child[(parent, symbol)] = node
        return node

    def sequence_entries(self, seq: Sequence[int]) -> dict[tuple[int, int], int]:
        """The (node, symbol) -> count table of one sequence, creating nodes as needed (counts untouched)."""
        local: dict[tuple[int, int], int] = {}
        lget = local.get
        child = self.child
        cget = child.get
        cap = self.cap
        counts, parent, label, free = self.counts, self.parent, self.label, self.free
        for i, s in enumerate(seq):
            key = (0, s)
            local[key] = lget(key, 0) + 1
            node = 0
            for n in range(1, min(i, cap) + 1):
                past = seq[i - n]
                ck = (node, past)
                nxt = cget(ck)
                if nxt is None:  # a new context (inlined _new_node: this loop is training's hot path)
                    if free:
                        nxt = free.pop()
                        parent[nxt] = node
                        label[nxt] = past
                    else:
                        nxt = len(counts)
                        counts.append({})
                        parent.append(node)
                        label.append(past)
                    child[ck] = nxt
                node = nxt
                key = (node, s)
                local[key] = lget(key, 0) + 1
        return local

    def add_entries(self, entries: Mapping[tuple[int, int], int]) -> None:
        counts = self.counts
        for (node, s), c in entries.items():
            d = counts[node]
            d[s] = d.get(s, 0) + c

    def add_sequence(self, seq: Sequence[int]) -> dict[tuple[int, int], int]:
        entries = self.sequence_entries(seq)
        self.add_entries(entries)
        return entries

    def add_event(self, seq: Sequence[int], i: int) -> None:
        """Count event `i` of `seq` in all its contexts (the short-term model grows one event at a time)."""
        s = seq[i]
        counts = self.counts
        d = counts[0]
        d[s] = d.get(s, 0) + 1
        node = 0
        cget = self.child.get
        for n in range(1, min(i, self.cap) + 1):
            past = seq[i - n]
            nxt = cget((node, past))
            if nxt is None:
                nxt = self._new_node(node, past)
            node = nxt
            d = counts[node]
            d[s] = d.get(s, 0) + 1

    def subtract_entries(self, entries: Mapping[tuple[int, int], int]) -> None:
        """Remove a sequence's counts and prune the contexts left empty (exact forgetting)."""
        counts = self.counts
        for (node, s), c in entries.items():  # check first: a refused subtraction changes nothing
            if node >= len(counts) or counts[node].get(s, 0) < c:
                raise ValueError("subtracting counts that were never added")
        emptied = []
        for (node, s), c in entries.items():
            d = counts[node]
            left = d[s] - c
            if left:
                d[s] = left
            else:
                del d[s]
                if not d:
                    emptied.append(node)
        for node in emptied:
            if node and not counts[node]:
                self._remove(node)

    def subtract_unchecked(self, nodes: Sequence[int], symbols: Sequence[int], amounts: Sequence[int]) -> None:
        """subtract_entries for entries this trie is known to hold (a work's own recorded counts)."""
        counts = self.counts
        emptied = []
        for node, s, c in zip(nodes, symbols, amounts, strict=False):
            d = counts[node]
            left = d[s] - c
            if left:
                d[s] = left
            else:
                del d[s]
                if not d:
                    emptied.append(node)
        for node in emptied:
            if node and not counts[node]:
                self._remove(node)

    def _remove(self, node: int) -> None:
        del self.child[(self.parent[node], self.label[node])]
        self.parent[node] = -1
        self.free.append(node)

    def copy(self) -> ContextTrie:
        other = ContextTrie(self.cap)
        other.child = dict(self.child)
        other.counts = [dict(d) for d in self.counts]
        other.parent = list(self.parent)
        other.label = list(self.label)
        other.free = list(self.free)
        return other

    # -- reading ----------------------------------------------------------------------------------------
    def walk(self, hist: Sequence[int]) -> list[int]:
        """Nodes of the contexts of orders 0, 1, ... that occur, for the history `hist` (oldest first)."""
        if not self.counts[0]:
            return []
        nodes = [0]
        node = 0
        get = self.child.get
        top = len(hist)
        for n in range(1, min(top, self.cap) + 1):
            nxt = get((node, hist[top - n]))
            if nxt is None:
                break
            node = nxt
            nodes.append(node)
        return nodes

    def context_of(self, node: int) -> tuple[int, ...]:
        """The context of a node, most recent symbol first."""
        out = []
        while node > 0:
            out.append(self.label[node])
            node = self.parent[node]
        return tuple(out)

    def canonical_items(self) -> list[tuple[tuple[int, ...], int, int]]:
        """(context, symbol, count) for every count, sorted: independent of insertion order and node ids."""
        items: list[tuple[tuple[int, ...], int, int]] = []
        for node, d in enumerate(self.counts):
            if not d or (node and self.parent[node] < 0):
                continue
            ctx = self.context_of(node)
            items.extend((ctx, s, c) for s, c in d.items())
        items.sort()
        return items


def merged_chain(tries: Sequence[ContextTrie], hist: Sequence[int], walks: Sequence[list[int]] | None = None
                 ) -> tuple[list[tuple[dict[int, int], ...]], list[list[int]]]:
    """Per order 0..m, the count tables of every trie that has the context (LTM plus the piece so far: their
    counts add up), and each trie's nodes. Tables are not merged: estimation sums them per symbol."""
    if walks is None:
        walks = [t.walk(hist) for t in tries]
    if len(tries) == 1:
        counts = tries[0].counts
        return [(counts[node],) for node in walks[0]], list(walks)
    top = max(len(w) for w in walks)
    chain = [tuple(t.counts[w[n]] for t, w in zip(tries, walks, strict=False) if n < len(w)) for n in range(top)]
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


@dataclass
class Estimate:
    """An estimate over an alphabet: p = q / z with q[j] = sum_n coefs[n] * c_n(alphabet[j]) + uniform."""

    q: np.ndarray
    z: float
    coefs: list[float]  # per order, index = order (0..selected); 0.0 where an order contributed nothing
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
