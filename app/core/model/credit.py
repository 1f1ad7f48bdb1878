"""Suggestions and their credit.

Every generated note is drawn from an arithmetic mixture of PPM estimates, and every PPM estimate is linear in
counts that are plain sums of per-work counts. So a note's probability splits exactly into: per training work,
the piece itself (the prime and the notes generated so far: the short-term model and the "+" of the long-term
model), and the uniform (escape to order -1) part. Shares of a note sum to 1; a suggestion's credit is the mean
over its generated notes. Contributor credit spreads each work's share by its splits.

`credit_basis_points` turns credit into integers for provenance: work ids plus key 0 (`UNATTRIBUTED`, the
uniform and the piece's own share), summing exactly to 10000 by largest-remainder rounding.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from app.core.music import Melody

if TYPE_CHECKING:
    from app.core.model.ppm.predict import ViewpointEstimate
    from app.core.model.training import TrainedModel

UNATTRIBUTED = 0


class NoteCredit:
    """One note's shares: per work (kept as arrays, or as coefficients of per-context count vectors in large
    catalogues; `works` builds the dict on first use), uniform, piece."""

    __slots__ = ("_ids", "_shares", "_works", "_lazy", "uniform", "piece")

    def __init__(self, works: dict[int, float] | None, uniform: float, piece: float, *,
                 ids: np.ndarray | None = None, shares: np.ndarray | None = None,
                 lazy: tuple[Any, list[tuple[int, float]]] | None = None) -> None:
        self._works = works
        self._ids, self._shares = ids, shares
        self._lazy = lazy
        self.uniform = uniform
        self.piece = piece

    @property
    def works(self) -> dict[int, float]:
        if self._works is None and self._lazy is not None:
            bases, parts = self._lazy
            self._ids, self._shares = bases.wids, bases.combine(parts)
        if self._works is None:
            assert self._ids is not None and self._shares is not None
            nz = np.flatnonzero(self._shares)
            self._works = dict(zip(self._ids[nz].tolist(), self._shares[nz].tolist(), strict=False))
        return self._works

    def total(self) -> float:
        return math.fsum(self.works.values()) + self.uniform + self.piece

    def __repr__(self) -> str:
        return f"NoteCredit(works={self.works!r}, uniform={self.uniform!r}, piece={self.piece!r})"


class WorkShares(Mapping[int, float]):
    """A suggestion's per-work credit (work id -> share), kept as the arrays it was summed in (ids ascending,
    shares non-zero). A read-only mapping that builds its dict on the first look-up by key: at a label's size
    every suggestion credits tens of thousands of works, and a dict per suggestion cost a request about
    10 ms at 1 M notes while most callers only iterate, sum or spread the shares (contributor credit reads
    the arrays). Iteration and items() keep the ascending order the dict had. `of` keeps where the ids sit
    in the catalogue's sorted id array, so contributor credit needs no search for them."""

    __slots__ = ("ids", "shares", "universe", "positions", "_dict")

    def __init__(self, ids: np.ndarray, shares: np.ndarray) -> None:
        self.ids, self.shares = ids, shares
        self.universe: np.ndarray | None = None  # sorted work ids the shares were summed over
        self.positions: np.ndarray | None = None  # universe[positions] == ids
        self._dict: dict[int, float] | None = None

    @classmethod
    def of(cls, universe: np.ndarray, shares_by_position: np.ndarray) -> WorkShares:
        """The non-zero shares of a row over `universe` (sorted work ids)."""
        nz = np.flatnonzero(shares_by_position)
        out = cls(universe[nz], shares_by_position[nz])
        out.universe, out.positions = universe, nz
        return out

    def _as_dict(self) -> dict[int, float]:
        if self._dict is None:
            self._dict = dict(zip(self.ids.tolist(), self.shares.tolist(), strict=True))
        return self._dict

    def __getitem__(self, work_id: int) -> float:
        return self._as_dict()[work_id]

    def __contains__(self, work_id: object) -> bool:
        return work_id in self._as_dict()

    def __iter__(self) -> Iterator[int]:
        return iter(self.ids.tolist())

    def __len__(self) -> int:
        return len(self.ids)

    def items(self):  # type: ignore[override]  # pairs in ascending work order, without the dict
        return zip(self.ids.tolist(), self.shares.tolist(), strict=True)

    def values(self):  # type: ignore[override]
        return self.shares.tolist()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, WorkShares):
            return bool(np.array_equal(self.ids, other.ids) and np.array_equal(self.shares, other.shares))
        return self._as_dict() == other if isinstance(other, Mapping) else NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable arrays inside: not hashable, like the dict it replaces

    def __repr__(self) -> str:
        return f"WorkShares({self._as_dict()!r})"


@dataclass(frozen=True)
class Suggestion:
    id: str
    mode: str
    notes: Melody
    seed: int
    settings: dict[str, Any]
    credit: Mapping[int, float]  # WorkShares from the generator
    per_note_credit: list[NoteCredit]
    uniform_share: float
    piece_share: float
    longest_copied_run: dict[str, int | None]
    contributors: dict[str, float]
    model_id: str
    model_fingerprint: str
    log2_probability: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "mode": self.mode, "notes": self.notes.to_json(), "seed": self.seed,
            "settings": self.settings,
            "credit": {str(k): v for k, v in sorted(self.credit.items())},
            "per_note_credit": [{"works": {str(k): v for k, v in sorted(c.works.items())}, "uniform": c.uniform,
                                 "piece": c.piece} for c in self.per_note_credit],
            "uniform_share": self.uniform_share, "piece_share": self.piece_share,
            "longest_copied_run": dict(self.longest_copied_run), "contributors": dict(self.contributors),
            "model_id": self.model_id, "model_fingerprint": self.model_fingerprint,
            "log2_probability": self.log2_probability, **({"extra": self.extra} if self.extra else {}),
        }


def mean_credit(notes: list[NoteCredit]) -> tuple[dict[int, float], float, float]:
    """(per-work share, uniform share, piece share) averaged over notes."""
    if not notes:
        return {}, 0.0, 0.0
    works: dict[int, float] = {}
    for c in notes:
        for w, s in c.works.items():
            works[w] = works.get(w, 0.0) + s
    n = len(notes)
    return ({w: s / n for w, s in works.items() if s > 0}, math.fsum(c.uniform for c in notes) / n,
            math.fsum(c.piece for c in notes) / n)


def contributor_credit(credit: dict[int, float], splits: dict[int, list[tuple[str, int]]]) -> dict[str, float]:
    """name -> share: each work's share spread by its contributors' splits (basis points)."""
    out: dict[str, float] = {}
    for wid, share in credit.items():
        for name, bp in splits.get(wid, []):
            out[name] = out.get(name, 0.0) + share * bp / 10000.0
    return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))


def contributor_credit_fast(credit: Mapping[int, float], table: tuple[np.ndarray, np.ndarray, np.ndarray,
                                                                      np.ndarray, list[str]]) -> dict[str, float]:
    """`contributor_credit` with the splits as arrays (work ids sorted; per work a span of (name id, bp)):
    the same additions in the same order, in one compiled pass (genkernels.contributor_sums).
    A WorkShares credit is read from its arrays (at a label's size a suggestion credits tens of thousands of
    works)."""
    wids, first, count, names_bp, names = table
    if not credit:
        return {}
    if isinstance(credit, WorkShares) and credit.universe is wids:  # positions known: no search
        k, shares = credit.positions, credit.shares
    else:
        if isinstance(credit, WorkShares):
            ids, shares = credit.ids, credit.shares
        else:
            ids = np.fromiter(credit.keys(), dtype=np.int64, count=len(credit))
            shares = np.fromiter(credit.values(), dtype=np.float64, count=len(credit))
        k = np.searchsorted(wids, ids)
        k = np.minimum(k, max(0, len(wids) - 1))
        known = (len(wids) > 0) & (wids[k] == ids)
        k, shares = k[known], shares[known]
    from app.core.model.generation.genkernels import contributor_sums

    # one compiled pass (a label's suggestion credits 20,000 works: ~0.05 against ~0.33 ms in array steps)
    # contiguous, as the warm-up compiled it (a strided view would compile another version mid-request)
    sums, used = contributor_sums(np.ascontiguousarray(k, dtype=np.int64), np.ascontiguousarray(shares, dtype=np.float64),
                                  first, count, names_bp, len(names))
    out = {names[i]: float(sums[i]) for i in np.flatnonzero(used).tolist()}
    return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))


def credit_basis_points(suggestion: Suggestion) -> dict[int, int]:
    """Work id -> basis points, plus UNATTRIBUTED (0) for the uniform and piece shares; sums to 10000."""
    parts = {w: s for w, s in suggestion.credit.items() if s > 0}
    parts[UNATTRIBUTED] = parts.get(UNATTRIBUTED, 0.0) + suggestion.uniform_share + suggestion.piece_share
    total = math.fsum(parts.values())
    if total <= 0:
        return {UNATTRIBUTED: 10000}
    exact = {k: v * 10000 / total for k, v in parts.items()}
    floors = {k: int(math.floor(v)) for k, v in exact.items()}
    left = 10000 - sum(floors.values())
    for k in sorted(exact, key=lambda k: (-(exact[k] - floors[k]), k))[:left]:
        floors[k] += 1
    return {k: v for k, v in sorted(floors.items()) if v > 0 or k == UNATTRIBUTED}


def resolve_queries(model: TrainedModel, wids: np.ndarray,
                    queries: list[list[tuple[str, ViewpointEstimate, int, float]] | None]) -> np.ndarray:
    """(groups x works) matrix: row g = sum over the queries of group g of weight * sum_n a_n * (per-work
    counts of the code in the estimate's order-n context) — per viewpoint, the per-work counts of every
    (context, code) come from the context index (memoised) and are summed in one bincount, in query order."""
    width = len(wids)
    per_name: dict[str, tuple[list[int], list[int], list[float], list[int]]] = {}
    for g, qs in enumerate(queries):
        if not qs:
            continue
        for name, ve, code, f in qs:
            lists = per_name.get(name)
            if lists is None:
                lists = per_name[name] = ([], [], [], [])
            nodes, coefs = ve.credit_chain()
            lists[0].extend(nodes)
            lists[1].extend([code] * len(nodes))
            lists[2].extend([f * a for a in coefs])
            lists[3].extend([g * width] * len(nodes))
    out = np.zeros(len(queries) * width)
    for name, (nodes, codes, weights, cells) in per_name.items():
        index = model.stores[name].trie
        found = index.work_counts_many(nodes, codes)
        sizes = np.array([len(x[0]) for x in found], dtype=np.int64)
        total = int(sizes.sum())
        if total:
            idx = np.concatenate([x[0] for x in found])
            counts = np.concatenate([x[1] for x in found]).astype(np.float64)
            cols = index.columns(wids)[idx]
            out += np.bincount(np.repeat(np.array(cells, dtype=np.int64), sizes) + cols,
                               np.repeat(np.array(weights), sizes) * counts, minlength=len(out))
    return out.reshape(len(queries), width)


# -- large catalogues: credit as coefficients of per-context count vectors ----------------------------------
# Works up to which a request's credit is the dense (decompositions x works) sums, bitwise the reference
# implementation's; beyond, per context (credit_large.py: the same within 1e-12). The dense matrices grow with
# the catalogue: 8 x 8-bar requests took (median, dense -> per context) 26.8 -> 25.3 ms at 102 works, 41.8 ->
# 30.2 ms at 502 and 63.2 -> 31.0 ms at 2,002, and the same at 29 (22-24 ms either way). A songwriter's
# catalogue of a few hundred songs takes the faster path; the benchmark and reference sets (<= 40 works)
# keep the bitwise one.
DENSE_CREDIT_LIMIT = 64


def resolve_by_context(model: TrainedModel, wids: np.ndarray, pendings: list
                       ) -> list[tuple[list[NoteCredit], dict[int, float], tuple[np.ndarray, np.ndarray]]]:
    """`_Job._resolve` for large catalogues (credit_large.py)."""
    from app.core.model.index.credit_large import resolve_by_context as resolve

    return resolve(model, wids, pendings)
