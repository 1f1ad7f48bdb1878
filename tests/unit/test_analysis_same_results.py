"""The speed work on the analysis must not change a result: the lead's transcription started early (before the
other stems are read) or late (after the roles), the model's windows in batches of 4 or one by one, the
notes decoded the fast way — each gives the analysis the plain way gives, bit for bit."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from app.core.analysis import StemInput, analyze_stems, pipeline
from app.core.transcription import polyphonic
from tests.helpers.songs import make_song

needs_basic_pitch = pytest.mark.skipif(not polyphonic.available(), reason="basic-pitch/onnxruntime not installed")


def _stems(song):
    return [StemInput(n, a, song.sample_rate, hashlib.sha256(a.tobytes()).hexdigest()) for n, a in song.stems.items()]


def _digest(analysis) -> str:
    return hashlib.sha256(json.dumps(analysis.to_json(), sort_keys=True).encode()).hexdigest()


@pytest.fixture(scope="module")
def song():
    return make_song(1003, seconds=12.0)


def test_the_lead_started_early_or_late_gives_the_same_analysis(song, monkeypatch):
    early = analyze_stems(_stems(song))  # every stem is named: the lead's transcription starts first
    assert pipeline._lead_from_names(_stems(song), {}) == "lead"
    monkeypatch.setattr(pipeline, "_lead_from_names", lambda stems, overrides: None)  # the late path
    late = analyze_stems(_stems(song))
    assert early.melody_seconds  # the case has a melody to compare
    assert _digest(early) == _digest(late)


@needs_basic_pitch
def test_the_model_windows_in_any_batches_give_the_same_posteriors(song, monkeypatch):
    y = song.stems["lead"].mean(axis=0)
    y = np.concatenate([y, y, y])  # ~30 s: 18 windows, some in batches of 4 and the last 8 one by one
    default = polyphonic.posteriors(y, song.sample_rate)
    monkeypatch.setattr(polyphonic, "TAIL_SINGLE_WINDOWS", 0)
    monkeypatch.setattr(polyphonic, "BATCH_WINDOWS", 5)
    other = polyphonic.posteriors(y, song.sample_rate)
    for a, b in zip(default, other, strict=True):
        assert a.shape == b.shape and a.shape[0] > 2000
        assert a.tobytes() == b.tobytes()


@needs_basic_pitch
def test_windows_of_digital_silence_skip_the_model_and_give_the_same_posteriors(song, monkeypatch):
    lead = song.stems["lead"].mean(axis=0)
    gap = np.zeros(7 * song.sample_rate, np.float32)
    y = np.concatenate([gap[: 5 * song.sample_rate], lead, gap, lead])  # enters late, rests 7 s between phrases
    ran = []
    run_windows = polyphonic._run_windows
    monkeypatch.setattr(polyphonic, "_run_windows",
                        lambda s, p, starts: ran.append(len(starts)) or run_windows(s, p, starts))
    quick = polyphonic.PosteriorJob(y, song.sample_rate)
    quick.work()
    quick_ran = sum(ran)  # (one more when this process had not yet heard the model's answer to silence)
    every = polyphonic.PosteriorJob(y, song.sample_rate)
    windows = sum(len(b) for b in every.batches)
    every.silent = set()  # the model on every window
    ran.clear()
    every.work()
    assert sum(ran) == windows and len(quick.silent) >= 4
    assert quick_ran <= windows - len(quick.silent) + 1
    for a, b in zip(quick.posteriors(), every.posteriors(), strict=True):
        assert a.shape == b.shape and a.tobytes() == b.tobytes()
    silence_note, silence_onset = polyphonic._silence(quick.session)
    assert silence_note.shape == (polyphonic.KEPT_FRAMES, 88) and silence_onset.shape == silence_note.shape
