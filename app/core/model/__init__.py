"""The artist's melody model: PPM* over multiple viewpoints (IDyOM), consent-only training, exact forgetting,
max-order-k generation and exact credit. See docs/model.md.

Public API (import from here):
    train, forget, update_model, merge_models, TrainedModel, TrainingWork, ModelSettings
    save_model, load_model, read_manifest, stale_work_ids
    continue_phrase, fill_gap, vary, VARY_KINDS, Suggestion, NoteCredit, credit_basis_points, UNATTRIBUTED
    Constraints, cross_validate_works (evaluate_works), load_chorales
"""

from app.core.model.constraints import DEFAULT_MAX_COPY, Constraints
from app.core.model.credit import UNATTRIBUTED, NoteCredit, Suggestion, credit_basis_points
from app.core.model.datasets import as_usable_works, idyom_benchmark_set, load_chorales
from app.core.model.generation.generate import VARY_KINDS, continue_phrase, fill_gap, vary
from app.core.model.modelfile import load_model, read_manifest, save_model, stale_work_ids
from app.core.model.settings import ModelSettings
from app.core.model.training import TrainedModel, TrainingWork, forget, merge_models, train, update_model

__all__ = [
    "DEFAULT_MAX_COPY", "Constraints", "UNATTRIBUTED", "NoteCredit", "Suggestion", "credit_basis_points",
    "as_usable_works", "idyom_benchmark_set", "load_chorales", "VARY_KINDS", "continue_phrase", "fill_gap", "vary",
    "load_model", "read_manifest", "save_model", "stale_work_ids", "ModelSettings", "TrainedModel",
    "TrainingWork", "forget", "merge_models", "train", "update_model",
]
