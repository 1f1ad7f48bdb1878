"""One error family for everything a user can get wrong.

Every reader and writer turns library exceptions into an `AccordError` carrying the file (or field) and a
human reason, optionally with a hint of what to do. The studio shows `str(err)` in a dialog, the CLI prints
it on one line and exits with code 2.
"""

from __future__ import annotations

from pathlib import Path


class AccordError(Exception):
    """A clear, user-facing failure: what (file or field), why, and what to do."""

    def __init__(self, reason: str, *, path: str | Path | None = None, hint: str | None = None) -> None:
        self.path = None if path is None else Path(path)
        self.reason = reason
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.path.name if self.path else ''}: {self.reason}" if self.path else self.reason
        if self.hint:
            text += f" ({self.hint})"
        return text

    def __reduce__(self):  # keep the error intact across process boundaries (multiprocessing)
        return (_rebuild, (type(self), self.reason, None if self.path is None else str(self.path), self.hint))


def _rebuild(cls, reason, path, hint):
    return cls(reason, path=path, hint=hint)


class AudioFileError(AccordError):
    """An audio file cannot be decoded (or written)."""


class MidiFileError(AccordError):
    """A MIDI file cannot be read or holds nothing usable."""


class ImportFailed(AccordError):
    """A catalogue import failed (format, content, transcription)."""


class CatalogueError(AccordError):
    """The catalogue refused an operation (unknown id, bad split, not SQLite, newer schema...)."""


class ConsentError(CatalogueError):
    """An operation would use a work without active consent."""


class ModelFileError(AccordError):
    """A model file is damaged, not a model, or stale."""


class ConstraintError(AccordError):
    """Generation could not satisfy the hard constraints; the reason says which to relax."""


class ProjectError(AccordError):
    """A project file cannot be read or written."""


class AnalysisError(AccordError):
    """Stem analysis could not determine something."""


class ProvenanceError(AccordError):
    """Signing, embedding or reading a provenance record failed."""


class WriteError(AccordError):
    """A file could not be written (disk full, permissions); the old file is kept."""


class PlaybackError(AccordError):
    """The audio device could not be opened or failed during playback."""
