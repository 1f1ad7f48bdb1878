"""REFERENCE COPY (tests only) of app/core/model as it was before the compact array model (issue 14).

The tests compare the shipped model with this one: counts, fingerprints and credits identical, probabilities
equal within 1e-12, the same suggestions for the same seed. Never imported by the app; never edited except
to keep it importable.

The artist's melody model: PPM* over multiple viewpoints (IDyOM), consent-only training, exact forgetting,
max-order-k generation and exact credit. See docs/model.md.

Public API (import from here):
    train, forget, update_model, TrainedModel, TrainingWork, ModelSettings
    save_model, load_model, read_manifest, stale_work_ids
    continue_phrase, fill_gap, vary, VARY_KINDS, Suggestion, NoteCredit, credit_basis_points, UNATTRIBUTED
    Constraints, cross_validate_works (evaluate_works), load_chorales
"""

from tests.model_reference.constraints import DEFAULT_MAX_COPY, Constraints
from tests.model_reference.credit import UNATTRIBUTED, NoteCredit, Suggestion, credit_basis_points
from tests.model_reference.datasets import as_usable_works, idyom_benchmark_set, load_chorales
from tests.model_reference.generate import VARY_KINDS, continue_phrase, fill_gap, vary
from tests.model_reference.modelfile import load_model, read_manifest, save_model, stale_work_ids
from tests.model_reference.settings import ModelSettings
from tests.model_reference.training import TrainedModel, TrainingWork, forget, train, update_model

__all__ = [
    "DEFAULT_MAX_COPY", "Constraints", "UNATTRIBUTED", "NoteCredit", "Suggestion", "credit_basis_points",
    "as_usable_works", "idyom_benchmark_set", "load_chorales", "VARY_KINDS", "continue_phrase", "fill_gap", "vary",
    "load_model", "read_manifest", "save_model", "stale_work_ids", "ModelSettings", "TrainedModel",
    "TrainingWork", "forget", "train", "update_model",
]
