"""The answer to a played phrase is an ordinary suggestion from the consented model: in the phrase's key, on
the grid, starting on a bar line after the silence, with credit and the longest copied run."""

from __future__ import annotations

import pytest

from app.core.catalogue.store import Catalogue
from app.core.catalogue.types import ContributorShare
from app.core.errors import ModelFileError
from app.core.home import AccordHome
from app.core.live.clock import TransportClock
from app.core.live.recorder import PhraseRecorder
from app.core.live.responder import Responder, load_consented_model, notes_to_events, panic_messages
from app.core.live.types import LiveError, TimedMessage
from app.core.model import idyom_benchmark_set
from app.core.model.ppm.viewpoints import estimate_key
from app.core.music import Note
from app.core.project.model_training import train_usable


@pytest.fixture
def home(accord_home):
    home = AccordHome.resolve(accord_home)
    with Catalogue.open(home.catalogue_path) as cat:
        for ident, melody in idyom_benchmark_set()[:12]:
            wid = cat.add_work(melody, title=ident, contributors=[ContributorShare("J. S. Bach", "composer", 10000)])
            cat.record_consent(wid, "grant")
    train_usable(home.catalogue_path, home.current_model_path)
    return home


def _phrase(clock: TransportClock, pitches: list[int], start_s: float = 0.3):
    rec = PhraseRecorder(clock, grid="1/8")
    t = start_s
    for p in pitches:  # eighth notes at 120 BPM, a little late each time
        rec.feed(TimedMessage(t + 0.01, (0x90, p, 90)))
        rec.feed(TimedMessage(t + 0.22, (0x80, p, 0)))
        t += 0.25
    return rec.take()


def test_the_answer_is_a_credited_suggestion_in_key_on_the_next_bar(home):
    t = [0.0]
    clock = TransportClock(120.0, now=lambda: t[0])
    pitches = [67, 69, 71, 72, 74, 72, 71, 69, 67, 66, 67]  # G major
    phrase = _phrase(clock, pitches)
    t[0] = 6.0  # after the silence window: beat 12
    answer = Responder(load_consented_model(home), bars=2, seed=5).answer(phrase, clock)
    s = answer.suggestion
    assert str(answer.key) == str(estimate_key(pitches, [0.5] * len(pitches))) == "G major"
    assert answer.start_beat % 4 == 0 and answer.start_beat >= 12  # a bar line, not before now
    assert all(n.pitch % 12 in answer.key.melodic_scale for n in s.notes)
    assert all(abs(n.onset * 4 - round(n.onset * 4)) < 1e-6 for n in s.notes)  # on the sixteenth grid
    assert min(n.onset for n in s.notes) >= answer.start_beat - 1e-9
    assert max(n.end for n in s.notes) <= answer.start_beat + 8 + 1e-9
    assert s.credit and abs(sum(s.credit.values()) + s.uniform_share + s.piece_share - 1.0) < 1e-6
    assert 0 < s.longest_copied_run["length"] <= 8
    assert s.model_id and s.mode == "continue"
    ons = [e for e in answer.events if e.is_note_on]
    assert len(ons) == len(s.notes) and ons[0].time == pytest.approx(clock.time_at(s.notes.notes[0].onset))
    assert [e.time for e in answer.events] == sorted(e.time for e in answer.events)


def test_a_phrase_played_in_triplets_is_answered_in_triplets(home):
    t = [0.0]
    clock = TransportClock(120.0, now=lambda: t[0])
    rec = PhraseRecorder(clock, grid="1/8t")
    beat = 0.5
    for i, p in enumerate([67, 69, 71, 72, 74, 72, 71, 69]):  # swung eighths: long-short, on the beat's thirds
        on = 0.3 + (i // 2) * beat + (i % 2) * beat * 2 / 3
        rec.feed(TimedMessage(on, (0x90, p, 90)))
        rec.feed(TimedMessage(on + 0.12, (0x80, p, 0)))
    phrase = rec.take()
    t[0] = 5.0
    answer = Responder(load_consented_model(home), bars=2, seed=3).answer(phrase, clock)
    offsets = {round((n.onset - answer.start_beat) % 1.0, 4) for n in answer.suggestion.notes}
    assert all(abs(f * 6 - round(f * 6)) < 1e-3 for f in offsets) and offsets & {0.3333, 0.6667}
    assert answer.suggestion.settings["feel"] == "triplets"
    assert max(n.end for n in answer.suggestion.notes) <= answer.start_beat + 8 + 1e-6
    straight = Responder(load_consented_model(home), bars=2, seed=3).answer(_phrase(clock, [67, 69, 71, 72]), clock)
    assert "feel" not in straight.suggestion.settings


def test_start_now_begins_right_after_generation(home):
    t = [0.0]
    clock = TransportClock(100.0, now=lambda: t[0])
    phrase = _phrase(clock, [60, 62, 64, 65, 67])
    t[0] = 5.0
    model = load_consented_model(home)
    for seed in range(1, 7):  # some styled answers open with a planned rest: "now" still sounds at once
        answer = Responder(model, bars=1, seed=seed, start="now", lead_s=0.05).answer(phrase, clock)
        assert answer.start_time == pytest.approx(5.05)
        assert answer.events[0].is_note_on and answer.events[0].time == pytest.approx(5.05)
        assert answer.suggestion.notes.notes[0].onset == pytest.approx(answer.start_beat)


def test_no_model_is_a_clear_message(accord_home):
    with pytest.raises(LiveError, match="no model yet"):
        load_consented_model(AccordHome.resolve(accord_home))


def test_a_model_holding_a_revoked_work_is_refused(home):
    with Catalogue.open(home.catalogue_path) as cat:
        cat.record_consent(1, "revoke")
    with pytest.raises(ModelFileError, match="stale"):
        load_consented_model(home)


def test_note_events_put_an_off_before_an_on_at_the_same_time_and_check_the_channel():
    clock = TransportClock(120.0, now=lambda: 0.0)
    events = notes_to_events([Note(60, 0.0, 1.0), Note(60, 1.0, 1.0)], clock, channel=2)
    assert [e.data for e in events] == [(0x92, 60, 90), (0x82, 60, 0), (0x92, 60, 90), (0x82, 60, 0)]
    with pytest.raises(ValueError, match="channel"):
        notes_to_events([], clock, channel=16)
    assert len(panic_messages()) == 32 and panic_messages(3) == [(0xB3, 123, 0), (0xB3, 120, 0)]


def test_answers_are_written_in_the_studios_style_whose_statistics_are_learned_before_anyone_plays(home):
    from app.core.model.generation.generate import continue_phrase
    from app.core.model.style.profile import STUDIO_STYLE
    from app.core.music import Melody, TimeSignature

    model = load_consented_model(home)
    clock = TransportClock(120.0, now=lambda: 6.0)
    pitches = [67, 69, 71, 72, 74, 72, 71, 69, 67, 66, 67]
    phrase = _phrase(TransportClock(120.0, now=lambda: 0.0), pitches)
    responder = Responder(model, bars=2, seed=9)
    assert responder.style == STUDIO_STYLE  # as the Suggestions panel and `accord suggest` write
    responder.warm(TimeSignature(4, 4))
    learned = set(model.cache)
    assert any("degrees" in str(k) for k in learned) and "register" in learned
    answer = responder.answer(phrase, clock)
    assert set(model.cache) == learned  # nothing left to learn after the pause: the answer costs generation only
    # The same continuation `continue_phrase(..., style=STUDIO_STYLE)` gives for this phrase and seed.
    assert phrase.quantised.notes[0].onset < 4  # the phrase's first bar is bar 0: no shift
    rel = Melody(phrase.quantised.notes, time_signature=phrase.quantised.time_signature, tempo_bpm=120.0)
    c_notes = [(n.pitch, n.duration) for n in answer.suggestion.notes.notes]
    styled = continue_phrase(model, rel, _constraints_of(answer, rel), n=1, seed=9, style=STUDIO_STYLE)[0]
    assert [(n.pitch, n.duration) for n in styled.notes.notes] == c_notes
    plain = Responder(model, bars=2, seed=9, style=None).answer(phrase, clock)
    assert [(n.pitch, n.duration) for n in plain.suggestion.notes.notes] != c_notes


def _constraints_of(answer, rel):  # noqa: ANN001, ANN202 — the constraints Responder.answer builds
    import math

    from app.core.live.responder import RANGE_MARGIN
    from app.core.model.constraints import Constraints

    rel_start = math.ceil(rel.end / 4 - 1e-9) * 4
    return Constraints(key=answer.key, time_signature=rel.time_signature, bars=2, start=rel_start,
                       pitch_range=(max(0, min(rel.pitches) - RANGE_MARGIN), min(127, max(rel.pitches) + RANGE_MARGIN)),
                       tempo_bpm=120.0)


def test_when_the_styled_plan_fits_nothing_the_player_still_gets_the_plain_answer(home, monkeypatch):
    import app.core.live.responder as responder_module
    from app.core.errors import ConstraintError

    real = responder_module.continue_phrase

    def styled_fails(*args, style=None, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if style is not None:
            raise ConstraintError("every draw rested through the whole span")
        return real(*args, **kwargs)

    monkeypatch.setattr(responder_module, "continue_phrase", styled_fails)
    model = load_consented_model(home)
    phrase = _phrase(TransportClock(120.0, now=lambda: 0.0), [67, 69, 71, 72, 74])
    answer = Responder(model, bars=1, seed=2).answer(phrase, TransportClock(120.0, now=lambda: 6.0))
    assert answer.suggestion.notes.notes
