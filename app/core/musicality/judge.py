"""The independent judge: do the model's continuations look like the catalogue they learned from?

Works are split into folds. For each fold a model is trained on the other folds (consented works only: the
caller passes usable works), and every held-out work gives phrase pairs: the real bars that follow a prime
(everything before a bar line) and the model's continuation of that same prime, generated with the studio's
settings (the work's key, the lead's range widened as the studio widens it, default temperature, max-copy 8).
The two sets are compared feature by feature (`compare.feature_report`) and by a classifier
(`compare.classifier_accuracy`). The model never scores itself: every figure comes from features of notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from app.core.catalogue.types import UsableWork
from app.core.errors import AccordError
from app.core.model import Constraints, ModelSettings, continue_phrase, train
from app.core.model.constraints import DEFAULT_MAX_COPY
from app.core.model.style.profile import STUDIO_STYLE, Style
from app.core.music import Melody
from app.core.musicality.compare import classifier_accuracy, feature_importance, feature_report, giveaways
from app.core.musicality.features import PhraseFeatures, phrase_features, window
from app.core.project.cocreation.song_constraints import lead_pitch_range
from app.core.tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress

DEFAULT_PRIME_BARS = 2
DEFAULT_BARS = 4  # the studio's default suggestion length
DEFAULT_WINDOWS = 2  # phrase windows per held-out work


def _folds(n: int, folds: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).permutation(n) % folds


def _phrase_starts(melody: Melody, prime_bars: int, bars: int, windows: int) -> list[float]:
    bq = melody.time_signature.bar_quarters
    starts: list[float] = []
    at = prime_bars * bq
    while len(starts) < windows and at + bars * bq <= melody.end + 1e-6:
        starts.append(at)
        at += bars * bq
    return starts


def judge_phrases(works: Sequence[UsableWork], *, folds: int = 5, prime_bars: int = DEFAULT_PRIME_BARS,
                  bars: int = DEFAULT_BARS, windows: int = DEFAULT_WINDOWS, seed: int = 0,
                  settings: ModelSettings | None = None, style: Style | None = STUDIO_STYLE,
                  progress: Progress = no_progress, cancel: CancelToken = NEVER_CANCELLED
                  ) -> tuple[list[PhraseFeatures], list[PhraseFeatures], int]:
    """(real phrases, the model's continuations of the same primes, generation failures): see the module."""
    if folds < 2:
        raise AccordError(f"the judge needs at least 2 folds, not {folds}")
    if len(works) < folds:
        raise AccordError(f"the judge needs at least {folds} usable works (have {len(works)})",
                          hint="import more works and grant consent, or use fewer folds")
    fold_of = _folds(len(works), folds, seed)
    real: list[PhraseFeatures] = []
    generated: list[PhraseFeatures] = []
    failures = 0
    for f in range(folds):
        cancel.check()
        progress(f / folds, f"fold {f + 1} of {folds}: training")
        model = train([w for w, k in zip(works, fold_of, strict=True) if k != f], settings=settings)
        for i, work in enumerate(w for w, k in zip(works, fold_of, strict=True) if k == f):
            m = work.melody
            bq = m.time_signature.bar_quarters
            for j, start in enumerate(_phrase_starts(m, prime_bars, bars, windows)):
                cancel.check()
                truth = window(m.notes, start, start + bars * bq)
                prime = m.with_notes([n for n in m.notes if n.onset < start - 1e-9])
                if len(truth) < 2 or len(prime.notes) < 2:
                    continue
                c = Constraints(key=m.key, time_signature=m.time_signature, bars=bars, start=start,
                                pitch_range=lead_pitch_range(m), max_copy=DEFAULT_MAX_COPY)
                try:
                    made = continue_phrase(model, prime, c, n=1, seed=seed * 100_003 + f * 10_007 + i * 101 + j,
                                          style=style)
                except AccordError:
                    failures += 1
                    continue
                if not made:
                    failures += 1
                    continue
                gen = window(made[0].notes.notes, start, start + bars * bq)
                real.append(phrase_features(truth, bars=bars, bar_quarters=bq, key=m.key))
                generated.append(phrase_features(gen, bars=bars, bar_quarters=bq, key=m.key))
    return real, generated, failures


def judge_works(works: Sequence[UsableWork], *, folds: int = 5, prime_bars: int = DEFAULT_PRIME_BARS,
                bars: int = DEFAULT_BARS, windows: int = DEFAULT_WINDOWS, seed: int = 0,
                settings: ModelSettings | None = None, style: Style | None = STUDIO_STYLE, progress: Progress = no_progress,
                cancel: CancelToken = NEVER_CANCELLED) -> dict[str, Any]:
    """Compare real continuations of held-out works with the model's; a JSON-ready report (with the
    classifier's largest weights: what gives suggestions away)."""
    real, generated, failures = judge_phrases(works, folds=folds, prime_bars=prime_bars, bars=bars,
                                              windows=windows, seed=seed, settings=settings, style=style,
                                              progress=progress, cancel=cancel)
    progress(1.0, "comparing")
    features = feature_report(real, generated, seed=seed)
    accuracy = classifier_accuracy(real, generated, seed=seed)
    return {
        "works": len(works), "folds": folds, "prime_bars": prime_bars, "bars": bars, "seed": seed,
        "phrases": len(real), "generation_failures": failures,
        "style": None if style is None else style.to_json(),
        "classifier_accuracy": round(accuracy, 4),
        "min_overlap_area": round(min(r["overlap_area"] for r in features.values()), 4),
        "features": features,
        "giveaways": giveaways(real, generated),
        "importance": feature_importance(real, generated),
    }
