"""General MIDI SoundFont rendering through tinysoundfont (optional).

tinysoundfont is installed with `pip install --no-deps tinysoundfont` (its pyaudio dependency is only for
live playback, which Accord does itself). When the library or a SoundFont is missing, rendering raises one
AccordError saying what to install; the built-in voices keep working.

Notes are sent at exact frames: the synth is run up to each event's frame, the event applied, and so on,
so a note at quarter q starts at frame round(grid.seconds(q) × rate), as with the built-in voices.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from app.core.audio.synth.render import check_notes, check_render_args, output_frames, soft_clip
from app.core.audio.synth.timing import Timing, note_frame
from app.core.errors import AccordError
from app.core.music import BeatGrid, Melody, Note

log = logging.getLogger(__name__)

# Debian/Ubuntu, Fedora/Arch and per-user folders, most common first.
SYSTEM_SOUNDFONT_DIRS = (
    "/usr/share/sounds/sf2", "/usr/share/sounds/sf3", "/usr/share/soundfonts", "/usr/share/sf2",
    "/usr/local/share/soundfonts", "~/.local/share/soundfonts", "~/Library/Audio/Sounds/Banks",
)
SOUNDFONT_SUFFIXES = (".sf2", ".sf3")
# Small, well-known GM banks are tried first; any other SoundFont found comes after them.
PREFERRED_NAMES = ("TimGM6mb.sf2", "FluidR3_GM.sf2", "MuseScore_General.sf3", "default-GM.sf2")
MAX_LEVEL_MATCH_DB = 18.0
REFERENCE_PHRASE = (60, 64, 67, 72, 67, 64, 60, 55)  # C major arpeggio around middle C, eighth notes
MAX_SOUNDFONT_BYTES = 2 * 1024**3
FLUSH_SECONDS = 0.05
INSTALL_HINT = "install it with: .venv/bin/pip install --no-deps tinysoundfont"


def _bundled_soundfonts() -> list[Path]:
    """pretty_midi's wheel ships TimGM6mb.sf2: a fallback when no system SoundFont is installed."""
    try:
        import importlib.resources as resources

        candidate = resources.files("pretty_midi") / "TimGM6mb.sf2"
        path = Path(str(candidate))
        return [path] if path.is_file() else []
    except (ImportError, ModuleNotFoundError, TypeError, OSError):
        return []


def find_soundfonts(extra_dirs: Sequence[str | os.PathLike] = ()) -> list[Path]:
    """Every .sf2/.sf3 file in the usual folders (and `extra_dirs`), best GM candidates first, no duplicates."""
    found: list[Path] = []
    seen: set[Path] = set()
    folders = [Path(d).expanduser() for d in (*extra_dirs, *SYSTEM_SOUNDFONT_DIRS)]
    candidates: list[Path] = []
    for folder in folders:
        try:
            if folder.is_dir():
                candidates += sorted(p for p in folder.iterdir() if p.suffix.lower() in SOUNDFONT_SUFFIXES)
        except OSError:
            continue
    candidates += _bundled_soundfonts()
    for p in candidates:
        try:
            real = p.resolve(strict=True)
        except (OSError, RuntimeError):
            continue  # a dangling symlink (e.g. an unset default-GM alternative)
        if real in seen or not real.is_file():
            continue
        seen.add(real)
        found.append(p)
    rank = {name.lower(): i for i, name in enumerate(PREFERRED_NAMES)}
    found.sort(key=lambda p: rank.get(p.name.lower(), len(rank)))
    return found


def default_soundfont() -> Path | None:
    fonts = find_soundfonts()
    return fonts[0] if fonts else None


def tinysoundfont_available() -> bool:
    try:
        import tinysoundfont  # noqa: F401
    except ImportError:
        return False
    return True


def _import_tinysoundfont():
    try:
        import tinysoundfont
    except ImportError as exc:
        raise AccordError("SoundFont rendering needs the tinysoundfont package, which is not installed",
                          hint=INSTALL_HINT) from exc
    return tinysoundfont


def _check_soundfont_file(path: Path) -> None:
    if not path.exists():
        raise AccordError("SoundFont not found", path=path)
    if not path.is_file():
        raise AccordError("is not a SoundFont file (it is a folder)", path=path)
    if path.suffix.lower() not in SOUNDFONT_SUFFIXES:
        raise AccordError("is not a SoundFont (expected a .sf2 or .sf3 file)", path=path)
    size = path.stat().st_size
    if size > MAX_SOUNDFONT_BYTES:
        raise AccordError("is larger than 2 GB; SoundFonts that large are refused", path=path)
    with open(path, "rb") as fh:
        head = fh.read(12)
    if head[:4] != b"RIFF" or head[8:12] != b"sfbk":
        raise AccordError("is not a SoundFont (no RIFF sfbk header)", path=path)


class SoundFontPlayer:
    """One loaded SoundFont at one sample rate. Thread-safe: renders are serialised by a lock."""

    def __init__(self, path: str | os.PathLike | None = None, *, sample_rate: int = 48000,
                 level_match: bool = True) -> None:
        tsf = _import_tinysoundfont()
        if path is None:
            found = default_soundfont()
            if found is None:
                raise AccordError("no General MIDI SoundFont found",
                                  hint="install one (e.g. apt install timgm6mb-soundfont) or pass a .sf2 file")
            path = found
        self.path = Path(path)
        _check_soundfont_file(self.path)
        check_render_args(sample_rate, 0.0, 0.0)
        self.sample_rate = sample_rate
        self.level_match = level_match
        self._lock = threading.Lock()
        self._program_gain_db: dict[int, float] = {}
        self._synth = tsf.Synth(gain=0.0, samplerate=sample_rate)
        try:
            self._sfid = self._synth.sfload(str(self.path))
        except (RuntimeError, ValueError, MemoryError, tsf.SoundFontException) as exc:
            raise AccordError(f"could not be loaded as a SoundFont: {exc}", path=self.path) from exc

    def preset_name(self, program: int, bank: int = 0) -> str | None:
        return self._synth.sfpreset_name(self._sfid, bank, program)

    def _select(self, channel: int, program: int) -> None:
        try:
            self._synth.program_select(channel, self._sfid, 0, program)
        except RuntimeError:
            log.warning("%s has no GM program %d; using program 0", self.path.name, program)
            self._synth.program_select(channel, self._sfid, 0, 0)

    def _render_raw(self, notes: list[Note], grid: Timing, program: int, total: int) -> np.ndarray:
        """Unscaled (2, total) output; the caller holds the lock."""
        sr = self.sample_rate
        events: list[tuple[int, int, int, int]] = []  # (frame, 0 = off / 1 = on, pitch, velocity)
        for n in notes:
            start = note_frame(grid, n.onset, sr)
            end = max(start + 1, note_frame(grid, n.end, sr))
            events.append((start, 1, n.pitch, n.velocity))
            events.append((end, 0, n.pitch, 0))
        events.sort()
        out = np.zeros((total, 2), dtype=np.float32)  # tinysoundfont writes interleaved stereo
        view = memoryview(out.reshape(-1).data).cast("B")
        frame_bytes = 2 * 4
        channel = 0
        # tinysoundfont's reset still fades voices out over ~10 ms: run that fade into a scratch buffer
        # so no tail of the previous render leaks into this one.
        self._synth.soundfonts[self._sfid].reset()
        self._synth.generate_simple(int(FLUSH_SECONDS * sr))
        self._select(channel, program)
        cursor = 0
        for frame, kind, pitch, velocity in events:
            frame = min(frame, total)
            if frame > cursor:
                self._synth.generate_simple(frame - cursor, buffer=view[cursor * frame_bytes:frame * frame_bytes])
                cursor = frame
            if kind == 1:
                self._synth.noteon(channel, pitch, velocity)
            else:
                self._synth.noteoff(channel, pitch)
        if total > cursor:
            self._synth.generate_simple(total - cursor, buffer=view[cursor * frame_bytes:])
        return np.ascontiguousarray(out.T)

    def _level_gain_db(self, program: int) -> float:
        """Gain that brings this program to the built-in voices' loudness on a reference phrase.

        GM banks differ by 15 dB and more between programs; matching them once per program keeps A/B
        comparisons about the melody, not the level. Caller holds the lock.
        """
        if not self.level_match:
            return 0.0
        cached = self._program_gain_db.get(program)
        if cached is None:
            from app.core.audio.synth.render import render_melody

            phrase = [Note(p, i * 0.5, 0.45, 100) for i, p in enumerate(REFERENCE_PHRASE)]
            grid = BeatGrid(120.0)
            total = output_frames(phrase, grid, self.sample_rate, 0.5)
            raw = self._render_raw(phrase, grid, program, total)
            ref = render_melody(Melody(tuple(phrase)), grid, instrument="lead", sample_rate=self.sample_rate,
                                tail_seconds=0.5)
            measured = float(np.sqrt(np.mean(raw.astype(np.float64) ** 2)))
            target = float(np.sqrt(np.mean(ref.astype(np.float64) ** 2)))
            cached = 0.0 if measured <= 1e-9 else 20.0 * np.log10(target / measured)
            cached = float(min(MAX_LEVEL_MATCH_DB, max(-MAX_LEVEL_MATCH_DB, cached)))
            self._program_gain_db[program] = cached
        return cached

    def render(self, melody: Melody | Iterable[Note], grid: Timing, *, program: int = 0,
               tail_seconds: float = 1.0, gain_db: float = 0.0) -> np.ndarray:
        """float32 (2, n): the notes on the grid with GM `program` (0–127), plus `tail_seconds`."""
        if not (isinstance(program, int) and 0 <= program <= 127):
            raise AccordError(f"GM program {program!r} is outside 0–127")
        check_render_args(self.sample_rate, tail_seconds, gain_db)
        notes = check_notes(melody.notes if isinstance(melody, Melody) else melody)
        total = output_frames(notes, grid, self.sample_rate, tail_seconds)
        with self._lock:
            level_db = self._level_gain_db(program)
            stereo = self._render_raw(notes, grid, program, total)
        if not np.all(np.isfinite(stereo)):
            raise AccordError("the SoundFont produced invalid samples", path=self.path)
        if gain_db or level_db:
            stereo *= np.float32(10.0 ** ((gain_db + level_db) / 20.0))
        for ch in stereo:
            soft_clip(ch)
        return stereo


def render_melody_soundfont(melody: Melody | Iterable[Note], grid: Timing, *,
                            soundfont: str | os.PathLike | None = None, program: int = 0,
                            sample_rate: int = 48000, tail_seconds: float = 1.0, gain_db: float = 0.0) -> np.ndarray:
    """One-shot render with a SoundFont (the default GM bank when `soundfont` is None)."""
    player = SoundFontPlayer(soundfont, sample_rate=sample_rate)
    return player.render(melody, grid, program=program, tail_seconds=tail_seconds, gain_db=gain_db)

