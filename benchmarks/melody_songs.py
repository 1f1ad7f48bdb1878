"""A tiny fallback set for bench_melody: real MIDI songs (Debian's openttd-openmsx) rendered with fluidsynth.

Used only when `benchmarks.realsongs` (the shared evaluation-set builder) is not importable. Each song is
rendered twice with the General MIDI soundfont TimGM6mb: the whole file (the mix) and only the lead part
(the lead stem). The lead part is the one Accord's MIDI importer chooses (`choose_part`), and the truth is
that part's notes as one line (the importer's skyline), in seconds through the file's tempo map. The
first SECONDS of each song are used. Data are fetched with `apt-get download` + `dpkg -x` into a cache
outside the repository when they are not already on the machine; songs that cannot be had are skipped.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.core.catalogue.importing.midi_import import choose_part, melody_from_part  # noqa: E402
from app.core.midifile import MidiContent, read_midi  # noqa: E402

SOUNDFONT = Path("/usr/share/sounds/sf2/TimGM6mb.sf2")
KNOWN_DIRS = (Path("/work/realdata/x/usr/share/games/openttd/baseset/openmsx"),)
CACHE = Path.home() / ".cache" / "accord-bench" / "melody"
RATE = 44100
SECONDS = 30.0


@dataclass
class Song:
    name: str
    source: str
    mix: Path
    stems: dict[str, Path]
    truth: dict = field(default_factory=dict)


def _midi_dir(cache: Path) -> Path | None:
    for d in KNOWN_DIRS:
        if d.is_dir():
            return d
    root = cache / "deb"
    found = root / "usr/share/games/openttd/baseset/openmsx"
    if found.is_dir():
        return found
    root.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run(["apt-get", "download", "openttd-openmsx"], cwd=root, check=True, capture_output=True,
                       timeout=300)
        deb = next(root.glob("openttd-openmsx*.deb"))
        subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True, capture_output=True, timeout=300)
    except (OSError, subprocess.SubprocessError, StopIteration):
        return None
    return found if found.is_dir() else None


def seconds_of(content: MidiContent, quarters: float) -> float:
    """Quarter position to seconds through the file's tempo map (120 BPM until the first tempo)."""
    t, q0, bpm = 0.0, 0.0, 120.0
    for q, new_bpm in content.tempo_map:
        if q >= quarters:
            break
        t += (q - q0) * 60.0 / bpm
        q0, bpm = q, new_bpm
    return t + (quarters - q0) * 60.0 / bpm


def _only_part(src: Path, dst: Path, track: int, channel: int) -> None:
    import mido

    mf = mido.MidiFile(src)
    out = mido.MidiFile(type=mf.type, ticks_per_beat=mf.ticks_per_beat)
    for ti, tr in enumerate(mf.tracks):
        new, carry = mido.MidiTrack(), 0
        for msg in tr:
            keep = msg.is_meta or (ti == track and getattr(msg, "channel", None) == channel)
            if keep:
                new.append(msg.copy(time=msg.time + carry))
                carry = 0
            else:
                carry += msg.time
        out.tracks.append(new)
    out.save(dst)


def _render(mid: Path, wav: Path) -> bool:
    if wav.exists():
        return True
    tmp = wav.with_suffix(".part.wav")
    try:
        subprocess.run(["fluidsynth", "-ni", "-g", "0.5", "-F", str(tmp), "-r", str(RATE), str(SOUNDFONT), str(mid)],
                       check=True, capture_output=True, timeout=600)
        import soundfile as sf

        y, rate = sf.read(tmp, frames=int(SECONDS * RATE) + RATE, dtype="float32")
        sf.write(wav, y, rate)
        tmp.unlink()
    except (OSError, subprocess.SubprocessError):
        return False
    return True


def build(cache_dir: Path | None = None, *, limit: int | None = None) -> list[Song]:
    if shutil.which("fluidsynth") is None or not SOUNDFONT.exists():
        return []
    cache = Path(cache_dir) if cache_dir else CACHE
    cache.mkdir(parents=True, exist_ok=True)
    src = _midi_dir(cache)
    if src is None:
        return []
    songs: list[Song] = []
    for f in sorted(src.glob("*.mid"))[:limit]:
        content = read_midi(f)
        part = choose_part(content)
        line = melody_from_part(content, part).notes
        truth = [[seconds_of(content, n.onset), seconds_of(content, n.end), n.pitch] for n in line]
        truth = [t for t in truth if t[0] < SECONDS - 0.5]
        if len(truth) < 8:
            continue
        lead_mid = cache / f"{f.stem}.t{part.track_index}c{part.channel}.mid"
        _only_part(f, lead_mid, part.track_index, part.channel)
        mix, lead = cache / f"{f.stem}.mix.wav", cache / f"{f.stem}.t{part.track_index}c{part.channel}.lead.wav"
        if _render(f, mix) and _render(lead_mid, lead):
            songs.append(Song(f.stem, "openmsx", mix, {"lead": lead}, {"lead_notes": truth}))
    return songs
