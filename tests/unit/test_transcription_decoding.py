"""Decoding basic-pitch's posteriors into notes: one attack is one note, a re-struck note is two."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.transcription.polyphonic import MIDI_OFFSET, _frame_times, decode_notes

PITCH = 62
BIN = PITCH - MIDI_OFFSET


def _posteriors(frames=200):
    return np.zeros((frames, 88), np.float32), np.zeros((frames, 88), np.float32)


def _bump(onset, at, height):
    onset[at - 2: at + 3, BIN] = np.array([0.2, 0.4, height, 0.4, 0.2], np.float32)


def test_a_slow_attack_with_two_onset_peaks_is_one_note_from_the_first():
    # a bowed note: the onset posterior peaks twice 7 frames (~80 ms) apart while the note keeps rising
    note, onset = _posteriors()
    note[20:120, BIN] = np.linspace(0.5, 0.9, 100)
    _bump(onset, 21, 0.75)
    _bump(onset, 28, 0.65)
    events = [e for e in decode_notes(note, onset) if e.pitch == PITCH]
    assert len(events) == 1
    assert events[0].onset == pytest.approx(_frame_times(30)[21], abs=1e-6)


def test_a_re_struck_note_stays_two_notes():
    # the note is released between the strikes: the posterior dips, so the second peak is a new note
    note, onset = _posteriors()
    note[20:29, BIN] = 0.8
    note[29:31, BIN] = 0.55
    note[31:90, BIN] = 0.8
    _bump(onset, 21, 0.75)
    _bump(onset, 31, 0.75)
    events = [e for e in decode_notes(note, onset) if e.pitch == PITCH]
    assert [round(e.onset, 3) for e in events] == [round(float(_frame_times(40)[i]), 3) for i in (21, 31)]
