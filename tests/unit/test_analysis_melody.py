"""Lead-melody tracking: pYIN notes, segmentation, quantisation and the note F-measure."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.analysis.melody import PYIN_RATE, SecondsNote, note_f_measure, track_notes
from app.core.music import BeatGrid, TimeSignature
from app.core.transcription.grid import melody_on_grid


def _render(notes, sr=PYIN_RATE, total=None, glide=False):
    total = total or max(o + d for o, d, _ in notes) + 0.3
    y = np.zeros(int(total * sr))
    for i, (onset, dur, pitch) in enumerate(notes):
        n = int(dur * sr)
        t = np.arange(n) / sr
        f = 440.0 * 2 ** ((pitch - 69) / 12)
        if glide and i > 0:
            # a 30 ms slide in from the previous pitch: the flicker that segmentation has to absorb
            f0 = 440.0 * 2 ** ((notes[i - 1][2] - 69) / 12)
            k = min(n, int(0.03 * sr))
            freq = np.full(n, f)
            freq[:k] = np.linspace(f0, f, k)
            phase = 2 * np.pi * np.cumsum(freq) / sr
        else:
            phase = 2 * np.pi * f * t
        env = np.minimum(1, t / 0.01) * np.minimum(1, (dur - t) / 0.02)
        tone = sum(np.sin(k * phase) / k for k in range(1, 5))
        s = int(onset * sr)
        y[s:s + n] += 0.3 * env * tone
    return y.astype(np.float32)


def test_notes_are_found_with_onsets_and_pitches():
    ref = [(0.2, 0.4, 60), (0.65, 0.4, 64), (1.1, 0.2, 67), (1.35, 0.6, 72), (2.0, 0.25, 71), (2.3, 0.5, 69)]
    notes = track_notes(_render(ref))
    p, r, f = note_f_measure([(o, p) for o, _d, p in ref], [(n.onset, n.pitch) for n in notes])
    assert f >= 0.9, (p, r, [(round(n.onset, 3), round(n.pitch, 2)) for n in notes])


def test_legato_glides_do_not_create_extra_notes():
    ref = [(0.1, 0.5, 62), (0.6, 0.5, 64), (1.1, 0.5, 65), (1.6, 0.6, 67)]
    notes = track_notes(_render(ref, glide=True))
    assert [round(n.pitch) for n in notes] == [62, 64, 65, 67]


def test_silence_and_noise_give_no_notes_or_few():
    assert track_notes(np.zeros(PYIN_RATE * 2, np.float32)) == []
    noise = (0.1 * np.random.default_rng(1).standard_normal(PYIN_RATE * 2)).astype(np.float32)
    assert len(track_notes(noise)) < 5


def test_quantise_to_the_grid():
    grid = BeatGrid(120.0, TimeSignature(4, 4), offset_seconds=0.5)
    notes = [SecondsNote(0.51, 0.48, 60.1), SecondsNote(1.01, 0.24, 62.0), SecondsNote(1.26, 0.7, 63.8),
             SecondsNote(0.2, 0.2, 50.0)]  # the last one is before bar 1: dropped
    m = melody_on_grid(notes, grid)
    assert [(n.pitch, n.onset, n.duration) for n in m.notes] == [(60, 0.0, 1.0), (62, 1.0, 0.5), (64, 1.5, 1.5)]
    assert m.tempo_bpm == 120.0 and m.time_signature == TimeSignature(4, 4)


def test_note_f_measure_matching():
    ref = [(0.0, 60), (0.5, 62), (1.0, 64)]
    assert note_f_measure(ref, ref) == (1.0, 1.0, 1.0)
    est = [(0.04, 60.4), (0.56, 62), (1.0, 65), (1.5, 67)]  # 2nd too late, 3rd wrong pitch, 4th extra
    p, r, f = note_f_measure(ref, est)
    assert (p, r) == (0.25, pytest.approx(1 / 3)) and f == pytest.approx(2 * 0.25 / 3 / (0.25 + 1 / 3))
    assert note_f_measure([], est) == (0.0, 0.0, 0.0)
    # one estimate cannot match two references
    assert note_f_measure([(0.0, 60), (0.01, 60)], [(0.0, 60)])[1] == 0.5
