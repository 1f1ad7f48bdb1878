"""GUI tests: Python's cyclic garbage collector runs only between tests, after Qt's deferred deletes.

A whole-suite run once died with a segmentation fault inside a PySide call (QMenu.addAction while a panel was
being built) under heavy load. Collection at an arbitrary allocation can run the destructors of an earlier
test's Qt wrappers in the middle of a Qt call; collecting at a fixed point, with no Qt call on the stack and
the event loop's deferred deletes done, removes that timing from the tests."""

from __future__ import annotations

import gc

import pytest


@pytest.fixture(autouse=True)
def collect_between_tests():
    gc.disable()
    try:
        yield
    finally:
        from PySide6.QtCore import QCoreApplication, QEvent

        if QCoreApplication.instance() is not None:
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            QCoreApplication.processEvents()
        gc.collect()  # no gc.freeze(): frozen objects in cycles are never freed (a model's open files leaked)
        gc.enable()
