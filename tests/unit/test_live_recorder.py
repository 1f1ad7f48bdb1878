"""Phrase recording: quantise on record keeping the raw timing, monophonic lines, the silence that ends a
phrase; and the MIDI clock follower/leader on stamped messages."""

from __future__ import annotations

import pytest

from app.core.live.clock import TransportClock
from app.core.live.midi_clock import PPQN, ClockFollower, ClockOut
from app.core.live.recorder import PhraseRecorder, SilenceDetector, quantise
from app.core.live.types import TimedMessage
from app.core.music import Note


def _clock() -> TransportClock:
    t = [0.0]
    clock = TransportClock(120.0, now=lambda: t[0])
    clock.fake_time = t  # type: ignore[attr-defined]
    return clock


def _play(rec: PhraseRecorder, notes: list[tuple[int, float, float]]) -> None:
    msgs = []
    for pitch, on, off in notes:
        msgs.append(TimedMessage(on, (0x90, pitch, 100)))
        msgs.append(TimedMessage(off, (0x80, pitch, 0)))
    for m in sorted(msgs, key=lambda m: m.time):
        rec.feed(m)


def test_quantise_on_record_keeps_the_raw_timing():
    clock = _clock()
    rec = PhraseRecorder(clock, grid="1/8")
    # played slightly off the eighth grid at 120 BPM (0.25 s per eighth)
    _play(rec, [(60, 0.02, 0.24), (62, 0.26, 0.49), (64, 0.51, 0.97)])
    phrase = rec.take()
    assert [n.onset for n in phrase.quantised] == [0.0, 0.5, 1.0]
    assert [n.duration for n in phrase.quantised] == [0.5, 0.5, 1.0]
    assert phrase.raw.notes[0].onset == pytest.approx(0.04)  # raw timing kept, in beats
    assert phrase.raw.notes[2].duration == pytest.approx(0.92)
    assert rec.take() is None  # taken: a new phrase starts


def test_overlapping_notes_become_a_line_and_a_repeated_note_on_ends_the_held_note():
    clock = _clock()
    rec = PhraseRecorder(clock, grid="off")
    rec.feed(TimedMessage(0.0, (0x90, 60, 90)))
    rec.feed(TimedMessage(0.4, (0x90, 64, 90)))  # legato: 60 still held
    rec.feed(TimedMessage(0.6, (0x80, 60, 0)))
    rec.feed(TimedMessage(0.9, (0x90, 64, 0)))  # note-on with velocity 0 is a note-off
    rec.feed(TimedMessage(1.0, (0x90, 67, 90)))
    rec.feed(TimedMessage(1.2, (0x90, 67, 90)))  # same key again before its off
    rec.feed(TimedMessage(1.4, (0x80, 67, 0)))
    notes = rec.take().raw.notes
    assert [n.pitch for n in notes] == [60, 64, 67, 67]
    assert notes[0].end == pytest.approx(notes[1].onset)


def test_quantise_keeps_two_notes_that_land_on_one_grid_point():
    out = quantise([Note(60, 0.0, 0.1), Note(62, 0.1, 0.4)], 0.5)
    assert [n.onset for n in out] == [0.0, 0.5]


def test_silence_of_one_bar_ends_the_phrase_not_while_a_note_is_held():
    clock = _clock()
    rec = PhraseRecorder(clock)
    silence = SilenceDetector(clock, beats=4)
    assert not silence.ended(rec, 10.0)  # nothing played
    rec.feed(TimedMessage(0.0, (0x90, 60, 90)))
    assert not silence.ended(rec, 5.0)  # held
    rec.feed(TimedMessage(1.0, (0x80, 60, 0)))
    assert silence.window_end(rec) == pytest.approx(3.0)  # 4 beats at 120 BPM after the last note-off
    assert not silence.ended(rec, 2.9) and silence.ended(rec, 3.0)
    with pytest.raises(ValueError):
        SilenceDetector(clock, beats=0)


def test_unknown_grid_is_refused():
    with pytest.raises(ValueError, match="grid"):
        PhraseRecorder(_clock(), grid="1/5")


def test_clock_follower_takes_tempo_phase_start_stop_and_song_position():
    clock = TransportClock(90.0, now=lambda: 0.0)
    follow = ClockFollower(clock)
    assert follow.feed(TimedMessage(10.0, (0xFA,))) == "start"
    tick = 60.0 / 128.0 / PPQN  # the leader plays 128 BPM
    for k in range(PPQN * 4):
        follow.feed(TimedMessage(10.0 + k * tick, (0xF8,)))
    assert clock.running and clock.leader == "midi-clock"
    assert clock.tempo_bpm == pytest.approx(128.0, rel=1e-6)
    assert clock.time_at(4.0) == pytest.approx(10.0 + 4 * 60.0 / 128.0, abs=1e-6)  # the next beat, predicted
    assert follow.feed(TimedMessage(12.0, (0xFC,))) == "stop" and not clock.running
    assert follow.feed(TimedMessage(12.1, (0xF2, 32, 0))) == "position"  # 32 sixteenths = beat 8
    assert follow.feed(TimedMessage(12.2, (0xFB,))) == "continue"
    follow.feed(TimedMessage(12.3, (0xF8,)))
    assert clock.beat_at(12.3) == pytest.approx(8.0)


def test_clock_follower_ignores_one_late_tick():
    clock = TransportClock(120.0, now=lambda: 0.0)
    follow = ClockFollower(clock)
    follow.feed(TimedMessage(0.0, (0xFA,)))
    tick = 0.5 / PPQN
    for k in range(PPQN * 2):
        late = 0.004 if k == PPQN * 2 - 1 else 0.0  # the newest tick 4 ms late
        follow.feed(TimedMessage(k * tick + late, (0xF8,)))
    assert abs(clock.time_at(2.0) - 1.0) < 0.001  # the grid moved by well under the tick's lateness


class ListOut:
    """Collects what would be scheduled (the real outputs are tested on JACK in tests/integration)."""

    def __init__(self) -> None:
        self.items: list[tuple[float, tuple[int, ...]]] = []

    def schedule(self, t, data):
        self.items.append((t, tuple(data)))

    def send_now(self, data):
        self.items.append((0.0, tuple(data)))


def test_clock_out_starts_on_a_bar_line_and_schedules_24_ticks_per_beat():
    t = [0.0]
    clock = TransportClock(120.0, now=lambda: t[0])
    t[0] = 0.1
    out = ListOut()
    leader = ClockOut(clock, out, horizon_s=0.1)
    beat = leader.start()
    assert beat == 4.0
    assert out.items[:2] == [(2.0, (0xF2, 16, 0)), (2.0, (0xFA,))]
    t[0] = 2.9
    leader.pump(t[0])
    ticks = [time for time, d in out.items if d == (0xF8,)]
    assert ticks[0] == pytest.approx(2.0) and ticks[1] - ticks[0] == pytest.approx(0.5 / 24)
    assert ticks[-1] <= 3.0 + 1e-9 and len(ticks) == 49
    leader.stop()
    assert out.items[-1] == (0.0, (0xFC,)) and leader.pump(5.0) == 0
