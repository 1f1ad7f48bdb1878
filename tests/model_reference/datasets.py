"""Reference melodies for tests and benchmarks: the Bach chorale soprano lines shipped in resources/data.

Format (see resources/data/chorales.json): items with `id` ("bwv253.mxl"), `ts` ("4/4"), `key` ({tonic_pc,
mode}) and `notes` as [midi_pitch, duration_quarters, onset_quarters]. The IDyOM benchmark set is BWV 253–438.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path

from app.core.catalogue.types import MELODY_MODEL_USE, ConsentEntryRef, ContributorShare, UsableWork
from app.core.errors import AccordError
from app.core.music import Key, Melody, Note, TimeSignature

DEFAULT_CHORALES = Path(__file__).resolve().parents[2] / "resources" / "data" / "chorales.json"
IDYOM_BWV_RANGE = (253, 438)


def load_chorales(path: str | Path = DEFAULT_CHORALES, *, bwv_range: tuple[int, int] | None = None
                  ) -> list[tuple[str, Melody]]:
    """(id, Melody) for each chorale, optionally only BWV numbers within `bwv_range` (inclusive)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        out = []
        for item in data["items"]:
            ident = str(item["id"])
            if bwv_range is not None:
                m = re.match(r"bwv(\d+)", ident)
                if not m or not bwv_range[0] <= int(m.group(1)) <= bwv_range[1]:
                    continue
            key = item.get("key")
            notes = tuple(Note(int(p), float(on), float(d)) for p, d, on in item["notes"])
            out.append((ident, Melody(notes, key=None if key is None else Key(int(key["tonic_pc"]), key["mode"]),
                                      time_signature=TimeSignature.parse(item.get("ts", "4/4")))))
        return out
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise AccordError(f"cannot read the chorale data: {exc}", path=path) from exc


def idyom_benchmark_set(path: str | Path = DEFAULT_CHORALES) -> list[tuple[str, Melody]]:
    return load_chorales(path, bwv_range=IDYOM_BWV_RANGE)


def as_usable_works(melodies: Sequence[tuple[str, Melody]], *, first_id: int = 1,
                    composer: str = "J. S. Bach") -> list[UsableWork]:
    """Wrap reference melodies as consented works (for tests, benchmarks and the demo; not a catalogue)."""
    works = []
    for i, (ident, melody) in enumerate(melodies):
        wid = first_id + i
        digest = hashlib.sha256(json.dumps(melody.to_json(), sort_keys=True).encode()).hexdigest()
        consent = ConsentEntryRef(wid, composer, "grant", MELODY_MODEL_USE, "2026-01-01T00:00:00Z",
                                  hashlib.sha256(f"{ident}:{wid}".encode()).hexdigest())
        works.append(UsableWork(wid, ident, digest, melody, (ContributorShare(composer, "composer", 10000),),
                                (consent,)))
    return works
