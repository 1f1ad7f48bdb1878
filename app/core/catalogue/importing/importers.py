"""Which files to import (folders recurse) and which importer reads each one.

Every importer returns a Melody and a short note of where it came from, or raises an AccordError naming
the file; `import_one` turns any of them into an `ImportFailed`-style message the caller can collect, so
one bad file never stops a batch.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.core.catalogue.importing.audio_import import AUDIO_EXTENSIONS, extract_audio
from app.core.catalogue.importing.midi_import import extract_with_detail
from app.core.catalogue.importing.musicxml_import import extract_musicxml
from app.core.catalogue.records import ImportProblem
from app.core.errors import AccordError, ImportFailed
from app.core.fsutil import files_in_folder, not_a_regular_file
from app.core.music import Melody
from app.core.tasks import NEVER_CANCELLED, Cancelled, CancelToken, Progress, no_progress, scaled
from app.core.transcription.grid import SongEars

log = logging.getLogger(__name__)

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


@dataclass(frozen=True)
class ExtractedBatch:
    extracted: tuple[ExtractedWork, ...]
    duplicates: tuple[tuple[Path, int], ...]  # files whose content is already a work: (file, work id)
    repeated: tuple[tuple[Path, str], ...]  # files repeating another file of this batch: (file, sha256)
    failed: tuple[ImportProblem, ...]
    file_count: int


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
            children = files_in_folder(p, lambda f: kind_of(f) is not None)
            if not children:  # was "no new works" and success, as if every file were already there
                problems.append((p, "no MIDI, MusicXML or audio files in this folder"))
            for child in children:
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
    if (why := not_a_regular_file(path)) is not None:
        raise ImportFailed(why, path=path)
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
            ears: SongEars | None = None, progress: Progress = no_progress,
            cancel: CancelToken = NEVER_CANCELLED) -> tuple[str, Melody, str]:
    """(kind, melody, source detail) of one file; raises an AccordError naming the file. `ears`: hear
    an audio file's beat and key for its melody's grid and key (see audio_import.song_grid)."""
    kind = kind_of(path)
    if kind == "midi":
        melody, detail = extract_with_detail(path, track=track, channel=channel)
    elif kind == "musicxml":
        if not _looks_like_musicxml(path):
            raise ImportFailed("is an XML file but not MusicXML (no score-partwise/score-timewise)", path=path)
        melody, detail = extract_musicxml(path)
    elif kind == "audio":
        melody, detail = extract_audio(path, transcriber=transcriber, ears=ears, progress=progress,
                                       cancel=cancel)
    else:
        raise ImportFailed(f"unknown format '{path.suffix or path.name}'", path=path)
    if not melody.notes:
        raise ImportFailed("has no notes", path=path)
    return kind, melody, detail


def extract_batch(paths: Sequence[str | Path], known: Mapping[str, int], *, track: int | None = None,
                  channel: int | None = None, transcriber: str = "auto", ears: SongEars | None = None,
                  progress: Progress = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> ExtractedBatch:
    """Read every file (folders recurse); content already in `known` (sha256 -> work id) is not re-read.

    Nothing is written here; the store adds the result in one transaction.
    """
    files, missing = collect_files(list(paths))
    failed = [ImportProblem(p, str(ImportFailed(reason, path=p))) for p, reason in missing]
    extracted: list[ExtractedWork] = []
    seen: set[str] = set()
    duplicates: list[tuple[Path, int]] = []
    repeated: list[tuple[Path, str]] = []
    n = max(1, len(files))
    for i, f in enumerate(files):
        cancel.check()
        step = scaled(progress, i / n, (i + 1) / n)
        step(0.0, f"importing {f.name} ({i + 1}/{len(files)})")
        try:
            sha = file_sha256(f)
            if sha in known:
                duplicates.append((f, known[sha]))
                continue
            if sha in seen:
                repeated.append((f, sha))
                continue
            kind, melody, detail = extract(f, track=track, channel=channel, transcriber=transcriber,
                                           ears=ears, progress=step, cancel=cancel)
        except Cancelled:
            raise
        except AccordError as exc:
            failed.append(ImportProblem(f, str(exc)))
            continue
        except Exception as exc:  # noqa: BLE001 — one odd file must not stop a batch import
            log.exception("importing %s failed", f)
            failed.append(ImportProblem(f, f"{f.name}: could not be imported ({type(exc).__name__}: {exc})"))
            continue
        seen.add(sha)
        extracted.append(ExtractedWork(f, kind, sha, melody, detail))
    return ExtractedBatch(tuple(extracted), tuple(duplicates), tuple(repeated), tuple(failed), len(files))
