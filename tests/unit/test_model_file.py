"""Model files: round trip, and clear refusals of pickles, truncation, garbage, tampering and stale manifests."""

from __future__ import annotations

import io
import json
import pickle
import zipfile

import numpy as np
import pytest

from app.core.errors import ModelFileError
from app.core.model import as_usable_works, idyom_benchmark_set, load_model, read_manifest, save_model, train


@pytest.fixture(scope="module")
def model():
    return train(as_usable_works(idyom_benchmark_set()[:8]))


@pytest.fixture
def saved(model, tmp_path):
    return save_model(model, tmp_path / "m.accordmodel")


def test_round_trip(model, saved):
    back = load_model(saved)
    assert back.fingerprint == model.fingerprint
    assert (back.model_id, back.version, back.created_at) == (model.model_id, model.version, model.created_at)
    assert back.settings == model.settings
    w = next(iter(model.works.values()))
    assert back.works[w.id].consent == w.consent and back.works[w.id].contributors == w.contributors
    manifest = read_manifest(saved)
    assert [x["id"] for x in manifest["works"]] == sorted(model.works)
    first = model.works[min(model.works)]
    assert manifest["works"][0]["consent"][0]["entry_hash"] == first.consent[0].entry_hash
    assert manifest["works"][0]["sha256"] == first.sha256 and manifest["fingerprint"] == model.fingerprint


def test_stale_manifest_is_refused(model, saved):
    ids = set(model.works)
    load_model(saved, usable_ids=ids | {999})
    revoked = min(ids)
    with pytest.raises(ModelFileError, match="stale: retrain or update") as err:
        load_model(saved, usable_ids=ids - {revoked})
    assert str(revoked) in str(err.value)


def test_garbage_and_truncation(saved, tmp_path):
    bad = tmp_path / "garbage.accordmodel"
    bad.write_bytes(b"not a zip at all")
    with pytest.raises(ModelFileError, match="garbage.accordmodel"):
        load_model(bad)
    data = saved.read_bytes()
    cut = tmp_path / "cut.accordmodel"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="truncated or damaged"):
        load_model(cut)
    with pytest.raises(ModelFileError, match="not found"):
        load_model(tmp_path / "missing.accordmodel")


def _rewrite(src, dst, **members):
    with zipfile.ZipFile(src) as zf:
        content = {n: zf.read(n) for n in zf.namelist()}
    content.update(members)
    with zipfile.ZipFile(dst, "w") as zf:
        for name, data in content.items():
            zf.writestr(name, data)
    return dst


def test_pickles_are_refused(saved, tmp_path):
    buf = io.BytesIO()
    np.savez(buf, work_ids=np.array([1], dtype=object), offsets=np.zeros(2, "<i8"), pitch=np.zeros(0, "<i8"),
             dur=np.zeros(0, "<i8"), onset=np.zeros(0, "<i8"), bar=np.zeros(1, "<i8"), tonic=np.zeros(1, "<i8"))
    events = buf.getvalue()
    manifest = json.loads(zipfile.ZipFile(saved).read("manifest.json"))
    import hashlib

    manifest["events_sha256"] = hashlib.sha256(events).hexdigest()
    p = _rewrite(saved, tmp_path / "obj.accordmodel", **{"events.npz": events,
                                                         "manifest.json": json.dumps(manifest).encode()})
    with pytest.raises(ModelFileError, match="pickles are refused"):
        load_model(p)
    raw = tmp_path / "pickle.accordmodel"
    raw.write_bytes(pickle.dumps({"format": "accord-model"}))
    with pytest.raises(ModelFileError):
        load_model(raw)


def test_tampering_is_detected(saved, tmp_path):
    manifest = json.loads(zipfile.ZipFile(saved).read("manifest.json"))
    manifest["fingerprint"] = "0" * 64
    p = _rewrite(saved, tmp_path / "fp.accordmodel", **{"manifest.json": json.dumps(manifest).encode()})
    with pytest.raises(ModelFileError, match="fingerprint"):
        load_model(p)
    p = _rewrite(saved, tmp_path / "ev.accordmodel", **{"events.npz": b"PK\x03\x04 changed"})
    with pytest.raises(ModelFileError, match="events hash differs"):
        load_model(p)
    p = _rewrite(saved, tmp_path / "extra.accordmodel", **{"evil.py": b"print(1)"})
    with pytest.raises(ModelFileError, match="not an Accord model"):
        load_model(p)


def test_save_is_atomic_on_failure(model, saved, monkeypatch):
    before = saved.read_bytes()
    import app.core.model.modelfile as mf

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(mf.zipfile.ZipFile, "writestr", boom)
    from app.core.errors import WriteError

    with pytest.raises((WriteError, OSError)):
        save_model(model, saved)
    assert saved.read_bytes() == before
    assert [p.name for p in saved.parent.iterdir()] == [saved.name]
