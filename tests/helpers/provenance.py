"""Shared builders for the provenance tests: a sample record's fields, audio, and signed exports."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from app.core.provenance.record import ConsentRef, RecordFields, StemUse, TrainingWork, WorkContributor

SR = 48000
AUDIO_EXT = {"wav16": ".wav", "wav24": ".wav", "wav32f": ".wav", "flac": ".flac", "aiff": ".aiff", "mp3": ".mp3",
             "ogg": ".ogg"}


def works() -> tuple[TrainingWork, ...]:
    return (
        TrainingWork(1, "Morning Song", "a" * 64,
                     (WorkContributor("Bo Diaz", "composer", 6000), WorkContributor("Cy Eng", "lyricist", 4000)),
                     (ConsentRef(11, "Bo Diaz", "grant", "melody-model", "2026-01-02T10:00:00Z", "1" * 64),
                      ConsentRef(12, "Cy Eng", "grant", "melody-model", "2026-01-03T11:00:00Z", "2" * 64))),
        TrainingWork(2, "Evening Air", "b" * 64, (WorkContributor("Cy Eng", "composer", 10000),),
                     (ConsentRef(13, "Cy Eng", "grant", "melody-model", "2026-01-04T12:00:00Z", "3" * 64),)),
        TrainingWork(3, "Night Walk", "c" * 64,
                     (WorkContributor("Dee Fox", "composer", 5000), WorkContributor("Bo Diaz", "arranger", 5000)),
                     (ConsentRef(14, "Dee Fox", "grant", "melody-model", "2026-01-05T13:00:00Z", "4" * 64),)),
    )


def consented_catalogue(path: Path):
    """A real catalogue holding works() (same ids, content hashes, contributors, splits) with every
    contributor's grant, so an export crediting them passes the consent re-check at signing. Reopens an
    existing file. The caller closes it."""
    from app.core.catalogue import Catalogue, ContributorShare
    from app.core.music import Melody, Note

    cat = Catalogue.open(path)
    for w in works():
        if cat.find_by_sha256(w.sha256) is not None:
            continue
        melody = Melody(tuple(Note(60 + w.id + i, i * 0.5, 0.5) for i in range(4)))
        work_id = cat.add_work(melody, title=w.title, sha256=w.sha256,
                               contributors=[ContributorShare(c.name, c.role, c.split_bp) for c in w.contributors])
        assert work_id == w.id, "works() ids must match the catalogue's"
        cat.record_consent(work_id, "grant")
    return cat


def suggestion_fields(**over) -> RecordFields:
    base = dict(kind="suggestion", title="Hook idea", model_id="model-7", model_fingerprint="f" * 64,
                training_works=works(), credit_bp={1: 5000, 2: 3333, 3: 1667}, suggestion_ids=("s1",),
                human_edited_notes=2, longest_copied_run=5)
    base.update(over)
    return RecordFields(**base)


def mix_fields() -> RecordFields:
    return suggestion_fields(kind="mix", title="Song mix", stems=(StemUse("drums", "d" * 64),
                                                                  StemUse("bass", "e" * 64)))


def tone(seconds: float = 1.0, *, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(SR * seconds)) / SR
    left = 0.3 * np.sin(2 * np.pi * 220 * t) + 0.01 * rng.standard_normal(t.size)
    right = 0.3 * np.sin(2 * np.pi * 330 * t)
    return np.stack([left, right]).astype(np.float32)


def export_one(identity, folder: Path, fmt: str, *, name: str = "out", fields: RecordFields | None = None,
               seconds: float = 1.0, **kw):
    from app.core.project.export.files import export_audio

    if "catalogue" in kw:
        return export_audio(tone(seconds), SR, folder / f"{name}{AUDIO_EXT[fmt]}", fields or suggestion_fields(),
                            identity=identity, format=fmt, **kw)
    cat = consented_catalogue(folder.with_name(folder.name + ".consent") / "catalogue.sqlite")
    try:
        return export_audio(tone(seconds), SR, folder / f"{name}{AUDIO_EXT[fmt]}", fields or suggestion_fields(),
                            identity=identity, format=fmt, catalogue=cat, **kw)
    finally:
        cat.close()


def suggestion_json(sid: str = "s1", credit=((1, 7000), (2, 3000))) -> dict:
    """A suggestion as a project stores it (JSON), with the keys docs/provenance.md lists."""
    from app.core.music import Melody, Note

    melody = Melody((Note(67, 0, 1), Note(69, 1, 1), Note(71, 2, 1), Note(72, 3, 1)))
    return {
        "id": sid, "kept": True, "name": f"Hook {sid}", "melody": melody.to_json(), "instrument": None,
        "model": {"id": "model-7", "fingerprint": "f" * 64},
        "credit": [{"work_id": w, "bp": bp} for w, bp in credit],
        "works": [{"id": w.id, "title": w.title, "sha256": w.sha256,
                   "contributors": [{"name": c.name, "role": c.role, "split_bp": c.split_bp} for c in w.contributors],
                   "consent": [{"entry_id": c.entry_id, "contributor": c.contributor, "action": c.action, "use": c.use,
                                "recorded_at": c.recorded_at, "entry_hash": c.entry_hash} for c in w.consent]}
                  for w in works()],
        "human_edited_notes": 1, "longest_copied_run": 4,
    }


def make_project(folder: Path, *, seconds: float = 1.0):
    """A small project on disk: two 16-bit WAV stems and one kept suggestion on a track."""
    import soundfile as sf

    from app.core.project.model import Project, StemRef

    folder.mkdir(parents=True, exist_ok=True)
    stems = []
    for i, name in enumerate(("drums", "bass")):
        path = folder / f"{name}.wav"
        sf.write(str(path), tone(seconds, seed=i).T, SR, subtype="PCM_16")
        stems.append(StemRef(name, path))
    return Project(name="Test Song", path=folder / "song.accord", stems=stems, tempo_bpm=120.0,
                   suggestions=[suggestion_json()], tracks=[{"suggestion_id": "s1", "gain_db": -3.0}])
