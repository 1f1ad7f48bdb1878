"""Reading a context trie (trie.py): the contexts of a history that occur, order by order (`walk`), cut at
PPM*'s selected state (`state_walk`), the count tables of a lazy node's unbuilt deeper contexts
(`virtual_tail`), and every count listed by context (`canonical_items`). Mixed into ContextTrie.
"""

from __future__ import annotations

from collections.abc import Sequence

_SHIFT = 32  # an edge's key is node << 32 | symbol id (trie.py builds keys with this one constant)


class TrieReading:
    """Mixed into ContextTrie (which sets these attributes in its __init__); no slots of its own."""

    __slots__ = ()

    cap: int
    child: dict[int, int]
    counts: list[dict[int, int]]
    parent: list[int]
    label: list[int]
    sid: dict[int, int]
    tail: dict[int, tuple[int, int]]
    seqs: dict[int, Sequence[int]]

    def walk(self, hist: Sequence[int]) -> list[int]:
        """Nodes of the contexts of orders 0, 1, ... that occur, for the history `hist` (oldest first)."""
        if not self.counts[0]:
            return []
        nodes = [0]
        node = 0
        get = self.child.get
        sget = self.sid.get
        top = len(hist)
        for n in range(1, min(top, self.cap) + 1):
            i = sget(hist[top - n])
            if i is None:
                break
            nxt = get((node << _SHIFT) | i)
            if nxt is None:
                break
            node = nxt
            nodes.append(node)
        return nodes

    def state_walk(self, hist: Sequence[int], prefix: list[int] | None = None, upto: int | None = None) -> list[int]:
        """`walk` cut at PPM*'s selected state: the first deterministic node, if any. A longer context's
        continuations are a subset of its suffix's, so every node past the first deterministic one is
        deterministic too and `select_orders` would come back down to it (generation's hot path).

        `prefix`: the nodes of orders 0..m already walked (continue from there); `upto`: stop at that order
        (a walk that stops there without a deterministic node is resumed with `prefix`)."""
        counts = self.counts
        if prefix is None:
            if not counts[0]:
                return []
            nodes = [0]
        else:
            nodes = list(prefix)
        node = nodes[-1]
        if len(counts[node]) == 1:
            return nodes
        get = self.child.get
        sget = self.sid.get
        top = len(hist)
        last = min(top, self.cap) if upto is None else min(top, self.cap, upto)
        for n in range(len(nodes), last + 1):
            i = sget(hist[top - n])
            if i is None:
                break
            nxt = get((node << _SHIFT) | i)
            if nxt is None:
                break
            node = nxt
            nodes.append(node)
            if len(counts[node]) == 1:
                break
        return nodes

    def virtual_tail(self, nodes: Sequence[int], hist: Sequence[int]) -> list[dict[int, int]]:
        """Count tables of the unbuilt contexts below a lazy node that match `hist` (one per order)."""
        if not nodes:
            return []
        t = self.tail.get(nodes[-1])
        if t is None:
            return []
        seq_id, pos = t
        old = self.seqs[seq_id]
        top = len(hist)
        out = []
        n = len(nodes)
        target = old[pos]
        while n <= top and n <= self.cap and pos - n >= 0 and hist[top - n] == old[pos - n]:
            out.append({target: 1})
            n += 1
        return out

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
