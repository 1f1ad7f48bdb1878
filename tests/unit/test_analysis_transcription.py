"""The shared audio-to-melody pipeline: sample rates, backends, lead-line selection, a missing transcriber."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from app.core.analysis.melody import PYIN_RATE, note_f_measure, track_notes
from app.core.transcription import TranscriberMissing, choose_backend, transcribe
from app.core.transcription import polyphonic as poly
from app.core.transcription.lead_line import polyphony, select_lead_line, top_voice
from app.core.transcription.pitch import PitchTrackJob, at_rate
from app.core.transcription.polyphonic import NoteEvent

MELODY = [(0.2, 0.4, 72), (0.65, 0.4, 74), (1.1, 0.3, 76), (1.45, 0.6, 79), (2.1, 0.3, 77), (2.45, 0.5, 76),
          (3.0, 0.4, 74), (3.45, 0.8, 72)]
needs_basic_pitch = pytest.mark.skipif(not poly.available(), reason="basic-pitch/onnxruntime not installed")


def _tone(notes, sr, total=None, gain=0.3, partials=4):
    total = total or max(o + d for o, d, _ in notes) + 0.3
    y = np.zeros(int(total * sr))
    for onset, dur, pitch in notes:
        n = int(dur * sr)
        t = np.arange(n) / sr
        f = 440.0 * 2 ** ((pitch - 69) / 12)
        env = np.minimum(1, t / 0.01) * np.minimum(1, (dur - t) / 0.03)
        s = int(onset * sr)
        y[s:s + n] += gain * env * sum(np.sin(2 * np.pi * k * f * t) / k for k in range(1, partials + 1))
    return y.astype(np.float32)


def _f(notes, ref=MELODY):
    return note_f_measure([(o, p) for o, _d, p in ref], [(n.onset, n.pitch) for n in notes])[2]


def test_the_pitch_step_takes_an_explicit_sample_rate():
    hi, lo = _tone(MELODY, 44100), _tone(MELODY, PYIN_RATE)
    a = track_notes(hi, sample_rate=44100, backend="pyin")
    b = track_notes(lo, sample_rate=PYIN_RATE, backend="pyin")
    assert _f(a) >= 0.9 and _f(b) >= 0.9
    assert [round(n.pitch) for n in a] == [round(n.pitch) for n in b]
    assert max(abs(x.onset - y.onset) for x, y in zip(a, b, strict=True)) < 0.02
    job = PitchTrackJob(hi, sample_rate=44100)
    assert job.y.size == pytest.approx(hi.size * PYIN_RATE / 44100, abs=2)


def test_at_rate_refuses_what_is_not_mono_audio_at_a_real_rate():
    with pytest.raises(ValueError, match="sample rate"):
        at_rate(np.zeros(10, np.float32), 0, 22050)
    with pytest.raises(ValueError, match="mono"):
        at_rate(np.zeros((2, 10), np.float32), 44100, 22050)
    y = np.ones(441, np.float32)
    assert at_rate(y, 44100, 44100) is not None and at_rate(y, 44100, 22050).size == pytest.approx(220, abs=1)


def _events(notes, salience):
    return [NoteEvent(o, o + d, p, salience) for o, d, p in notes]


def test_lead_line_is_the_melody_not_the_bass_nor_the_pad():
    melody = _events([(o, d, p) for o, d, p in MELODY], 0.7)
    bass = _events([(i * 0.5, 0.45, 40 + (i % 2) * 7) for i in range(8)], 0.85)  # louder, busier, low
    pad = _events([(0.0, 2.0, 60), (0.0, 2.0, 64), (0.0, 2.0, 67), (2.0, 2.0, 65), (2.0, 2.0, 69),
                   (2.0, 2.0, 84)], 0.6)  # a held chord, one voice above the tune
    line = select_lead_line(bass + pad + melody)
    assert [round(n.pitch) for n in line] == [p for *_x, p in MELODY]
    assert all(b.onset >= a.end - 1e-9 for a, b in zip(line, line[1:], strict=False))  # one line
    assert polyphony(bass + pad + melody) > 0.3 and polyphony(melody) == 0.0


def test_melody_notes_on_the_bass_partials_are_kept():
    # melodies sit on chord tones: a tune note often starts a 12th or two octaves above a louder bass note
    # (what an overtone ghost of the bass would look like); such notes are the melody, not ghosts
    melody = _events([(o, d, p) for o, d, p in MELODY], 0.5)
    bass = _events([(o, d, p - (19 if k % 2 else 24)) for k, (o, d, p) in enumerate(MELODY)], 0.9)
    line = select_lead_line(bass + melody)
    assert [round(n.pitch) for n in line] == [p for *_x, p in MELODY]


def test_only_bass_notes_still_give_a_line():
    bass = _events([(i * 0.5, 0.45, 36 + i) for i in range(8)], 0.8)
    assert len(select_lead_line(bass)) == 8 and select_lead_line([]) == []


@needs_basic_pitch
def test_basic_pitch_finds_the_melody_in_a_mix():
    sr = 22050
    total = 4.6
    mix = _tone(MELODY, sr, total, gain=0.25)
    mix += _tone([(i * 0.5, 0.45, 40 + (i % 2) * 7) for i in range(9)], sr, total, gain=0.3)
    mix += _tone([(0.0, 2.0, 60), (0.0, 2.0, 64), (0.0, 2.0, 67), (2.0, 2.0, 62), (2.0, 2.0, 65),
                  (2.0, 2.0, 69)], sr, total, gain=0.08, partials=2)
    result = transcribe(mix, sr, backend="basic-pitch")
    assert result.backend == "basic-pitch" and result.polyphony > 0.2
    assert _f(result.notes) >= 0.8, [(round(n.onset, 2), n.pitch) for n in result.notes]


@needs_basic_pitch
def test_a_tune_over_a_louder_bass_two_octaves_down_is_heard_from_audio():
    # the audio version of the test above: a bright bass a 12th or two octaves under every tune note;
    # basic-pitch hears both, and the tune is the line (an overtone-ghost rule once kept 2 of its 8 notes)
    sr = 22050
    mix = _tone(MELODY, sr, 4.6, gain=0.2)
    mix += _tone([(o, d, p - (19 if k % 2 else 24)) for k, (o, d, p) in enumerate(MELODY)], sr, 4.6, gain=0.45,
                 partials=6)
    result = transcribe(mix, sr, backend="basic-pitch")
    assert _f(result.notes) >= 0.9, [(round(n.onset, 2), n.pitch) for n in result.notes]


@needs_basic_pitch
def test_auto_uses_basic_pitch_and_the_result_is_rate_independent():
    a = transcribe(_tone(MELODY, 44100), 44100)
    b = transcribe(_tone(MELODY, 16000), 16000)
    assert a.backend == b.backend == "basic-pitch"
    assert _f(a.notes) >= 0.9 and _f(b.notes) >= 0.9


def test_a_missing_transcriber_says_how_to_install_it(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "basic_pitch" else real(name, *a))
    with pytest.raises(TranscriberMissing, match="basic-pitch transcriber is not installed") as err:
        choose_backend("basic-pitch")
    assert "pip install" in str(err.value) and "--no-deps basic-pitch" in str(err.value)
    assert choose_backend("auto") == "pyin"  # falls back to pYIN
    with pytest.raises(ValueError, match="unknown transcriber"):
        choose_backend("crepe")


def test_the_model_session_does_not_busy_wait_between_ops():
    # spinning pool threads took the second core from the analysis's other steps (CPU time, not results)
    from app.core.transcription import polyphonic

    if not polyphonic.available():
        pytest.skip("basic-pitch is not installed")
    options = polyphonic._load_session().get_session_options()
    assert options.get_session_config_entry(polyphonic.SPINNING_ENTRY) == "0"


def test_the_model_runs_one_thread_per_run_and_transcribe_shares_its_batches():
    # each op split over two threads cost ~35 % more CPU for the same posteriors; the callers' two threads
    # share the batches instead, and the notes do not depend on which thread ran which batch
    from app.core.transcription import polyphonic
    from app.core.transcription.transcribe import MelodyJob

    if not polyphonic.available():
        pytest.skip("basic-pitch is not installed")
    assert polyphonic._load_session().get_session_options().intra_op_num_threads == 1
    y = np.tile(_tone(MELODY, 22050), 6)  # ~24 s: more than one batch of windows
    job = MelodyJob(y, 22050, backend="basic-pitch")
    assert job._poly is not None and len(job._poly.batches) > 1
    job.work()
    assert transcribe(y, 22050, backend="basic-pitch").notes == job.result().notes


@needs_basic_pitch
@pytest.mark.parametrize("seconds", [1.0, 6.55, 8.3])
def test_windows_past_the_last_frame_are_not_run_and_the_posteriors_are_unchanged(seconds):
    # every 2-s window used to be run up to the end of the padded audio, and the frames of the last one could
    # all lie past the song's last frame; the posteriors must be those of running every window, bit for bit
    y = np.resize(_tone(MELODY, 22050), int(seconds * 22050))
    job = poly.PosteriorJob(y, 22050)
    job.work()
    note, onset = job.posteriors()
    overlap = poly.OVERLAP_FRAMES * poly.FFT_HOP
    padded = np.concatenate([np.zeros(overlap // 2, np.float32), y])
    starts = list(range(0, padded.size, poly.WINDOW_SAMPLES - overlap))
    batch = np.zeros((len(starts), poly.WINDOW_SAMPLES, 1), np.float32)
    for k, s in enumerate(starts):
        w = padded[s:s + poly.WINDOW_SAMPLES]
        batch[k, : w.size, 0] = w
    ref_note, ref_onset = poly._load_session().run(["StatefulPartitionedCall:1", "StatefulPartitionedCall:2"],
                                                   {"serving_default_input_2:0": batch})
    half = poly.OVERLAP_FRAMES // 2
    assert np.array_equal(note, ref_note[:, half:-half].reshape(-1, 88)[: job.n_frames])
    assert np.array_equal(onset, ref_onset[:, half:-half].reshape(-1, 88)[: job.n_frames])
    run = sum(len(b) for b in job.batches)
    assert run == -(-job.n_frames // poly.KEPT_FRAMES) and (run < len(starts)) == (seconds == 6.55)


def test_the_top_voice_when_a_note_starts_is_preferred():
    """Two lines above the lead register's top, the lower a touch louder and a tenth of a second behind: the line
    that is the top voice as its notes start is the melody (the skyline preference)."""
    upper = _events([(i * 0.5, 0.45, 84 - (i % 3)) for i in range(8)], 0.50)
    lower = _events([(i * 0.5 + 0.1, 0.45, 77 + (i % 2)) for i in range(8)], 0.52)
    assert list(top_voice(sorted(upper + lower, key=lambda e: (e.onset, -e.pitch)))) == [True, False] * 8
    assert [round(n.pitch) for n in select_lead_line(upper + lower)] == [e.pitch for e in upper]


def test_a_chord_member_under_a_higher_one_is_not_the_top_voice():
    chord = _events([(0.0, 1.0, 60), (0.01, 0.5, 67)], 0.5)  # the higher note starts 10 ms later: one chord
    after = _events([(1.0, 0.5, 64), (1.2, 0.8, 55)], 0.5)  # 60 has ended when 64 starts; 64 sounds over 55
    assert list(top_voice(sorted(chord + after, key=lambda e: (e.onset, -e.pitch)))) == [False, True, True, False]
