"""Block readers over the decoding libraries: soundfile first, pedalboard.io where soundfile can't, PyAV for what
libsndfile cannot read at all (AAC and Apple Lossless `.m4a`, raw `.aac`, Opus voice notes `.opus`).

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

from app.core.audio.formats import FFMPEG_EXTENSIONS, LOSSY_EXTENSIONS

log = logging.getLogger(__name__)

# soundfile's libsndfile reads these; pedalboard (JUCE/minimp3/libvorbis) is a second chance only for the
# lossy formats, where decoders differ. WAV/FLAC/AIFF stay with libsndfile: pedalboard allocates from
# lying headers.
_FALLBACK_EXTENSIONS = LOSSY_EXTENSIONS - FFMPEG_EXTENSIONS
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


class DecoderRefused(RuntimeError):
    """A decoder's refusal already worded for an artist (the caller adds the file's name, nothing else)."""


class FfmpegReader(_Closing):
    """AAC or ALAC in MPEG-4 (and raw ADTS AAC) through PyAV: FFmpeg's demuxer and decoders, from PyAV's wheel.

    Read packet by packet, as a player does: decoded frames are queued only until `read` has what it asked for
    (an AAC frame is 1,024 samples), so memory follows the block size, never the header. A packet the decoder
    rejects (a damaged frame) is skipped and counted; a file that ends early (a cut-off download whose index came
    first) keeps what was decoded, as a truncated WAV does. The first audio track is read; FFmpeg applies the
    file's edit list (an encoder's priming samples are not audio)."""

    def __init__(self, path: Path) -> None:
        try:
            import av
        except ImportError as exc:  # a broken install: the dependency is declared
            raise DecoderRefused("PyAV (the 'av' package) is missing: reinstall Accord to read .m4a, .aac and .opus") \
                from exc
        self._error, self._name = av.FFmpegError, path.name
        try:
            self._fh = av.open(os.fsdecode(path), "r")
        except av.FFmpegError as exc:
            raise DecoderRefused(_CUT_BEFORE_INDEX if _mp4_without_index(path) else _ffmpeg_reason(exc, path)) \
                from None
        audio = self._fh.streams.audio
        codec = audio[0].codec_context if audio else None
        if codec is None or not codec.channels or not codec.sample_rate:
            self._fh.close()
            raise DecoderRefused(_no_audio(path))
        self._stream = audio[0]
        self.channels = int(codec.channels)
        self.sample_rate = int(codec.sample_rate)
        self.format_name = f"{path.suffix.lstrip('.').upper()} ({codec.name.upper()})"
        seconds = (float(self._stream.duration * self._stream.time_base)
                   if self._stream.duration and self._stream.time_base else 0.0)
        # the track's length counts the decoder's delay (Opus's pre-skip) that FFmpeg drops from what it decodes
        delay = int(getattr(codec, "delay", 0) or 0)
        self.header_frames = max(0, int(seconds * self.sample_rate) - delay) if seconds > 0 else None
        self._packets = self._fh.demux(self._stream)
        self._pending: list[np.ndarray] = []
        self._queued = 0
        self.decoded = 0  # frames decoded so far
        self.skipped = 0  # packets the decoder rejected
        self._ended = False

    def _next_frames(self) -> list[Any]:
        """The frames of the next packet ([] for a rejected one); raises StopIteration at the end."""
        try:
            packet = next(self._packets)
        except self._error as exc:  # the demuxer ran out of file: a cut-off copy
            if not self.decoded:
                raise DecoderRefused(_ffmpeg_reason(exc, Path(self._name))) from None
            log.warning("%s: the file ends early (%s); keeping the %d frames before the cut", self._name, exc,
                        self.decoded)
            raise StopIteration from None
        try:
            return list(packet.decode())
        except self._error:
            self.skipped += 1
            return []

    def read(self, frames: int) -> np.ndarray:
        while self._queued < frames and not self._ended:
            try:
                decoded = self._next_frames()
            except StopIteration:
                self._ended = True
                break
            for frame in decoded:
                data = _interleaved(frame)
                if data.shape[1] != self.channels:
                    raise DecoderRefused(f"the channel count changes inside the file ({self.channels} → "
                                         f"{data.shape[1]})")
                self._pending.append(data)
                self._queued += data.shape[0]
                self.decoded += data.shape[0]
        if self._ended and not self.decoded and self.skipped:
            raise DecoderRefused(f"the file is damaged: the decoder rejected all {self.skipped} of its audio frames")
        if not self._pending:
            return np.zeros((0, self.channels), dtype=np.float32)
        joined = np.concatenate(self._pending) if len(self._pending) > 1 else self._pending[0]
        out, rest = joined[:frames], joined[frames:]
        self._pending = [rest] if rest.shape[0] else []
        self._queued = rest.shape[0]
        return out

    def close(self) -> None:
        if self.skipped:
            log.warning("%s: %d damaged audio frame(s) skipped", self._name, self.skipped)
        self._fh.close()


# FFmpeg's sample formats as (scale to [-1, 1], offset): floats as they are, integers by their full scale
_SAMPLE_SCALE = {"flt": (1.0, 0.0), "dbl": (1.0, 0.0), "s16": (1 / 32768, 0.0), "s32": (1 / 2147483648, 0.0),
                 "s64": (1 / 9223372036854775808, 0.0), "u8": (1 / 128, -128.0)}


def _interleaved(frame: Any) -> np.ndarray:
    """One decoded frame as float32 (n, channels)."""
    name = frame.format.name.rstrip("p")
    if name not in _SAMPLE_SCALE:
        raise DecoderRefused(f"uses a sample format Accord cannot decode ({frame.format.name})")
    scale, offset = _SAMPLE_SCALE[name]
    raw = frame.to_ndarray()
    channels = len(frame.layout.channels)
    data = raw.T if frame.format.is_planar else raw.reshape(-1, channels)
    out = data.astype(np.float32)
    if offset:
        out += np.float32(offset)
    if scale != 1.0:
        out *= np.float32(scale)
    return out


_KIND_BY_SUFFIX = {".m4a": "MPEG-4", ".aac": "AAC", ".opus": "Opus"}


def _no_audio(path: Path) -> str:
    kind = _KIND_BY_SUFFIX.get(path.suffix.lower(), "")
    return (f"not readable audio: no {kind + ' ' if kind else ''}audio could be found in it (damaged, or not really "
            "the format its extension says)")


_CUT_BEFORE_INDEX = ("the file is incomplete: its index (the MPEG-4 'moov' box, written last) is missing, as in a "
                     "download or copy that stopped early; copy or export it again")


_TOP_LEVEL_BOXES = frozenset({b"ftyp", b"free", b"skip", b"wide", b"mdat", b"moov", b"uuid", b"pdin", b"moof",
                              b"mfra", b"meta", b"styp", b"sidx"})


def _mp4_without_index(path: Path) -> bool:
    """True for an MPEG-4 file (it starts with an 'ftyp' box) whose top-level boxes, all of kinds MPEG-4 files hold,
    include no 'moov': reads only the boxes' 8- or 16-byte headers, whatever the file's size. Anything else (garbage
    after the 'ftyp') makes no claim, and the decoder's own reason stands."""
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            at, first = 0, True
            while at + 8 <= size:
                fh.seek(at)
                head = fh.read(16)
                length, kind = int.from_bytes(head[:4], "big"), head[4:8]
                if (first and kind != b"ftyp") or kind not in _TOP_LEVEL_BOXES or kind == b"moov":
                    return False
                if length == 1 and len(head) == 16:
                    length = int.from_bytes(head[8:16], "big")
                if length == 0:  # the last box runs to the end of the file
                    break
                if length < 8:
                    return False  # not box structure after all: no claim about it
                at, first = at + length, False
            return not first
    except OSError:
        return False


def _ffmpeg_reason(exc: BaseException, path: Path) -> str:
    """FFmpeg's refusal in words an artist can act on (the error names the file already)."""
    text = str(getattr(exc, "strerror", None) or exc).split("\n")[0].strip().rstrip(".")
    if "Invalid data found" in text or "End of file" in text:
        return _no_audio(path)
    return f"cannot be decoded: {text}"


def decoder_reason(exc: BaseException) -> str:
    """A decoding library's exception in words an artist can act on (the caller adds the file's name)."""
    if isinstance(exc, DecoderRefused):
        return str(exc)
    text = getattr(exc, "error_string", None) or str(exc) or type(exc).__name__
    if isinstance(exc, MemoryError):
        return "not enough memory to decode it"
    if isinstance(exc, OSError) and getattr(exc, "strerror", None):
        return f"cannot be read: {exc.strerror}"
    text = text.split("\n")[0].strip()
    # libsndfile prefixes "Error opening '<full path>': " - the path is already in the error.
    if text.startswith("Error opening") and "': " in text:
        text = text.split("': ", 1)[1]
    text = text.rstrip(".")
    for marker, human in _LIBSNDFILE_REASONS:
        if marker.lower() in text.lower():
            return human
    return f"cannot be decoded: {text}"


# libsndfile's messages for the damage users actually meet, in words an artist can act on.
_LIBSNDFILE_REASONS = (
    ("not recognised", "not a readable audio file (format not recognised)"),
    ("Channel count is zero", "the file declares 0 audio channels"),
    ("SF_INFO struct incomplete", "the header is invalid (sample rate or channel count missing or 0)"),
    ("No 'data' chunk", "the file is truncated or damaged: no audio data found"),
    ("Too many channels", "the file declares more channels than Accord supports (1024)"),
    # libsndfile says this for a cut-off FLAC/OGG header as well as for a real exotic encoding
    ("unimplemented format", "the file is damaged, or uses a sample encoding Accord cannot decode"),
    ("Malformed", "the file is damaged: its header is malformed (truncated?)"),
    ("Unspecified internal error", "the file is damaged (the decoder failed)"),
    ("psf_fseek", "the file is damaged: its header does not match its data (truncated?)"),
    # libsndfile's mpg123 path says this for an existing regular file whose bytes hold no MPEG frames
    ("possibly a pipe", "not readable audio: the decoder found no audio frames in it (damaged, or not really "
                        "the format its extension says)"),
)


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
    if path.suffix.lower() in FFMPEG_EXTENSIONS:
        with quiet_c_stderr():
            return FfmpegReader(path)
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
