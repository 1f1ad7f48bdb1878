"""Train or update the artist's current model on the catalogue's usable works — the one procedure the
CLI (`accord train`) and the studio (Suggestions panel, demo catalogue) both run.

The project layer composes the catalogue and the model (the model never reads SQLite): usable works come
only from `Catalogue.usable_works()`. An existing model is updated (works no longer usable forgotten by
exact count subtraction, new ones learned); consent is re-checked after training, so a revoke that
committed while training ran never reaches the saved model (tests/reliability/test_consent_faults.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from app.core.catalogue.store import Catalogue
from app.core.catalogue.types import MELODY_MODEL_USE
from app.core.errors import ModelFileError
from app.core.model.modelfile import load_model, save_model
from app.core.model.training import TrainedModel, forget, train, update_model
from app.core.tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress, scaled

log = logging.getLogger(__name__)

NO_USABLE_WORKS_HINT = "import works (accord catalogue add), grant consent for melody-model, then train again"


@dataclass(frozen=True)
class TrainingOutcome:
    model: TrainedModel
    path: Path
    action: str  # "trained" (from scratch) | "updated" (forgot and/or learned works)
    removed: list[int] = field(default_factory=list)
    added: list[int] = field(default_factory=list)


def train_usable(catalogue_path: str | Path, model_path: str | Path, *, progress: Progress = no_progress,
                 cancel: CancelToken = NEVER_CANCELLED) -> TrainingOutcome:
    """Bring the model at `model_path` in line with the usable works, and save it atomically."""
    model_path = Path(model_path)
    with Catalogue.open(catalogue_path) as cat:
        usable = cat.usable_works(MELODY_MODEL_USE)
    model = None
    if model_path.exists():
        try:
            model = load_model(model_path)
        except ModelFileError as exc:
            log.warning("%s; training a new model instead", exc)
    if model is None and not usable:
        raise ModelFileError("no usable works to train on", hint=NO_USABLE_WORKS_HINT)
    if model is not None:
        model, removed, added = update_model(model, usable, progress=scaled(progress, 0.0, 0.9), cancel=cancel)
        action = "updated"
    else:
        model = train(usable, progress=scaled(progress, 0.0, 0.9), cancel=cancel)
        removed, added, action = [], sorted(w.id for w in usable), "trained"
    cancel.check()
    with Catalogue.open(catalogue_path) as cat:
        late = sorted(set(model.works) - cat.usable_work_ids(MELODY_MODEL_USE))
    if late:
        forget(model, late)
        removed, added = sorted(set(removed) | set(late)), [w for w in added if w not in late]
    progress(0.95, "saving the model")
    save_model(model, model_path)
    progress(1.0, f"model {action} on {len(model.works)} works")
    return TrainingOutcome(model, model_path, action, list(removed), list(added))
