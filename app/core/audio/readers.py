"""Block readers over the decoding libraries: soundfile first, pedalboard.io where soundfile can't.

Both are read `block` frames at a time so no allocation depends on the header's frame count; the
header's count is only reported (`header_frames`) as a hint for progress and a bounded first buffer.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

import numpy as np

from app.core.audio.formats import LOSSY_EXTENSIONS

log = logging.getLogger(__name__)

# soundfile's libsndfile reads these; pedalboard (JUCE/minimp3/libvorbis) is a second chance only for the
# lossy formats, where decoders differ. WAV/FLAC/AIFF stay with libsndfile: pedalboard allocates from
# lying headers.
_FALLBACK_EXTENSIONS = LOSSY_EXTENSIONS
_FALLBACK_ERRORS: tuple[type[BaseException], ...] = (RuntimeError, ValueError, TypeError, OSError, MemoryError)


class BlockReader(Protocol):
    channels: int
    sample_rate: int
    format_name: str
    header_frames: int | None

    def read(self, frames: int) -> np.ndarray:
        """Up to `frames` frames as float32 (n, channels); n == 0 at the end. The array may be reused by
        the next read: copy what must be kept."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> BlockReader: ...

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None: ...


class _Closing:
    def close(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def __enter__(self) -> Any:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class SoundfileReader(_Closing):
    def __init__(self, path: Path) -> None:
        import soundfile as sf

        # Bytes, not str: libsndfile gets the name as the file system has it (names that are not valid UTF-8,
        # e.g. from old archives, failed to open; found by tests/reliability).
        self._fh = sf.SoundFile(os.fsencode(path), "r")
        self.channels = int(self._fh.channels)
        self.sample_rate = int(self._fh.samplerate)
        self.format_name = str(self._fh.format)
        frames = int(self._fh.frames)
        self.header_frames = frames if 0 <= frames < (1 << 62) else None
        self._buf: np.ndarray | None = None

    def read(self, frames: int) -> np.ndarray:
        """Up to `frames` frames, as a view of one reused buffer: valid until the next read.

        Reusing the buffer saves a fresh half-megabyte allocation (and its page faults) per block.
        """
        if self._buf is None or self._buf.shape[0] != frames:
            self._buf = np.empty((frames, self.channels), dtype=np.float32)
        return self._fh.read(frames, dtype="float32", always_2d=True, out=self._buf)

    def close(self) -> None:
        self._fh.close()


class PedalboardReader(_Closing):
    def __init__(self, path: Path) -> None:
        from pedalboard.io import AudioFile

        self._fh = AudioFile(str(path))
        self.channels = int(self._fh.num_channels)
        self.sample_rate = int(round(float(self._fh.samplerate)))
        self.format_name = path.suffix.lstrip(".").upper()
        self.header_frames = int(self._fh.frames) if self._fh.frames >= 0 else None

    def read(self, frames: int) -> np.ndarray:
        data = self._fh.read(frames)  # (channels, n), never more than asked for
        return np.ascontiguousarray(data.T)

    def close(self) -> None:
        self._fh.close()


@contextlib.contextmanager
def quiet_c_stderr() -> Iterator[list[str]]:
    """Keep C libraries' chatter (libmpg123's "Note: Illegal Audio-MPEG-Header ...") off the user's terminal:
    file descriptor 2 goes to a temp file for the block; what was written is logged at debug level and left
    in the yielded list. Python's own sys.stderr is untouched."""
    lines: list[str] = []
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no fd 2 (a GUI app on Windows): nothing to quieten
        yield lines
        return
    with tempfile.TemporaryFile() as sink:
        try:
            os.dup2(sink.fileno(), 2)
            yield lines
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            lines += sink.read(64 * 1024).decode("utf-8", "replace").splitlines()
            if lines:
                log.debug("decoder said: %s", " | ".join(lines))


def open_reader(path: Path) -> BlockReader:
    """Open `path` for block reading; raises the library's exception if no reader can open it."""
    try:
        with quiet_c_stderr():
            return SoundfileReader(path)
    except _FALLBACK_ERRORS as first:
        if path.suffix.lower() not in _FALLBACK_EXTENSIONS:
            raise
        try:
            with quiet_c_stderr():
                reader = PedalboardReader(path)
        except _FALLBACK_ERRORS:
            raise first from None
        log.info("%s: soundfile could not open it (%s); decoding with pedalboard", path.name, first)
        return reader
