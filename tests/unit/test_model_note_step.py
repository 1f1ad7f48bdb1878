"""One note step (CompiledSteps._step): the compiled call (blendkernels.note_step) against the separate Python
steps on the same sampler state, and the suggestion's random stream, which only a draw that happens advances."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.model import Constraints, as_usable_works, idyom_benchmark_set, train
from app.core.model.generation.job import _Job
from app.core.model.generation.slots import DeadEnd
from app.core.music import Key


@pytest.fixture(scope="module")
def trained():
    works = as_usable_works(idyom_benchmark_set()[:30])
    return works, train(works)


@pytest.fixture
def sampler_at_a_note(trained):
    works, model = trained
    prime = list(works[3].melody.between(0, 8).notes)
    job = _Job(model, Constraints(key=Key(7), bars=2, start=8.0), prime, prime, temperature=0.75)
    s = job.sampler(1, 0)
    # the event being drawn sits at the end of the piece, as Sampler._note puts it
    s.cur.pitch.append(int(s.rules.alphabet[0]))
    s.cur.dur.append(120)
    s.cur.onset.append(s.cur.onset[-1] + s.cur.dur[-2])
    return s


@pytest.mark.parametrize("target", ["pitch", "dur"])
@pytest.mark.parametrize("prefer, damped", [(None, False), (3, False), (None, True)])
def test_the_compiled_step_is_the_separate_steps(sampler_at_a_note, target, prefer, damped):
    s = sampler_at_a_note
    i = len(s.cur.pitch) - 1
    alphabet = s.rules.alphabet if target == "pitch" else s.durations
    allowed = np.ones(len(alphabet), bool)
    allowed[::3] = False
    pref = prefer if target == "pitch" else None
    damp = (4, 0.25) if damped else None
    weights = np.linspace(0.5, 1.5, len(alphabet)) if target == "dur" else None
    s.closeness = 0.4 if pref is not None else 0.0
    at = s._next
    compiled = s._step(target, i, alphabet, allowed, pref, damp, weights)
    assert s._next == at + 1  # the draw took one uniform
    s._next, s._fast = at, False
    try:
        separate = s._step(target, i, alphabet, allowed, pref, damp, weights)
    finally:
        s._fast = True
    assert compiled == separate  # position, probability, and credit parts and queries, bitwise
    assert allowed[compiled[0]] and compiled[2][2]  # an allowed note, credited to long-term contexts


@pytest.mark.parametrize("fast", [True, False])
def test_a_dead_end_leaves_the_stream_untouched(sampler_at_a_note, fast):
    s = sampler_at_a_note
    i = len(s.cur.pitch) - 1
    alphabet = s.rules.alphabet
    s._fast = fast
    try:
        nxt = s._peek_uniform()
        at = s._next
        with pytest.raises(DeadEnd):
            s._step("pitch", i, alphabet, np.zeros(len(alphabet), bool), None, None, None)
        assert s._next == at and s._peek_uniform() == nxt
        s._step("pitch", i, alphabet, np.ones(len(alphabet), bool), None, None, None)
        assert s._next == at + 1
    finally:
        s._fast = True


def test_the_stream_is_the_generators_own(sampler_at_a_note):
    s = sampler_at_a_note
    s.restart(np.random.default_rng([5, 2]))
    ref = np.random.default_rng([5, 2])
    assert [s._next_uniform() for _ in range(300)] == [ref.random() for _ in range(300)]  # across a refill
