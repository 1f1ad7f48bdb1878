"""The temperature's base-rate correction (style/baserate.py): its statistics are exact under forgetting, it
corrects only the catalogue's common intervals among themselves, and suggestions step like the works."""

from __future__ import annotations

import numpy as np

from app.core.model import Constraints, as_usable_works, continue_phrase, forget, idyom_benchmark_set, train
from app.core.model.style.baserate import CLIP, BaseRatePrior, IntervalRates
from app.core.model.style.profile import STUDIO_STYLE, Style, register_prior
from tests.helpers.continuations import continuations


def test_interval_rates_are_exact_under_forgetting():
    works = as_usable_works(idyom_benchmark_set()[:20])
    gone = forget(train(works), [works[2].id])
    fresh = train([w for w in works if w.id != works[2].id])
    assert np.array_equal(IntervalRates.of_model(gone).rates, IntervalRates.of_model(fresh).rates)


def test_common_intervals_are_corrected_rare_ones_are_not_boosted():
    model = train(as_usable_works(idyom_benchmark_set()[:60]))
    rates = IntervalRates.of_model(model)
    assert BaseRatePrior(rates, 1.0).active is False  # T = 1: nothing to undo
    prior = BaseRatePrior(rates, 0.75)
    alphabet = np.arange(48, 85)
    w = prior(67, alphabet)
    at = {iv: float(w[67 + iv - 48]) for iv in (-12, -2, -1, 0, 9)}
    # chorales step down by a whole tone about twice as often as by a semitone: the semitone is favoured back
    assert rates.rates[CLIP - 2] > rates.rates[CLIP - 1] and at[-1] > at[-2]
    # an octave or a sixth is rare: it weighs like the commonest interval (never boosted past it)
    commonest = int(np.argmax(rates.rates)) - CLIP
    assert at[-12] == at[9] == float(w[67 + commonest - 48]) == min(at.values())


def _descending_semitones(model, melodies, style) -> float:
    ivs = [iv for _m, pitches in continuations(model, melodies, style) for iv in np.diff(pitches).tolist()]
    return float(np.mean(np.array(ivs) == -1))


def test_suggestions_step_down_by_semitones_as_the_works_do():
    """Chorales (BWV 253-): at the studio's temperature, without the correction suggestions sing too few
    descending semitones (the catalogue's whole tones are sharpened); with it the share is nearer the works'."""
    chorales = idyom_benchmark_set()[:90]
    model = train(as_usable_works(chorales[30:]))
    target = float(np.mean([iv == -1 for _n, m in chorales[30:] for iv in np.diff([n.pitch for n in m.notes])]))
    without = _descending_semitones(model, chorales[:30], Style(base_rates=False))
    with_ = _descending_semitones(model, chorales[:30], STUDIO_STYLE)
    assert without < target and abs(with_ - target) < abs(without - target)
    assert register_prior(model, Style(register=0.0, tonality=0.0), 192) is not None  # the correction alone


def test_the_correction_follows_the_requests_temperature():
    """At temperature 1.0 nothing is sharpened, so the correction must do nothing: the same seed gives the
    same notes with it on and off; at the studio's 0.75 it changes them."""
    chorales = idyom_benchmark_set()[:40]
    model = train(as_usable_works(chorales[10:]))
    m = chorales[0][1]
    bq = m.time_signature.bar_quarters
    prime = m.with_notes([n for n in m.notes if n.onset < 2 * bq - 1e-9])
    c = Constraints(key=m.key, time_signature=m.time_signature, bars=4, start=2 * bq, pitch_range=(55, 81))

    def notes(style: Style, temperature: float) -> list[list[int]]:
        return [[n.pitch for n in s.notes.notes]
                for s in continue_phrase(model, prime, c, n=4, seed=3, style=style, temperature=temperature)]

    off, on = Style(base_rates=False), STUDIO_STYLE
    assert notes(on, 1.0) == notes(off, 1.0)
    assert notes(on, 0.75) != notes(off, 0.75)
