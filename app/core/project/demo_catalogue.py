"""First run: what the artist must do before suggestions work, and a demo catalogue to try it at once.

`readiness(home)` says where the artist stands (works, usable works, a current model, stale or not) and
the next step. `train_current_model(home)` (re)trains the model on the usable works, as `accord train`
does. `ensure_demo_catalogue(home)` imports a few public-domain Bach chorale soprano lines
(resources/data/chorales.json) as clearly marked demo works, with a demo contributor who grants consent,
then trains the model — but only into an **empty** catalogue: a real catalogue is never touched.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.core.catalogue.store import Catalogue
from app.core.catalogue.types import DEMO_PATH_PREFIX, MELODY_MODEL_USE, ContributorShare
from app.core.errors import ModelFileError
from app.core.model.datasets import IDYOM_BWV_RANGE, load_chorales
from app.core.model.modelfile import load_model, read_manifest, stale_work_ids
from app.core.model.training import TrainedModel
from app.core.project.model_training import train_usable
from app.core.tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress, scaled

if TYPE_CHECKING:
    from app.core.home import AccordHome

log = logging.getLogger(__name__)

DEMO_WORKS = 30
DEMO_CONTRIBUTOR = "J. S. Bach (demo)"
DEMO_TITLE_PREFIX = "Demo: "
DEMO_DETAIL = "the soprano line of a Bach chorale (a demo work shipped with Accord)"
DEMO_NOTE = "Demo work shipped with Accord: a public-domain Bach chorale soprano line"


@dataclass(frozen=True)
class Readiness:
    works: int
    usable: int
    model: bool
    stale: bool

    @property
    def ready(self) -> bool:
        return self.model and not self.stale

    @property
    def step(self) -> str:
        """'import' | 'consent' | 'train' | 'retrain' | 'ready'."""
        if self.ready:
            return "ready"
        if self.model and self.stale:
            return "retrain"
        if self.works == 0:
            return "import"
        if self.usable == 0:
            return "consent"
        return "train"

    @property
    def message(self) -> str:
        return {
            "import": "Accord learns only from works you bring and may use. Import a few melodies (MIDI, "
                      "MusicXML or audio) into the catalogue — or try the demo catalogue.",
            "consent": f"The catalogue has {self.works} work{'s' if self.works != 1 else ''}, but nobody has granted "
                       "consent for melody-model use yet. Grant consent in the catalogue, then train.",
            "train": f"{self.usable} usable work{'s' if self.usable != 1 else ''}: train the model to get "
                     "suggestions.",
            "retrain": "Consent changed since the model was trained: retrain it (works no longer usable are "
                       "forgotten exactly).",
            "ready": f"Model ready: {self.usable} usable work{'s' if self.usable != 1 else ''}.",
        }[self.step]


def readiness(home: AccordHome) -> Readiness:
    with Catalogue.open(home.catalogue_path) as cat:
        works = len(cat.works())
        usable = cat.usable_work_ids(MELODY_MODEL_USE)
    path = home.current_model_path
    model, stale = path.exists(), False
    if model:
        try:
            stale = bool(stale_work_ids(read_manifest(path), usable))
        except ModelFileError as exc:
            log.warning("the current model cannot be read (%s); it needs training again", exc)
            model = False
    return Readiness(works, len(usable), model, stale)


def load_current_model(home: AccordHome) -> TrainedModel:
    """The current model, refused (ModelFileError) when it names a work that is no longer usable."""
    path = home.current_model_path
    if not path.exists():
        raise ModelFileError("no model yet", hint="import works, grant consent, then train")
    with Catalogue.open(home.catalogue_path) as cat:
        usable = cat.usable_work_ids(MELODY_MODEL_USE)
    return load_model(path, usable_ids=usable)


def train_current_model(home: AccordHome, *, progress: Progress = no_progress,
                        cancel: CancelToken = NEVER_CANCELLED) -> TrainedModel:
    """Train (or update, forgetting works no longer usable) the current model on the usable works."""
    return train_usable(home.catalogue_path, home.current_model_path, progress=progress, cancel=cancel).model


@dataclass(frozen=True)
class DemoCatalogueResult:
    added: int  # demo works imported (0 when the catalogue already had works)
    trained: bool
    model: TrainedModel | None


def ensure_demo_catalogue(home: AccordHome, *, works: int = DEMO_WORKS, progress: Progress = no_progress,
                          cancel: CancelToken = NEVER_CANCELLED) -> DemoCatalogueResult:
    """Fill an empty catalogue with demo works (granted consent) and train; a catalogue with works is left
    alone (returns added=0 and trains only if there is no model yet and something is usable)."""
    chorales = load_chorales(bwv_range=IDYOM_BWV_RANGE)[:works]
    added = 0
    with Catalogue.open(home.catalogue_path) as cat:
        if not cat.works():
            ids = []
            for i, (ident, melody) in enumerate(chorales):
                if i % 8 == 0:
                    cancel.check()
                    progress(0.4 * i / max(1, len(chorales)), f"adding demo work {ident}")
                bwv = ident.split(".")[0].upper().replace("BWV", "BWV ")
                ids.append(cat.add_work(melody, title=f"{DEMO_TITLE_PREFIX}{bwv} (Bach)",
                                        kind="musicxml", path=f"{DEMO_PATH_PREFIX}{ident}",
                                        contributors=[ContributorShare(DEMO_CONTRIBUTOR, "composer", 10000)],
                                        notes_text=DEMO_NOTE, source_detail=DEMO_DETAIL))
            cat.record_consent_many(ids, "grant", recorded_by="Accord demo",
                                    note="demo consent: public-domain works shipped with Accord")
            added = len(ids)
            log.info("demo catalogue: %d works added to %s", added, home.catalogue_path)
        usable = len(cat.usable_work_ids(MELODY_MODEL_USE))
    state = readiness(home)
    if state.ready or usable == 0:
        return DemoCatalogueResult(added, False, None)
    model = train_current_model(home, progress=scaled(progress, 0.4, 1.0), cancel=cancel)
    return DemoCatalogueResult(added, True, model)
