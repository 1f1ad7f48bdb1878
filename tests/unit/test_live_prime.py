"""A recorded phrase as the song's prime: the count-in is left out (a pickup in its last beat stays), held
notes end when recording stops, the prime is one undoable project edit, and continue/vary start from it."""

from __future__ import annotations

import pytest

from app.core.live.clock import TransportClock
from app.core.live.prime import prime_melody, prime_request, recorded_prime, set_prime_edit
from app.core.live.recorder import PhraseRecorder
from app.core.live.types import TimedMessage
from app.core.music import Key, Melody, Note
from app.core.project.cocreation.cocreate import plan, song_context
from app.core.project.model import Project


def _recorder() -> PhraseRecorder:
    return PhraseRecorder(TransportClock(120.0, now=lambda: 0.0), grid="1/8")  # beat b at b * 0.5 s


def _note(rec: PhraseRecorder, pitch: int, on_beat: float, off_beat: float | None) -> None:
    rec.feed(TimedMessage(on_beat * 0.5, (0x90, pitch, 100)))
    if off_beat is not None:
        rec.feed(TimedMessage(off_beat * 0.5, (0x80, pitch, 0)))


def test_count_in_notes_are_dropped_but_a_pickup_in_its_last_beat_stays():
    rec = _recorder()
    _note(rec, 50, 1.0, 1.5)  # early in the count-in bar (record from beat 4)
    _note(rec, 55, 3.5, 3.9)  # a pickup
    _note(rec, 60, 4.0, 5.0)
    phrase = rec.take(from_beat=4.0)
    assert [n.pitch for n in phrase.quantised] == [55, 60]
    assert rec.take() is None  # taken: the next phrase starts empty


def test_a_held_note_ends_when_recording_stops():
    rec = _recorder()
    _note(rec, 60, 0.0, None)
    assert rec.take() is None  # still held
    rec.release(1.5 * 0.5)
    phrase = rec.take()
    assert phrase.raw.notes[0].duration == pytest.approx(1.5)


def test_nothing_after_the_count_in_is_no_phrase():
    rec = _recorder()
    _note(rec, 50, 0.0, 0.5)
    assert rec.take(from_beat=4.0) is None


def _phrase_json() -> dict:
    q = Melody((Note(60, 4.0, 1.0), Note(62, 5.0, 1.0), Note(64, 6.0, 2.0)))
    return {"raw": q.to_json(), "quantised": q.to_json(), "grid": "1/8"}


def test_the_prime_is_one_undoable_edit():
    project = Project()
    project.extras["other"] = {"kept": True}
    edit = set_prime_edit(project, _phrase_json(), start_bar=1)
    edit.apply(project)
    assert recorded_prime(project)["start_bar"] == 1 and project.extras["other"] == {"kept": True}
    assert [n.pitch for n in prime_melody(project).notes] == [60, 62, 64]
    edit.revert(project)
    assert recorded_prime(project) is None and project.extras["other"] == {"kept": True}


def test_continue_and_vary_start_from_the_prime():
    melody = Melody((Note(60, 4.0, 1.0), Note(62, 5.0, 1.0), Note(64, 6.0, 2.0)))
    cont = prime_request(melody, "continue", bar_quarters=4.0, bars=2)
    assert (cont.mode, cont.start_bar, cont.bars) == ("continue", 2, 2)
    vary = prime_request(melody, "vary", bar_quarters=4.0)
    assert (vary.mode, vary.start_bar, vary.bars) == ("vary", 1, 1)
    project = Project(tempo_bpm=120.0, key=Key(0, "major"))
    p = plan(song_context(project), cont)
    assert [n.pitch for n in p.melody.notes] == [60, 62, 64]  # the recorded phrase is what the model continues
    assert [n.pitch for n in plan(song_context(project), vary).melody.notes] == [60, 62, 64]
    with pytest.raises(ValueError):
        prime_request(Melody(()), "continue", bar_quarters=4.0)


def test_a_run_with_nothing_before_its_range_is_named_a_new_melody():
    from app.core.project.cocreation.cocreate import SuggestRequest, plan_label

    project = Project(tempo_bpm=120.0, key=Key(0, "major"))  # no lead, no prime: a song without its tune yet
    assert plan_label(plan(song_context(project), SuggestRequest(start_bar=0, bars=4))) == "New melody bars 1–4"
    melody = Melody((Note(60, 4.0, 1.0), Note(62, 5.0, 1.0), Note(64, 6.0, 2.0)))
    cont = prime_request(melody, "continue", bar_quarters=4.0, bars=2)
    assert plan_label(plan(song_context(project), cont)) == "Continue bars 3–4"
    vary = prime_request(melody, "vary", bar_quarters=4.0)
    assert plan_label(plan(song_context(project), vary)) == "Vary bar 2"
