"""Credit of large catalogues: `credit_large.gather_terms` (the terms of every note's decompositions, built
with array operations) against the plain loop over the terms it replaced — the same keys in the same order,
the same weights bit for bit — and the same credits end to end."""

from __future__ import annotations

import numpy as np
import pytest

import app.core.model.generation.job as gen
import app.core.model.index.credit_large as large
from app.core.model import Constraints, as_usable_works, continue_phrase, idyom_benchmark_set, train


def _loop_terms(pendings):
    """The loop over the terms as resolve_by_context gathered them before gather_terms (the reference)."""
    keys: dict = {}
    t_dec, t_key, t_w = [], [], []
    d_u, d_pc, d_share, d_note = [], [], [], []
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
                    for node, a in zip(nodes, coefs, strict=True):
                        key = (name, node, code)
                        b = keys.get(key)
                        if b is None:
                            b = keys[key] = len(keys)
                        t_dec.append(d)
                        t_key.append(b)
                        t_w.append(f * a)
            note_count += 1
    return (keys, np.array(t_dec, dtype=np.int64), np.array(t_key, dtype=np.int64), np.array(t_w, dtype=np.float64),
            d_u, d_pc, d_share, d_note, note_count)


@pytest.fixture(scope="module")
def model():
    return train(as_usable_works(idyom_benchmark_set()[:40]))


@pytest.mark.parametrize("seed", [1, 5])
def test_gather_terms_equals_the_loop(model, monkeypatch, seed):
    seen: list = []
    real = large.gather_terms
    monkeypatch.setattr(gen, "DENSE_CREDIT_LIMIT", 0)
    monkeypatch.setattr(large, "gather_terms", lambda pendings: (seen.append(pendings), real(pendings))[1])
    src = idyom_benchmark_set()[6][1]
    c = Constraints(key=src.key, bars=4, start=8.0, max_copy=8)
    continue_phrase(model, src.between(0, 8), c, n=4, seed=seed)
    assert seen and sum(len(p) for p in seen[0]) > 20
    got, want = real(seen[0]), _loop_terms(seen[0])
    assert list(got[0].items()) == list(want[0].items()) and len(got[0]) > 10
    for a, b in zip(got[1:4], want[1:4], strict=True):
        assert a.dtype == b.dtype and a.tolist() == b.tolist()
    assert got[4:] == want[4:]


def test_credits_equal_with_the_loop(model, monkeypatch):
    monkeypatch.setattr(gen, "DENSE_CREDIT_LIMIT", 0)
    src = idyom_benchmark_set()[9][1]
    c = Constraints(key=src.key, bars=4, start=8.0, max_copy=8)
    new = continue_phrase(model, src.between(0, 8), c, n=4, seed=2)
    monkeypatch.setattr(large, "gather_terms", _loop_terms)
    old = continue_phrase(model, src.between(0, 8), c, n=4, seed=2)
    for a, b in zip(new, old, strict=True):
        assert a.notes == b.notes and a.credit == b.credit and a.log2_probability == b.log2_probability
        assert [x.works for x in a.per_note_credit] == [y.works for y in b.per_note_credit]
        assert a.uniform_share == b.uniform_share and a.piece_share == b.piece_share


def test_two_at_once_jobs_keep_their_order_and_use_a_second_thread(monkeypatch):
    """Credit's range scans and span sums run two jobs at a time (two cores): results come back in job order
    whoever finishes first, a job's error reaches the caller, no thread is left behind, and with one core
    everything runs on the caller's thread."""
    import threading
    import time

    from app.core.model.index import credit_large

    def job(k: int, delay: float):
        def run():
            time.sleep(delay)
            return k, threading.current_thread().name
        return run

    monkeypatch.setattr(credit_large, "_cores", lambda: 2)
    got = credit_large._two_at_once([job(0, 0.0), job(1, 0.05), job(2, 0.0), job(3, 0.0)])
    assert [k for k, _ in got] == [0, 1, 2, 3]
    here = threading.current_thread().name
    assert got[0][1] == got[2][1] == here and got[1][1] != here and got[1][1].startswith("accord-credit")

    def broken():
        raise ValueError("a job failed")

    with pytest.raises(ValueError, match="a job failed"):  # raised on the helper thread, met here
        credit_large._two_at_once([job(0, 0.0), broken])
    assert not [t for t in threading.enumerate() if t.name.startswith("accord-credit")]
    monkeypatch.setattr(credit_large, "_cores", lambda: 1)
    assert {name for _, name in credit_large._two_at_once([job(0, 0.0), job(1, 0.0)])} == {here}
