"""Generation's fast paths equal the reference code: the state walk stops exactly at PPM*'s selected state,
and `estimate_tables` is bitwise `estimate` (so speed-ups cannot drift from the benchmarked model)."""

from __future__ import annotations

import numpy as np

from app.core.model.ppm.estimate import estimate, merged_chain, select_orders
from app.core.model.ppm.predict import estimate_tables
from app.core.model.ppm.trie import ContextTrie


def _nested_tables(rng: np.random.Generator, size: int, orders: int) -> list[dict[int, int]]:
    """Count tables of a suffix chain: a longer context's symbols are a subset of its suffix's; some symbols
    lie outside the alphabet."""
    tables, support = [], rng.random(size) < 0.8
    for n in range(orders):
        counts = np.where(support, rng.integers(1, 6, size), 0)
        table = {int(j): int(c) for j, c in enumerate(counts) if c}
        if rng.random() < 0.3:
            table[1000 + n] = 2
        tables.append(table)
        support &= rng.random(size) < 0.6
    return tables


def test_estimate_tables_is_bitwise_estimate():
    rng = np.random.default_rng(4)
    for _ in range(400):
        size, orders = int(rng.integers(1, 12)), int(rng.integers(1, 6))
        tables = _nested_tables(rng, size, orders)
        index = {j: j for j in range(size)}
        for escape in ("c", "a", "x"):
            for exclusion in (True, False):
                fast = estimate_tables(tables, index, size, escape=escape, exclusion=exclusion)
                ref = estimate([(t,) for t in tables], orders - 1, index, size, escape=escape, exclusion=exclusion)
                assert fast.q.tobytes() == ref.q.tobytes()
                assert fast.coefs == ref.coefs and fast.z == ref.z and fast.uniform == ref.uniform


def test_state_walk_stops_at_the_selected_state():
    rng = np.random.default_rng(9)
    for lazy in (False, True):
        trie = ContextTrie(24, lazy=lazy)
        for k in range(6):
            trie.add_sequence(rng.integers(0, 4, 60).tolist(), k)
        for _ in range(300):
            hist = rng.integers(0, 4, int(rng.integers(0, 30))).tolist()
            chain, walks = merged_chain([trie], hist)
            selected = select_orders(chain)
            assert trie.state_walk(hist) == walks[0][:selected + 1]
            # resumable: a walk stopped at an order continues to the same state
            first = trie.state_walk(hist, upto=3)
            if len(first) == 4 and len(trie.counts[first[-1]]) != 1:
                assert trie.state_walk(hist, prefix=first) == walks[0][:selected + 1]


def test_batched_credit_equals_per_context_lookups():
    """resolve_queries (one batched index look-up per viewpoint) = the sum over each estimate's contributing
    contexts of coefficient x that context's per-work counts, looked up one by one."""
    from app.core.model import as_usable_works, idyom_benchmark_set, train
    from app.core.model.credit import resolve_queries
    from app.core.model.ppm.predict import reachable, state_estimate
    from app.core.model.ppm.viewpoints import Events

    works = as_usable_works(idyom_benchmark_set()[:12])
    model = train(works)
    wids = np.array(sorted(model.works), dtype=np.int64)
    name = "cpint*posinbar"
    store = model.stores[name]
    alphabet = model.alphabet("pitch")
    queries, expected = [], []
    for w in works[:4]:
        ev = Events.from_melody(w.melody)
        codes, ok = store.viewpoint.sequence(ev)
        for i in (3, 7, 11):
            hist = codes[:i][ok[:i]].tolist()
            reach = reachable(store.viewpoint.candidates(ev, i, alphabet))
            ve = state_estimate(store.trie, store.trie.state_walk(hist), reach, escape="c", exclusion=True)
            code = int(codes[i])
            f = 0.5 + i / 10
            queries.append([(name, ve, code, f)])
            row = np.zeros(len(wids))
            for n, a in enumerate(ve.est.coefs):
                if a:
                    for wid, c in store.work_counts_at(ve.chain_nodes[0][n], code).items():
                        row[np.searchsorted(wids, wid)] += f * a * c
            expected.append(row)
    queries.append(None)  # a group without long-term parts (a kept note)
    expected.append(np.zeros(len(wids)))
    got = resolve_queries(model, wids, queries)
    assert np.allclose(got, np.array(expected), rtol=1e-12, atol=1e-15)
    assert got[:-1].sum(axis=1).min() > 0
