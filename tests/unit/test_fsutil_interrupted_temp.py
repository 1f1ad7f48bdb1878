"""A write interrupted right after its temp file is created leaves nothing behind (fsutil.owned_temp).

`accord export` turns SIGTERM into KeyboardInterrupt so its temp file is removed; a signal landing between
mkstemp and the cleanup block left an `.accord-tmp-*` beside the export (test_export_bounds failed about one run
in five on a busy machine). Masking SIGTERM around mkstemp did not hold once the process had other threads (the
kernel hands a process-wide signal to any thread that does not mask it, and Python runs the handler on the main
thread anyway): this test failed with it in a worker where earlier tests had left threads. Here the signal is
sent the moment the file exists, with another thread alive, as in the studio.
"""

from __future__ import annotations

import os
import signal
import threading

import pytest

from app.core import fsutil
from app.core.fsutil import TEMP_PREFIX, atomic_path, owned_temp


@pytest.fixture
def sigterm_as_the_temp_file_appears(monkeypatch):
    real = os.open
    idle = threading.Event()
    other = threading.Thread(target=idle.wait, daemon=True)  # a second thread the signal may be handed to
    other.start()

    def open_then_terminated(path, flags, *args, **kwargs):
        fd = real(path, flags, *args, **kwargs)
        if os.path.basename(path).startswith(TEMP_PREFIX):
            os.kill(os.getpid(), signal.SIGTERM)  # as `kill` from another process would, right now
        return fd

    def interrupt(_signum, _frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    monkeypatch.setattr(fsutil.os, "open", open_then_terminated)
    yield
    signal.signal(signal.SIGTERM, previous)
    idle.set()
    other.join()


def test_a_termination_as_the_temp_file_appears_removes_it(tmp_path, sigterm_as_the_temp_file_appears):
    target = tmp_path / "mix.flac"
    for _ in range(20):  # wherever the handler runs (at once, or a few bytecodes later), nothing is left
        with pytest.raises(KeyboardInterrupt):
            with atomic_path(target) as tmp:
                tmp.write_bytes(b"never kept")
        assert list(tmp_path.glob(TEMP_PREFIX + "*")) == []
        assert not target.exists()


def test_an_owned_temp_is_removed_on_any_error_and_kept_otherwise(tmp_path):
    with pytest.raises(ValueError):
        with owned_temp(tmp_path, ".wav") as tmp:
            assert tmp.exists() and tmp.name.startswith(TEMP_PREFIX) and tmp.suffix == ".wav"
            raise ValueError("the encoder failed")
    assert list(tmp_path.iterdir()) == []
    with owned_temp(tmp_path, ".wav") as kept:
        kept.write_bytes(b"RIFF")
    assert kept.read_bytes() == b"RIFF"  # the caller decides what happens to a temp that was not interrupted


def test_an_uninterrupted_write_still_lands(tmp_path):
    target = tmp_path / "mix.flac"
    with atomic_path(target) as tmp:
        tmp.write_bytes(b"fLaC")
    assert target.read_bytes() == b"fLaC" and list(tmp_path.glob(TEMP_PREFIX + "*")) == []
