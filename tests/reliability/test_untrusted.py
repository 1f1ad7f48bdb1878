"""Untrusted files: no pickle anywhere, and model/project files validated for sizes before allocation.

The scan covers app/, benchmarks/ and packaging/ strictly; tests may only *write* pickles (to check that
Accord refuses them). The scanner itself is tested on planted files, so a silent scanner cannot pass.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.reliability import corpus, harness
from tests.reliability.scan import PICKLE_RULES, TEST_PICKLE_RULES, scan

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def test_no_pickle_in_accord():
    assert scan(REPO, PICKLE_RULES, ("app", "benchmarks", "packaging")) == []


def test_tests_never_load_a_pickle():
    own = [HERE / "scan.py", HERE / "test_untrusted.py"]  # they hold the patterns themselves
    assert scan(REPO, TEST_PICKLE_RULES, ("tests",), skip=own) == []


def test_the_scanner_finds_planted_pickles(tmp_path):
    planted = tmp_path / "app" / "sneaky.py"
    planted.parent.mkdir()
    lines = ["import pickle", "from joblib import load", "x = pickle.loads(b)", "np.load(f, allow_pickle=True)",
             "np.load(f)", "joblib.load('m')", "torch.load('w.pt')", "import cPickle", "import dill",
             "s = m21.converter.parseFile(p, format='musicxml')"]
    planted.write_text("\n".join(lines) + "\n")
    (tmp_path / "app" / "fine.py").write_text('"""Never pickle."""\nnp.load(f, allow_pickle=False)\n'
                                              "m21.converter.parseFile(p, forceSource=True, storePickle=False)\n")
    found = scan(tmp_path, PICKLE_RULES, ("app",))
    assert {int(f.split(":")[1]) for f in found} == set(range(1, len(lines) + 1)), found
    assert all("sneaky.py" in f for f in found)


def test_huge_size_claims_are_refused_before_allocation(tmp_path):
    """A model whose arrays claim 8 TB, a 2-D claim of 10^12 cells, a zip member claiming 2 GB, and project
    files at and over the size bound: clear errors in a worker limited to 1 GiB of address space (an
    allocation from the claimed size would die there)."""
    model_cases = {c.name: c for c in corpus.model_cases()}
    names = ("array_claims_8tb.accordmodel", "array_claims_1e6_rows_2d.accordmodel",
             "zip_size_claims_2gb.accordmodel")
    jobs = [harness.Job(model_cases[n].write(tmp_path), "model_load") for n in names]
    big = tmp_path / "huge_stems.accord"
    big.write_text(json.dumps(corpus.project_doc(stems=[{"id": f"s{i}", "path": f"{i}.wav"}
                                                        for i in range(100_000)])))
    over = next(c for c in corpus.project_cases() if c.name == "big_file.accord").write(tmp_path)
    jobs += [harness.Job(big, "project_open"), harness.Job(over, "project_open")]
    results = harness.run_jobs(jobs, workers=2, mem_limit_mb=1024)
    assert [(r["name"], r["outcome"]) for r in results] == [(j.path.name, "clear-error") for j in jobs], results
    assert not any(r["imported_librosa"] for r in results)  # worker.NO_LIBROSA's claim for these entries
    assert "512" in results[3]["message"]  # the stem count bound, named
    assert "MB" in results[4]["message"]


def test_marker_scan_streams_without_missing_or_double_counting(tmp_path, monkeypatch):
    """The provenance reader scans files in chunks (so a 2 GB file is not read into memory); markers that
    straddle a chunk boundary, or sit in the overlap, are counted exactly once."""
    import random

    from app.core.provenance.embedding import embed

    markers = embed._RAW_MARKERS
    rng = random.Random(3)
    data = bytearray(rng.randbytes(5000))
    for at in (0, 60, 63, 64, 100, 127, 128, 1000, 4980):
        m = markers[at % len(markers)]
        data[at:at + len(m)] = m
    path = tmp_path / "blob.bin"
    path.write_bytes(bytes(data))
    monkeypatch.setattr(embed._FileBytes, "_CHUNK", 64)
    expected = sum(bytes(data).count(m) for m in markers)
    with open(path, "rb") as fh:
        view = embed._FileBytes(fh)
        assert view.count(markers) == expected > 0
        assert view.count(markers, 100, 1100) == sum(bytes(data[100:1100]).count(m) for m in markers)
        assert view[-5:] == bytes(data[-5:]) and view[7] == data[7] and view[-1] == data[-1]


def _sparse(path: Path, head: bytes, size: int) -> Path:
    with open(path, "wb") as fh:
        fh.write(head)
        fh.truncate(size)  # a hole: no disk space used, but every reader sees `size` bytes
    return path


def test_multi_gigabyte_files_are_handled_without_loading_them(tmp_path):
    """Sparse files bigger than the worker's 1 GiB address space (a header, then a hole of zeros): verify
    answers, so nothing reads them whole; catalogue import refuses a 2.2 GB one by its size."""
    size = 1_200_000_000
    wav = corpus.wav_bytes(data=b"", data_size=size - 44, riff_size=size - 8)
    flac = next(c.data for c in corpus.flac_cases() if c.name == "valid.flac")
    files = [_sparse(tmp_path / "huge.wav", wav, size), _sparse(tmp_path / "huge.flac", flac, size),
             _sparse(tmp_path / "huge.mid", corpus.midi_cases()[0].data, size),
             _sparse(tmp_path / "huge.mp3", b"\xff\xfb\x90\x64" * 100, size),
             _sparse(tmp_path / "huge.ogg", b"OggS" + bytes(100), size)]
    big = _sparse(tmp_path / "huge_import.wav", wav, 2_200_000_000)
    jobs = [harness.Job(f, "verify") for f in files] + [harness.Job(big, "catalogue_import")]
    results = harness.run_jobs(jobs, workers=2, mem_limit_mb=1024, case_timeout=30)
    outcomes = {(r["name"], r["entry"]): r["outcome"] for r in results}
    assert all(o in ("loaded", "clear-error") for o in outcomes.values()), results
    assert outcomes[("huge.mp3", "verify")] == outcomes[("huge.mid", "verify")] == "clear-error"


def test_a_musicxml_zip_bomb_is_refused_before_unpacking(tmp_path):
    """1 MB of .mxl that inflates to 1 GiB: refused by its declared size, in a 1 GiB worker, quickly (music21
    would read the whole member into memory first)."""
    bomb = tmp_path / "bomb.mxl"
    bomb.write_bytes(corpus.deflate_bomb())
    assert bomb.stat().st_size < 2_000_000
    [result] = harness.run_jobs([harness.Job(bomb, "catalogue_import")], workers=1, mem_limit_mb=1024)
    assert result["outcome"] == "clear-error", result
    assert "MemoryError" not in result["message"] and "MB" in result["message"], result["message"]
    assert result["seconds"] < 5, result


def test_a_model_file_bomb_is_a_clear_error_in_a_small_worker(tmp_path):
    """A 0.5 MB model file whose events inflate to ~500 MB (under the reader's 512 MB cap): in a worker with
    1 GiB of address space loading cannot fit, and the user gets a ModelFileError, not a MemoryError."""
    manifest = json.dumps({"format": "accord-model", "format_version": 1, "events_sha256": "0" * 64})
    bomb = tmp_path / "bomb.accordmodel"
    bomb.write_bytes(corpus.deflate_bomb(496 << 20, name="events.npz", others={"manifest.json": manifest}))
    [result] = harness.run_jobs([harness.Job(bomb, "model_load")], workers=1, mem_limit_mb=1024)
    assert result["outcome"] == "clear-error", result
