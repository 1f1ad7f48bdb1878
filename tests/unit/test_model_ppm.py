"""PPM* core: counts, state selection, IDyOM's interpolated estimate with exclusion, exact subtraction."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.model.ppm.estimate import estimate, merged_chain, select_orders
from app.core.model.ppm.predict import viewpoint_estimate
from app.core.model.ppm.trie import ContextTrie

A, B, C, D = 0, 1, 2, 3
INDEX = {A: 0, B: 1, C: 2, D: 3}


def _predict(trie: ContextTrie, hist, *, exclusion=True, escape="c"):
    chain, _ = merged_chain([trie], hist)
    return estimate(chain, select_orders(chain), INDEX, 4, escape=escape, exclusion=exclusion)


def test_counts_of_every_order():
    t = ContextTrie(cap=3)
    t.add_sequence([A, B, A, C])
    assert t.counts[0] == {A: 2, B: 1, C: 1}
    node_a = t.child_of(0, A)
    assert t.counts[node_a] == {B: 1, C: 1}
    node_ba = t.child_of(node_a, B)  # context "b a" (most recent first: a, then b)
    assert t.counts[node_ba] == {C: 1}


def test_exclusion_hand_computed():
    """Train a b a c; after 'a': order 1 {b:1, c:1}, order 0 {a:2, b:1, c:1} with b, c excluded."""
    t = ContextTrie()
    t.add_sequence([A, B, A, C])
    est = _predict(t, [A])
    # order 1: weight 2/(2+2); order 0: state 2 (a only), weight 2/(2+3); order -1: 0.3 / (4 + 1 - 3)
    q = np.array([0.5 * 0.4 * 2 / 2 + 0.15, 0.25 + 0.1 + 0.15, 0.25 + 0.1 + 0.15, 0.15])
    np.testing.assert_allclose(est.q, q, rtol=1e-12)
    np.testing.assert_allclose(est.p, q / q.sum(), rtol=1e-12)
    assert est.coefs == pytest.approx([0.1, 0.25])
    assert est.uniform == pytest.approx(0.15)


def test_without_exclusion_differs_as_computed():
    t = ContextTrie()
    t.add_sequence([A, B, A, C])
    est = _predict(t, [A], exclusion=False)
    a0 = 0.5 * (4 / 7) / 4
    uniform = 0.5 * (3 / 7) / 4
    q = np.array([2 * a0, 0.25 + a0, 0.25 + a0, 0]) + uniform
    np.testing.assert_allclose(est.q, q, rtol=1e-12)


@pytest.mark.parametrize("hist", [[], [A], [B], [A, B], [C, A, B, A], [D, D]])
def test_probabilities_sum_to_one(hist):
    t = ContextTrie()
    for seq in ([A, B, A, C, A, B, A, D], [B, B, C, A, B, A], [D, C, B, A]):
        t.add_sequence(seq)
    for escape in ("c", "x", "a"):
        p = _predict(t, hist, escape=escape).p
        assert p.sum() == pytest.approx(1.0, abs=1e-12)
        assert (p > 0).all()


def test_shortest_deterministic_context_is_selected():
    t = ContextTrie()
    t.add_sequence([A, B, C, D, A, B, C, A])
    chain, _ = merged_chain([t], [A, B])  # "a b" -> always c: deterministic; "b" -> c too; "" -> not
    assert select_orders(chain) == 1
    chain, _ = merged_chain([t], [B, C])  # "c" -> d, a: not deterministic; "b c" -> d, a as well
    assert select_orders(chain) == 2


def test_subtracting_a_sequence_leaves_no_trace():
    a, b = ContextTrie(), ContextTrie()
    a.add_sequence([A, B, C, A, B])
    entries = a.add_sequence([D, D, A, C, C])
    a.subtract_entries(entries)
    b.add_sequence([A, B, C, A, B])
    assert sorted(a.canonical_items()) == sorted(b.canonical_items())
    assert len(a.child) == len(b.child)  # the forgotten contexts are pruned
    for hist in ([A], [D, D], [C, A], []):
        np.testing.assert_array_equal(_predict(a, hist).p, _predict(b, hist).p)
    with pytest.raises(ValueError):
        a.subtract_entries(entries)


def test_derived_values_share_their_probability():
    t = ContextTrie()
    t.add_sequence([0, 1, 0, 1])
    cand = np.array([0, 1, 0, 1, 2])  # five targets, three values: each value's mass split among its targets
    ve = viewpoint_estimate([t], [1], cand, escape="c", exclusion=True)
    p = ve.target_p()
    assert p.sum() == pytest.approx(1.0)
    assert p[0] == pytest.approx(p[2]) and p[1] == pytest.approx(p[3])
    assert p[0] + p[2] == pytest.approx((ve.est.q / ve.est.z)[0])


def test_lazy_tails_predict_exactly_like_a_full_trie():
    """Unbuilt unique contexts change nothing: same selected state and estimates, alone and merged (LTM+)."""
    rng = np.random.default_rng(7)
    seqs = [rng.integers(0, 4, size=int(rng.integers(5, 40))).tolist() for _ in range(12)]
    seqs += [seqs[0][:20], seqs[1] + seqs[1]]  # repeated material: tails must split and merge correctly
    full, lazy = ContextTrie(cap=10), ContextTrie(cap=10, lazy=True)
    for k, s in enumerate(seqs):
        full.add_sequence(s)
        lazy.add_sequence(s, k)
    assert len(lazy.counts) < len(full.counts)
    piece = ContextTrie(cap=10)
    probe = seqs[1][:15]
    for i in range(len(probe)):
        piece.add_event(probe, i)
    for hist in [s[:j] for s in seqs[:6] + [probe] for j in range(0, len(s), 3)]:
        for tries in ([full], [full, piece]):
            twin = [lazy] + tries[1:]
            a_chain, _ = merged_chain(tries, hist)
            b_chain, _ = merged_chain(twin, hist)
            a, b = select_orders(a_chain), select_orders(b_chain)
            assert a == b
            ea = estimate(a_chain, a, INDEX, 4)
            eb = estimate(b_chain, b, INDEX, 4)
            assert np.array_equal(ea.q, eb.q) and ea.coefs == eb.coefs

