"""The sampler's compiled per-note steps (blendkernels.py). `_step` draws one event: after the memoised
long-term estimates, one compiled call (note_step) makes the short-term estimates, the entropy-weighted blend,
the sampling weights, the draw and the drawn note's credit parts. `_distribution` (the mixture alone, for
rescoring) and `_sample_compiled` are the separate steps `_step` falls back to. Bitwise the same figures as
the Python path (Sampler._distribution_py, the numpy branch of Sampler._sample, Sampler._credit;
tests/unit/test_model_blend.py compares them), so suggestions, credit and log-probabilities do not depend on
which path ran. Used for the usual system (long- and short-term models, one or two viewpoints per target);
anything else takes the Python path.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from app.core.model.generation.slots import DeadEnd, rel_entropy
from app.core.model.ppm.estimate import Estimate
from app.core.model.ppm.predict import ViewpointEstimate

if TYPE_CHECKING:
    from app.core.model.generation.slots import Cursor
    from app.core.model.ppm.predict import PredictionSettings
    from app.core.model.training import TrainedModel

ESCAPES = {"c": 0, "x": 1, "a": 2}  # escape methods, as the compiled mixture reads them
_NO_WEIGHTS = np.zeros(0)


class CompiledSteps:
    """Mixed into Sampler: `_step`, `_distribution` and `_sample_compiled` over the sampler's state."""

    if TYPE_CHECKING:  # the Sampler's state and Python path these steps use
        ps: PredictionSettings
        cur: Cursor
        memo: dict[object, object]
        hist: dict[str, list[int]]
        _piece: dict[str, np.ndarray]
        _viewpoints: dict[str, list]
        closeness: float
        temperature: float
        _inv_temperature: float
        rng: np.random.Generator

        def _distribution_py(self, target: str, i: int, alphabet: np.ndarray) -> tuple: ...

        def _sample(self, p: np.ndarray, allowed: np.ndarray, prefer: int | None,
                    damp: tuple[int, float] | None = None, weights: np.ndarray | None = None
                    ) -> tuple[int, float, float]: ...

        def _credit(self, recipe, x: int, scale: float, extra_piece: float, size: int
                    ) -> tuple[float, float, list | None]: ...

        def _reachable_members(self, target: str, i: int, alphabet: np.ndarray) -> list[tuple[str, object, tuple]]:
            ...

        def _peek_uniform(self) -> float: ...

        def _next_uniform(self) -> float: ...

        def _ltm_estimate(self, name: str, store, hist: list[int], reach, log_size: float = 0.0
                          ) -> ViewpointEstimate: ...

    def _init_compiled(self, model: TrainedModel, enabled: bool) -> None:
        from app.core.model.generation import blendkernels

        self._stm_row, self._blend = blendkernels.stm_row, blendkernels.blend
        self._ltm_row = blendkernels.ltm_row
        self._sampling_draw = blendkernels.sampling_draw
        self._note_step = blendkernels.note_step
        ps = self.ps
        # the compiled blend covers the usual system (both models, 2-term sums); anything else stays in Python
        self._fast = enabled and ps.use_ltm and ps.use_stm
        self._order_cap = model.settings.order_cap
        self._stm_escape = ESCAPES[ps.stm_escape]

    def _step(self, target: str, i: int, alphabet: np.ndarray, allowed: np.ndarray, prefer: int | None,
              damp: tuple[int, float] | None, weights: np.ndarray | None
              ) -> tuple[int, float, tuple[float, float, list | None]]:
        """Event i's draw over `alphabet`: (position, its probability, its credit group) —
        `_distribution`, `_sample` and `_credit` in order. The usual system (one or two viewpoints in both
        models) takes one compiled call (blendkernels.note_step) after the memoised long-term estimates;
        anything else, or a row holding a zero, the separate Python steps (where `_distribution`'s compiled
        path would end too). Bitwise the same either way."""
        if self._fast:
            members = self._reachable_members(target, i, alphabet)
            if 0 < len(members) <= 2:
                done = self._step_compiled(members, alphabet, allowed, prefer, damp, weights)
                if done is not None:
                    return done
        p, recipe = self._distribution_py(target, i, alphabet)
        x, keep, scale = self._sample(p, allowed, prefer, damp, weights)
        return x, float(p[x]), self._credit(recipe, x, scale, keep, len(alphabet))

    def _step_compiled(self, members: list, alphabet: np.ndarray, allowed: np.ndarray, prefer: int | None,
                       damp: tuple[int, float] | None, weights: np.ndarray | None
                       ) -> tuple[int, float, tuple[float, float, list | None]] | None:
        ps = self.ps
        two = len(members) == 2
        log_size = math.log2(len(alphabet)) if len(alphabet) > 1 else 1.0
        ltm = [(name, self._ltm_member(name, store, reach, log_size, two)) for name, store, reach in members]
        (n0, v0), (n1, v1) = ltm[0], ltm[-1]
        (_, _, (values0, inverse0, share0, _)), (_, _, (values1, inverse1, share1, _)) = members[0], members[-1]
        status, x, keep, _, px, uniform, piece, f0, f1 = self._note_step(
            v0.target_p(), v1.target_p(), v0._rel_entropy if two else 0.0, v1._rel_entropy if two else 0.0,
            v0.est.z, v0.est.uniform, v1.est.z, v1.est.uniform,
            self._piece[n0], len(self.hist[n0]), values0, inverse0, share0,
            self._piece[n1], len(self.hist[n1]), values1, inverse1, share1,
            two, self._order_cap, self._stm_escape, ps.exclusion, log_size, ps.viewpoint_bias, ps.ltm_stm_bias,
            allowed, -1 if prefer is None else prefer, self.closeness,
            self._inv_temperature if self.temperature != 1.0 else 1.0, -1 if damp is None else damp[0],
            1.0 if damp is None else damp[1], _NO_WEIGHTS if weights is None else weights, self._peek_uniform())
        if status == 0:
            return None  # a zero in a row: the separate steps (the uniform was not used)
        if status < 0:
            raise DeadEnd("nothing allowed")
        self._next_uniform()
        queries = [(n0, v0, int(values0[inverse0[x]]), f0)]
        if two:
            queries.append((n1, v1, int(values1[inverse1[x]]), f1))
        return x, px, (uniform, piece + keep, queries)

    def _ltm_member(self, name: str, store, reach, log_size: float, two: bool) -> ViewpointEstimate:
        """A member's memoised long-term estimate, with its relative entropy when two viewpoints are blended."""
        ve = self._ltm_estimate(name, store, self.hist[name], reach, log_size)
        if two and ve._rel_entropy is None:  # memoised on long-term estimates
            ve._rel_entropy = rel_entropy(ve.target_p(), log_size)
        return ve

    def _distribution(self, target: str, i: int, alphabet: np.ndarray):
        """The arithmetic mixture over `alphabet` for event i, and the recipe of its parts (for credit): the
        compiled path (blendkernels: one call per short-term estimate, one for the blend) for the usual
        system of one or two viewpoints in both models; `_distribution_py` otherwise, or when a row holds a
        zero. Both give bitwise the same figures (tests/unit/test_model_blend.py)."""
        if not self._fast:
            return self._distribution_py(target, i, alphabet)
        members = self._reachable_members(target, i, alphabet)
        two = len(members) == 2
        if not members or len(members) > 2:
            return self._distribution_py(target, i, alphabet)
        ps = self.ps
        log_size = math.log2(len(alphabet)) if len(alphabet) > 1 else 1.0
        ltm: list[tuple[str, ViewpointEstimate]] = []
        stm: list[tuple[str, ViewpointEstimate]] = []
        rows: list = []
        for name, store, reach in members:
            hist = self.hist[name]
            ve = self._ltm_member(name, store, reach, log_size, two)
            lrow = ve.target_p()
            values, inverse, share, _ = reach
            srow, sh, q, z, coefs, uniform, counts = self._stm_row(
                self._piece[name], len(hist), self._order_cap, values, inverse, share, self._stm_escape,
                ps.exclusion, log_size)
            ltm.append((name, ve))
            stm.append((name, ViewpointEstimate(values, inverse, share, Estimate(q, z, coefs.tolist(), uniform), [],
                                                len(counts) - 1, counts=counts)))
            rows.append((lrow, ve._rel_entropy if two else 0.0, srow, sh))
        (l0, hl0, s0, hs0), (l1, hl1, s1, hs1) = rows[0], rows[-1]
        p, weights, ok = self._blend(l0, l1, hl0, hl1, s0, s1, hs0, hs1, two, log_size, ps.viewpoint_bias,
                                     ps.ltm_stm_bias)
        if not ok:
            return self._distribution_py(target, i, alphabet)
        w = weights.tolist()
        recipe = [("ltm", name, ve, w[j]) for j, (name, ve) in enumerate(ltm)]
        recipe += [("stm", name, ve, w[2 + j]) for j, (name, ve) in enumerate(stm)]
        return p, recipe

    def _sample_compiled(self, p: np.ndarray, allowed: np.ndarray, prefer: int | None,
                         damp: tuple[int, float] | None, weights: np.ndarray | None) -> tuple[int, float, float]:
        """`_sample` and its draw in one compiled call (blendkernels.sampling_draw), bitwise equal; the
        uniform is taken from the suggestion's stream only when the draw uses it (as `_draw` does)."""
        closeness = self.closeness
        inv_t = self._inv_temperature if self.temperature != 1.0 else 1.0
        x, keep, scale = self._sampling_draw(
            p, allowed, -1 if prefer is None else prefer, closeness, inv_t, -1 if damp is None else damp[0],
            1.0 if damp is None else damp[1], _NO_WEIGHTS if weights is None else weights, self._peek_uniform())
        if x < 0:
            raise DeadEnd("nothing allowed")
        self._next_uniform()
        return x, keep, scale
