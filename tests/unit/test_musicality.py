"""The independent judge: phrase features on hand-made phrases, the overlap/KL measure and the classifier on
sets whose answer is known, and the whole judge on real chorales (consented works only)."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.errors import AccordError
from app.core.model import as_usable_works, idyom_benchmark_set
from app.core.music import Key, Note
from app.core.musicality import (
    FEATURES,
    PhraseFeatures,
    classifier_accuracy,
    feature_importance,
    feature_report,
    giveaways,
    judge_works,
    overlap_and_kl,
    phrase_features,
    window,
)

C_MAJOR = Key(0, "major")


def _bar(pitches, start_bar, durations=(1, 1, 1, 1)):
    out, t = [], start_bar * 4.0
    for p, d in zip(pitches, durations, strict=True):
        out.append(Note(p, t, d))
        t += d
    return out


def test_features_of_a_hand_made_phrase():
    # bar 0: C D E F; bar 1: the same shape a step higher (a sequence); bar 2: a leap of a tenth to A5 on the
    # bar line, then a half-bar rest; bar 3: silent
    notes = _bar([60, 62, 64, 65], 0) + _bar([62, 64, 66, 67], 1) + [Note(81, 8.0, 2.0)]
    f = phrase_features(notes, bars=4, bar_quarters=4.0, key=C_MAJOR)
    assert f.pitch_range == 21
    assert f.notes_per_bar == pytest.approx(9 / 4)
    assert f.rest_ratio == pytest.approx(6 / 16)
    assert f.bar_repetition == pytest.approx(1 / 4)  # bar 1 repeats bar 0 transposed
    assert f.leap_rate_at_barlines == pytest.approx(1 / 2)  # F->D is a step; G->A5 is a leap
    assert f.interval_histogram.sum() == pytest.approx(1) and f.interval_histogram[12 + 12] == pytest.approx(1 / 8)
    assert f.pitch_class_histogram[0] == pytest.approx(1 / 9)
    assert f.ioi_histogram.sum() == pytest.approx(1)


def test_window_cuts_and_shifts():
    notes = [Note(60, 3.0, 2.0), Note(62, 4.0, 6.0), Note(64, 9.5, 1.0)]
    assert window(notes, 4.0, 8.0) == [Note(62, 0.0, 4.0)]


def test_overlap_is_one_for_the_same_sample_and_small_for_far_ones():
    rng = np.random.default_rng(1)
    a = rng.normal(0, 1, 400)
    oa_same, kl_same = overlap_and_kl(a, a.copy())
    oa_far, kl_far = overlap_and_kl(a, a + 10)
    assert oa_same > 0.99 and kl_same < 0.01
    assert oa_far < 0.05 and kl_far > 1


def _phrases(rng, *, density, n=60):
    out = []
    for _ in range(n):
        notes, t = [], 0.0
        while t < 16:
            d = float(rng.choice([4 / density, 8 / density]))
            notes.append(Note(int(rng.integers(60, 72)), t, d))
            t += d
        out.append(phrase_features(notes, bars=4, bar_quarters=4.0, key=C_MAJOR))
    return out


def test_classifier_tells_apart_what_differs_and_not_what_does_not():
    rng = np.random.default_rng(3)
    real, same, dense = _phrases(rng, density=4), _phrases(rng, density=4), _phrases(rng, density=12)
    assert classifier_accuracy(real, dense) > 0.9
    assert classifier_accuracy(real, same) < 0.7
    report = feature_report(real, dense)
    assert report["notes_per_bar"]["overlap_area"] < 0.3
    assert feature_report(real, same)["notes_per_bar"]["overlap_area"] > 0.8


def test_giveaways_name_what_differs():
    rng = np.random.default_rng(4)
    real, dense = _phrases(rng, density=4), _phrases(rng, density=12)
    top = giveaways(real, dense, top=3)
    assert len(top) == 3 and len(PhraseFeatures.vector_names()) == len(real[0].vector())
    names = [g["feature"] for g in top]
    assert "notes_per_bar" in names or any(n.startswith("ioi") for n in names)
    first = next(g for g in top if g["feature"] == names[0])
    assert (first["weight"] > 0) == (first["generated_mean"] > first["real_mean"])


def test_importance_finds_the_one_feature_that_differs():
    # random phrases at two note densities: the density tells them apart, the pitch classes cannot
    rng = np.random.default_rng(5)
    real, dense = _phrases(rng, density=4), _phrases(rng, density=12)
    imp = feature_importance(real, dense, seeds=2)
    assert set(imp) == {"all features", *FEATURES}
    assert imp["all features"]["without"] > 0.9
    assert imp["notes_per_bar"]["alone"] > 0.9 and imp["pitch_class_histogram"]["alone"] < 0.7
    assert all(0.0 <= v["without"] <= 1.0 and 0.0 <= v["alone"] <= 1.0 for v in imp.values())


def test_judge_on_real_chorales():
    works = as_usable_works(idyom_benchmark_set()[:24])
    report = judge_works(works, folds=3, windows=1)
    assert report["phrases"] >= 20 and report["generation_failures"] == 0
    assert 0.0 <= report["classifier_accuracy"] <= 1.0
    assert set(report["features"]) >= {"pitch_range", "rest_ratio", "interval_histogram"}
    assert report["giveaways"] and all(set(g) == {"feature", "weight", "real_mean", "generated_mean"}
                                       for g in report["giveaways"])
    assert all(0.0 <= r["overlap_area"] <= 1.0 for r in report["features"].values())
    assert set(report["importance"]) == {"all features", *report["features"]}


def test_judge_needs_enough_works():
    with pytest.raises(AccordError, match="at least 5 usable works"):
        judge_works(as_usable_works(idyom_benchmark_set()[:3]), folds=5)
