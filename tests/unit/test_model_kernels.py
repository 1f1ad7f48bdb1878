"""The compiled kernels of generation (genkernels.py) against the Python code they replace: the same states,
counts and bitwise-equal estimates on random sequences (including repetitive ones, where contexts are long)."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.model.generation.estimatekernels import mixture, piece_counts
from app.core.model.generation.genkernels import (
    add_spans,
    add_spans_rows,
    index_walk,
    symbol_runs,
    walk_memo,
)
from app.core.model.index.ctxindex import ContextIndex
from app.core.model.ppm.predict import estimate_tables, reachable
from app.core.model.ppm.trie import ContextTrie


def _sequences(seed: int, count: int, alphabet: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    motif = rng.integers(0, alphabet, size=12)
    out = []
    for _ in range(count):  # half random, half copies of one motif: deterministic contexts of many orders
        n = int(rng.integers(5, 60))
        out.append(rng.integers(0, alphabet, size=n) if rng.random() < 0.5 else np.resize(motif, n))
    return out


@pytest.mark.parametrize("escape", ["c", "x", "a"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_piece_counts_and_mixture_equal_the_trie_estimate(seed, escape):
    rng = np.random.default_rng(seed)
    codes = [int(c) for c in _sequences(seed, 1, 6)[0]] * 3
    trie = ContextTrie(24, lazy=True)
    hist: list[int] = []
    buf = np.zeros(len(codes), dtype=np.int64)
    for i, c in enumerate(codes):
        values, inverse, share, index = reachable(np.sort(rng.choice(8, size=5, replace=False)))
        walk = trie.state_walk(hist)
        ref = estimate_tables([trie.counts[n] for n in walk], index, len(values), escape=escape, exclusion=True)
        counts = piece_counts(buf, i, 24, values)
        assert len(counts) == len(walk)
        for n, node in enumerate(walk):
            assert counts[n].tolist() == [trie.counts[node].get(int(v), 0) for v in values]
        q, coefs, uniform = mixture(counts, len(counts) - 1, len(values), {"c": 0, "x": 1, "a": 2}[escape], True)
        assert q.tolist() == ref.q.tolist() and coefs.tolist() == ref.coefs and uniform == ref.uniform
        hist.append(c)
        buf[i] = c
        trie.add_event(hist, i)


@pytest.mark.parametrize("seed", [0, 3])
def test_index_walk_and_work_spans_equal_the_python_index(seed):
    seqs = _sequences(seed, 40, 5)
    ix = ContextIndex(24)
    ix.add_works([(w + 1, s * 10) for w, s in enumerate(seqs)])
    rng = np.random.default_rng(seed)
    tiny = walk_memo()[:4]  # four rows: steps overwrite one another all the time
    for s in seqs[:15]:
        for top in range(0, len(s), 3):
            hist = (s[:top] * 10).tolist()
            sids = np.array([ix.sid.get(c, -1) for c in hist], dtype=np.int64)
            walk = ix.state_walk(hist)
            assert index_walk(ix.T, ix.SA, symbol_runs(ix.T, ix.SA), walk_memo(), sids, top, ix.cap).tolist() == walk
            assert ix.state_walk_ids(sids, top) == walk  # memoised steps: the same walks
            assert ix.state_walk_ids(sids, top) == walk
            for _ in range(2):
                assert index_walk(ix.T, ix.SA, symbol_runs(ix.T, ix.SA), tiny, sids, top, ix.cap).tolist() == walk
            codes = [int(c) * 10 for c in rng.integers(0, 6, size=len(walk))]  # 50: a code never seen
            starts, ends, totals, arena_w, arena_c = ix.work_spans(walk, codes)
            for h, code, a, b, t in zip(walk, codes, starts, ends, totals, strict=True):
                idx, cnt = ix.work_counts(h, code)
                assert arena_w[a:b].tolist() == idx.tolist() and arena_c[a:b].tolist() == cnt.tolist()
                assert t == int(cnt.sum())
            out = np.zeros(len(ix.work_ids))
            coefs = rng.random(len(walk))
            add_spans(out, arena_w, arena_c, np.arange(len(ix.work_ids)), starts, ends, coefs)
            dense = np.zeros(len(ix.work_ids))
            for h, code, c in zip(walk, codes, coefs, strict=True):
                idx, cnt = ix.work_counts(h, code)
                dense[idx] += cnt * c
            assert out.tolist() == dense.tolist()


def test_work_spans_skip_forgotten_works():
    seqs = _sequences(5, 30, 4)
    ix = ContextIndex(24)
    ix.add_works([(w + 1, s) for w, s in enumerate(seqs)])
    ix.remove_work(3)  # dead but not compacted: counts skip it
    for s in seqs[:8]:
        walk = ix.walk(s[:10].tolist())
        starts, ends, _, arena_w, _ = ix.work_spans(walk, [int(s[10 % len(s)])] * len(walk))
        for h, a, b in zip(walk, starts, ends, strict=True):
            assert arena_w[a:b].tolist() == ix.work_counts(h, int(s[10 % len(s)]))[0].tolist()
            assert ix.index_of.get(3) is None and 2 not in arena_w[a:b].tolist()



def test_range_work_counts_equal_a_count_by_hand_on_every_path():
    """Queries on one range beyond a group's size, a dead work, queries holding most works (tally walked in
    work order) and few (sorted), a symbol no position holds and an empty range."""
    from app.core.model.generation.genkernels import (
        RANGE_GROUP,
        range_work_counts,
        ranked_symbols_and_works,
        work_positions,
    )

    rng = np.random.default_rng(11)
    n_works, n_sym = 40, RANGE_GROUP + 9
    lengths = rng.integers(5, 60, n_works)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    T = rng.integers(0, n_sym - 1, int(lengths.sum())).astype(np.int64)  # symbol n_sym - 1 never occurs
    T[starts[4]:starts[4] + lengths[4]] = 0  # work 4 holds only symbol 0
    SA = rng.permutation(len(T)).astype(np.int64)
    work_of = work_positions(len(T), starts)
    alive = np.ones(n_works, dtype=bool)
    alive[7] = False
    ranges = [(0, len(T))] * n_sym + [(10, 16)] * 6 + [(30, 30)] + [(40, 200)] * 3  # sorted by range as callers do
    ranges.sort()
    los = np.array([r[0] for r in ranges], dtype=np.int64)
    his = np.array([r[1] for r in ranges], dtype=np.int64)
    syms = np.array([i % n_sym for i in range(len(ranges))], dtype=np.int64)
    for check in (True, False):
        widx, cnt, offsets, totals = range_work_counts(*ranked_symbols_and_works(T, SA, starts), alive, check, los,
                                                       his, syms)
        for i, (lo, hi, sym) in enumerate(zip(los, his, syms, strict=True)):
            tally = {}
            for k in range(lo, hi):
                if T[SA[k]] == sym and (alive[work_of[SA[k]]] or not check):
                    tally[int(work_of[SA[k]])] = tally.get(int(work_of[SA[k]]), 0) + 1
            a, b = offsets[i], offsets[i + 1]
            assert widx[a:b].tolist() == sorted(tally) and cnt[a:b].tolist() == [tally[w] for w in sorted(tally)]
            assert totals[i] == sum(tally.values())


def test_work_positions_is_the_binary_search_it_replaces():
    from app.core.model.generation.genkernels import work_positions

    seqs = _sequences(7, 25, 5)
    ix = ContextIndex(24)
    ix.add_works([(w + 1, s) for w, s in enumerate(seqs)])
    got = work_positions(len(ix.T), ix.starts)
    assert got.tolist() == (np.searchsorted(ix.starts, np.arange(len(ix.T)), side="right") - 1).tolist()



def test_gram_keys_are_the_copy_index_keys_at_scattered_positions():
    """The stored order's check reads keys at positions in key order; they must be the keys the index
    computes in text order, up to each separator and in the padding at the end."""
    from app.core.model.generation.genkernels import gram_keys
    from app.core.model.index.copyindex import _SEP, KEY_BYTES, CopyIndex, _keys

    rng = np.random.default_rng(3)
    works = {w: rng.integers(48, 80, int(rng.integers(1, 30))) for w in range(1, 40)}  # some 1-note works
    index = CopyIndex(works, 0)
    n = len(index.text) - (KEY_BYTES + 1)
    every = _keys(index.text, n)
    pos = rng.permutation(n).astype(np.int64)  # separators included: their key is 0
    assert gram_keys(index.text, pos, KEY_BYTES, _SEP).tolist() == every[pos].tolist()
    assert gram_keys(index.text, index.pos, KEY_BYTES, _SEP).tolist() == index.keys.tolist()


@pytest.mark.parametrize("escape", [0, 1, 2])
def test_ltm_row_equals_counts_mixture_and_entropy_bitwise(escape):
    """blendkernels.ltm_row (one call on a long-term memo miss) against the separate steps it fuses."""
    from app.core.model.generation.blendkernels import ltm_row
    from app.core.model.generation.slots import rel_entropy

    seqs = _sequences(escape + 11, 40, 6)
    ix = ContextIndex(24)
    ix.add_works([(w + 1, s) for w, s in enumerate(seqs)])
    rng = np.random.default_rng(escape)
    for s in seqs[:12]:
        for top in range(0, len(s), 4):
            walk = ix.state_walk(s[:top].tolist())
            cand = np.sort(rng.integers(0, 7, size=int(rng.integers(2, 9))))  # 6: a code never seen
            values, inverse, share, _ = reachable(cand)
            pos = np.full(len(ix.codes), -1, dtype=np.int64)
            for j, code in enumerate(values.tolist()):
                if code in ix.sid:
                    pos[ix.sid[code]] = j
            counts = ix.restricted_counts(walk, pos, len(values))
            q, coefs, uniform = mixture(counts, len(walk) - 1, len(values), escape, True)
            z = float(np.add.reduce(q))
            row = (q / z)[inverse] * share
            log_size = float(np.log2(len(cand))) if len(cand) > 1 else 1.0
            got = ltm_row(ix.T, ix.SA, *ix.count_inputs(walk), pos, len(values), escape, True, inverse, share,
                          log_size)
            assert got[0].tolist() == row.tolist() and got[1] == rel_entropy(row, log_size)
            assert got[2].tolist() == q.tolist() and got[3] == z and got[4].tolist() == coefs.tolist()
            assert got[5] == uniform


@pytest.mark.parametrize("seed", [0, 5])
def test_add_spans_rows_is_add_spans_per_row_bitwise(seed):
    """The batched pass (all suggestions of a request at once) gives each row the sums `add_spans` gives it
    over that row's non-zero spans, bit for bit (the same additions in the same order)."""
    seqs = _sequences(seed, 60, 5)
    ix = ContextIndex(24)
    ix.add_works([(w + 1, s * 10) for w, s in enumerate(seqs)])
    rng = np.random.default_rng(seed)
    hist = (seqs[0] * 10).tolist()
    walk = ix.state_walk(hist)
    handles = walk * 4
    codes = [int(c) * 10 for c in rng.integers(0, 5, size=len(handles))]
    starts, ends, _, arena_w, arena_c = ix.work_spans(handles, codes)
    columns = rng.permutation(len(ix.work_ids))
    coefs = rng.random((8, len(handles))) * (rng.random((8, len(handles))) < 0.6)  # zeros: unused bases
    coefs[3] = 0.0  # a row with no base at all
    by_work = np.zeros((len(ix.work_ids), 8))
    add_spans_rows(by_work, arena_w, arena_c, columns, starts, ends, np.ascontiguousarray(coefs.T))
    out = by_work.T
    assert out[3].tolist() == [0.0] * len(ix.work_ids)
    for r in range(8):
        used = np.flatnonzero(coefs[r])
        one = np.zeros(len(ix.work_ids))
        add_spans(one, arena_w, arena_c, columns, starts[used], ends[used], coefs[r, used])
        assert out[r].tolist() == one.tolist()
    assert np.abs(out).sum() > 0



def test_long_contexts_histograms_are_the_counts_after_them_either_way():
    """count_inputs keeps a whole histogram for each context of at least _DENSE_MIN positions: the symbols
    after it, gathered through the suffix array or read in rank order once credit has built them; both are
    that context's counts (and no histogram at all when the order-0 context is short)."""
    from app.core.model.generation.genkernels import ranked_symbols_and_works
    from app.core.model.index import ctxindex

    seqs = _sequences(21, 200, 5)
    ix = ContextIndex(8)
    ix.add_works([(w + 1, s) for w, s in enumerate(seqs)])
    assert len(ix.SA) > 2 * ctxindex._DENSE_MIN
    walk = ix.state_walk(seqs[3][:6].tolist())
    _, gathered, dense_of = ix.count_inputs(walk)
    long = [n for n, h in enumerate(walk) if ctxindex.unpack(h)[1] - ctxindex.unpack(h)[0] >= ctxindex._DENSE_MIN]
    assert long and dense_of[long].tolist() == list(range(len(long)))
    for n in long:
        lo, hi, _ = ctxindex.unpack(walk[n])
        by_hand = np.zeros(len(ix.codes), dtype=np.int64)
        for k in range(lo, hi):
            by_hand[ix.T[ix.SA[k]]] += 1
        assert gathered[dense_of[n]].tolist() == by_hand.tolist()
    ix._dense.clear()
    ix._ranked = ranked_symbols_and_works(ix.T, ix.SA, ix.starts)
    _, ranked, _ = ix.count_inputs(walk)
    assert ranked.tolist() == gathered.tolist()
    small = ContextIndex(8)
    small.add_works([(1, seqs[0])])
    handles, none, not_dense = small.count_inputs(small.state_walk(seqs[0][:4].tolist()))
    assert none.shape == (0, len(small.codes)) and (not_dense == -1).all() and len(not_dense) == len(handles)


def test_the_credit_arena_grows_in_ordinary_pages_and_keeps_earlier_spans(monkeypatch):
    """The arena's arrays are anonymous memory asked not to use huge pages (their first-touch faults cost
    9-21 ms of a career-sized request): writable, zero-filled, int32; growing copies what was there, and the
    arrays handed out before keep their spans."""
    from app.core.model.index import ctxcredit

    fresh = ctxcredit._small_pages_int32(1000)
    assert fresh.dtype == np.int32 and fresh.flags.writeable and len(fresh) == 1000 and not fresh.any()
    assert len(ctxcredit._small_pages_int32(0)) == 0
    monkeypatch.setattr(ctxcredit, "_ARENA_FIRST", 4)  # grow at once and again
    seqs = _sequences(3, 60, 5)
    ix = ContextIndex(24)
    ix.add_works([(w + 1, s) for w, s in enumerate(seqs)])
    first = ix.state_walk(seqs[0].tolist())
    s1, e1, _, w1, c1 = ix.work_spans(first[1:], [int(seqs[0][-1])] * (len(first) - 1))
    held = [(w1[a:b].tolist(), c1[a:b].tolist()) for a, b in zip(s1.tolist(), e1.tolist(), strict=True)]
    second = ix.state_walk(seqs[5].tolist())
    _, _, _, w2, c2 = ix.work_spans(second[1:], [int(seqs[5][-1])] * (len(second) - 1))
    assert len(w2) > len(w1)  # it grew
    for (a, b), (ws, cs) in zip(zip(s1.tolist(), e1.tolist(), strict=True), held, strict=True):
        assert w1[a:b].tolist() == ws == w2[a:b].tolist() and c1[a:b].tolist() == cs == c2[a:b].tolist()
    assert sum(len(ws) for ws, _ in held) > 0
