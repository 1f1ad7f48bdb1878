"""Repeat damping: suggestions from a small model no longer drone on one pitch (the short-term model learns
its own repeats and the temperature sharpens them: runs of 10–36 equal notes without damping), while the
damping stays soft (hard constraints still decide, a forced repeat is no dead end) and credit stays exact."""

from __future__ import annotations

import math

import pytest

from app.core.model import Constraints, as_usable_works, continue_phrase, idyom_benchmark_set, train, vary
from app.core.model.generation.sampler import FREE_REPEAT_RUN
from app.core.music import ChordTimeline, Key, Melody, Note


def repeat_stats(seqs: list[tuple[int, ...]]) -> tuple[float, int]:
    """(share of consecutive note pairs with the same pitch, longest same-pitch run)."""
    pairs = sum(len(s) - 1 for s in seqs)
    same = sum(1 for s in seqs for a, b in zip(s, s[1:], strict=False) if a == b)
    longest = 0
    for s in seqs:
        run = 1
        for a, b in zip(s, s[1:], strict=False):
            run = run + 1 if a == b else 1
            longest = max(longest, run)
    return same / max(1, pairs), longest


@pytest.fixture(scope="module")
def small():
    """Like the studio's demo model: 30 chorales."""
    works = as_usable_works(idyom_benchmark_set()[:30])
    return works, train(works)


def suggestions(small, damping: float) -> list[tuple[int, ...]]:
    works, model = small
    out = []
    for r, w in enumerate(works[:6]):
        src = w.melody
        lo, hi = min(src.pitches) - 3, max(src.pitches) + 3
        c = Constraints(key=src.key or Key(0), time_signature=src.time_signature, bars=6,
                        start=2 * src.time_signature.bar_quarters, pitch_range=(lo, hi), max_copy=8)
        prime = src.between(0, c.start)
        out += [s.notes.pitches for s in continue_phrase(model, prime, c, n=4, seed=r, repeat_damping=damping)]
    return out


def test_damping_brings_repeats_near_the_training_data(small):
    works, _ = small
    data_rate, data_run = repeat_stats([w.melody.pitches for w in works])
    plain_rate, plain_run = repeat_stats(suggestions(small, 1.0))
    damped_rate, damped_run = repeat_stats(suggestions(small, 0.25))
    assert damped_rate < plain_rate
    assert damped_run < plain_run
    assert damped_rate <= data_rate + 0.08  # the chorales repeat ~14 %; undamped suggestions ~25 %
    assert damped_run <= data_run + 2


def test_default_settings_record_the_damping(small):
    works, model = small
    src = works[0].melody
    c = Constraints(key=src.key, time_signature=src.time_signature, bars=2, start=4 * src.time_signature.bar_quarters)
    (s,) = continue_phrase(model, src.between(0, c.start), c, n=1, seed=1)
    assert s.settings["repeat_damping"] == pytest.approx(0.25)
    (t,) = continue_phrase(model, src.between(0, c.start), c, n=1, seed=1, repeat_damping=1.0)
    assert t.settings["repeat_damping"] == 1.0


def test_damping_is_soft_a_forced_repeat_is_no_dead_end(small):
    """One allowed pitch: every note must repeat it; the damping may not turn that into a ConstraintError."""
    _, model = small
    prime = Melody((Note(67, 0.0, 1.0), Note(67, 1.0, 1.0), Note(67, 2.0, 2.0)), key=Key(7))
    c = Constraints(key=Key(7), bars=2, start=4.0, pitch_range=(67, 67), max_copy=0)
    for s in continue_phrase(model, prime, c, n=2, seed=3, repeat_damping=0.01):
        assert set(s.notes.pitches) == {67}
        assert len(s.notes.notes) > FREE_REPEAT_RUN


def test_credit_stays_exact_with_damping(small):
    works, model = small
    src = works[3].melody
    chords = ChordTimeline.from_symbols(["C", "G", "F", "C"] * 2, quarters_each=src.time_signature.bar_quarters,
                                        start=0.0)
    c = Constraints(key=Key(0), chords=chords, bars=4, start=0.0, pitch_range=(60, 79), density=(2, 8))
    for s in continue_phrase(model, Melody((), key=Key(0)), c, n=3, seed=5, repeat_damping=0.05):
        for nc in s.per_note_credit:
            assert math.isclose(nc.total(), 1.0, abs_tol=1e-9)
        assert math.isclose(math.fsum(s.credit.values()) + s.uniform_share + s.piece_share, 1.0, abs_tol=1e-9)


def test_damping_keeps_the_melody_to_vary(small):
    """Vary-rhythm's kept pitches (closeness) are the artist's: a repeated kept note is not damped."""
    _, model = small
    notes = tuple(Note(64, float(i), 1.0) for i in range(8))  # one pitch, eight times
    melody = Melody(notes, key=Key(0))
    c = Constraints(key=Key(0), pitch_range=(55, 76), max_copy=0)
    kept = [sum(p == 64 for p in s.notes.pitches)
            for s in vary(model, melody, c, kind="rhythm", closeness=1.0, n=1, seed=2, repeat_damping=0.01)]
    assert kept == [8]
