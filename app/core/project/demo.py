"""The bundled demo song, synthesised (deterministically) the first time it is needed.

Eight bars at 96 BPM in A minor (i–VI–III–VII: Am F C G, twice), four stems — drums, bass, keys, lead —
each a mono 48 kHz 16-bit WAV (20 s, ~1.9 MB). It is generated rather than shipped so the repository stays
small, and it is real enough for the studio to play and for analysis to find tempo, key and chords.

`ensure_demo_project(home)` writes it once into `home.demo_dir` and regenerates it when a file is missing
or damaged (checked against a manifest of sha256 hashes).
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from app.core.errors import ProjectError
from app.core.fsutil import atomic_path, atomic_write_text
from app.core.music import TimeSignature
from app.core.project.model import Project, StemRef
from app.core.project.store import load_project, save_project

if TYPE_CHECKING:
    from app.core.home import AccordHome

log = logging.getLogger(__name__)

DEMO_VERSION = 1
RATE = 48000
BPM = 96.0
BARS = 8
PROJECT_FILE = "Accord Demo.accord"
MANIFEST = "demo-manifest.json"
CHORDS = ("Am", "F", "C", "G") * 2
# Lead line (MIDI pitch, onset, duration in quarter notes): chord tones on strong beats, A natural minor.
LEAD = (
    (76, 0, 1), (72, 1, 1), (74, 2, .5), (76, 2.5, .5), (72, 3, 1),
    (77, 4, 2), (76, 6, 1), (74, 7, 1),
    (72, 8, 1), (67, 9, 1), (72, 10, .5), (74, 10.5, .5), (76, 11, 1),
    (74, 12, 3),
    (81, 16, 1), (79, 17, 1), (76, 18, 1), (72, 19, 1),
    (77, 20, .5), (76, 20.5, .5), (77, 21, 1), (81, 22, 2),
    (79, 24, 1), (76, 25, 1), (72, 26, 1), (76, 27, 1),
    (74, 28, 1), (71, 29, 1), (67, 30, 1), (69, 31, 1),
)
BASS_ROOTS = {"Am": 45, "F": 41, "C": 48, "G": 43}
VOICINGS = {"Am": (57, 60, 64), "F": (53, 57, 60), "C": (55, 60, 64), "G": (55, 59, 62)}
STEMS = (("drums", "drums", 0.0), ("bass", "bass", 0.0), ("keys", "harmony", -0.25), ("lead", "lead", 0.2))

SPQ = 60.0 / BPM  # seconds per quarter note
LENGTH = int(round(BARS * 4 * SPQ * RATE))


def _hz(pitch: float) -> float:
    return 440.0 * 2.0 ** ((pitch - 69) / 12.0)


def _env(n: int, attack: float, decay: float, sustain: float = 0.0, release: float = 0.03) -> np.ndarray:
    """Attack, exponential decay toward `sustain`, short release at the end (times in seconds)."""
    t = np.arange(n) / RATE
    a = np.minimum(1.0, t / max(attack, 1e-4))
    body = sustain + (1.0 - sustain) * np.exp(-t / max(decay, 1e-4))
    r = np.clip((n / RATE - t) / release, 0.0, 1.0)
    return a * body * r


def _tone(pitch: float, seconds: float, harmonics: tuple[float, ...], *, vibrato: float = 0.0) -> np.ndarray:
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    phase = 2 * np.pi * _hz(pitch) * t
    if vibrato:
        phase += vibrato * np.sin(2 * np.pi * 5.5 * t) * np.minimum(1.0, t / 0.3)
    out = np.zeros(n)
    for k, amp in enumerate(harmonics, start=1):
        out += amp * np.sin(k * phase)
    return out


def _place(track: np.ndarray, sound: np.ndarray, at_quarters: float) -> None:
    start = int(round(at_quarters * SPQ * RATE))
    end = min(len(track), start + len(sound))
    if start < end:
        track[start:end] += sound[:end - start]


def _drums(rng: np.random.Generator) -> np.ndarray:
    out = np.zeros(LENGTH)
    n_kick = int(0.35 * RATE)
    t = np.arange(n_kick) / RATE
    freq = 45.0 + 75.0 * np.exp(-t / 0.04)
    kick = np.sin(2 * np.pi * np.cumsum(freq) / RATE) * np.exp(-t / 0.12)
    n_snare = int(0.25 * RATE)
    ts = np.arange(n_snare) / RATE
    snare = (0.7 * rng.standard_normal(n_snare) * np.exp(-ts / 0.06)
             + 0.5 * np.sin(2 * np.pi * 185.0 * ts) * np.exp(-ts / 0.05))
    n_hat = int(0.06 * RATE)
    noise = rng.standard_normal(n_hat + 1)
    hat = np.diff(noise) * np.exp(-np.arange(n_hat) / RATE / 0.015)  # differencing = a crude high-pass
    for bar in range(BARS):
        b = bar * 4.0
        kicks = (0.0, 2.0, 2.5) if bar % 2 else (0.0, 2.0)
        for q in kicks:
            _place(out, kick, b + q)
        for q in (1.0, 3.0):
            _place(out, snare * 0.8, b + q)
        for i in range(8):
            _place(out, hat * (0.35 if i % 2 else 0.5), b + i * 0.5)
    return out


def _bass() -> np.ndarray:
    out = np.zeros(LENGTH)
    pattern = ((0.0, 1.5, 0), (1.5, 0.5, 0), (2.0, 1.0, 0), (3.0, 0.5, 12), (3.5, 0.5, 7))
    for bar, chord in enumerate(CHORDS):
        root = BASS_ROOTS[chord]
        for onset, dur, interval in pattern:
            secs = dur * SPQ * 0.95
            note = _tone(root + interval, secs, (1.0, 0.5, 0.3, 0.15, 0.08))
            _place(out, note * _env(len(note), 0.005, 0.35, 0.4), bar * 4.0 + onset)
    return out


def _keys() -> np.ndarray:
    out = np.zeros(LENGTH)
    for bar, chord in enumerate(CHORDS):
        for onset, dur in ((0.0, 1.5), (1.5, 1.0), (2.5, 1.5)):
            for pitch in VOICINGS[chord]:
                note = _tone(pitch, dur * SPQ, (1.0, 0.35, 0.12, 0.05))
                _place(out, note * _env(len(note), 0.004, 0.6, 0.15, 0.05), bar * 4.0 + onset)
    return out


def _lead() -> np.ndarray:
    out = np.zeros(LENGTH)
    for pitch, onset, dur in LEAD:
        note = _tone(pitch, dur * SPQ * 0.92, (1.0, 0.0, 0.3, 0.0, 0.12, 0.0, 0.05), vibrato=0.6)
        _place(out, note * _env(len(note), 0.02, 0.8, 0.6, 0.04), float(onset))
    return out


def synthesize_stems() -> dict[str, np.ndarray]:
    """The four demo stems as mono float32 arrays at 48 kHz, each normalised to its own peak level."""
    rng = np.random.default_rng(20240613)
    raw = {"drums": _drums(rng), "bass": _bass(), "keys": _keys(), "lead": _lead()}
    peaks = {"drums": 0.5, "bass": 0.4, "keys": 0.3, "lead": 0.35}
    return {name: (x * (peaks[name] / max(1e-9, float(np.max(np.abs(x)))))).astype(np.float32)
            for name, x in raw.items()}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _intact(folder: Path) -> bool:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("version") != DEMO_VERSION:
            return False
        for name, digest in manifest["files"].items():
            if _sha256(folder / name) != digest:
                return False
        project = load_project(folder / PROJECT_FILE)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError, ProjectError):
        return False
    return bool(project.stems) and not project.missing_stems


def generate_demo(folder: Path) -> Path:
    """(Re)write the demo stems, project and manifest into `folder`; returns the project path."""
    import soundfile as sf

    files: dict[str, str] = {}  # the folder is made by the first atomic write, which names what is in the way
    stems = []
    for (name, role, pan), audio in zip(STEMS, synthesize_stems().values(), strict=True):
        path = folder / f"{name}.wav"
        with atomic_path(path) as tmp:
            sf.write(str(tmp), audio, RATE, subtype="PCM_16", format="WAV")
        files[path.name] = _sha256(path)
        stems.append(StemRef(name=name, path=path, pan=pan, role=role, content_sha256=files[path.name]))
    truth = {"tempo_bpm": BPM, "time_signature": "4/4", "key": "A minor", "chords_per_bar": list(CHORDS),
             "lead": [list(n) for n in LEAD]}
    project = Project(name="Accord Demo", stems=stems, tempo_bpm=BPM, time_signature=TimeSignature(4, 4),
                      extras={"demo": {"version": DEMO_VERSION, "truth": truth}})
    # Key and chords are left for analysis to find; the truth above lets tests and benchmarks check it.
    path = save_project(project, folder / PROJECT_FILE)
    atomic_write_text(folder / MANIFEST, json.dumps({"version": DEMO_VERSION, "files": files}, indent=2))
    log.info("demo project written to %s", folder)
    return path


def ensure_demo_project(home: AccordHome) -> Path:
    """Path of the demo project in `home.demo_dir`, generating it first when absent or damaged."""
    folder = home.demo_dir
    if _intact(folder):
        return folder / PROJECT_FILE
    return generate_demo(folder)
