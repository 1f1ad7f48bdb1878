"""Consent under faults: a revoke that commits while training runs, SIGKILL during retraining, restart.

The model in use (what `accord suggest` loads: `load_model(path, usable_ids=<usable now>)`) must never
contain a revoked work; after a clean retrain its fingerprint equals a model trained without that work.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.cli.main import main as cli
from app.core.catalogue.store import Catalogue
from app.core.errors import ModelFileError
from app.core.home import AccordHome
from app.core.model import load_model, train
from tests.reliability.builders import catalogue_with_works

REPO = Path(__file__).resolve().parents[2]


def _fingerprint_without(home: AccordHome) -> tuple[set[int], str]:
    with Catalogue.open(home.catalogue_path) as cat:
        usable = cat.usable_works()
    return {w.id for w in usable}, train(usable).fingerprint


def _model_in_use(home: AccordHome, usable: set[int]):
    """What suggest would use: the model, or None when it refuses it as stale."""
    try:
        return load_model(home.current_model_path, usable_ids=usable)
    except ModelFileError as exc:
        assert "stale" in exc.reason
        return None


@pytest.mark.parametrize("existing_model", [False, True], ids=["first-training", "update"])
def test_revoke_committed_during_training_never_reaches_the_saved_model(tmp_path, monkeypatch, existing_model):
    home = AccordHome.resolve(tmp_path / "home")
    ids = catalogue_with_works(home.catalogue_path, 4)
    if existing_model:
        assert cli(["--home", str(home.root), "train"]) == 0
    victim = ids[1]

    import app.core.project.model_training as training  # what `accord train` runs

    def revoke_meanwhile(fn):
        def wrapped(*args, **kwargs):
            result = fn(*args, **kwargs)
            with Catalogue.open(home.catalogue_path) as other:  # another process's connection, in effect
                other.record_consent(victim, "revoke", note="revoked while training ran")
            return result
        return wrapped

    monkeypatch.setattr(training, "train", revoke_meanwhile(training.train))
    monkeypatch.setattr(training, "update_model", revoke_meanwhile(training.update_model))
    assert cli(["--home", str(home.root), "train"]) == 0
    usable, expected = _fingerprint_without(home)
    assert victim not in usable
    model = load_model(home.current_model_path, usable_ids=usable)  # not stale: usable right away
    assert victim not in model.works
    assert model.fingerprint == expected


def _train_proc(home: AccordHome) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen([sys.executable, "-m", "app.cli.main", "--home", str(home.root), "train"], cwd=REPO,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def test_kill_during_retraining_then_restart(tmp_path, figures):
    """Retraining after a revoke, killed at random moments: each time the model left on disk is either the
    old one (which suggest refuses as stale) or the new one without the work; a restart completes it."""
    home = AccordHome.resolve(tmp_path / "home")
    ids = catalogue_with_works(home.catalogue_path, 200)
    assert cli(["--home", str(home.root), "train"]) == 0
    stale_model = home.current_model_path.read_bytes()  # contains the work about to be revoked
    victim = ids[7]
    with Catalogue.open(home.catalogue_path) as cat:
        cat.record_consent(victim, "revoke")
    usable, expected = _fingerprint_without(home)
    durations = []
    for _ in range(2):  # the second run is warm (caches loaded), like the runs that get killed below
        home.current_model_path.write_bytes(stale_model)
        started = time.perf_counter()
        assert _train_proc(home).wait(timeout=120) == 0
        durations.append(time.perf_counter() - started)
    duration = min(durations)
    rng = random.Random(5)
    kills = runs = 0
    # at least 6 runs; up to 12 while fewer than 3 were cut short (a run that ends before its kill shows the
    # machine got faster than when the duration was measured: the next kills aim at its time)
    while runs < 6 or (kills < 3 and runs < 12):
        home.current_model_path.write_bytes(stale_model)
        proc = _train_proc(home)
        wait = rng.uniform(0.2, 1.0) * duration
        time.sleep(wait)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        else:
            duration = min(duration, wait)
        runs += 1
        proc.wait()
        model = _model_in_use(home, usable)
        assert model is None or victim not in model.works
    assert kills >= 3  # most runs were really cut short
    figures.record_kills("retraining after a revoke", kills, kills)
    proc = _train_proc(home)
    assert proc.wait(timeout=120) == 0, proc.stderr.read()
    model = _model_in_use(home, usable)
    assert model is not None and victim not in model.works
    assert model.fingerprint == expected


def test_revoke_while_a_training_process_runs(tmp_path):
    home = AccordHome.resolve(tmp_path / "home")
    ids = catalogue_with_works(home.catalogue_path, 150)
    victim = ids[3]
    proc = _train_proc(home)
    time.sleep(0.8)  # the process has started; training may or may not have taken its snapshot yet
    with Catalogue.open(home.catalogue_path) as cat:
        cat.record_consent(victim, "revoke")
    assert proc.wait(timeout=120) == 0, proc.stderr.read()
    usable, expected = _fingerprint_without(home)
    model = _model_in_use(home, usable)
    assert model is None or victim not in model.works
    if model is not None:
        assert model.fingerprint == expected


def test_studio_training_rechecks_consent_before_saving(tmp_path, monkeypatch):
    """The studio trains through app.core.project.demo_catalogue.train_current_model: same race, same rule."""
    demo = pytest.importorskip("app.core.project.demo_catalogue")
    import app.core.project.model_training as training

    home = AccordHome.resolve(tmp_path / "home")
    ids = catalogue_with_works(home.catalogue_path, 4)
    victim = ids[2]
    real_train = training.train

    def train_then_revoke(*args, **kwargs):
        model = real_train(*args, **kwargs)
        with Catalogue.open(home.catalogue_path) as other:
            other.record_consent(victim, "revoke")
        return model

    monkeypatch.setattr(training, "train", train_then_revoke)
    demo.train_current_model(home)
    usable, expected = _fingerprint_without(home)
    model = load_model(home.current_model_path, usable_ids=usable)
    assert victim not in model.works and model.fingerprint == expected
