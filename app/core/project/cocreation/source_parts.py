"""The training works' source parts as imported (issue 15, item 5), for the max-copy check against the works
as the artist knows them: per MIDI work whose file is still there, the chosen part — every note, before
duplicates merge, chords reduce and the line is quantised. Shared by `accord suggest` and the studio's
suggest path (the model never opens catalogue files: the caller reads them and passes `sources`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from app.core.errors import AccordError
from app.core.model.training import TrainedModel


def source_parts(catalogue_path: Path, work_ids: Sequence[int]) -> dict[int, list[int]]:
    """Per MIDI work whose file is still readable: the chosen part's pitches as imported (`part_pitches`).
    A work whose file is gone or no longer has the chosen part is left out (the learned melody only)."""
    from app.core.catalogue.importing.melody_source import melody_candidates
    from app.core.catalogue.importing.midi_import import choose_part
    from app.core.catalogue.store import Catalogue
    from app.core.midifile import read_midi
    from app.core.model.style.sources import part_pitches

    out: dict[int, list[int]] = {}
    if not Path(catalogue_path).exists():
        return out
    with Catalogue.open(catalogue_path) as cat:
        for wid in work_ids:
            try:
                summary = cat.work(wid).summary
                if summary.kind != "midi" or not summary.path:
                    continue
                current = next((c for c in melody_candidates(cat, wid) if c.current), None)
                if current is None or not current.source.startswith("midi:"):
                    continue
                fields = dict(f.split("=") for f in current.source.split(":")[1:])
                part = choose_part(read_midi(summary.path), track=int(fields["track"]),
                                   channel=int(fields["channel"]) - 1)
            except (AccordError, KeyError, ValueError):  # file gone or changed: the learned melody only
                continue
            out[wid] = part_pitches(part.notes)
    return out


def model_source_parts(model: TrainedModel, catalogue_path: Path) -> dict[int, list[int]]:
    """`source_parts` of the model's works, memoised on the model (the memo is dropped when the model
    changes, so a retrained or forgetting model reads its works' files again)."""
    key = ("source-parts", str(catalogue_path))
    got = model.cache.get(key)
    if got is None:
        got = model.cache[key] = source_parts(catalogue_path, sorted(model.works))
    return got  # type: ignore[return-value]
