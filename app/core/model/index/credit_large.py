"""Credit of large catalogues (more works than a notes x works matrix should hold): each decomposition's
per-work part stays a set of coefficients of per-context count vectors (shared by every note that used the
context) until a suggestion's credit sums them, in compiled passes over the index's credit arena
(ContextIndex.work_spans). The same quantities as the dense resolution (credit.resolve_queries), summed in
another order: equal within float rounding (tested to 1e-12)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from app.core.model.credit import NoteCredit, WorkShares

if TYPE_CHECKING:
    from app.core.model.training import TrainedModel


T = TypeVar("T")
# below these sizes a second thread costs more than it saves (handing over, and the Python parts of the jobs
# taking turns on the GIL): 1,282 works were ~1 ms slower a request with it, 20,013 works 5-10 ms faster
THREADED_SCAN_POSITIONS = 250_000  # notes in a viewpoint's index: its new contexts' range scans are long
THREADED_SUM_ENTRIES = 250_000  # span entries a request sums (2.0-2.6 M at 1 M notes)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may run on (a container's share)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _two_at_once(jobs: list[Callable[[], T]]) -> list[T]:
    """Run the jobs two at a time when there are two cores (one viewpoint's range scans each, or half of the
    span sums): their heavy parts are compiled kernels that release the GIL, and each viewpoint has its own
    index and arena lock. The caller's thread runs every other job; a short-lived thread (~0.1 ms to start,
    against the 5-15 ms it takes over; no pool kept between requests) runs the rest. Results come back in job
    order, so what is summed from them does not depend on timing; a job's error is raised here."""
    if len(jobs) < 2 or _cores() < 2:
        return [job() for job in jobs]
    theirs: list[T] = []
    failed: list[BaseException] = []

    def run_theirs() -> None:
        try:
            theirs.extend(job() for job in jobs[1::2])
        except BaseException as exc:  # noqa: BLE001 — handed to the caller's thread
            failed.append(exc)

    helper = threading.Thread(target=run_theirs, name="accord-credit", daemon=True)
    helper.start()
    try:
        own = [job() for job in jobs[0::2]]
    finally:
        helper.join()
    if failed:
        raise failed[0]
    return [own[k // 2] if k % 2 == 0 else theirs[k // 2] for k in range(len(jobs))]


class SpanBases:
    """The (viewpoint, context, code) count vectors of one request: per base, its viewpoint and arena span."""

    def __init__(self, model: TrainedModel, wids: np.ndarray, keys: dict[tuple[str, int, int], int]) -> None:
        self.wids = wids
        n = len(keys)
        self.vp = np.zeros(n, dtype=np.int64)
        self.start = np.zeros(n, dtype=np.int64)
        self.end = np.zeros(n, dtype=np.int64)
        self.total = np.zeros(n, dtype=np.int64)
        self.views: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # per viewpoint: arena + columns
        by_name: dict[str, list[tuple[int, int, int]]] = {}
        for (name, node, code), b in keys.items():
            by_name.setdefault(name, []).append((b, node, code))

        # one viewpoint's range scans per thread: each viewpoint has its own index and arena lock
        def spans(name: str, items: list[tuple[int, int, int]]) -> tuple:
            index = model.stores[name].trie
            return index.work_spans([h for _, h, _ in items], [c for _, _, c in items]), index.columns(wids)

        jobs = [lambda n=name, i=items: spans(n, i) for name, items in by_name.items()]
        large = any(len(model.stores[name].trie.SA) >= THREADED_SCAN_POSITIONS for name in by_name)
        got = _two_at_once(jobs) if large else [job() for job in jobs]
        for v, (items, ((s, e, t, arena_w, arena_c), columns)) in enumerate(zip(by_name.values(), got, strict=True)):
            ids = np.array([b for b, _, _ in items], dtype=np.int64)
            self.vp[ids], self.start[ids], self.end[ids], self.total[ids] = v, s, e, t
            self.views.append((arena_w, arena_c, columns))

    def combine(self, bases: np.ndarray, coefs: np.ndarray) -> np.ndarray:
        """sum of coefficient x count vector over the works (dense, one row)."""
        from app.core.model.generation.genkernels import add_spans

        out = np.zeros(len(self.wids))
        vps = self.vp[bases]
        for v, (arena_w, arena_c, columns) in enumerate(self.views):
            pick = vps == v
            if pick.any():
                b = bases[pick]
                add_spans(out, arena_w, arena_c, columns, self.start[b], self.end[b], coefs[pick])
        return out

    def combine_rows(self, coefs: np.ndarray) -> np.ndarray:
        """`combine` of every row of `coefs` (rows x bases; zero = base unused), as a (rows x works) matrix:
        each arena span read once for all rows (genkernels.add_spans_rows). Beyond THREADED_SUM_ENTRIES summed
        in two halves (two threads) and then added, so a row equals `combine` of its non-zero bases within
        float rounding."""
        from app.core.model.generation.genkernels import add_spans_rows

        used = np.flatnonzero(coefs.any(axis=0))
        per_view = [(v, b) for v in range(len(self.views)) if len(b := used[self.vp[used] == v])]

        def summed(parts: list[tuple[int, np.ndarray]]) -> np.ndarray:
            out = np.zeros((len(self.wids), len(coefs)))  # by work: one work's rows side by side
            for v, b in parts:
                if len(b):
                    arena_w, arena_c, columns = self.views[v]
                    add_spans_rows(out, arena_w, arena_c, columns, self.start[b], self.end[b],
                                   np.ascontiguousarray(coefs[:, b].T))
            return out

        if int((self.end[used] - self.start[used]).sum()) < THREADED_SUM_ENTRIES:
            return summed(per_view).T
        # two halves of the entries, each summed on its own thread into its own matrix, then added: every
        # viewpoint's bases are cut where its running entry count passes half (the same cut, and so the same
        # figures, whichever thread finishes first)
        halves: list[list[tuple[int, np.ndarray]]] = [[], []]
        for v, b in per_view:
            sizes = np.cumsum(self.end[b] - self.start[b])
            cut = int(np.searchsorted(sizes, sizes[-1] / 2.0))
            halves[0].append((v, b[:cut]))
            halves[1].append((v, b[cut:]))
        first, second = _two_at_once([lambda: summed(halves[0]), lambda: summed(halves[1])])
        return np.add(first, second, out=first).T


class _LazyParts:
    """A note's (bases, coefficients), combined into its per-work shares on first use."""

    __slots__ = ("bases", "ids", "coefs")

    def __init__(self, bases: SpanBases, ids: np.ndarray, coefs: np.ndarray) -> None:
        self.bases, self.ids, self.coefs = bases, ids, coefs

    @property
    def wids(self) -> np.ndarray:
        return self.bases.wids

    def combine(self, _parts: object) -> np.ndarray:
        return self.bases.combine(self.ids, self.coefs)


def gather_terms(pendings: list) -> tuple[dict[tuple[str, int, int], int], np.ndarray, np.ndarray, np.ndarray,
                                         list[float], list[float], list[float], list[int], int]:
    """The terms of every decomposition of every note: (keys {(viewpoint, context, code): base, numbered in
    order of first use}, per term its decomposition, base and weight f * a, per decomposition its uniform
    part, piece part, share and note, the note count). One Python step per query (its memoised credit
    chain is appended whole); the weights and the numbering of the bases are array operations — the same
    figures, in the same order, as a loop over the terms (tests/unit/test_model_credit_terms.py)."""
    d_u: list[float] = []
    d_pc: list[float] = []
    d_share: list[float] = []
    d_note: list[int] = []
    q_dec: list[int] = []
    q_f: list[float] = []
    q_code: list[int] = []
    q_name: list[int] = []
    q_len: list[int] = []
    t_node: list[int] = []
    t_a: list[float] = []
    names: dict[str, int] = {}
    note_count = 0
    for p in pendings:
        for note in p:
            share = 1.0 / len(note)
            for u, pc, queries in note:
                d = len(d_u)
                d_u.append(u)
                d_pc.append(pc)
                d_share.append(share)
                d_note.append(note_count)
                for name, ve, code, f in queries or ():
                    nodes, coefs = ve.credit_chain()
                    if nodes:
                        t_node += nodes
                        t_a += coefs
                        q_len.append(len(nodes))
                        q_dec.append(d)
                        q_f.append(f)
                        q_code.append(code)
                        q_name.append(names.setdefault(name, len(names)))
            note_count += 1
    reps = np.array(q_len, dtype=np.int64)
    dec = np.repeat(np.array(q_dec, dtype=np.int64), reps)
    w = np.repeat(np.array(q_f, dtype=np.float64), reps) * np.array(t_a, dtype=np.float64)  # f * a, each
    name_of = np.repeat(np.array(q_name, dtype=np.int64), reps)
    code_of = np.repeat(np.array(q_code, dtype=np.int64), reps)
    node_of = np.array(t_node, dtype=np.uint64)  # handles: lo << 36 | hi << 8 | order, below 2**64
    keys: dict[tuple[str, int, int], int] = {}
    key_of = np.zeros(len(dec), dtype=np.int64)
    if len(dec):
        order = np.lexsort((code_of, node_of, name_of))  # stable: a group's first element is its first use
        new = np.ones(len(order), dtype=bool)
        new[1:] = ((name_of[order[1:]] != name_of[order[:-1]]) | (node_of[order[1:]] != node_of[order[:-1]])
                   | (code_of[order[1:]] != code_of[order[:-1]]))
        group = np.cumsum(new) - 1
        first = order[new]  # per group, its first term
        rank = np.empty(len(first), dtype=np.int64)
        by_use = np.argsort(first, kind="stable")
        rank[by_use] = np.arange(len(first))
        key_of[order] = rank[group]
        label = list(names)
        for name, node, code in zip(name_of[first[by_use]].tolist(), node_of[first[by_use]].tolist(),
                                    code_of[first[by_use]].tolist(), strict=True):
            keys[(label[name], node, code)] = len(keys)
    return keys, dec, key_of, w, d_u, d_pc, d_share, d_note, note_count


def resolve_by_context(model: TrainedModel, wids: np.ndarray, pendings: list
                       ) -> list[tuple[list[NoteCredit], WorkShares]]:
    """`_Job._resolve` for large catalogues. Terms (decomposition, base, weight) are gathered in one pass;
    the normalisation of each decomposition and the per-suggestion sums are array operations."""
    keys, dec, key_of, w, d_u, d_pc, d_share, d_note, note_count = gather_terms(pendings)
    bases = SpanBases(model, wids, keys)
    live = bases.total[key_of] > 0 if len(key_of) else np.zeros(0, dtype=bool)
    dec, key_of, w = dec[live], key_of[live], w[live]
    n_dec = len(d_u)
    us, pcs = np.array(d_u, dtype=np.float64), np.array(d_pc, dtype=np.float64)
    works_total = np.bincount(dec, w * bases.total[key_of], minlength=n_dec)  # in term order, as a running sum
    total = us + pcs + works_total
    scale = np.array(d_share, dtype=np.float64) / np.where(total > 0, total, 1.0)
    notes = np.array(d_note, dtype=np.int64)
    note_u = np.bincount(notes, us * scale, minlength=note_count)
    note_p = np.bincount(notes, pcs * scale, minlength=note_count)
    c = w * scale[dec]
    term_note = notes[dec]
    order = np.argsort(term_note, kind="stable")  # terms are already grouped by note; stable keeps their order
    bounds = np.searchsorted(term_note[order], np.arange(note_count + 1))
    out = []
    first = 0
    n_keys = max(1, len(keys))
    accs = np.zeros((len(pendings), n_keys))
    for row, p in enumerate(pendings):
        n = max(1, len(p))
        lo, hi = int(bounds[first]), int(bounds[first + len(p)])
        per_note = []
        for i in range(first, first + len(p)):
            a, b = int(bounds[i]), int(bounds[i + 1])
            lazy = _LazyParts(bases, key_of[order[a:b]], c[order[a:b]])
            per_note.append(NoteCredit(None, float(note_u[i]), float(note_p[i]), lazy=(lazy, [])))
        sel = order[lo:hi]
        accs[row] = np.bincount(key_of[sel], c[sel] / n, minlength=n_keys)
        out.append(per_note)
        first += len(p)
    # the suggestions' mean per-work credit: one pass over the shared spans for all of them
    means = bases.combine_rows(accs)
    resolved = []
    for per_note, mean in zip(out, means, strict=True):
        resolved.append((per_note, WorkShares.of(wids, mean)))
    return resolved
