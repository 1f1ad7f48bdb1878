"""Which files to import (folders recurse) and which importer reads each one.

Every importer returns a Melody and a short note of where it came from, or raises an AccordError naming
the file; `import_one` turns any of them into an `ImportFailed`-style message the caller can collect, so
one bad file never stops a batch.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from app.core.catalogue.audio_import import AUDIO_EXTENSIONS, extract_audio
from app.core.catalogue.midi_import import extract_with_detail
from app.core.catalogue.musicxml_import import extract_musicxml
from app.core.errors import ImportFailed
from app.core.music import Melody
from app.core.tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress

MIDI_EXTENSIONS = (".mid", ".midi", ".kar", ".smf")
MUSICXML_EXTENSIONS = (".musicxml", ".mxl", ".xml")
SUPPORTED_EXTENSIONS = MIDI_EXTENSIONS + MUSICXML_EXTENSIONS + AUDIO_EXTENSIONS
MAX_FILE_BYTES = 2 * 1024 ** 3


@dataclass(frozen=True)
class ExtractedWork:
    path: Path
    kind: str
    sha256: str
    melody: Melody
    source_detail: str


def kind_of(path: Path) -> str | None:
    ext = path.suffix.lower()
    if ext in MIDI_EXTENSIONS:
        return "midi"
    if ext in MUSICXML_EXTENSIONS:
        return "musicxml"
    if ext in AUDIO_EXTENSIONS:
        return "audio"
    return None


def collect_files(paths: list[str | Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Files to import, in a stable order, and problems (missing paths, unknown formats) as (path, reason).

    A file named explicitly must have a known format; inside folders, other files (cover art, hidden
    files) are skipped silently.
    """
    files: list[Path] = []
    problems: list[tuple[Path, str]] = []
    seen: set[Path] = set()

    def add(p: Path) -> None:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            files.append(p)

    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for root, dirs, names in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    child = Path(root) / name
                    if not name.startswith(".") and kind_of(child) is not None:
                        add(child)
        elif not p.exists():
            problems.append((p, "file not found"))
        elif kind_of(p) is None:
            problems.append((p, f"unknown format '{p.suffix or p.name}' (Accord imports MIDI, MusicXML and "
                                f"audio: {', '.join(SUPPORTED_EXTENSIONS)})"))
        else:
            add(p)
    return files, problems


def file_sha256(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportFailed("is larger than 2 GB", path=path)
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except FileNotFoundError as exc:
        raise ImportFailed("file not found (it was moved or deleted)", path=path) from exc
    except OSError as exc:
        raise ImportFailed(f"cannot be read: {exc.strerror or exc}", path=path) from exc
    return digest.hexdigest()


def _looks_like_musicxml(path: Path) -> bool:
    if path.suffix.lower() != ".xml":
        return True
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return True  # let the importer report the read error
    return b"score-partwise" in head or b"score-timewise" in head


def extract(path: Path, *, track: int | None = None, channel: int | None = None, transcriber: str = "auto",
            progress: Progress = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> tuple[str, Melody, str]:
    """(kind, melody, source detail) of one file; raises an AccordError naming the file."""
    kind = kind_of(path)
    if kind == "midi":
        melody, detail = extract_with_detail(path, track=track, channel=channel)
    elif kind == "musicxml":
        if not _looks_like_musicxml(path):
            raise ImportFailed("is an XML file but not MusicXML (no score-partwise/score-timewise)", path=path)
        melody, detail = extract_musicxml(path)
    elif kind == "audio":
        melody, detail = extract_audio(path, transcriber=transcriber, progress=progress, cancel=cancel)
    else:
        raise ImportFailed(f"unknown format '{path.suffix or path.name}'", path=path)
    if not melody.notes:
        raise ImportFailed("has no notes", path=path)
    return kind, melody, detail
