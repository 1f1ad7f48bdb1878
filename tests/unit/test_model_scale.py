"""The compact model's promises at the level of whole models: a saved model loads by mapping its index (no
rebuild) and predicts exactly as before; older files without an index still load; a damaged or altered index
is refused; shards merge exactly into the model of their union; training reports progress and cancels
cleanly."""

from __future__ import annotations

import json
import mmap
import zipfile

import numpy as np
import pytest

import tests.model_reference as ref
from app.core.errors import ModelFileError
from app.core.model import (
    Constraints,
    as_usable_works,
    continue_phrase,
    forget,
    idyom_benchmark_set,
    load_model,
    merge_models,
    save_model,
    train,
)
from app.core.tasks import Cancelled, CancelToken


@pytest.fixture(scope="module")
def works():
    return as_usable_works(idyom_benchmark_set()[:24])


def _suggest(model, works, seed=4):
    src = works[2].melody
    c = Constraints(key=src.key, bars=4, start=8.0, max_copy=6)
    return [(s.notes.to_json(), s.credit, s.longest_copied_run) for s in
            continue_phrase(model, src.between(0, 8), c, n=4, seed=seed)]


def test_a_saved_model_maps_its_index_and_predicts_the_same(works, tmp_path):
    model = train(works)
    forget(model, [works[1].id])  # a dead work is left out of the file
    path = save_model(model, tmp_path / "m.accordmodel")
    back = load_model(path)
    assert back.fingerprint == model.fingerprint
    maps = {id(st.index.SA.base.obj) for st in back.stores.values()}  # mapped, not rebuilt: one mapping
    assert len(maps) == 1 and all(isinstance(st.index.SA.base.obj, mmap.mmap) for st in back.stores.values())
    assert _suggest(back, works) == _suggest(model, works)
    forget(back, [works[5].id])  # changes copy the mapped arrays
    back.add_work(__import__("app.core.model", fromlist=["TrainingWork"]).TrainingWork.from_usable(works[1]))
    assert back.fingerprint == train([w for w in works if w.id != works[5].id]).fingerprint


def test_a_file_without_an_index_is_rebuilt_from_its_events(works, tmp_path):
    path = ref.save_model(ref.train(works), tmp_path / "old.accordmodel")
    back = load_model(path)
    assert back.fingerprint == train(works).fingerprint
    assert _suggest(back, works) == _suggest(train(works), works)


def _rewrite(path, out, change):
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    change(members)
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out


def _flip_first_byte(name):
    """A change for `_rewrite`: one bit of member `name` flipped (its manifest hash left as it was)."""
    def flip(members):
        data = bytearray(members[name])
        data[0] ^= 1
        members[name] = bytes(data)
    return flip


def test_a_damaged_or_altered_index_is_refused(works, tmp_path):
    path = save_model(train(works[:6]), tmp_path / "m.accordmodel")
    name = "index/cpint*posinbar/SA.bin"

    with pytest.raises(ModelFileError, match="does not match its manifest"):
        load_model(_rewrite(path, tmp_path / "flip.accordmodel", _flip_first_byte(name)))

    def forge(members):  # swap two symbols of the text and re-hash: the events tell the truth
        import hashlib

        tname = "index/cpint*posinbar/T.bin"
        t = np.frombuffer(members[tname], dtype="<i2").copy()
        real = np.flatnonzero(t >= 0)
        t[real[3]], t[real[4]] = t[real[4]], t[real[3]]
        if t[real[3]] == t[real[4]]:
            t[real[3]] = (t[real[3]] + 1) % max(1, t.max())
        members[tname] = t.tobytes()
        manifest = json.loads(members["manifest.json"])
        manifest["index"][tname]["sha256"] = hashlib.sha256(members[tname]).hexdigest()
        members["manifest.json"] = json.dumps(manifest).encode()

    with pytest.raises(ModelFileError, match="cpint\\*posinbar"):
        load_model(_rewrite(path, tmp_path / "forged.accordmodel", forge))


def test_shards_merge_into_the_model_of_their_union(works):
    shards = [train(works[0:7]), train(works[7:16]), train(works[16:24])]
    merged = merge_models(shards)
    union = train(works)
    assert merged.fingerprint == union.fingerprint
    assert _suggest(merged, works) == _suggest(union, works)
    with pytest.raises(ValueError, match="more than one shard"):
        merge_models([shards[0], train(works[5:9])])


def test_training_reports_progress_with_time_left_and_cancels_cleanly(works):
    reports = []
    train(works, progress=lambda f, t="": reports.append((f, t)))
    fractions = [f for f, _ in reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(reports) >= 4
    token = CancelToken()

    def cancel_midway(f, t=""):
        if "indexing" in t:
            token.cancel()

    with pytest.raises(Cancelled):
        train(works, progress=cancel_midway, cancel=token)
    model = train(works[:10])
    before = model.fingerprint
    token2 = CancelToken()
    calls = []

    def cancel_late(f, t=""):
        calls.append(t)
        if len(calls) == 3:
            token2.cancel()

    with pytest.raises(Cancelled):
        model.add_works([__import__("app.core.model", fromlist=["TrainingWork"]).TrainingWork.from_usable(w)
                         for w in works[10:]], progress=cancel_late, cancel=token2)
    assert model.fingerprint == before and set(model.works) == {w.id for w in works[:10]}
    assert _suggest(model, works) == _suggest(train(works[:10]), works)


def test_learning_into_an_index_without_numba_gives_the_same_model(works, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_numba(name, *args, **kwargs):
        if name == "app.core.model.index.ctxkernels" or name.startswith("numba"):
            raise ImportError("no numba here")
        return real_import(name, *args, **kwargs)

    model = train(works[:10])
    forget(model, [works[2].id])
    forget(model, [works[3].id, works[4].id])  # compacted: their text stays in T, out of SA
    assert model.stores["cpint*dur"].index.dead_positions == 0
    monkeypatch.setattr(builtins, "__import__", no_numba)
    model.add_works([__import__("app.core.model", fromlist=["TrainingWork"]).TrainingWork.from_usable(w)
                     for w in works[10:]])
    monkeypatch.setattr(builtins, "__import__", real_import)
    expect = train([w for w in works if w.id not in (works[2].id, works[3].id, works[4].id)])
    assert model.fingerprint == expect.fingerprint
    assert _suggest(model, works) == _suggest(expect, works)


def test_a_file_rewritten_without_its_index_members_is_rebuilt_from_its_events(works, tmp_path):
    model = train(works[:6])
    path = save_model(model, tmp_path / "m.accordmodel")

    def drop_index(members):
        for name in [n for n in members if n.startswith("index/")]:
            del members[name]

    back = load_model(_rewrite(path, tmp_path / "plain.accordmodel", drop_index))
    assert back.fingerprint == model.fingerprint

    def drop_one(members):
        del members["index/cpint*dur/SA.bin"]

    with pytest.raises(ModelFileError, match="does not describe"):
        load_model(_rewrite(path, tmp_path / "partial.accordmodel", drop_one))


def test_a_saved_model_keeps_the_max_copy_order_and_a_forged_one_is_not_trusted(works, tmp_path):
    """The max-order k index's sorting is saved, so a loaded model need not sort again; what a file says
    there is checked before use, so a forged order cannot make max-order k miss a copy."""
    import hashlib

    from app.core.model.index.indexfile import COPY_ORDER

    model = train(works[:12])
    path = save_model(model, tmp_path / "m.accordmodel")
    back = load_model(path)
    assert "copy-order" in back.cache
    assert _suggest(back, works) == _suggest(model, works)
    built = back.cache["copy-index"]
    assert np.array_equal(built.pos, model.cache["copy-index"].pos)  # the stored order itself was used

    def shuffle(members):  # a permutation that is not a sorting, re-hashed: the file is consistent
        order = np.frombuffer(members[COPY_ORDER], dtype="<i4").copy()[::-1]
        members[COPY_ORDER] = order.tobytes()
        manifest = json.loads(members["manifest.json"])
        manifest["index"][COPY_ORDER]["sha256"] = hashlib.sha256(members[COPY_ORDER]).hexdigest()
        members["manifest.json"] = json.dumps(manifest).encode()

    forged = load_model(_rewrite(path, tmp_path / "forged.accordmodel", shuffle))
    assert _suggest(forged, works) == _suggest(model, works)  # sorted afresh, not taken
    assert np.array_equal(forged.cache["copy-index"].keys, model.cache["copy-index"].keys)

    with pytest.raises(ModelFileError, match="does not match its manifest"):
        load_model(_rewrite(path, tmp_path / "flip.accordmodel", _flip_first_byte(COPY_ORDER)))
    forget(back, [works[3].id])  # a changed model sorts its own intervals again
    assert "copy-order" not in back.cache
