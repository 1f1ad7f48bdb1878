"""The sampler's per-note estimates on the Python side (mixed into Sampler): the mixture's reference path
(`_distribution_py`, which the compiled steps fall back to and are tested against), the memoised long-term
estimate, the short-term estimate, the credit parts of a draw, and sampling. Split from sampler.py, which
keeps the state and the filling of slots.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, cast

import numpy as np

from app.core.model.generation.compiled_steps import ESCAPES
from app.core.model.generation.slots import DeadEnd, rel_entropy
from app.core.model.ppm.estimate import Estimate
from app.core.model.ppm.predict import ViewpointEstimate, reachable, state_estimate
from app.core.model.ppm.viewpoints import Events

if TYPE_CHECKING:
    from app.core.model.generation.slots import Cursor
    from app.core.model.ppm.predict import PredictionSettings
    from app.core.model.training import TrainedModel


class EstimateSteps:
    """Mixed into Sampler: the Python estimates, credit parts and sampling over the sampler's state."""

    if TYPE_CHECKING:  # the Sampler's state these steps use
        ps: PredictionSettings
        cur: Cursor
        model: TrainedModel
        memo: dict[object, object]
        hist: dict[str, list[int]]
        _piece: dict[str, np.ndarray]
        _ids: dict[str, np.ndarray]
        _viewpoints: dict[str, list]
        _fast: bool
        closeness: float
        temperature: float
        _inv_temperature: float
        rng: np.random.Generator
        _mixture: object
        _piece_counts: object
        _ltm_row: object

        def _next_uniform(self) -> float: ...

        def _sample_compiled(self, p: np.ndarray, allowed: np.ndarray, prefer: int | None,
                             damp: tuple[int, float] | None, weights: np.ndarray | None
                             ) -> tuple[int, float, float]: ...
    def _reachable_members(self, target: str, i: int, alphabet: np.ndarray) -> list[tuple[str, object, tuple]]:
        """(viewpoint name, store, reachable values) of each viewpoint of `target` defined at event i; the
        reachable values depend only on the alphabet and the attributes the viewpoint reads (memoised)."""
        cur = self.cur
        memo = self.memo
        prev = cur.pitch[i - 1] if i else None
        ioi = cur.onset[i] - cur.onset[i - 1] if i else None
        attrs = (prev, ioi, cur.dur[i], cur.onset[i] % cur.bar, cur.tonic)
        span = (len(alphabet), int(alphabet[0]))
        members = []
        for name, store, vp, needs in self._viewpoints[target]:
            if i == 0 and vp.needs_previous:
                continue
            rkey = ("reach", name, span, tuple([attrs[k] for k in needs]))
            reach = cast("tuple | None", memo.get(rkey))
            if reach is None:
                cand = vp.candidates(cast(Events, cur), i, alphabet)
                if cand is None:
                    continue
                reach = memo[rkey] = reachable(cand)
            members.append((name, store, reach))
        return members

    def _distribution_py(self, target: str, i: int, alphabet: np.ndarray):
        """The arithmetic mixture over `alphabet` for event i, and the recipe of its parts (for credit).

        This runs twice per generated note, so it keeps numpy calls few: entropies are one dot product
        per row (the estimates are strictly positive: the order -1 term reaches every value), a group of
        one viewpoint needs no entropy at all, and the long-term estimates come memoised with theirs."""
        ps = self.ps
        ltm: list[tuple[str, ViewpointEstimate]] = []
        stm: list[tuple[str, ViewpointEstimate]] = []
        for name, store, reach in self._reachable_members(target, i, alphabet):
            hist = self.hist[name]
            if ps.use_ltm:
                ltm.append((name, self._ltm_estimate(name, store, hist, reach)))
            if ps.use_stm:
                stm.append((name, self._stm_estimate(name, len(hist), reach)))
        groups = [(k, g) for k, g in (("ltm", ltm), ("stm", stm)) if g]
        if not groups:
            return np.full(len(alphabet), 1.0 / len(alphabet)), []
        log_size = math.log2(len(alphabet)) if len(alphabet) > 1 else 1.0
        mixes: list[np.ndarray] = []
        recipe: list[tuple[str, str, ViewpointEstimate, float]] = []
        parts: list[int] = []  # recipe entries per group
        for kind, members in groups:
            if len(members) == 1:
                name, ve = members[0]
                mixes.append(ve.target_p())
                recipe.append((kind, name, ve, 1.0))
                parts.append(1)
                continue
            rows = [ve.target_p() for _, ve in members]
            ws = []
            for r, (_, ve) in zip(rows, members, strict=True):
                if ve._rel_entropy is None:  # memoised on long-term estimates
                    ve._rel_entropy = rel_entropy(r, log_size)
                ws.append(ve._rel_entropy)
            ws = [e ** (-ps.viewpoint_bias) for e in ws]
            total = math.fsum(ws)
            ws = [w / total for w in ws]
            mix = ws[0] * rows[0]
            for w, r in zip(ws[1:], rows[1:], strict=True):
                mix += w * r
            mixes.append(mix)
            recipe.extend((kind, name, ve, w) for (name, ve), w in zip(members, ws, strict=True))
            parts.append(len(members))
        if len(mixes) == 1:
            return mixes[0], recipe
        tops = [rel_entropy(m, log_size) ** (-ps.ltm_stm_bias) for m in mixes]
        total = math.fsum(tops)
        tops = [t / total for t in tops]
        p = tops[0] * mixes[0]
        for t, m in zip(tops[1:], mixes[1:], strict=True):
            p += t * m
        scaled: list[tuple[str, str, ViewpointEstimate, float]] = []
        at = 0
        for t, count in zip(tops, parts, strict=True):
            scaled.extend((kind, name, ve, t * w) for kind, name, ve, w in recipe[at:at + count])
            at += count
        return p, scaled

    def _ltm_estimate(self, name: str, store, hist: list[int], reach, log_size: float = 0.0
                      ) -> ViewpointEstimate:
        """The long-term estimate is a pure function of the selected context (PPM*'s state: the chain below
        it) and the reachable values, so it is memoised on the model (generation drops IDyOM's "+" for this;
        the short-term model still learns the piece). Walk and counts are compiled (the Python walk and
        count tables when the index holds forgotten works not yet compacted)."""
        trie = store.trie
        plain = not trie.any_dead
        walk = trie.state_walk_ids(self._ids[name], len(hist)) if plain else trie.state_walk(hist)
        key = ("ltm", name, walk[-1] if walk else -1, id(reach))
        ve = cast("ViewpointEstimate | None", self.memo.get(key))
        if ve is None:
            ps = self.ps
            if plain:
                values, inverse, share, _ = reach
                pkey = ("pos", name, id(reach))
                pos = cast("np.ndarray | None", self.memo.get(pkey))
                if pos is None or len(pos) != len(trie.codes):  # symbol id -> alphabet position
                    pos = np.full(len(trie.codes), -1, dtype=np.int64)
                    sget = trie.sid.get
                    for j, code in enumerate(values.tolist()):
                        sid = sget(code)
                        if sid is not None:
                            pos[sid] = j
                    self.memo[pkey] = pos
                # one compiled call: count rows, mixture, sum, target row (+ entropy when log_size > 0), bitwise
                # the figures of restricted_counts + mixture + np.add.reduce (tests/unit/test_model_kernels.py)
                row, h, q, z, coefs, uniform = self._ltm_row(
                    trie.T, trie.SA, *trie.count_inputs(walk), pos, len(values), ESCAPES[ps.ltm_escape],
                    ps.exclusion, inverse, share, log_size)
                # kept on the model for later requests: tuples of numbers, which the cyclic collector stops
                # tracking, not lists (its passes walk every long-lived container)
                ve = ViewpointEstimate(values, inverse, share, Estimate(q, z, tuple(coefs.tolist()), uniform),
                                       (tuple(walk),), len(walk) - 1, _target_p=row,
                                       _rel_entropy=None if h != h else h)
            else:
                ve = state_estimate(trie, walk, reach, escape=ps.ltm_escape, exclusion=ps.exclusion)
            self.memo[key] = ve
        return ve

    def _stm_estimate(self, name: str, top: int, reach) -> ViewpointEstimate:
        """The short-term estimate: PPM*'s state over the piece so far and the mixture, compiled; the count
        rows (orders x alphabet values) are kept for the piece's credit."""
        values, inverse, share, _ = reach
        ps = self.ps
        counts = self._piece_counts(self._piece[name], top, self.model.settings.order_cap, values)
        q, coefs, uniform = self._mixture(counts, len(counts) - 1, len(values), ESCAPES[ps.stm_escape], ps.exclusion)
        est = Estimate(q, float(np.add.reduce(q)), coefs.tolist(), uniform)
        return ViewpointEstimate(values, inverse, share, est, [], len(counts) - 1, counts=counts)

    def _credit(self, recipe, x: int, scale: float, extra_piece: float, size: int) -> tuple[float, float, list | None]:
        """(uniform, piece, long-term queries) of alphabet position x, parts of the mixture scaled by `scale`
        (plus `extra_piece` kept from the user's own note). A query (viewpoint, estimate, code, weight)
        stands for weight * sum_n a_n * (per-work counts of the code in the estimate's order-n context):
        they are resolved for all suggestions of a request at once (`resolve_queries`)."""
        if not recipe:  # no viewpoint defined here (intervals at a piece's first note): a uniform draw
            return scale / size, extra_piece, None
        uniform = piece = 0.0
        queries: list[tuple[str, ViewpointEstimate, int, float]] | None = None
        for kind, name, ve, weight in recipe:
            j = int(ve.inverse[x])
            code = int(ve.values[j])
            est = ve.est
            f = scale * weight * float(ve.share[x]) / est.z
            uniform += f * est.uniform
            if kind == "ltm":
                if queries is None:
                    queries = []
                queries.append((name, ve, code, f))
            else:
                row = ve.counts[:, j].tolist()  # type: ignore[index]
                for n, a in enumerate(est.coefs):
                    if a != 0.0:
                        piece += f * a * row[n]
        return uniform, piece + extra_piece, queries

    def _sample(self, p: np.ndarray, allowed: np.ndarray, prefer: int | None,
                damp: tuple[int, float] | None = None, weights: np.ndarray | None = None
                ) -> tuple[int, float, float]:
        """(position, weight of keeping the preferred note, model scale) — before temperature, the chosen
        note's probability is model_scale * p[x] + (keep if x is the preferred note). `damp` (position,
        factor) scales one sampling weight after the temperature (the repeat damping), never the
        preferred note's."""
        if self._fast:
            return self._sample_compiled(p, allowed, prefer, damp, weights)
        q = p * allowed
        keep, scale = 0.0, 1.0
        if prefer is not None and allowed[prefer] and self.closeness > 0:
            keep = self.closeness
            scale = (1.0 - keep) / max(float(q.sum()), 1e-300)
            q *= scale
            q[prefer] += keep
        if self.temperature != 1.0:
            q **= self._inv_temperature  # 0 stays 0; no need to normalise first (p <= 1)
        if damp is not None and damp[0] != prefer:
            q[damp[0]] *= damp[1]
        if weights is not None:
            q *= weights
        return self._draw(q, q.cumsum(), allowed, prefer, keep, scale)

    def _draw(self, q: np.ndarray, cum: np.ndarray, allowed: np.ndarray, prefer: int | None, keep: float,
              scale: float) -> tuple[int, float, float]:
        """One draw from the weights `q` (cumulative `cum`): `_sample`'s result, for both of its paths."""
        total = float(cum[-1])
        if not total > 0:
            raise DeadEnd("nothing allowed")
        x = int(cum.searchsorted(self._next_uniform() * total, side="right"))
        x = min(x, len(q) - 1)
        while not allowed[x] or q[x] <= 0:  # float edge at the top of the cumulative sum
            x -= 1
        return x, (keep if x == prefer else 0.0), scale
