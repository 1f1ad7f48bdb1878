"""GUI tests: Python's cyclic garbage collector runs only between tests, after Qt's deferred deletes.

A whole-suite run once died with a segmentation fault inside a PySide call (QMenu.addAction while a panel was
being built) under heavy load. Collection at an arbitrary allocation can run the destructors of an earlier
test's Qt wrappers in the middle of a Qt call; collecting at a fixed point, with no Qt call on the stack and
the event loop's deferred deletes done, removes that timing from the tests.

Qt also keeps the keyboard modifiers of the last key event: a test that clicks a key with Ctrl held (qtbot.keyClick
with a modifier sends no release of Ctrl itself) left Ctrl "held" for the next test in the same worker, whose
`selectRow()` then toggled the selection instead of setting it. The keys are let go between tests.

While a test runs the collector is off, so everything it allocated is still in the youngest generation when it
ends: collecting generations 0 and 1 there frees the test's cycles for a few milliseconds. A full collection
walks every object the imports made (numba, librosa, Qt: ~150,000) and took ~0.15 s, which after each of ~700
GUI tests was about a sixth of the suite's time; it runs every FULL_EVERY tests, still only between tests."""

from __future__ import annotations

import gc

import pytest

FULL_EVERY = 25
_since_full = 0


@pytest.fixture(autouse=True)
def collect_between_tests():
    global _since_full
    gc.disable()
    try:
        yield
    finally:
        from PySide6.QtCore import QCoreApplication, QEvent

        if QCoreApplication.instance() is not None:
            _let_go_of_modifiers()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            QCoreApplication.processEvents()
        # no gc.freeze(): frozen objects in cycles are never freed (a model's open files leaked)
        _since_full += 1
        if _since_full >= FULL_EVERY:
            gc.collect()
            _since_full = 0
        else:
            gc.collect(1)
        gc.enable()


def _let_go_of_modifiers() -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QWidget

    if QGuiApplication.keyboardModifiers() == Qt.KeyboardModifier.NoModifier:
        return
    target = QWidget()
    for key in (Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Shift, Qt.Key.Key_Meta):
        QTest.keyRelease(target, key, Qt.KeyboardModifier.NoModifier)
    target.deleteLater()
