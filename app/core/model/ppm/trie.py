"""PPM* counts, as in IDyOM (Pearce 2005; Cleary & Teahan 1997).

Counts live in a *reversed-context trie*: the root is the empty context; the child of node `c` under symbol
`x` is the context `x·c` (one event further into the past). Walking from the root along the history read
backwards visits every order 0, 1, 2, ... in one pass of dict look-ups, which is what both training and
prediction need. Nodes are integers, so per-work entries are plain `(node, symbol) -> count` tables: the
attribution index and exact forgetting are count subtraction on the same keys.

Invariant: a node exists iff its count table is non-empty (counts of a longer context never exceed those of
its suffix), so after subtracting a work and pruning empty nodes the trie behaves exactly as if the work had
never been added.

Estimation over these counts (state selection, the escape mixture) is in `ppm_estimate`.
Reading them (walks, lazy tails' virtual counts, the canonical listing) is in trieread.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np

from app.core.model.ppm.trieread import _SHIFT, TrieReading

DEFAULT_ORDER_CAP = 24


_MASK = (1 << _SHIFT) - 1


class ContextTrie(TrieReading):
    """Counts of (context, next symbol) for every context of every order up to `cap`.

    Edges and entries are keyed by plain ints, `node << 32 | symbol id`, with symbol ids given per trie
    in order of first appearance (int keys hash and compare far faster than tuples in the hot loops).

    *Lazy tails* (`lazy=True`, the long-term model): once an occurrence reaches a context nobody else has
    seen, its deeper contexts are not built — the node records the occurrence instead (`tail`), like an
    implicit suffix-tree leaf. Those deeper contexts would all be deterministic with count 1, so PPM*'s
    state selection (the shortest deterministic context) and every count it uses are unchanged; when a later
    occurrence passes through the node, the old occurrence is pushed one level down (materialised). Merging
    with another trie (LTM+) continues the tail virtually (`virtual_tail`). Most contexts of a melody are
    unique beyond a few notes, so this saves most of the nodes."""

    __slots__ = ("cap", "child", "counts", "parent", "label", "free", "sid", "codes", "lazy", "tail", "seqs",
                 "extras")

    def __init__(self, cap: int = DEFAULT_ORDER_CAP, *, lazy: bool = False) -> None:
        self.cap = cap
        self.lazy = lazy
        self.tail: dict[int, tuple[int, int]] = {}  # lazy node -> (sequence id, position of its occurrence)
        self.seqs: dict[int, Sequence[int]] = {}  # sequence id -> symbol codes (lazy tries)
        self.extras: dict[int, list[int]] = {}  # sequence id -> entry keys (count 1) materialised for it
        self.child: dict[int, int] = {}  # node << 32 | symbol id -> the context one event further back
        self.counts: list[dict[int, int]] = [{}]  # node -> {symbol code: count}
        self.parent: list[int] = [-1]
        self.label: list[int] = [0]  # symbol code of the edge into the node
        self.free: list[int] = []
        self.sid: dict[int, int] = {}
        self.codes: list[int] = []

    # -- building ---------------------------------------------------------------------------------------
    def symbol_id(self, code: int) -> int:
        i = self.sid.get(code)
        if i is None:
            i = self.sid[code] = len(self.codes)
            self.codes.append(code)
        return i

    def entry_key(self, node: int, code: int) -> int | None:
        """The int key of (node, symbol), or None for a symbol this trie never saw."""
        i = self.sid.get(code)
        return None if i is None else (node << _SHIFT) | i

    def child_of(self, node: int, code: int) -> int | None:
        i = self.sid.get(code)
        return None if i is None else self.child.get((node << _SHIFT) | i)

    def _new_node(self, parent: int, code: int, key: int) -> int:
        if self.free:
            node = self.free.pop()
            self.parent[node] = parent
            self.label[node] = code
        else:
            node = len(self.counts)
            self.counts.append({})
            self.parent.append(parent)
            self.label.append(code)
        self.child[key] = node
        return node

    def _split(self, node: int, order: int) -> None:
        """Push the lazy occurrence at `node` (a context of `order`) one level deeper."""
        seq_id, pos = self.tail.pop(node)
        old = self.seqs[seq_id]
        deeper = order + 1
        if deeper > self.cap or pos - deeper < 0:
            return  # the occurrence has no longer context: the node is simply a leaf now
        past = old[pos - deeper]
        key = (node << _SHIFT) | self.sid[past]
        c = self._new_node(node, past, key)
        self.tail[c] = (seq_id, pos)
        self.counts[c][old[pos]] = 1
        self.extras.setdefault(seq_id, []).append((c << _SHIFT) | self.sid[old[pos]])

    def sequence_entries(self, seq: Sequence[int], seq_id: int = 0) -> dict[int, int]:
        """The (node << 32 | symbol id) -> count table of one sequence, creating nodes as needed (counts
        untouched). Lazy tries also count, in `extras`, what splitting other occurrences materialised."""
        if self.lazy:
            raise ValueError("a lazy trie learns sequences with add_sequence (counts are added on the way)")
        ids = [self.symbol_id(c) for c in seq]
        local: dict[int, int] = {}
        lget = local.get
        child = self.child
        cget = child.get
        cap = self.cap
        counts, parent, label, free = self.counts, self.parent, self.label, self.free
        for i, x in enumerate(ids):
            local[x] = lget(x, 0) + 1  # node 0: the empty context
            node = 0
            for n in range(1, min(i, cap) + 1):
                ck = (node << _SHIFT) | ids[i - n]
                nxt = cget(ck)
                if nxt is None:  # a new context (inlined _new_node: this loop is training's hot path)
                    if free:
                        nxt = free.pop()
                        parent[nxt] = node
                        label[nxt] = seq[i - n]
                    else:
                        nxt = len(counts)
                        counts.append({})
                        parent.append(node)
                        label.append(seq[i - n])
                    child[ck] = nxt
                node = nxt
                key = (node << _SHIFT) | x
                local[key] = lget(key, 0) + 1
        return local

    def _lazy_entries(self, seq: Sequence[int], seq_id: int) -> dict[int, int]:
        entries = Counter(self.add_sequence_keys(seq, seq_id))
        self.add_entries(entries)
        return entries

    def add_sequence_keys(self, seq: Sequence[int], seq_id: int = 0) -> list[int]:
        """Build a sequence's contexts (lazy trie) and return the entry key of every (context, symbol)
        occurrence, one per occurrence. The sequence's own counts are NOT added here: the caller counts the
        keys (at C speed) and adds them with `add_counts` — until then the new contexts' tables are empty.
        (Counts of other occurrences pushed down a level are added here.)"""
        if not self.lazy:
            return [k for k, c in self.sequence_entries(seq, seq_id).items() for _ in range(c)]
        sid = self.sid
        ids = [sid[c] if c in sid else self.symbol_id(c) for c in seq]
        self.seqs[seq_id] = seq
        keys: list[int] = []
        push = keys.append
        child = self.child
        cget = child.get
        tail, seqs, sid, counts, extras = self.tail, self.seqs, self.sid, self.counts, self.extras
        parent, label, free = self.parent, self.label, self.free
        tpop = tail.pop
        shift = _SHIFT
        cap = self.cap
        for i, x in enumerate(ids):
            push(x)
            node = 0
            for n in range(1, (i if i < cap else cap) + 1):
                ck = (node << shift) | ids[i - n]
                nxt = cget(ck)
                if nxt is None:  # a context nobody has seen: this occurrence's lazy tail starts here
                    # (a new node, _new_node inlined: this loop is training's hot path)
                    if free:
                        nxt = free.pop()
                        parent[nxt] = node
                        label[nxt] = seq[i - n]
                    else:
                        nxt = len(counts)
                        counts.append({})
                        parent.append(node)
                        label.append(seq[i - n])
                    child[ck] = nxt
                    tail[nxt] = (seq_id, i)
                    push((nxt << shift) | x)
                    break
                t = tpop(nxt, None)
                if t is not None:  # another occurrence's lazy node: push it one level down (_split, inlined)
                    other, pos = t
                    if n < cap and pos > n:
                        old = seqs[other]
                        past = old[pos - n - 1]
                        if free:
                            c = free.pop()
                            parent[c] = nxt
                            label[c] = past
                            counts[c][old[pos]] = 1
                        else:
                            c = len(counts)
                            counts.append({old[pos]: 1})
                            parent.append(nxt)
                            label.append(past)
                        child[(nxt << shift) | sid[past]] = c
                        tail[c] = t
                        extras.setdefault(other, []).append((c << shift) | sid[old[pos]])
                node = nxt
                push((node << shift) | x)
        return keys

    def add_counts(self, keys: np.ndarray, amounts: np.ndarray) -> None:
        """Add counts to entries (int64 keys as returned by `add_sequence_keys`); the keys are split into
        node and symbol with numpy, so the Python loop only updates the tables."""
        counts = self.counts
        symbols = np.array(self.codes, dtype=np.int64)[keys & _MASK].tolist()
        for node, s, c in zip((keys >> _SHIFT).tolist(), symbols, amounts.tolist(), strict=True):
            d = counts[node]
            d[s] = d.get(s, 0) + c

    def forget_sequence(self, seq_id: int) -> None:
        self.seqs.pop(seq_id, None)
        self.extras.pop(seq_id, None)

    def add_entries(self, entries: Mapping[int, int]) -> None:
        counts, codes = self.counts, self.codes
        for k, c in entries.items():
            d = counts[k >> _SHIFT]
            s = codes[k & _MASK]
            d[s] = d.get(s, 0) + c

    def add_sequence(self, seq: Sequence[int], seq_id: int = 0) -> dict[int, int]:
        if self.lazy:
            return self._lazy_entries(seq, seq_id)
        entries = self.sequence_entries(seq, seq_id)
        self.add_entries(entries)
        return entries

    def add_event(self, seq: Sequence[int], i: int) -> None:
        """Count event `i` of `seq` in all its contexts (the short-term model grows one event at a time)."""
        s = seq[i]
        self.symbol_id(s)
        counts = self.counts
        d = counts[0]
        d[s] = d.get(s, 0) + 1
        node = 0
        cget = self.child.get
        sid = self.sid
        lazy = self.lazy
        if lazy:
            self.seqs[0] = seq  # the growing piece: lazy nodes refer to positions in it
        tail = self.tail
        for n in range(1, min(i, self.cap) + 1):
            past = seq[i - n]
            p = sid.get(past)
            if p is None:
                p = self.symbol_id(past)
            key = (node << _SHIFT) | p
            nxt = cget(key)
            if nxt is None:
                nxt = self._new_node(node, past, key)
                if lazy:  # a context first seen here: its deeper contexts stay unbuilt
                    tail[nxt] = (0, i)
                    d = counts[nxt]
                    d[s] = d.get(s, 0) + 1
                    break
            elif lazy and nxt in tail:
                self._split(nxt, n)
            node = nxt
            d = counts[node]
            d[s] = d.get(s, 0) + 1
        if lazy:
            self.extras.clear()  # the short-term model keeps no per-sequence index

    def subtract_entries(self, entries: Mapping[int, int]) -> None:
        """Remove a sequence's counts and prune the contexts left empty (exact forgetting)."""
        counts, codes = self.counts, self.codes
        for k, c in entries.items():  # check first: a refused subtraction changes nothing
            node, i = k >> _SHIFT, k & _MASK
            if node >= len(counts) or i >= len(codes) or counts[node].get(codes[i], 0) < c:
                raise ValueError("subtracting counts that were never added")
        self.subtract_unchecked(list(entries), list(entries.values()))

    def subtract_unchecked(self, keys: Sequence[int], amounts: Sequence[int]) -> None:
        """Subtract entries this trie is known to hold (a work's own recorded counts); prune emptied nodes."""
        counts, codes = self.counts, self.codes
        emptied = []
        for k, c in zip(keys, amounts, strict=True):
            node = k >> _SHIFT
            d = counts[node]
            s = codes[k & _MASK]
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
        del self.child[(self.parent[node] << _SHIFT) | self.sid[self.label[node]]]
        self.tail.pop(node, None)
        self.parent[node] = -1
        self.free.append(node)

    def copy(self) -> ContextTrie:
        other = ContextTrie(self.cap, lazy=self.lazy)
        other.tail = dict(self.tail)
        other.seqs = dict(self.seqs)
        other.extras = {k: list(v) for k, v in self.extras.items()}
        other.child = dict(self.child)
        other.counts = [dict(d) for d in self.counts]
        other.parent = list(self.parent)
        other.label = list(self.label)
        other.free = list(self.free)
        other.sid = dict(self.sid)
        other.codes = list(self.codes)
        return other
