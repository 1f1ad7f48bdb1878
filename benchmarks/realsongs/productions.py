"""Finished electronic productions nobody here wrote: the demo songs that ship with LMMS (Debian `lmms`,
`lmms-common`: 20 demos and 5 shorties by LMMS users, house, reggae, chiptune, rock, ambient...).

Each project is rendered by LMMS itself (`lmms render`, its own synths, samples and effects) to one stereo
mix, the file an artist has when they bounce a song. The project states its tempo and time signature and
LMMS plays it on that grid to the sample, so the truth is exact and every song is grid-perfect. The projects
state no key or chords. The key truth is derived from the notes the project file plays
(production_notes.py), as the openmsx songs' key is derived from their MIDI: a profile estimate, not a
composer's label; a song whose pitched notes this reader cannot place gets none. The same notes give a chord
truth per beat (the openmsx songs' derivation) on the songs whose every pitched part this reader places.

Five of them are also rendered track by track (`lmms rendertracks`): the stems an artist exports from a
DAW, one file per track, named as the project names its tracks. They check the stem analysis (roles from
those names and from the sound, then tempo, meter and key) on stems nobody here made.

Rendering needs the `lmms` binary (`apt-get install lmms`) and takes about 5 minutes for the 25 mixes and
about 15 for the five track sets, once; the renders and their truth are cached under `<cache>/lmms/` and
`<cache>/lmms-tracks/`.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
from pathlib import Path

from benchmarks.realsongs import scoring as sc

log = logging.getLogger(__name__)

PROJECTS = Path("/usr/share/lmms/projects")
FOLDERS = ("demos", "shorties")
RENDER_TIMEOUT_S = 900
TRUTH_VERSION = 1
# rendered track by track as well: ambient, 80s rock, reggae, progressive house, funk
TRACK_PROJECTS = ("demos/Impulslogik-Zen.mmpz", "demos/Thomasso-AxeFromThe80s.mmpz",
                  "demos/CapDan/CapDan-ReggaeTry.mmpz", "demos/Shovon-ProgressiveHousePluckDemo.mmpz",
                  "demos/Alf42red-Mauiwowi.mmpz")


def can_render() -> str | None:
    if shutil.which("lmms") is None:
        return "lmms is not installed (apt-get install lmms)"
    if not PROJECTS.is_dir():
        return f"{PROJECTS} is missing (apt-get install lmms-common)"
    return None


def _lmms(*args: str) -> list[str]:
    # LMMS refuses to run as root unless told; offscreen: no display is needed to render
    return ["lmms", *(["--allowroot"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []), *args]


def _env() -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen"}


def project_text(project: Path) -> str:
    """The project's XML (a .mmpz is compressed: `lmms dump`)."""
    if project.suffix == ".mmpz":
        return subprocess.run(_lmms("dump", str(project)), capture_output=True, text=True, env=_env(),
                              timeout=120, check=False).stdout
    return project.read_text(errors="replace")


def project_header(project: Path) -> dict:
    """{"bpm": float, "time_signature": "4/4"} from the project's <head>."""
    text = project_text(project)
    head = re.search(r"<head\b[^>]*>", text)
    if head is None:
        raise ValueError(f"{project}: no <head> element")
    attrs = dict(re.findall(r'(\w+)="([^"]*)"', head.group(0)))
    return {"bpm": float(attrs["bpm"]),
            "time_signature": f"{attrs.get('timesig_numerator', '4')}/{attrs.get('timesig_denominator', '4')}"}


def meter_truth(time_signature: str) -> str | None:
    """The meter a listener hears: 8/4 is two bars of 4/4; 1/1 (a grid without bars) states none."""
    num, den = (int(x) for x in time_signature.split("/"))
    if den == 4 and num == 8:
        return "4/4"
    if num < 2:
        return None
    return f"{num}/{den}"


def note_truth(project: Path, folder: Path) -> dict:
    """{"key": "C minor" | None, "chords": [[start, end, label], ...], "unread": share, "notes": n} from the
    project's notes, cached in `folder` (a song whose notes this reader cannot place has neither)."""
    from benchmarks.realsongs import production_notes, truth

    path = folder / f"{project.name.split('.mmp')[0]}.key.json"
    try:
        data = json.loads(path.read_text()) if path.is_file() else None
    except (OSError, ValueError):
        data = None
    if isinstance(data, dict) and data.get("version") == production_notes.VERSION:
        return data
    try:
        notes = production_notes.read_project(project_text(project))
    except (ValueError, SyntaxError) as exc:  # ElementTree's ParseError is a SyntaxError
        log.warning("%s: notes not read: %s", project.name, exc)
        return {"key": None, "chords": [], "unread": 1.0, "notes": 0}
    known = bool(notes.notes) and notes.unread_share <= production_notes.UNREAD_MAX
    data = {"version": production_notes.VERSION, "notes": len(notes.notes), "unread": round(notes.unread_share, 3),
            "unread_tracks": notes.unread,
            "key": truth.key_from_pitch_content(notes.notes, notes.bass) if known else None,
            # a chord truth needs every pitched part placed: an unread part's beats would read N or a lesser chord
            "chords": notes.chords() if known and notes.unread_share == 0.0 else []}
    path.write_text(json.dumps(data))
    return data


def _notes_truth(project: Path, folder: Path) -> dict:
    got = note_truth(project, folder)
    return {"key": got["key"], "chords": got["chords"]}


def _meta(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text()) if path.is_file() else None
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("truth_version") == TRUTH_VERSION else None


def build(cache: Path, *, limit: int | None = None) -> list[dict]:
    """[{"name", "mix": Path, "bpm", "time_signature", "meter"}], rendering what the cache lacks."""
    if (why := can_render()) is not None:
        log.warning("productions skipped: %s", why)
        return []
    folder = cache / "lmms"
    folder.mkdir(parents=True, exist_ok=True)
    projects = sorted(p for f in FOLDERS for p in (PROJECTS / f).rglob("*.mmp*"))[:limit]
    out = []
    for project in projects:
        name = project.name.split(".mmp")[0]
        mix, meta = folder / f"{name}.wav", folder / f"{name}.json"
        data = _meta(meta)
        if data is None or not mix.is_file():
            try:
                data = {"truth_version": TRUTH_VERSION, **project_header(project)}
                tmp = folder / f"{name}.part.wav"
                subprocess.run(_lmms("render", str(project), "-f", "wav", "-o", str(tmp)), env=_env(),
                               capture_output=True, timeout=RENDER_TIMEOUT_S, check=True)
                tmp.replace(mix)
                meta.write_text(json.dumps(data))
            except (OSError, ValueError, subprocess.SubprocessError) as exc:
                log.warning("%s: not rendered: %s", project.name, exc)
                continue
        out.append({"name": name, "mix": mix, "bpm": data["bpm"], "time_signature": data["time_signature"],
                    "meter": meter_truth(data["time_signature"]), **_notes_truth(project, folder)})
    return out


def build_tracks(cache: Path, *, limit: int | None = None) -> list[dict]:
    """[{"name", "stems": [Path], "bpm", "time_signature", "meter"}]: TRACK_PROJECTS rendered one file per
    track, rendering what the cache lacks (into a scratch folder, renamed into place when complete)."""
    if (why := can_render()) is not None:
        log.warning("production stems skipped: %s", why)
        return []
    folder = cache / "lmms-tracks"
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for rel in TRACK_PROJECTS[:limit]:
        project = PROJECTS / rel
        name = project.name.split(".mmp")[0]
        target, meta = folder / name, folder / f"{name}.json"
        data = _meta(meta)
        if data is None or not any(target.glob("*.wav")):
            try:
                data = {"truth_version": TRUTH_VERSION, **project_header(project)}
                scratch = folder / f"{name}.part"
                shutil.rmtree(scratch, ignore_errors=True)
                scratch.mkdir()
                subprocess.run(_lmms("rendertracks", str(project), "-f", "wav", "-o", f"{scratch}/"), env=_env(),
                               capture_output=True, timeout=2 * RENDER_TIMEOUT_S, check=True)
                if not any(scratch.glob("*.wav")):
                    raise ValueError("LMMS wrote no tracks")
                shutil.rmtree(target, ignore_errors=True)
                scratch.rename(target)
                meta.write_text(json.dumps(data))
            except (OSError, ValueError, subprocess.SubprocessError) as exc:
                log.warning("%s: tracks not rendered: %s", project.name, exc)
                continue
        out.append({"name": name, "stems": sorted(target.glob("*.wav")), "bpm": data["bpm"],
                    "time_signature": data["time_signature"], "meter": meter_truth(data["time_signature"]),
                    **_notes_truth(project, folder)})
    return out


def track_rows(per_song: list[dict]) -> list[dict]:
    """Benchmark rows for the productions' stems (see evaluate.evaluate_productions)."""
    n = len(per_song)
    if not n:
        return [{"metric": "production stems (LMMS, track by track)", "value": 0, "unit": "songs",
                 "note": "skipped: " + (can_render() or "nothing rendered")}]
    stems = sum(r["stems"] for r in per_song)
    exact = sum(r["accord_bpm"] is not None and abs(r["accord_bpm"] - r["truth_bpm"]) <= 0.01 for r in per_song)
    metered = [r for r in per_song if r["truth_meter"]]
    return [
        {"metric": "production stems (LMMS, track by track)", "value": n, "unit": "songs",
         "note": f"{stems} stems: " + ", ".join(r["name"] for r in per_song)},
        {"metric": "production stems: tempo within 4% [accord]", "value": round(
            sum(bool(r["accord_tempo_ok"]) for r in per_song) / n, 3), "unit": "share",
         "note": f"exact BPM (<= 0.01): {exact} of {n}"},
        {"metric": "production stems: meter right [accord]", "value": round(
            sum(r["accord_meter"] == r["truth_meter"] for r in metered) / max(1, len(metered)), 3),
         "unit": "share", "note": f"{len(metered)} songs that state bars"},
        {"metric": "production stems: key answered [accord]", "value": round(
            sum(r["accord_key"] is not None for r in per_song) / n, 3), "unit": "share",
         "note": ", ".join(f"{r['name']} {r['accord_key']} (truth {r.get('truth_key')})" for r in per_song)},
        *key_rows(per_song, ("accord",), "production stems"),
        *chord_rows(per_song, ("accord",), "production stems"),
    ]


def key_rows(per_song: list[dict], systems: tuple[str, ...], label: str) -> list[dict]:
    """MIREX key score of each system on the songs with a key truth (from the project's notes)."""
    keyed = [r for r in per_song if r.get("truth_key")]
    if not keyed:
        return []
    out = []
    for s in systems:
        scores = [sc.mirex_key(r["truth_key"], r.get(f"{s}_key")) for r in keyed]
        out.append({"metric": f"{label}: key MIREX weighted [{s}]", "value": round(sum(scores) / len(keyed), 3),
                    "unit": "score", "note": f"exact {sum(x == 1.0 for x in scores)} of {len(keyed)} songs whose notes "
                                             f"give a key (truth from the project's notes: a profile estimate)"})
    return out


def rows(per_song: list[dict]) -> list[dict]:
    """Benchmark rows from the per-song results (see evaluate.evaluate_productions)."""
    n = len(per_song)
    if not n:
        return [{"metric": "productions (LMMS demo songs)", "value": 0, "unit": "songs",
                 "note": "skipped: " + (can_render() or "nothing rendered")}]
    out: list[dict] = [{"metric": "productions (LMMS demo songs)", "value": n, "unit": "songs",
                        "note": "rendered by LMMS from its demo projects; truth: the project's tempo and meter"}]
    for s in ("accord-mix", "essentia", "librosa"):
        ok = sum(bool(r.get(f"{s}_tempo_ok")) for r in per_song) / n
        octave = sum(bool(r.get(f"{s}_tempo_octave_ok")) for r in per_song) / n
        exact = sum(r.get(f"{s}_bpm") is not None and abs(r[f"{s}_bpm"] - r["truth_bpm"]) <= 0.01
                    for r in per_song) / n
        out.append({"metric": f"productions: tempo within 4% [{s}]", "value": round(ok, 3), "unit": "share",
                    "note": f"x2/x1/2 allowed: {octave:.2f}; exact BPM (<= 0.01): {exact:.2f}"})
    metered = [r for r in per_song if r["truth_meter"]]
    if metered:
        v = sum(r["accord-mix_meter"] == r["truth_meter"] for r in metered) / len(metered)
        out.append({"metric": "productions: meter right [accord-mix]", "value": round(v, 3), "unit": "share",
                    "note": f"{len(metered)} songs that state bars"})
    for s in ("accord-mix", "essentia"):
        v = sum(r.get(f"{s}_key") is not None for r in per_song) / n
        out.append({"metric": f"productions: key answered [{s}]", "value": round(v, 3), "unit": "share",
                    "target": "1.0" if s == "accord-mix" else "", "ok": v >= 0.999 if s == "accord-mix" else None})
    agree = sum(r.get("accord-mix_key") is not None and r.get("accord-mix_key") == r.get("essentia_key")
                for r in per_song) / n
    out.append({"metric": "productions: same key as essentia [accord-mix]", "value": round(agree, 3),
                "unit": "share"})
    return out + key_rows(per_song, ("accord-mix", "essentia"), "productions") + \
        chord_rows(per_song, ("accord-mix", "essentia"), "productions")


def chord_rows(per_song: list[dict], systems: tuple[str, ...], label: str) -> list[dict]:
    """Root and maj/min per beat of each system, on the songs with a chord truth (from the project's notes)."""
    out = []
    for s in systems:
        scored = [r[f"{s}_chords"] for r in per_song if r.get(f"{s}_chords") and r[f"{s}_chords"][1]]
        if scored:
            hits, total = sum(h for h, _ in scored), sum(t for _, t in scored)
            out.append({"metric": f"{label}: chords per beat maj/min [{s}]", "value": round(hits / total, 3),
                        "unit": "share", "note": f"{total} beats of {len(scored)} songs (truth: the project's notes "
                                                 f"read as the openmsx songs' MIDI is)"})
    return out
