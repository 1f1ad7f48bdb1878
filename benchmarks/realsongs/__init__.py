"""An evaluation set of real songs nobody here wrote: rendered stems + mix with truth from the MIDI.

    from benchmarks.realsongs import build
    songs = build(cache_dir=None, limit=None, sources=("openmsx", "mma"))

Sources: (a) the MIDI songs of Debian's `openttd-openmsx`; (b) backing tracks rendered by `mma` (Debian
`mma`) from textbook chord charts in its groove styles (exact chords, key and tempo). Each song is split by
part into drums/bass/harmony/lead stems, rendered with fluidsynth and TimGM6mb, and cached under
`cache_dir` (default ~/.cache/accord-bench/realsongs), so a second build costs only reading JSON.

A `RealSong` has `name, source, mix, stems (role -> wav), truth` where truth holds `bpm`, `tempo_map`
([[seconds, bpm], ...]), `key` ("C major"/"A minor" or None), `time_signature` ("4/4"), `chords`
([[start_s, end_s, "C:maj"|"A:min"|"N"], ...]), `lead_notes` ([[onset_s, offset_s, midi], ...]), plus
`key_source`, `grid_perfect` (True when every note sits on the written grid at a constant tempo).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.realsongs import charts as charts_mod
from benchmarks.realsongs import chord_truth, render, truth
from benchmarks.realsongs import sources as data

log = logging.getLogger(__name__)

TRUTH_VERSION = 1
SOURCES = ("openmsx", "mma")


@dataclass
class RealSong:
    name: str
    source: str
    mix: Path
    stems: dict[str, Path]
    truth: dict
    notes: list[str] = field(default_factory=list)


def _load(folder: Path) -> RealSong | None:
    meta = folder / "song.json"
    if not meta.is_file():
        return None
    try:
        data = json.loads(meta.read_text())
        if data.get("truth_version") != TRUTH_VERSION:
            return None
        stems = {r: folder / p for r, p in data["stems"].items()}
        if not (folder / data["mix"]).is_file() or not all(p.is_file() for p in stems.values()):
            return None
        song = RealSong(data["name"], data["source"], folder / data["mix"], stems, data["truth"])
    except (OSError, ValueError, KeyError):
        return None
    if song.source == "openmsx" and song.truth.get("chords_version") != chord_truth.CHORDS_VERSION:
        _update_chords(folder, song)
    if song.truth.get("key_source") == "pitch content" and song.truth.get("key_version") != truth.KEY_VERSION:
        _update_key(folder, song)
    return song


def _update_key(folder: Path, song: RealSong) -> None:
    """Recompute a key truth derived from pitch content by an older derivation, from the role MIDI files kept
    beside the stems (no re-rendering). Only the pitch-content branch runs: the song got it because it has no key
    signature or its notes disagree with it."""
    derived = truth.derived_key(folder)
    if derived is None:
        return
    song.truth.update({"key": derived[0], "key_source": derived[1], "key_version": truth.KEY_VERSION})
    _save(folder, song)


def _update_chords(folder: Path, song: RealSong) -> None:
    """Recompute an older chord truth from the role MIDI files kept beside the stems (no re-rendering)."""
    parts = truth.role_parts(folder)
    if not parts:
        return
    pm = next(iter(parts.values()))
    bass = parts["bass"].instruments if "bass" in parts else []
    harmonic = [i for p in parts.values() for i in p.instruments]
    song.truth["chords"] = chord_truth.chords_truth(pm, harmonic, bass, end=float(song.truth.get("duration") or 0.0) or None)
    song.truth["chords_version"] = chord_truth.CHORDS_VERSION
    song.truth["chords_source"] = "pitch content over the harmonic rhythm"
    _save(folder, song)


def _save(folder: Path, song: RealSong) -> None:
    data = {"truth_version": TRUTH_VERSION, "name": song.name, "source": song.source, "mix": song.mix.name,
            "stems": {r: p.name for r, p in song.stems.items()}, "truth": song.truth}
    tmp = folder / "song.json.tmp"
    tmp.write_text(json.dumps(data, indent=1))
    tmp.replace(folder / "song.json")


def _truth_from_midi(pm, roles: dict[int, str], *, grid_perfect: bool) -> dict:
    by_role = {r: [pm.instruments[i] for i, x in roles.items() if x == r] for r in render.ROLES}
    harmonic = by_role["bass"] + by_role["harmony"] + by_role["lead"]
    bpm, tmap = truth.tempo_truth(pm)
    key, key_source = truth.key_truth(pm, harmonic, by_role["bass"])
    return {"bpm": bpm, "tempo_map": tmap, "key": key, "key_source": key_source, "key_version": truth.KEY_VERSION,
            "time_signature": truth.time_signature_truth(pm),
            "chords": chord_truth.chords_truth(pm, by_role["bass"] + by_role["harmony"], by_role["bass"]),
            "chords_version": chord_truth.CHORDS_VERSION,
            "chords_source": "pitch content over the harmonic rhythm", "lead_notes": truth.lead_notes(by_role["lead"]),
            "grid_perfect": grid_perfect, "duration": round(float(pm.get_end_time()), 3)}


def _openmsx(cache: Path, limit: int | None) -> list[RealSong]:
    import pretty_midi

    root = data.find_tree("openmsx", cache)
    if root is None:
        log.warning("openmsx skipped: openttd-openmsx is neither installed nor downloadable")
        return []
    out = []
    for mid in sorted((root / data.OPENMSX_DIR).glob("*.mid"))[:limit]:
        folder = cache / "openmsx" / mid.stem
        if (song := _load(folder)) is not None:
            out.append(song)
            continue
        try:
            pm = pretty_midi.PrettyMIDI(str(mid))
        except Exception as exc:  # noqa: BLE001 - a broken file is skipped, not fatal
            log.warning("skipping %s: %s", mid.name, exc)
            continue
        roles = render.openmsx_roles(pm)
        mix, stems = render.render_stems(pm, roles, folder)
        song = RealSong(mid.stem, "openmsx", mix, stems, _truth_from_midi(pm, roles, grid_perfect=False))
        _save(folder, song)
        out.append(song)
    return out


MMA_SETS = {"mma": "main", "mma-heldout": "heldout", "mma-casio": "casio", "mma-more": "more"}  # source -> charts.SETS
# source -> the first chorale of the set (chorales.py): the harmonic-beat constants (rhythm/beatlevel.py) were
# chosen looking at the first 40; the next 40 were rendered only after they were fixed
CHORALE_SETS = {"chorales": 0, "chorales-heldout": 40}


def _mma(cache: Path, limit: int | None, source: str = "mma") -> list[RealSong]:
    import pretty_midi

    root = data.find_tree("mma", cache)
    if root is None:
        log.warning("mma skipped: mma is neither installed nor downloadable")
        return []
    home = None
    out = []
    for chart in charts_mod.charts(MMA_SETS[source])[:limit]:
        folder = cache / source / chart.name
        if (song := _load(folder)) is not None:
            out.append(song)
            continue
        home = home or data.mma_home(root, cache)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "chart.mma").write_text(chart.text())
        data.run_mma(root, home, folder / "chart.mma", folder / "song.mid")
        pm = pretty_midi.PrettyMIDI(str(folder / "song.mid"))
        roles = render.mma_roles(pm)
        mix, stems = render.render_stems(pm, roles, folder)
        t = _truth_from_midi(pm, roles, grid_perfect=True)
        # the chart is the truth for what the MIDI file states only implicitly
        key_name = charts_mod.NAMES[chart.tonic].replace("Db", "C#")
        t.update({"bpm": chart.quarter_bpm, "tempo_map": [[0.0, chart.quarter_bpm]], "key": f"{key_name} {chart.mode}", "key_source": "chart",
                  "time_signature": chart.meter, "chords": chart.chord_truth(),
                  "chord_symbols": chart.chord_symbols(), "chords_source": "chart",
                  "groove": chart.groove, "progression": chart.progression})
        song = RealSong(chart.name, source, mix, stems, t)
        _save(folder, song)
        out.append(song)
    return out


def build(cache_dir: Path | str | None = None, *, limit: int | None = None,
          sources: tuple[str, ...] = SOURCES) -> list[RealSong]:
    """Render (or load from the cache) the evaluation songs; `limit` songs per source at most.

    Returns [] for a source whose data or tools are missing (logged), never raises for that.
    """
    cache = Path(cache_dir) if cache_dir is not None else data.default_cache()
    if (why := render.can_render()) is not None:
        log.warning("real songs skipped: %s", why)
        return []
    cache.mkdir(parents=True, exist_ok=True)
    out: list[RealSong] = []
    if "openmsx" in sources:
        out += _openmsx(cache, limit)
    for source in MMA_SETS:
        if source in sources:
            out += _mma(cache, limit, source)
    for source, first in CHORALE_SETS.items():
        if source in sources:
            from benchmarks.realsongs import chorales

            out += chorales.build(cache, limit, first=first)
    return out
