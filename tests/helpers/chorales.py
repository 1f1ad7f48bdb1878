"""Bach chorale soprano lines (resources/data/chorales.json) as Melody objects and MIDI files, for tests.

Format of the JSON: {"items": [{"id", "ts", "key": {"tonic_pc", "mode", "sharps"},
"notes": [[midi_pitch, duration_quarters, onset_quarters], ...]}]}. Kept small and stable: other areas'
tests (the model) use it too.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from app.core.midifile import MidiPart, write_midi
from app.core.music import Key, Melody, Note, TimeSignature

CHORALES_JSON = Path(__file__).resolve().parents[2] / "resources" / "data" / "chorales.json"
TEMPO_BPM = 80.0


@lru_cache(maxsize=1)
def _items() -> tuple[dict, ...]:
    return tuple(json.loads(CHORALES_JSON.read_text(encoding="utf-8"))["items"])


def _melody(item: dict) -> Melody:
    notes = tuple(Note(int(p), float(onset), float(dur)) for p, dur, onset in item["notes"])
    key = item.get("key")
    try:
        ts = TimeSignature.parse(item.get("ts") or "4/4")
    except ValueError:
        ts = TimeSignature()
    return Melody(notes, key=None if not key else Key(int(key["tonic_pc"]), key["mode"]), time_signature=ts,
                  tempo_bpm=TEMPO_BPM)


def chorale_ids(limit: int | None = None) -> list[str]:
    return [it["id"] for it in _items()[:limit]]


def melodies_from_chorales(limit: int | None = None) -> list[Melody]:
    """The first `limit` chorale soprano lines (all 412 when None), in file order."""
    return [_melody(it) for it in _items()[:limit]]


def write_chorale_midis(folder: str | Path, limit: int | None = None) -> list[Path]:
    """One type-1 MIDI file per chorale ('soprano' track, id in a text event) in `folder`; paths in order."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for item, melody in zip(_items()[:limit], melodies_from_chorales(limit), strict=True):
        name = item["id"].removesuffix(".mxl").replace("/", "_").replace(".", "_")
        paths.append(write_midi(folder / f"{name}.mid", [MidiPart("soprano", melody, program=52)],
                                tempo_bpm=TEMPO_BPM, time_signature=melody.time_signature,
                                # some chorales share a soprano line; the id keeps each file distinct
                                meta_text=[f"chorale {item['id']}"]))
    return paths
