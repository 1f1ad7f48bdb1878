"""Root test configuration: Qt offscreen before Qt loads, Accord's home in a temp folder, no network."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("ACCORD_HOME", None)

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def accord_home(tmp_path_factory, monkeypatch):
    """Every test gets its own empty Accord home (catalogue, models, keys) via ACCORD_HOME."""
    home = tmp_path_factory.mktemp("accord-home")
    monkeypatch.setenv("ACCORD_HOME", str(home))
    return home


def pytest_collection_modifyitems(config, items):
    """Tests marked `slow` run only when asked for (`-m slow`): the default run stays within a few minutes on
    two cores, as CI runs it."""
    if "slow" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="slow: run with -m slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def pytest_collection_finish(session):
    """Everything the imports and the collection made lives until the run ends: moved out of the collector's
    reach (gc.freeze), so the full collections during tests walk only what the tests themselves made."""
    import gc

    gc.collect()
    gc.freeze()
