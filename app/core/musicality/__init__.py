"""An independent judge of suggestions: features of real and generated phrases compared (Yang & Lerch 2020)."""

from app.core.musicality.compare import (
    classifier_accuracy,
    feature_importance,
    feature_report,
    giveaways,
    overlap_and_kl,
)
from app.core.musicality.features import FEATURES, PhraseFeatures, phrase_features, window
from app.core.musicality.judge import judge_works

__all__ = ["FEATURES", "PhraseFeatures", "classifier_accuracy", "feature_importance", "feature_report", "giveaways",
           "judge_works", "overlap_and_kl", "phrase_features", "window"]
