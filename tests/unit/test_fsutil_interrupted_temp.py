"""A write interrupted right after its temp file is created leaves nothing behind (fsutil.new_temp).

`accord export` turns SIGTERM into KeyboardInterrupt so its temp file is removed; a signal landing between
mkstemp and the cleanup block left an `.accord-tmp-*` beside the export (test_export_bounds failed about one run
in five on a busy machine). Here the signal is sent from inside mkstemp, the moment the file exists.
"""

from __future__ import annotations

import os
import signal
import tempfile

import pytest

from app.core import fsutil
from app.core.fsutil import TEMP_PREFIX, atomic_path


@pytest.fixture
def sigterm_after_mkstemp(monkeypatch):
    if not hasattr(signal, "pthread_sigmask"):
        pytest.skip("no signal masks on this platform")
    real = tempfile.mkstemp

    def mkstemp_then_terminated(*args, **kwargs):
        made = real(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGTERM)  # as `kill` from another process would, right now
        return made

    def interrupt(_signum, _frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    monkeypatch.setattr(fsutil.tempfile, "mkstemp", mkstemp_then_terminated)
    yield
    signal.signal(signal.SIGTERM, previous)


def test_a_termination_as_the_temp_file_appears_removes_it(tmp_path, sigterm_after_mkstemp):
    target = tmp_path / "mix.flac"
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"never reached")
    assert list(tmp_path.glob(TEMP_PREFIX + "*")) == []
    assert not target.exists()


def test_an_uninterrupted_write_still_lands(tmp_path):
    target = tmp_path / "mix.flac"
    with atomic_path(target) as tmp:
        tmp.write_bytes(b"fLaC")
    assert target.read_bytes() == b"fLaC" and list(tmp_path.glob(TEMP_PREFIX + "*")) == []
