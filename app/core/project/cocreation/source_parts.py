"""The training works' source parts as imported (issue 15, item 5), for the max-copy check against the works
as the artist knows them: per MIDI work whose file is still there, the chosen part — every note, before
duplicates merge, chords reduce and the line is quantised. Shared by `accord suggest` and the studio's
suggest path (the model never opens catalogue files: the caller reads them and passes `sources`).

Each file is parsed once, and what it gives is kept in the analysis cache under the file's content hash and
the part in use (`SOURCE_PART_VERSION`): the file is checked against the hash recorded at import every time, so
an entry can only be read back for the same bytes and the same choice. mido decodes about 0.1 s of MIDI events
per openmsx song, so a catalogue of 31 songs cost every `accord suggest` 6 s before it began (two parses per
work), and the second suggest now costs none of it. Only the entries of the works asked for are kept.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from app.core.analysis.cache import AnalysisCache
from app.core.errors import AccordError
from app.core.model.training import TrainedModel

SOURCE_PART_VERSION = 1  # bump when part_pitches, choose_part or the part choice at import changes
CACHE_KIND = "source-part"


def _cached(cache: AnalysisCache | None, key: str) -> list[int] | None:
    hit = cache.get(CACHE_KIND, key) if cache is not None else None
    pitches = None if hit is None else hit.get("pitches")
    if isinstance(pitches, list) and all(type(p) is int and 0 <= p <= 127 for p in pitches):
        return pitches
    return None


def _part_pitches(file: Path, current: str | None, detail: str) -> list[int] | None:
    """The pitches of the part in use, from one parse of the file; None when it no longer has that part."""
    from app.core.catalogue.importing.melody_source import import_choice
    from app.core.catalogue.importing.midi_import import choose_part, part_candidates
    from app.core.midifile import read_midi
    from app.core.model.style.sources import part_pitches

    content = read_midi(file)
    if current is None:
        current = import_choice(part_candidates(content), detail)
    if not current.startswith("midi:"):
        return None
    fields = dict(f.split("=") for f in current.split(":")[1:])
    part = choose_part(content, track=int(fields["track"]), channel=int(fields["channel"]) - 1)
    return part_pitches(part.notes)


def source_parts(catalogue_path: Path, work_ids: Sequence[int], *,
                 cache: AnalysisCache | None = None) -> dict[int, list[int]]:
    """Per MIDI work whose file is still readable: the chosen part's pitches as imported (`part_pitches`).
    A work whose file is gone or no longer has the chosen part is left out (the learned melody only).
    `cache`: where each file's reading is kept between runs (see the module's docstring)."""
    from app.core.catalogue.importing.melody_source import midi_source_file
    from app.core.catalogue.store import Catalogue

    out: dict[int, list[int]] = {}
    if not Path(catalogue_path).exists():
        return out
    keys: set[str] = set()
    with Catalogue.open(catalogue_path) as cat:
        for wid in work_ids:
            try:
                src = midi_source_file(cat, wid)
                if src is None:
                    continue
                choice = src.current if src.current is not None else f"import:{src.detail}"
                key = hashlib.sha256(f"{SOURCE_PART_VERSION}\n{src.sha256}\n{choice}".encode()).hexdigest()
                keys.add(key)
                pitches = _cached(cache, key)
                if pitches is None:
                    pitches = _part_pitches(src.file, src.current, src.detail)
                    if pitches is None:
                        continue
                    if cache is not None:
                        cache.put(CACHE_KIND, key, {"pitches": pitches})
            except (AccordError, KeyError, ValueError, IndexError):  # file gone or changed: the learned melody
                continue
            out[wid] = pitches
    if cache is not None:
        # only the works asked for keep an entry: a work revoked (the model forgets it), removed, or read through
        # another part leaves no copy of its notes behind after the next suggest
        cache.keep_only(CACHE_KIND, keys)
    return out


def model_source_parts(model: TrainedModel, catalogue_path: Path, *,
                       cache: AnalysisCache | None = None) -> dict[int, list[int]]:
    """`source_parts` of the model's works, memoised on the model (the memo is dropped when the model
    changes, so a retrained or forgetting model reads its works' files again)."""
    key = ("source-parts", str(catalogue_path))
    got = model.cache.get(key)
    if got is None:
        got = model.cache[key] = source_parts(catalogue_path, sorted(model.works), cache=cache)
    return got  # type: ignore[return-value]
