"""MIDI parts → per-role stems and a mix, rendered with fluidsynth and a General MIDI soundfont.

Each role's instruments are written to their own MIDI file (tempo map and meter kept) and rendered with
`fluidsynth -ni -F out.wav -r 44100 SF2 part.mid`; the mix is the sum of the role stems (fluidsynth is
linear, so this equals rendering all parts at once up to its output limiter), scaled to avoid clipping.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path

import numpy as np

from benchmarks.realsongs.sources import SOUNDFONT

RATE = 44100
ROLES = ("drums", "bass", "harmony", "lead")


def can_render() -> str | None:
    """None when rendering works here, else why not."""
    if shutil.which("fluidsynth") is None:
        return "fluidsynth is not installed (apt-get install fluidsynth)"
    if not SOUNDFONT.is_file():
        return f"{SOUNDFONT} is missing (apt-get install timgm6mb-soundfont)"
    return None


def openmsx_roles(pm) -> dict[int, str]:
    """Instrument index → role: drums by channel, bass by GM program or register, the lead as the highest
    mostly-monophonic part with enough notes, the rest harmony."""
    roles: dict[int, str] = {}
    cands = []
    total = sum(len(i.notes) for i in pm.instruments if not i.is_drum) or 1
    for idx, inst in enumerate(pm.instruments):
        if inst.is_drum or not inst.notes:
            roles[idx] = "drums" if inst.is_drum else "harmony"
            continue
        mean = float(np.mean([n.pitch for n in inst.notes]))
        if 32 <= inst.program <= 39 or mean < 45:
            roles[idx] = "bass"
            continue
        roles[idx] = "harmony"
        notes = sorted(inst.notes, key=lambda n: n.start)
        overlap = sum(b.start < a.end - 0.02 for a, b in zip(notes, notes[1:], strict=False)) / max(1, len(notes) - 1)
        if overlap < 0.25 and len(notes) >= max(30, 0.08 * total) and mean >= 58:
            cands.append((mean + 6.0 * np.log(len(notes)), idx))
    if cands:
        roles[max(cands)[1]] = "lead"
    return roles


def mma_roles(pm) -> dict[int, str]:
    out = {}
    for idx, inst in enumerate(pm.instruments):
        name = (inst.name or "").lower()
        if inst.is_drum or name.startswith("drum"):
            out[idx] = "drums"
        elif name.startswith(("bass", "walk")):
            out[idx] = "bass"
        elif name.startswith(("solo", "melody")):
            out[idx] = "lead"
        else:
            out[idx] = "harmony"
    return out


def _fluidsynth(mid: Path, wav: Path) -> None:
    subprocess.run(["fluidsynth", "-ni", "-q", "-F", str(wav), "-r", str(RATE), str(SOUNDFONT), str(mid)],
                   check=True, capture_output=True, timeout=900)


def render_stems(pm, roles: dict[int, str], folder: Path) -> tuple[Path, dict[str, Path]]:
    """Write role stems and the mix into `folder` (WAV, 16-bit, 44.1 kHz, stereo). Returns (mix, stems)."""
    import soundfile as sf

    folder.mkdir(parents=True, exist_ok=True)
    stems: dict[str, Path] = {}
    audio: dict[str, np.ndarray] = {}
    for role in ROLES:
        keep = [i for i, r in roles.items() if r == role]
        if not keep:
            continue
        part = copy.deepcopy(pm)
        part.instruments = [pm.instruments[i] for i in keep]
        mid = folder / f"{role}.mid"
        part.write(str(mid))
        wav = folder / f"{role}.wav"
        _fluidsynth(mid, wav)
        y, _ = sf.read(str(wav), dtype="float32", always_2d=True)
        stems[role], audio[role] = wav, y
    n = max(a.shape[0] for a in audio.values())
    total = np.zeros((n, 2), np.float32)
    for a in audio.values():
        total[: a.shape[0]] += a
    peak = float(np.max(np.abs(total))) if total.size else 0.0
    if peak > 0.99:
        total *= 0.99 / peak
    mix = folder / "mix.wav"
    sf.write(str(mix), total, RATE, subtype="PCM_16")
    return mix, stems
