"""Train or update the artist's current model on the catalogue's usable works — the one procedure the
CLI (`accord train`) and the studio (Suggestions panel, demo catalogue) both run.

The project layer composes the catalogue and the model (the model never reads SQLite): usable works come
only from `Catalogue.usable_works()`. An existing model is updated (works no longer usable forgotten by
exact count subtraction, new ones learned); consent is re-checked after training, so a revoke that
committed while training ran never reaches the saved model (tests/reliability/test_consent_faults.py).

A model is bound to content, not to ids: its manifest names each work's content hash (and, once the model
file writes it, the melody digest). `model_binding_problems` compares them with the catalogue, and
`load_bound_model` (suggest, the studio) refuses a model whose works are other content here (a model copied
from another home where id 11 is another melody) or no longer usable, or a catalogue failing its audit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from app.core.catalogue.store import Catalogue
from app.core.catalogue.types import MELODY_MODEL_USE
from app.core.errors import ModelFileError
from app.core.model.modelfile import load_model, read_manifest, save_model
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
            with Catalogue.open(catalogue_path) as cat:
                problems = model_binding_problems(read_manifest(model_path), cat)
            if problems:  # never update a model that learned other content: start from the usable works
                raise ModelFileError(f"learned other content than this catalogue holds ({problems[0]})",
                                     path=model_path)
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
        # a catalogue failing its audit now trains nothing and saves nothing: its usable_work_ids is empty, and
        # taken as "every work was revoked meanwhile" it had the model forget all it learned, saved empty
        cat.require_audit()
        late = sorted(set(model.works) - cat.usable_work_ids(MELODY_MODEL_USE))
    if late:
        forget(model, late)
        removed, added = sorted(set(removed) | set(late)), [w for w in added if w not in late]
    progress(0.95, "saving the model")
    save_model(model, model_path)
    progress(1.0, f"model {action} on {len(model.works)} works")
    return TrainingOutcome(model, model_path, action, list(removed), list(added))


def model_binding_problems(manifest: dict, catalogue: Catalogue) -> list[str]:
    """One line per work the model names whose content differs from the catalogue's work of that id (content
    hash, or melody digest when the manifest has one), or that is not in the catalogue at all."""
    entries = [w for w in manifest.get("works") or [] if isinstance(w, dict)]
    now = catalogue.consent_now([int(w["id"]) for w in entries])
    problems = []
    for w in entries:
        work_id = int(w["id"])
        current = now.get(work_id)
        melody = w.get("melody_sha256") or w.get("melodySha256")
        if current is None:
            problems.append(f"work {work_id} ({w.get('title')!r}) is not in this catalogue")
        elif str(w.get("sha256")) != current.sha256:
            problems.append(f"work {work_id}: the model learned content {str(w.get('sha256'))[:12]}…, but this "
                            f"catalogue's work {work_id} ({current.title!r}) is {current.sha256[:12]}…")
        elif melody and melody != current.melody_sha256:
            problems.append(f"work {work_id} ({current.title!r}): the model learned another melody than the "
                            "catalogue holds")
    return problems


def load_bound_model(catalogue_path: str | Path, model_path: str | Path, *,
                     keys_dir: str | Path | None = None) -> TrainedModel:
    """The model at `model_path`, only when it is in line with the catalogue now: the catalogue passes its
    audit, every work the model learned is that same content here (not only the same id) and still usable.
    Raises ConsentError (audit) or ModelFileError naming the works, with how to recover."""
    model_path = Path(model_path)
    with Catalogue.open(catalogue_path, keys_dir=keys_dir) as cat:
        cat.require_audit()
        problems = model_binding_problems(read_manifest(model_path), cat)
        usable = cat.usable_work_ids(MELODY_MODEL_USE)
    if problems:
        raise ModelFileError("was trained on other works than this catalogue holds: " + "; ".join(problems[:5]),
                             path=model_path, hint="train a model on this catalogue: accord train")
    return load_model(model_path, usable_ids=usable)
