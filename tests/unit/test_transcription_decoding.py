"""Decoding basic-pitch's posteriors into notes: one attack is one note, a re-struck note is two, and on a lead
stem a fundamental under a louder partial is a note."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.transcription.lead_line import select_lead_line
from app.core.transcription.polyphonic import (
    FUNDAMENTAL_ONSET_THRESHOLD,
    MAX_ATTACK_FRAMES,
    MIDI_OFFSET,
    _frame_times,
    add_fundamentals,
    attack_start,
    decode_notes,
    events_from_posteriors,
    with_inferred_onsets,
)

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


def test_on_a_lead_stem_the_fundamental_under_a_louder_partial_is_a_note():
    # a celesta-like attack: the onset posterior peaks higher on a partial 17 semitones up than on the
    # fundamental (0.45, under the 0.5 threshold), while the fundamental's note posterior is the stronger
    note, onset = _posteriors()
    partial = BIN + 17
    note[20:90, BIN] = 0.7
    note[20:60, partial] = 0.5
    _bump(onset, 21, 0.45)
    onset[19:24, partial] = np.array([0.2, 0.4, 0.7, 0.4, 0.2], np.float32)
    plain = decode_notes(note, onset)
    assert [e.pitch for e in plain] == [PITCH + 17]  # only the partial's attack crosses the threshold
    events = add_fundamentals(plain, decode_notes(note, onset, onset_threshold=FUNDAMENTAL_ONSET_THRESHOLD))
    assert sorted(e.pitch for e in events) == [PITCH, PITCH + 17]
    assert [round(n.pitch) for n in select_lead_line(events, lead_stem=True)] == [PITCH]
    # a note an octave or more under a decoded one is added only when it starts with it
    late = decode_notes(note, np.roll(onset, 10, axis=0) * (np.arange(88) == BIN) + onset * (np.arange(88) != BIN),
                        onset_threshold=FUNDAMENTAL_ONSET_THRESHOLD)
    assert [e.pitch for e in add_fundamentals(plain, late)] == [PITCH + 17]


def _frame_by_frame(note, onset, onset_threshold=0.5, frame_threshold=0.3, tolerance=11, min_frames=6):
    """The paper's decoding written as plainly as possible: the reference the fast decoder must equal."""
    from scipy.signal import argrelmax

    from app.core.transcription.polyphonic import drop_double_attacks

    n = note.shape[0]
    peaks = np.zeros_like(onset)
    idx = argrelmax(onset, axis=0)
    peaks[idx] = onset[idx]
    t_idx, f_idx = drop_double_attacks(note, *np.nonzero(peaks >= onset_threshold))
    energy, times, out = note.copy(), _frame_times(n + 1), []
    order = np.argsort(-t_idx, kind="stable")
    for start, f in zip(t_idx[order], f_idx[order], strict=True):
        if start >= n - 1:
            continue
        i, k = start + 1, 0
        while i < n - 1 and k < tolerance:
            k = k + 1 if energy[i, f] < frame_threshold else 0
            i += 1
        i -= k
        if i - start <= min_frames:
            continue
        energy[start:i, max(0, f - 1): f + 2] = 0.0
        out.append((float(times[start]), float(times[i]), int(f) + MIDI_OFFSET, float(np.mean(note[start:i, f]))))
    return sorted(out, key=lambda e: (e[0], -e[2]))


@pytest.mark.parametrize("seed", range(12))
def test_the_fast_decoder_equals_the_frame_by_frame_scan(seed):
    # the end of a note is found by a bytes search instead of a Python loop over frames: same notes, bit for bit
    rng = np.random.default_rng(seed)
    frames = int(rng.integers(3, 700))
    note = (rng.random((frames, 88)) ** rng.uniform(0.3, 3.0)).astype(np.float32)
    onset = (rng.random((frames, 88)) ** rng.uniform(1.0, 6.0)).astype(np.float32)
    for threshold in (0.5, FUNDAMENTAL_ONSET_THRESHOLD):
        got = [(e.onset, e.offset, e.pitch, e.salience) for e in decode_notes(note, onset, onset_threshold=threshold)]
        assert got == _frame_by_frame(note, onset, onset_threshold=threshold)
        assert got  # the case exercises the decoder


def test_a_slow_attack_on_a_lead_stem_starts_where_its_onset_posterior_rises():
    # a soft synth lead: the onset posterior climbs over 6 frames and peaks ~60 ms after the note began
    note, onset = _posteriors()
    note[20:120, BIN] = 0.8
    onset[18:30, BIN] = np.array([0.1, 0.15, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.4, 0.2, 0.1], np.float32)
    times = _frame_times(40)
    (peak,) = [e for e in decode_notes(note, onset) if e.pitch == PITCH]
    assert peak.onset == pytest.approx(times[26], abs=1e-6)  # the paper's decoding: the peak
    (dated,) = [e for e in decode_notes(note, onset, date_attacks=True) if e.pitch == PITCH]
    # the rise passes half the peak (0.35) at frame 21; the note starts one frame later
    assert dated.onset == pytest.approx(times[22], abs=1e-6)
    assert (dated.offset, dated.salience) == (peak.offset, peak.salience)  # same frames claimed
    assert attack_start(onset, 26, BIN) == 22


def test_a_fast_attack_keeps_its_peak_and_a_trough_stops_the_rise():
    note, onset = _posteriors()
    note[20:120, BIN] = 0.8
    _bump(onset, 21, 0.8)  # rise above half the peak for one frame: the peak is the onset
    assert attack_start(onset, 21, BIN) == 21
    # an earlier attack on the same pitch, a trough, then a slow rise: the rise stops at the trough
    onset[30:40, BIN] = np.array([0.6, 0.5, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.3, 0.1], np.float32)
    assert attack_start(onset, 37, BIN) == 33  # frames 32..37 rise (32 is the trough), start one after it
    # never more than MAX_ATTACK_FRAMES before the peak
    onset[50:70, BIN] = np.linspace(0.5, 0.9, 20, dtype=np.float32)
    assert attack_start(onset, 69, BIN) == 69 - MAX_ATTACK_FRAMES + 1


def test_only_a_lead_stem_dates_its_notes_from_the_attack():
    note, onset = _posteriors()
    note[:120, BIN] = 0.8  # steady from the start: no jump of the note posterior, so no inferred onset
    onset[18:30, BIN] = np.array([0.1, 0.15, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.4, 0.2, 0.1], np.float32)
    times = _frame_times(40)
    assert [e.onset for e in events_from_posteriors(note, onset)] == [pytest.approx(times[26])]
    assert [e.onset for e in events_from_posteriors(note, onset, lead_stem=True)] == [pytest.approx(times[22])]


def test_on_a_lead_stem_a_jump_of_the_note_posterior_starts_a_note_the_onset_head_missed():
    # a celesta-like note: the onset head is unsure (0.38, under both thresholds) but the pitch's note
    # posterior leaps from silence to 0.6; another note elsewhere sets the onset posterior's scale (0.9)
    note, onset = _posteriors()
    note[30:70, BIN] = 0.6
    _bump(onset, 31, 0.38)
    other = BIN + 5
    note[120:160, other] = 0.8
    onset[119:124, other] = np.array([0.2, 0.5, 0.9, 0.5, 0.2], np.float32)
    assert [e.pitch for e in events_from_posteriors(note, onset)] == [PITCH + 5]  # a mix: the paper's decoding
    lead = events_from_posteriors(note, onset, lead_stem=True)
    assert sorted(e.pitch for e in lead) == [PITCH, PITCH + 5]
    (found,) = [e for e in lead if e.pitch == PITCH]
    assert abs(found.onset - _frame_times(40)[30]) < 0.025


def test_inferred_onsets_follow_rises_of_the_note_posterior_only():
    note, onset = _posteriors()
    onset[:, BIN] = 0.1
    onset[50, BIN] = 0.8
    note[40:60, BIN] = 0.5  # a jump of 0.5 at frame 40
    note[60:80, BIN] = 0.75  # a smaller one (0.25) at frame 60
    note[80:, BIN] = 0.2  # a fall: no onset
    got = with_inferred_onsets(onset, note)
    assert got[40, BIN] == pytest.approx(0.8)  # the largest jump is scaled to the largest onset posterior
    assert got[60, BIN] == pytest.approx(0.4)
    assert got[80, BIN] == pytest.approx(0.1) and got[50, BIN] == pytest.approx(0.8)
    assert np.all(got >= onset)
    # a two-frame rise counts at its smaller step (the jump must hold over 1..2 frames)
    note2 = np.zeros_like(note)
    note2[10, BIN], note2[11:, BIN] = 0.3, 0.6
    assert with_inferred_onsets(onset, note2)[11, BIN] == pytest.approx(0.8 * 0.3 / 0.3)
    assert np.array_equal(with_inferred_onsets(onset, np.zeros_like(note)), onset)  # nothing rises


def test_a_flat_topped_onset_peak_counts_once_at_its_first_frame_when_asked():
    from app.core.transcription.polyphonic import onset_peaks

    onset = np.zeros((12, 88), np.float32)
    onset[3:6, BIN] = [0.5, 0.9, 0.9]  # a plateau (an inferred jump as high as the largest onset peak)
    onset[8, BIN] = 0.7
    assert onset_peaks(onset)[0].tolist() == [8]  # strict maxima only: the plateau is lost
    t, f = onset_peaks(onset, plateaus=True)
    assert t.tolist() == [4, 8] and set(f.tolist()) == {BIN}
