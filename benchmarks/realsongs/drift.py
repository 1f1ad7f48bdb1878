"""Real songs played without a click: the rendered openmsx / mma songs again, their tempo drifting as a band's
does, with the MIDI's own beats (warped the same way) as truth.

A studio musician's song in progress is often recorded without a click: a singer with a guitar, a band in a
room. Its tempo wanders by a few per cent and usually rushes. The drift is applied to the MIDI before
rendering (`pretty_midi.adjust_times`), so every note, the truth's beats and the audio move together: the log
tempo follows a slow random walk (an Ornstein-Uhlenbeck process, sd 2 %, correlation time 8 bars) plus a
rush of 3 % from the first beat to the last, one fixed seed per song. The music is nobody's here; the drift
is ours and stated.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.realsongs import RealSong, render

log = logging.getLogger(__name__)

DRIFT_VERSION = 1
WANDER_SD = 0.02
WANDER_BARS = 8
RUSH = 0.03
# songs with one tempo in their MIDI (a tempo map of their own would mix two questions), several styles
SONGS = ("mma-00-basicrock", "mma-03-softrock", "mma-05-bossanova", "mma-06-swing", "mma-11-ska",
         "mma-14-slowblues", "mma-18-waltz", "mma-21-ballad", "mma-26-blues68", "harp_harmony",
         "keep_on_rolling", "relax_song", "chemistry_lab", "ultimate_run")
# a second set, never looked at while choosing the follower's constants (TIGHTNESS was chosen on SONGS)
CHECK_SONGS = ("mma-01-50srock", "mma-04-folkrock", "mma-07-rhumba", "mma-09-8beat", "mma-12-twist",
               "mma-17-polka", "mma-19-jazzwaltz", "mma-23-jive", "coconut_run2", "modern_motion",
               "run_for_your_life", "tttheme2", "say_what_redfarn", "wood_whistles")
QUICK_SONGS = ("mma-00-basicrock", "mma-18-waltz", "harp_harmony", "relax_song")


@dataclass
class DriftSong:
    name: str
    mix: Path
    stems: dict[str, Path]
    truth_beats: list[float]
    tempo_range: tuple[float, float]  # slowest and fastest tempo, relative to the written one


def tempo_factors(n_beats: int, seed: int, beats_per_bar: int = 4) -> np.ndarray:
    """Relative tempo per beat: exp(OU wander + linear rush)."""
    rng = np.random.default_rng(seed)
    a = np.exp(-1.0 / (WANDER_BARS * beats_per_bar))
    x = np.zeros(n_beats)
    for i in range(1, n_beats):
        x[i] = a * x[i - 1] + np.sqrt(1.0 - a * a) * WANDER_SD * rng.standard_normal()
    return np.exp(x + np.linspace(0.0, RUSH, n_beats))


def _drifted(song: RealSong, folder: Path, seed: int) -> DriftSong:
    import pretty_midi

    src = song.mix.parent
    pms = {m.stem: pretty_midi.PrettyMIDI(str(m)) for m in sorted(src.glob("*.mid"))}
    first = next(iter(pms.values()))
    end = max(p.get_end_time() for p in pms.values())
    beats = first.get_beats()
    beats = beats[beats <= end + 1e-6]
    d = np.diff(np.append(beats, beats[-1] + (beats[-1] - beats[-2])))
    f = tempo_factors(beats.size, seed)
    old = np.append(beats, beats[-1] + d[-1])
    new = np.concatenate([[beats[0]], beats[0] + np.cumsum(d / f)])
    merged = pretty_midi.PrettyMIDI(resolution=first.resolution, initial_tempo=float(song.truth["bpm"]))
    roles: dict[int, str] = {}
    for role, pm in pms.items():
        pm.adjust_times(old, new)  # every note of the part moves with its beat
        for inst in pm.instruments:
            roles[len(merged.instruments)] = role
            merged.instruments.append(inst)
    mix, stems = render.render_stems(merged, roles, folder)
    truth = np.interp(beats, old, new)
    meta = {"version": DRIFT_VERSION, "name": song.name, "truth_beats": [round(float(t), 5) for t in truth],
            "tempo_range": [float(f.min()), float(f.max())], "mix": mix.name,
            "stems": {k: v.name for k, v in stems.items()}}
    (folder / "drift.json").write_text(json.dumps(meta))
    return _load(folder)  # type: ignore[return-value]


def _load(folder: Path) -> DriftSong | None:
    try:
        meta = json.loads((folder / "drift.json").read_text())
        if meta.get("version") != DRIFT_VERSION:
            return None
        stems = {k: folder / v for k, v in meta["stems"].items()}
        if not (folder / meta["mix"]).is_file() or not all(p.is_file() for p in stems.values()):
            return None
        return DriftSong(meta["name"], folder / meta["mix"], stems, meta["truth_beats"], tuple(meta["tempo_range"]))
    except (OSError, ValueError, KeyError):
        return None


def build(songs: list[RealSong], cache: Path, names: tuple[str, ...]) -> list[tuple[RealSong, DriftSong]]:
    """(the song as written, the same song drifting) for each name found in `songs`; rendered once, cached."""
    by_name = {s.name: s for s in songs}
    out = []
    for i, name in enumerate(names):
        song = by_name.get(name)
        if song is None or not any(song.mix.parent.glob("*.mid")):
            log.warning("drift set: %s is not in the real-song set; skipped", name)
            continue
        folder = cache / "drift" / name
        drifted = _load(folder) or _drifted(song, folder, 1000 + i)
        out.append((song, drifted))
    return out
