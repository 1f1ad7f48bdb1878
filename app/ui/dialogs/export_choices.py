"""What an export can be, in which format, and where it goes: the export dialog's choices and the names of the
files it writes (a name a musician would pick, never overwriting without asking), apart from the dialog itself.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from app.core.home import AccordHome
from app.core.project.export.files import AUDIO_FORMATS

WHAT_CHOICES = (("mix", "The mix"), ("stems", "All stems + suggestion tracks (separate files)"),
                ("suggestion", "One suggestion alone"))
FORMAT_CHOICES = (("wav24", "WAV 24-bit"), ("wav16", "WAV 16-bit"), ("wav32f", "WAV 32-bit float"),
                  ("flac", "FLAC"), ("aiff", "AIFF"), ("mp3", "MP3"), ("ogg", "Ogg Vorbis"), ("midi", "MIDI"))


def format_extension(fmt: str) -> str:
    return ".mid" if fmt == "midi" else AUDIO_FORMATS[fmt][2]


def file_stem(text: str) -> str:
    """A file name a musician would pick: the words (and en dashes) kept, nothing a disk refuses."""
    text = text.replace("/", "-").replace("\\", "-")
    text = re.sub(r'[<>:"|?*\x00-\x1f]+', "", text).strip(" .")
    return text or "export"


def free_path(path: Path) -> Path:
    """`path`, or the first "name (2).ext", "name (3).ext"… that does not exist yet."""
    if not path.exists():
        return path
    for n in range(2, 1000):
        candidate = path.with_name(f"{path.stem} ({n}){path.suffix}")
        if not candidate.exists():
            return candidate
    raise FileExistsError(f"{path}: too many files of that name")


def default_export_folder(project: Any, home: AccordHome) -> Path:
    """Where exports go by default: the project's own folder when the artist chose it, else a visible
    ~/Music/Accord exports (never inside Accord's hidden home, where the demo project lives)."""
    folder = getattr(project, "folder", None)
    if folder is not None:
        folder = Path(folder)
        if not folder.resolve().is_relative_to(Path(home.root).resolve()):
            return folder / "exports"
    return Path.home() / "Music" / "Accord exports"


def unusable_message(exc: Any, project: Any) -> str:
    """Which suggestion credits which works that may no longer be used, and what the artist can do."""
    name = next((s.name or s.id for s in project.suggestions if s.id == str(exc.suggestion_id)), None)
    who = f"The suggestion “{name}”" if name else "A suggestion"
    works = ", ".join(map(str, exc.work_ids)) or "?"
    return (f"{who} was made from work(s) {works} that may not be used now ({exc.reason}).\n"
            "Export without it, or regenerate it from the current model in the Suggestions panel.")


def default_signer() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""
