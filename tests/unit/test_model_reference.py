"""The shipped model against the reference copy of the previous implementation (tests/model_reference):
the same fingerprints, the same suggestions (notes, credit, longest copied run) for the same seed, the same
max-order masks — and the longest copied run reported at its true length (issue 17: k = 0 said 17, not 33)."""

from __future__ import annotations

import numpy as np
import pytest

import tests.model_reference as ref
from app.core.model import Constraints, as_usable_works, continue_phrase, idyom_benchmark_set, train, vary
from app.core.model.index.copyindex import CopyIndex, brute_force_longest_copy
from app.core.music import ChordTimeline, Key, Melody
from tests.model_reference.copyindex import CopyIndex as RefCopyIndex

CHORDS = ChordTimeline.from_symbols(["A", "E", "D", "A", "F#m", "Bm", "E", "A"] * 4, quarters_each=4.0)


@pytest.fixture(scope="module")
def pair():
    works = as_usable_works(idyom_benchmark_set()[:30])
    return works, train(works), ref.train(works)


def _same(a, b) -> None:
    assert [s.notes.to_json() for s in a] == [s.notes.to_json() for s in b]
    for x, y in zip(a, b, strict=True):
        assert x.credit == y.credit and x.uniform_share == y.uniform_share and x.piece_share == y.piece_share
        assert x.longest_copied_run == y.longest_copied_run and x.log2_probability == y.log2_probability
        assert x.contributors == y.contributors
        assert [c.works for c in x.per_note_credit] == [c.works for c in y.per_note_credit]


def test_fingerprints_equal_the_reference(pair):
    _, new, old = pair
    assert new.fingerprint == old.fingerprint


@pytest.mark.parametrize("k", [3, 8])
def test_suggestions_equal_the_reference(pair, k):
    works, new, old = pair
    src = works[4].melody
    c = Constraints(key=Key(9, "major"), chords=CHORDS, bars=8, start=8.0, pitch_range=(60, 81), density=(2, 8),
                    max_copy=k)
    _same(continue_phrase(new, src.between(0, 8), c, n=8, seed=5),
          ref.continue_phrase(old, src.between(0, 8), c, n=8, seed=5))
    _same(vary(new, src.between(0, 8), c, kind="rhythm", n=4, seed=2),
          ref.vary(old, src.between(0, 8), c, kind="rhythm", n=4, seed=2))


def test_max_order_masks_equal_the_reference(pair):
    works, _, _ = pair
    pitches = {w.id: [n.pitch for n in w.melody.notes] for w in works}
    rng = np.random.default_rng(0)
    for k in (1, 2, 3, 5, 8, 9, 12):
        new, old = CopyIndex(pitches, k), RefCopyIndex(pitches, k)
        for w in works[:10]:
            iv = [b - a for a, b in zip(pitches[w.id], pitches[w.id][1:], strict=False)]
            for i in range(0, len(iv), 3):
                prefix = iv[max(0, i - k):i]
                assert new.forbidden_next(prefix) == old.forbidden_next(prefix)
        for _ in range(20):
            prefix = rng.integers(-5, 6, size=k).tolist()
            assert new.forbidden_next(prefix) == old.forbidden_next(prefix)
        for w in works[:10]:
            iv = tuple(b - a for a, b in zip(pitches[w.id], pitches[w.id][1:], strict=False))
            for n in range(1, min(k, len(iv)) + 1):
                assert new.owner(iv[:n]) == old.owner(iv[:n])


def test_longest_copied_run_is_the_true_one(pair):
    works, _, _ = pair
    pitches = {w.id: [n.pitch for n in w.melody.notes] for w in works}
    idx = CopyIndex(pitches, 0)
    whole = pitches[works[7].id]
    whole_iv = [b - a for a, b in zip(whole, whole[1:], strict=False)]
    holders = [w for w, p in pitches.items() if CopyIndex({0: p}, 0).occurrences(whole_iv).size]
    assert idx.longest_copied_run(whole) == (len(whole), min(holders))
    rng = np.random.default_rng(3)
    for _ in range(30):
        w = pitches[works[int(rng.integers(len(works)))].id]
        a = int(rng.integers(0, len(w) - 2))
        b = int(rng.integers(a + 2, len(w) + 1))
        melody = [60, 61] + [p + 2 for p in w[a:b]] + [50, 70]  # a transposed copy in the middle
        length, owner = idx.longest_copied_run(melody)
        assert length == brute_force_longest_copy(melody, pitches) >= b - a
        assert owner is not None and owner in pitches
    old = RefCopyIndex(pitches, 8)  # below the reference's cap both agree
    for w in list(pitches.values())[:10]:
        short = w[:6]
        assert idx.longest_copied_run(short) == old.longest_copied_run(short)


def test_max_copy_zero_reports_the_true_longest_run(pair):
    works, new, _ = pair
    src = works[4].melody
    c = Constraints(key=src.key, bars=8, start=8.0, max_copy=0, pitch_range=(55, 84))
    pitches = {w.id: [n.pitch for n in w.melody.notes] for w in works}
    for s in continue_phrase(new, src.between(0, 8), c, n=8, seed=11, temperature=0.2):
        assert s.longest_copied_run["length"] == brute_force_longest_copy(list(s.notes.pitches), pitches)
    # a melody that IS a training work, varied at closeness 1 (kept): the run is the whole work
    whole = Melody(tuple(n for n in src.notes if n.onset < 32), key=src.key, time_signature=src.time_signature)
    [s] = vary(new, whole, Constraints(max_copy=0, pitch_range=(40, 90), chromatic=True), kind="rhythm",
               closeness=1.0, n=1, seed=0)
    assert s.longest_copied_run["length"] == brute_force_longest_copy(list(s.notes.pitches), pitches) > 17


def test_counts_of_every_context_equal_the_reference(pair):
    works, new, old = pair
    rng = np.random.default_rng(1)
    for name, store in new.stores.items():
        ref_trie = old.stores[name].trie
        seqs = [store.viewpoint.sequence(__import__("app.core.model.ppm.viewpoints", fromlist=["Events"]).Events
                                         .from_melody(w.melody)) for w in works[:8]]
        for codes, ok in seqs:
            seq = codes[ok].tolist()
            for i in range(0, len(seq), 2):
                hist = seq[:i]
                if rng.random() < 0.3 and hist:  # an unseen context in the middle
                    hist = hist[:-1] + [hist[-1] + 999]
                ref_nodes = ref_trie.walk(hist)
                ref_tables = [ref_trie.counts[n] for n in ref_nodes] + ref_trie.virtual_tail(ref_nodes, hist)
                new_tables = [store.trie.counts[h] for h in store.trie.walk(hist)]
                assert new_tables == ref_tables
                state = store.trie.state_walk(hist)
                assert [store.trie.counts[h] for h in state] == ref_tables[:len(state)]
                assert len(state) == len(ref_trie.state_walk(hist))


def test_cross_validated_predictions_equal_the_reference():
    from app.core.model.ppm.evaluate import cross_validate
    from app.core.model.ppm.predict import PredictionSettings
    from app.core.model.ppm.viewpoints import Events, parse_viewpoints
    from tests.model_reference.evaluate import cross_validate as ref_cross_validate

    melodies = [Events.from_melody(m) for _, m in idyom_benchmark_set()[:40]]
    vps = parse_viewpoints(["cpitch", "cpint*dur", "cpintfref*posinbar", "dur*ioi"])
    for settings in (PredictionSettings(), PredictionSettings(ltm_plus=False, use_stm=False)):
        a = cross_validate(melodies, vps, folds=5, seed=0, settings=settings)
        b = ref_cross_validate(melodies, vps, folds=5, seed=0, settings=settings)
        for target in a:
            for ta, tb in zip(a[target], b[target], strict=True):
                for n in ta.ltm:
                    assert np.abs(ta.ltm[n] - tb.ltm[n]).max() <= 1e-12
                    assert np.abs(ta.stm[n] - tb.stm[n]).max() <= 1e-12


def test_forgetting_and_learning_back_equal_the_reference():
    from app.core.model import forget, update_model

    works = as_usable_works(idyom_benchmark_set()[:24])
    new, old = train(works), ref.train(works)
    gone = [works[3].id, works[10].id, works[17].id]
    forget(new, gone)
    ref.forget(old, gone)
    assert new.fingerprint == old.fingerprint == train([w for w in works if w.id not in gone]).fingerprint
    src = works[5].melody
    c = Constraints(key=src.key, bars=4, start=8.0, max_copy=6)
    _same(continue_phrase(new, src.between(0, 8), c, n=4, seed=9),
          ref.continue_phrase(old, src.between(0, 8), c, n=4, seed=9))
    for s in continue_phrase(new, src.between(0, 8), c, n=4, seed=9):
        assert not set(s.credit) & set(gone)
    update_model(new, works)
    ref.update_model(old, works)
    assert new.fingerprint == old.fingerprint
    _same(continue_phrase(new, src.between(0, 8), c, n=4, seed=3),
          ref.continue_phrase(old, src.between(0, 8), c, n=4, seed=3))


@pytest.mark.parametrize("threads", ["one thread", "two threads"])
def test_credit_by_context_equals_the_dense_credit(pair, monkeypatch, threads):
    """Large catalogues resolve credit per context (no notes x works matrix): the same shares within rounding.
    At a label's size the range scans and span sums run on two threads (forced here on a small catalogue)."""
    import app.core.model.generation.job as gen
    from app.core.model.index import credit_large

    if threads == "two threads":
        monkeypatch.setattr(credit_large, "_cores", lambda: 2)
        monkeypatch.setattr(credit_large, "THREADED_SCAN_POSITIONS", 0)
        monkeypatch.setattr(credit_large, "THREADED_SUM_ENTRIES", 0)
        ran_on: set[str] = set()
        two_at_once = credit_large._two_at_once

        def seen(jobs):  # noqa: ANN001, ANN202 — records which threads ran the jobs
            import threading

            return two_at_once([lambda j=j: (ran_on.add(threading.current_thread().name), j())[1] for j in jobs])

        monkeypatch.setattr(credit_large, "_two_at_once", seen)
    works, new, _ = pair
    src = works[6].melody
    c = Constraints(key=src.key, bars=4, start=8.0, max_copy=8)
    dense = continue_phrase(new, src.between(0, 8), c, n=4, seed=1)
    monkeypatch.setattr(gen, "DENSE_CREDIT_LIMIT", 0)
    sparse = continue_phrase(new, src.between(0, 8), c, n=4, seed=1)
    for a, b in zip(dense, sparse, strict=True):
        assert a.notes == b.notes and set(a.credit) == set(b.credit)
        assert all(abs(a.credit[w] - b.credit[w]) <= 1e-12 for w in a.credit)
        assert abs(a.uniform_share - b.uniform_share) <= 1e-12 and abs(a.piece_share - b.piece_share) <= 1e-12
        for x, y in zip(a.per_note_credit, b.per_note_credit, strict=True):
            assert set(x.works) == set(y.works) and abs(x.total() - y.total()) <= 1e-12
            assert all(abs(x.works[w] - y.works[w]) <= 1e-12 for w in x.works)
        assert set(a.contributors) == set(b.contributors)
    if threads == "two threads":
        assert any(name.startswith("accord-credit") for name in ran_on)


def test_a_copy_index_from_a_stored_order_is_the_same_and_a_wrong_order_is_not_taken(pair):
    works, _, _ = pair
    pitches = {w.id: [n.pitch for n in w.melody.notes] for w in works}
    built = CopyIndex(pitches, 5)
    again = CopyIndex(pitches, 5, order=built.sorting_order())
    assert np.array_equal(again.keys, built.keys) and np.array_equal(again.pos, built.pos)
    order = built.sorting_order()
    swapped = order.copy()
    swapped[[0, -1]] = swapped[[-1, 0]]
    duplicated = order.copy()
    duplicated[1] = duplicated[0]
    separator = order.copy()
    separator[0] = built.starts[1] - 1  # the separator after the first work: no gram starts there
    wrong = [order[::-1], swapped, duplicated, separator, order[:-1], np.append(order, len(built.text)),
             np.full(len(order), -1, dtype=np.int32), order.reshape(1, -1)]
    rng = np.random.default_rng(3)
    prefixes = [rng.integers(-5, 6, size=4).tolist() for _ in range(40)]
    prefixes += [[b - a for a, b in zip(p, p[1:], strict=False)][:4] for p in list(pitches.values())[:20]]
    for bad in wrong:
        fallback = CopyIndex(pitches, 5, order=bad)
        assert np.array_equal(fallback.keys, built.keys)
        assert sorted(fallback.pos.tolist()) == sorted(built.pos.tolist())
        assert all(fallback.forbidden_next(p) == built.forbidden_next(p) for p in prefixes)
