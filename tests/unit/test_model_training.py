"""Training only from usable works, exact forgetting (fingerprint and predictions bitwise), update_model."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.model import as_usable_works, forget, idyom_benchmark_set, train, update_model
from app.core.model.ppm.evaluate import viewpoint_tables
from app.core.model.ppm.viewpoints import Events


@pytest.fixture(scope="module")
def works():
    return as_usable_works(idyom_benchmark_set()[:24])


def _tables(model, melody):
    ev = Events.from_melody(melody)
    out = []
    for target in ("pitch", "dur"):
        alphabet = np.unique(np.concatenate([ev.pitch if target == "pitch" else ev.dur,
                                             model.alphabet(target)]))
        t = viewpoint_tables(ev, target, alphabet, model.target_stores(target), model.settings.prediction)
        out += [t.ltm[n] for n in t.ltm] + [t.stm[n] for n in t.stm]
    return out


def test_forgetting_equals_training_without(works):
    full = train(works)
    before = full.fingerprint
    gone = {works[3].id, works[10].id}
    forget(full, gone)
    fresh = train([w for w in works if w.id not in gone])
    assert full.fingerprint == fresh.fingerprint != before
    assert full.version == 2 and fresh.version == 1
    probe = works[3].melody  # predict a forgotten work: bitwise-equal predictions
    for a, b in zip(_tables(full, probe), _tables(fresh, probe), strict=False):
        assert np.array_equal(a, b)
    for store in full.stores.values():  # no trace in the attribution index
        assert not gone & store.work_ids
        [root] = store.trie.walk([])
        for code in store.trie.counts[root]:
            assert not gone & set(store.work_counts_at(root, code))


def test_fingerprint_is_independent_of_training_order(works):
    assert train(works).fingerprint == train(list(reversed(works))).fingerprint
    assert train(works[:-1]).fingerprint != train(works).fingerprint


def test_update_model_forgets_and_adds(works):
    model = train(works[:20])
    same, removed, added = update_model(model, works[2:24])
    assert same is model and (removed, added) == (model.last_update["removed"], model.last_update["added"])
    assert model.last_update == {"removed": [works[0].id, works[1].id], "added": [w.id for w in works[20:24]]}
    assert model.fingerprint == train(works[2:24]).fingerprint and model.version == 2
    update_model(model, works[2:24])
    assert model.last_update == {"removed": [], "added": []} and model.version == 2


def test_train_takes_only_usable_works(works):
    with pytest.raises(TypeError, match="UsableWork"):
        train([works[0].melody])  # type: ignore[list-item]


def test_adding_a_work_twice_is_refused(works):
    model = train(works[:2])
    from app.core.model.training import TrainingWork

    with pytest.raises(ValueError, match="already"):
        model.add_work(TrainingWork.from_usable(works[0]))


def test_attribution_index_sums_to_the_counts(works):
    """Every count is the plain sum of per-work counts (also for contexts materialised by later works)."""
    model = train(works)
    forget(model, [works[5].id])
    for store in model.stores.values():
        for w in works[:6]:
            codes, ok = store.viewpoint.sequence(Events.from_melody(w.melody))
            seq = codes[ok].tolist()
            for i in range(0, len(seq), 3):
                for node in store.trie.walk(seq[:i]):
                    table = store.trie.counts[node]
                    assert table == {code: sum(store.work_counts_at(node, code).values()) for code in table}
                    assert works[5].id not in {w for code in table for w in store.work_counts_at(node, code)}


def test_training_and_loading_leave_their_objects_in_the_old_generation(works, tmp_path):
    """Training and loading end with one young-generation collection: what they built is in the collector's
    old generation, so no later suggestion's young-generation pass walks it (25-30 ms of one of the first
    requests after training 1 M notes)."""
    import gc

    from app.core.model import load_model, save_model

    def young_ids() -> set[int]:
        return {id(o) for o in gc.get_objects(generation=0) + gc.get_objects(generation=1)}

    assert gc.isenabled()
    model = train(works)
    built = list(model.works.values())  # TrainingWork objects, tracked by the collector
    assert built and all(gc.is_tracked(w) for w in built)
    young = young_ids()
    assert not any(id(w) in young for w in built)
    save_model(model, tmp_path / "m.accordmodel")
    loaded = load_model(tmp_path / "m.accordmodel")
    young = young_ids()
    assert not any(id(w) in young for w in loaded.works.values())
    assert gc.isenabled()
