"""The audio file types Accord reads and writes: one table, every reader of suffixes derives from it.

Decoding (app/core/audio/io.py, readers.py), the studio's file filters and folder scans, and writing by
extension all use these rows. `.wave` and `.oga` are the less common spellings of WAV and Ogg audio: they read
and write like `.wav` and `.ogg` (the provenance hash already treated them so).

AAC and Apple Lossless in an MPEG-4 file (`.m4a`: what a phone, GarageBand, Voice Memos and Apple Music
export), raw AAC (`.aac`) and Opus (`.opus`: a messenger's voice note) are read, never written: libsndfile has
no AAC decoder and does not take the `.opus` name, so PyAV (FFmpeg's decoders, inside its wheel on every
platform) decodes them. Accord writes only formats its provenance can
hash and sign (WAV, FLAC, AIFF, OGG, MP3).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.core.fsutil import files_in_folder


@dataclass(frozen=True)
class AudioFileType:
    suffix: str  # lower case, with the dot
    soundfile_format: str | None  # libsndfile's name ("WAV", "OGG", ...); None: PyAV decodes it, nothing writes it
    family: str  # the short name provenance and exports use ("wav", "ogg", ...)
    lossy: bool  # decoders differ: a second decoder may be tried (readers.py)


AUDIO_FILE_TYPES: tuple[AudioFileType, ...] = (
    AudioFileType(".wav", "WAV", "wav", False),
    AudioFileType(".wave", "WAV", "wav", False),
    AudioFileType(".flac", "FLAC", "flac", False),
    AudioFileType(".aif", "AIFF", "aiff", False),
    AudioFileType(".aiff", "AIFF", "aiff", False),
    AudioFileType(".ogg", "OGG", "ogg", True),
    AudioFileType(".oga", "OGG", "ogg", True),
    AudioFileType(".mp3", "MP3", "mp3", True),
    AudioFileType(".m4a", None, "m4a", True),
    AudioFileType(".aac", None, "aac", True),
    AudioFileType(".opus", None, "opus", True),
)
BY_SUFFIX = {t.suffix: t for t in AUDIO_FILE_TYPES}
AUDIO_EXTENSIONS = frozenset(BY_SUFFIX)
LOSSY_EXTENSIONS = frozenset(t.suffix for t in AUDIO_FILE_TYPES if t.lossy)
SOUNDFILE_FORMAT_BY_SUFFIX = {t.suffix: t.soundfile_format for t in AUDIO_FILE_TYPES if t.soundfile_format}
FFMPEG_EXTENSIONS = frozenset(t.suffix for t in AUDIO_FILE_TYPES if t.soundfile_format is None)
FAMILY_BY_SUFFIX = {t.suffix: t.family for t in AUDIO_FILE_TYPES}
SUPPORTED_TEXT = "WAV, FLAC, AIFF, OGG, MP3, M4A (AAC, Apple Lossless) or Opus"
WRITABLE_TEXT = ".wav, .flac, .aiff, .ogg or .mp3"

FOLDER_DEPTH = 3  # sub-folder levels searched for audio when a folder is given as stems
FOLDER_LIMIT = 256  # audio files taken from one folder at most


def audio_files_in(folder: Path, *, max_depth: int = FOLDER_DEPTH, limit: int = FOLDER_LIMIT) -> list[Path]:
    """The audio files below `folder` (hidden ones skipped) in counting order, as a DAW numbers exported tracks;
    the walk stops once more than `limit` are found (so a caller can say some were left out)."""
    return files_in_folder(folder, lambda f: f.suffix.lower() in AUDIO_EXTENSIONS, max_depth=max_depth,
                           limit=limit)
