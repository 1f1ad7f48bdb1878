"""The studio's model service: a model loaded in the background never replaces one set while it loaded.

A training, the demo setup or a test sets `current` directly; consent changes forget it. A preload begun
before any of those read an older file, so when it finishes it must not overwrite them (in the live studio
test, a preload finishing late replaced the test's model with the home's empty one)."""

from __future__ import annotations

import threading

from app.core.home import AccordHome
from app.core.project import demo_catalogue
from app.ui.model_service import ModelService
from app.ui.workers import TaskRunner


def _slow_loader(monkeypatch, loaded: object) -> threading.Event:
    release = threading.Event()

    def load(home):  # noqa: ANN001, ANN202
        release.wait(10)
        return loaded

    monkeypatch.setattr(demo_catalogue, "load_current_model", load)
    monkeypatch.setattr("app.core.model.generation.warmup.warm_once", lambda: 0.0)
    return release


def _preload(service: ModelService) -> list:
    """Start the preload on the real runner: the load runs on the thread pool, its result comes back on the
    GUI thread. Returns the list its failures go to."""
    failures: list = []
    service.preload(on_failed=failures.append)
    return failures


def test_a_preload_fills_current_when_nothing_changed_meanwhile(tmp_path, qtbot, monkeypatch):
    loaded = object()
    release = _slow_loader(monkeypatch, loaded)
    service = ModelService(AccordHome.resolve(tmp_path / "home"), TaskRunner())
    failures = _preload(service)
    assert service.current is None
    release.set()
    qtbot.waitUntil(lambda: service.current is loaded, timeout=5000)
    assert not failures


def test_a_model_set_or_forgotten_while_a_preload_runs_is_kept(tmp_path, qtbot, monkeypatch):
    loaded, trained = object(), object()
    for change in ("set", "forget"):
        release = _slow_loader(monkeypatch, loaded)
        service = ModelService(AccordHome.resolve(tmp_path / f"home-{change}"), TaskRunner())
        _preload(service)
        if change == "set":
            service.current = trained  # e.g. a training finished first
        else:
            service.current = trained
            service.forget()  # consent changed: no model until it is loaded again
        release.set()
        # the runner forgets a task once its worker let go, which is after its result was delivered
        qtbot.waitUntil(lambda s=service: s.runner.live() == 0, timeout=5000)
        assert service.current is (trained if change == "set" else None)
