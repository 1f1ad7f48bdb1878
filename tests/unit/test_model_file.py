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


# -- budgets: hostile files are refused from their headers, in bounded memory (issue 12 item 4) ------------

def _hostile_model(path, arrays: dict[str, bytes | list[bytes]], *, works: list[dict] | None = None):
    """A model file whose events.npz holds the given raw .npy members, with a matching events hash."""
    from app.core.model import ModelSettings

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, raw in arrays.items():
            with zf.open(f"{name}.npy", "w", force_zip64=True) as member:
                for chunk in (raw if isinstance(raw, list) else [raw]):
                    member.write(chunk)
    events = buf.getvalue()
    import hashlib

    manifest = {"format": "accord-model", "format_version": 1, "model_id": "x", "version": 1,
                "created_at": "2026-01-01T00:00:00Z", "settings": ModelSettings().to_json(),
                "works": works or [], "fingerprint": "0" * 64, "events_sha256": hashlib.sha256(events).hexdigest()}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        zf.writestr("events.npz", events)
    return path


def _npy(arr: np.ndarray) -> bytes:
    out = io.BytesIO()
    np.save(out, arr, allow_pickle=False)
    return out.getvalue()


def _work(wid: int) -> dict:
    return {"id": wid, "title": "t", "sha256": "0" * 64, "notes": 0, "contributors": [], "consent": []}


def _one_work(n: int) -> dict[str, bytes]:
    notes = np.full(n, 60, dtype="<i8")
    return {"work_ids": _npy(np.array([1], "<i8")), "offsets": _npy(np.array([0, n], "<i8")), "pitch": _npy(notes),
            "dur": _npy(notes), "onset": _npy(np.arange(n, dtype="<i8")), "bar": _npy(np.array([192], "<i8")),
            "tonic": _npy(np.array([0], "<i8"))}


def _load_in_child(path) -> tuple[str, int]:
    """(error text, peak resident MB) of load_model in a fresh process (peak memory is per process)."""
    import subprocess
    import sys

    # VmHWM, not ru_maxrss: Linux carries ru_maxrss across execve, so a child of a large pytest process would
    # report the parent's peak; VmHWM belongs to the child's own address space.
    code = ("import sys\n"
            "from app.core.model import load_model\n"
            "try:\n    load_model(sys.argv[1]); msg = 'loaded'\n"
            "except Exception as exc:\n    msg = f'{type(exc).__name__}: {exc}'\n"
            "hwm = [ln for ln in open('/proc/self/status') if ln.startswith('VmHWM:')]\n"
            "print(msg); print(int(hwm[0].split()[1]) // 1024 if hwm else 0)\n")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120)
    msg, peak = out.stdout.strip().rsplit("\n", 1)
    return msg, int(peak)


def test_a_deflate_bomb_model_is_refused_from_its_headers_in_bounded_memory(tmp_path):
    zeros = b"\0" * 2**20  # one inner member that unpacks to 400 MB (a few hundred KB compressed)
    arrays: dict[str, bytes | list[bytes]] = dict(_one_work(4))
    arrays["onset"] = [_npy(np.zeros(4, "<i8"))[:128]] + [zeros] * 400
    path = _hostile_model(tmp_path / "bomb.accordmodel", arrays, works=[_work(1)])
    assert path.stat().st_size < 2_000_000
    msg, peak = _load_in_child(path)
    assert msg.startswith("ModelFileError") and "budget" in msg, msg
    assert peak < 1024, f"peak {peak} MB"


def test_a_model_with_a_three_million_note_work_is_refused_in_bounded_memory(tmp_path):
    path = _hostile_model(tmp_path / "huge.accordmodel", _one_work(3_000_000), works=[_work(1)])
    msg, peak = _load_in_child(path)
    assert msg.startswith("ModelFileError") and "3,000,000 notes" in msg, msg
    assert peak < 1024, f"peak {peak} MB"


def test_a_work_longer_than_the_work_budget_is_refused_naming_it(tmp_path):
    from app.core.model.modelfile import MAX_WORK_NOTES

    path = _hostile_model(tmp_path / "long.accordmodel", _one_work(MAX_WORK_NOTES + 1), works=[_work(1)])
    with pytest.raises(ModelFileError, match=f"work 1 has {MAX_WORK_NOTES + 1:,} notes"):
        load_model(path)
