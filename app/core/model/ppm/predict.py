"""Multiple-viewpoint prediction: per-viewpoint LTM/STM estimates mapped onto the target alphabet, and
IDyOM's entropy-weighted combination (within the long- and short-term models, then between them).

A derived viewpoint's distribution over its own reachable values (`set-alphabet-from-context` in IDyOM) is
mapped back onto the target alphabet; when several targets map to one value (scale degree: one per octave)
the value's probability is shared equally among them, so the viewpoint's own marginal is kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from app.core.model.ppm.estimate import Estimate, estimate, merged_chain, select_orders
from app.core.model.ppm.trie import ContextTrie

MIN_RELATIVE_ENTROPY = 1e-6


@dataclass(frozen=True)
class PredictionSettings:
    """How estimates are made and combined (IDyOM's parameters)."""

    ltm_escape: str = "c"
    stm_escape: str = "c"
    exclusion: bool = True
    ltm_plus: bool = True  # the long-term model also learns the piece as it goes (IDyOM's "+")
    use_stm: bool = True
    use_ltm: bool = True
    viewpoint_combination: str = "geometric"
    viewpoint_bias: float = 2.0
    ltm_stm_combination: str = "geometric"
    ltm_stm_bias: float = 3.0

    def to_json(self) -> dict:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: dict) -> PredictionSettings:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


@dataclass(slots=True)
class ViewpointEstimate:
    """One viewpoint's estimate for one event, kept for exact credit."""

    values: np.ndarray  # reachable viewpoint codes
    inverse: np.ndarray  # target position -> index into values
    share: np.ndarray  # per target position: 1 / number of targets mapping to its value
    est: Estimate
    chain_nodes: Sequence[Sequence[int]] = field(default_factory=list)  # per trie: nodes of orders 0..m
    selected: int = -1
    _target_p: np.ndarray | None = None
    _rel_entropy: float | None = None
    _credit_chain: tuple[tuple[int, ...], tuple[float, ...]] | None = None
    counts: np.ndarray | None = None  # short-term estimates: count rows (orders x values), for the piece's credit

    def target_p(self) -> np.ndarray:
        if self._target_p is None:  # memoised estimates are read many times
            self._target_p = (self.est.q / self.est.z)[self.inverse] * self.share
        return self._target_p

    def credit_chain(self) -> tuple[tuple[int, ...], tuple[float, ...]]:
        """(nodes, coefficients) of the orders that contributed counts (first trie), for credit."""
        if self._credit_chain is None:
            walk = self.chain_nodes[0] if self.chain_nodes else []
            pairs = [(walk[n], a) for n, a in enumerate(self.est.coefs) if a != 0.0 and n < len(walk)]
            self._credit_chain = (tuple([n for n, _ in pairs]), tuple([a for _, a in pairs]))  # untracked by gc
        return self._credit_chain

    def relative_entropy(self) -> float:
        if self._rel_entropy is None:
            self._rel_entropy = float(relative_entropy(self.target_p()[None, :])[0])
        return self._rel_entropy


def reachable(cand: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[int, int]]:
    """(values, inverse, share, index) of a candidate code array."""
    values, inverse = np.unique(cand, return_inverse=True)
    share = 1.0 / np.bincount(inverse)[inverse]
    return values, inverse, share, {v: j for j, v in enumerate(values.tolist())}


def viewpoint_estimate(tries: Sequence[ContextTrie], hist: Sequence[int], cand: np.ndarray | tuple, *,
                       escape: str, exclusion: bool, walks: Sequence[list[int]] | None = None) -> ViewpointEstimate:
    values, inverse, share, index = cand if isinstance(cand, tuple) else reachable(cand)
    chain, walks = merged_chain(tries, hist, walks)
    sel = select_orders(chain)
    est = estimate(chain, sel, index, len(values), escape=escape, exclusion=exclusion)
    return ViewpointEstimate(values, inverse, share, est, walks, sel)


def state_estimate(trie: ContextTrie, walk: list[int], cand: tuple, *, escape: str,
                   exclusion: bool) -> ViewpointEstimate:
    """`viewpoint_estimate` of one trie from `trie.state_walk(hist)` (the walk ends at the selected state)."""
    values, inverse, share, index = cand
    counts = trie.counts
    est = estimate_tables([counts[node] for node in walk], index, len(values), escape=escape, exclusion=exclusion)
    return ViewpointEstimate(values, inverse, share, est, [walk], len(walk) - 1)


def relative_entropy(p: np.ndarray) -> np.ndarray:
    """Rows of p: entropy / log2(alphabet size)."""
    size = p.shape[-1]
    if size <= 1:
        return np.ones(p.shape[:-1])
    logs = np.log2(np.maximum(p, 1e-300))  # p = 0 contributes 0 * (large negative) = 0
    h = -np.sum(p * logs, axis=-1)
    return np.maximum(h / np.log2(size), MIN_RELATIVE_ENTROPY)


def combination_weights(dists: Sequence[np.ndarray], defined: Sequence[np.ndarray], bias: float) -> np.ndarray:
    """(models, rows) normalised weights rel_entropy^-bias; 0 where a model is undefined."""
    w = np.stack([relative_entropy(d) ** (-bias) * m for d, m in zip(dists, defined, strict=False)])
    total = w.sum(axis=0)
    none = total == 0  # no model defined here (e.g. intervals at the first note): equal weights on uniforms
    w[:, none] = 1.0
    total[none] = len(dists)
    return w / total


def combine(dists: Sequence[np.ndarray], defined: Sequence[np.ndarray], method: str, bias: float
            ) -> tuple[np.ndarray, np.ndarray]:
    """Combine per-model distributions (each rows × alphabet); returns (distribution, weights)."""
    if len(dists) == 1:
        return dists[0], np.ones((1, dists[0].shape[0]))
    w = combination_weights(dists, defined, bias)
    if method == "arithmetic":
        out = sum(wk[:, None] * d for wk, d in zip(w, dists, strict=False))
    else:
        logs = sum(wk[:, None] * np.log(np.maximum(d, 1e-300)) for wk, d in zip(w, dists, strict=False))
        logs -= logs.max(axis=1, keepdims=True)
        out = np.exp(logs)
    out = out / out.sum(axis=1, keepdims=True)
    return out, w


def combine_system(ltm: Sequence[np.ndarray], stm: Sequence[np.ndarray], defined: Sequence[np.ndarray],
                   s: PredictionSettings) -> np.ndarray:
    """IDyOM's order: viewpoints within each model, then long- against short-term."""
    parts = []
    if s.use_ltm:
        parts.append(combine(ltm, defined, s.viewpoint_combination, s.viewpoint_bias)[0])
    if s.use_stm:
        parts.append(combine(stm, defined, s.viewpoint_combination, s.viewpoint_bias)[0])
    if len(parts) == 1:
        return parts[0]
    ok = np.ones(parts[0].shape[0], dtype=bool)
    return combine(parts, [ok, ok], s.ltm_stm_combination, s.ltm_stm_bias)[0]


def estimate_tables(tables: Sequence[dict[int, int]], index: Mapping[int, int], size: int, *, escape: str = "c",
                    exclusion: bool = True) -> Estimate:
    """`estimate` for one trie's chain cut at the selected state (the last table): generation's hot path.
    The same arithmetic in the same order as `estimate`, so the figures are bitwise equal."""
    q = [0.0] * size
    esc = 1.0
    top = len(tables) - 1
    coefs = [0.0] * (top + 1)
    root_types = 0
    n_index = len(index)
    # exclusion: an order leaves out the symbols seen at the order above; the chain's contexts are suffixes
    # of one another, so those are every symbol marked so far (a longer context's symbols are a subset)
    seen = bytearray(size)
    for n in range(top, -1, -1):
        d = tables[n]
        if len(d) <= n_index:
            items = [(index[s], c) for s, c in d.items() if s in index]
        else:
            items = [(j, d[s]) for s, j in index.items() if s in d]
        ntypes = len(items)
        types = 1 + sum(1 for _, c in items if c == 1) if escape == "x" else ntypes
        if n == 0:
            root_types = ntypes
        state = 0
        if exclusion and n < top:
            for j, c in items:
                if not seen[j]:
                    state += c
        else:
            for _, c in items:
                state += c
        denom = state + (1 if escape == "a" else types)
        weight = state / denom if denom else 0.0
        if state:
            a = esc * weight / state
            coefs[n] = a
            for j, c in items:
                q[j] += a * c
        esc *= 1.0 - weight
        if n and exclusion:
            for j, _ in items:
                seen[j] = 1
    rest = size + 1 - (root_types if exclusion else 1)
    uniform = esc / rest if rest > 0 else 0.0
    qa = np.array(q) + uniform
    z = float(np.add.reduce(qa))  # = qa.sum(), without the method's Python wrapper (hot path)
    return Estimate(qa, z, coefs, uniform)
