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
    assert "512" in results[3]["message"]  # the stem count bound, named
    assert "MB" in results[4]["message"]
