"""Real parts for the reliability tests: a catalogue with granted works, a trained model file, a project."""

from __future__ import annotations

from pathlib import Path

from app.core.catalogue.store import Catalogue
from app.core.music import Melody, Note

SCALE = [60, 62, 64, 65, 67, 69, 71, 72]


def melody_for(seed: int, n: int = 24) -> Melody:
    """A distinct little tune per seed (so every work changes the model's statistics)."""
    pitches = [SCALE[(seed * 3 + i * (seed % 5 + 1)) % len(SCALE)] + 12 * ((i + seed) % 2) for i in range(n)]
    return Melody(tuple(Note(p, i * 0.5, 0.5) for i, p in enumerate(pitches)))


def catalogue_with_works(path: Path, count: int = 3, *, grant: bool = True) -> list[int]:
    """Create (or extend) a catalogue with `count` works, each by one composer, consent granted."""
    with Catalogue.open(path) as cat:
        ids = []
        start = len(cat.works())
        for i in range(count):
            wid = cat.add_work(melody_for(start + i), title=f"Work {start + i}", sha256=f"{start + i:064x}")
            if grant:
                cat.record_consent(wid, "grant")
            ids.append(wid)
        return ids


def trained_model_bytes(folder: Path, works: int = 3) -> bytes:
    from app.core.model import save_model, train

    cat_path = folder / "model-catalogue.sqlite"
    catalogue_with_works(cat_path, works)
    with Catalogue.open(cat_path) as cat:
        model = train(cat.usable_works())
    return save_model(model, folder / "valid.accordmodel").read_bytes()
