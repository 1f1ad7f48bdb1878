"""Decode and encode audio files: float32 `(2, frames)` at the project rate, read in blocks.

Decoding never trusts the header's frame count for allocation: the first buffer is bounded by what the
file's size can plausibly hold, grows only as real frames arrive, and the total is capped. Every library
failure becomes one `AudioFileError(reason, path=...)`. See docs/audio.md for the downmix rule.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.core.audio.formats import AUDIO_EXTENSIONS, SOUNDFILE_FORMAT_BY_SUFFIX, SUPPORTED_TEXT, WRITABLE_TEXT
from app.core.audio.readers import BlockReader, decoder_reason, open_reader
from app.core.errors import AccordError, AudioFileError, WriteError
from app.core.fsutil import atomic_path, not_a_regular_file
from app.core.tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress

log = logging.getLogger(__name__)

PROJECT_RATE = 48000
MIN_RATE = 8000
MAX_RATE = 384000
MAX_SECONDS = 2 * 3600
# Frames per byte a compressed file may plausibly decode to before we believe it only as data arrives
# (MP3 at 64 kbit/s is ~5.5; 4-bit ADPCM WAV is 2 per channel). Silence in FLAC can exceed it: then the
# buffer grows, which costs a copy but never trusts the header.
_FRAMES_PER_BYTE_BOUND = 16
_BLOCK_SAMPLES = 1 << 17  # samples (frames x channels) per read: ~512 KB of float32
# 120 dB over full scale. Float files hold overs, and tools that forget to normalise write int16 values
# (up to 32768); far beyond that is damage, and squaring such samples (1e30 in a float WAV) overflowed the
# analysis into NaN and a traceback. Such samples are treated like NaN: replaced by silence.
MAX_SAMPLE_MAGNITUDE = 1e6

_FORMATS = SOUNDFILE_FORMAT_BY_SUFFIX
_DEFAULT_SUBTYPES = {"WAV": "PCM_24", "FLAC": "PCM_24", "AIFF": "PCM_24", "OGG": "VORBIS",
                     "MP3": "MPEG_LAYER_III"}
_LIBRARY_ERRORS: tuple[type[BaseException], ...] = (RuntimeError, ValueError, MemoryError, TypeError, OSError,
                                                     EOFError, OverflowError)


@dataclass(frozen=True, eq=False)
class DecodedAudio:
    """A decoded stem: read-only float32 samples shaped (2, frames) at `sample_rate`.

    Compared and hashed by identity (element-wise array comparison would be slow and ambiguous).
    """

    samples: np.ndarray
    sample_rate: int
    source_rate: int
    source_channels: int
    source_format: str
    path: Path
    content_sha256: str

    @property
    def frames(self) -> int:
        return int(self.samples.shape[1])

    @property
    def duration(self) -> float:
        return self.frames / self.sample_rate


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB chunks (hashlib releases the GIL on large updates)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    except OSError as exc:
        raise AudioFileError(f"cannot be read: {exc.strerror or exc}", path=path) from exc
    return digest.hexdigest()


def downmix_matrix(channels: int) -> np.ndarray:
    """(channels, 2) float32 matrix taking a file's channels to stereo (see docs/audio.md).

    Mono goes to both sides at full level. With three or more channels the WAVE/SMPTE speaker order is
    assumed (FL FR FC LFE BL BR FLC FRC BC SL SR TC TFL TFC TFR TBL TBC TBR): front left/right pass at
    unity, centre and left/right-side channels join at -3 dB (ITU-R BS.775 style), LFE is dropped, and
    any channel past the 18 named ones alternates left/right at -3 dB.
    """
    if channels < 1:
        raise ValueError("no channels")
    m = np.zeros((channels, 2), dtype=np.float32)
    if channels == 1:
        m[0] = (1.0, 1.0)
        return m
    m[0, 0] = m[1, 1] = 1.0
    k = np.float32(math.sqrt(0.5))
    sides = {2: "C", 3: "", 4: "L", 5: "R", 6: "L", 7: "R", 8: "C", 9: "L", 10: "R", 11: "C", 12: "L", 13: "C",
             14: "R", 15: "L", 16: "C", 17: "R"}
    for ch in range(2, channels):
        side = sides.get(ch, "L" if ch % 2 == 0 else "R")
        if side in ("L", "C"):
            m[ch, 0] = k
        if side in ("R", "C"):
            m[ch, 1] = k
    return m


class _Planar:
    """A growable planar (2, capacity) float32 buffer that ends as a C-contiguous (2, frames) array."""

    def __init__(self, capacity: int, limit: int) -> None:
        self.limit = limit
        self.buf = np.empty((2, max(1, min(capacity, limit))), dtype=np.float32)
        self.frames = 0

    def append(self, chunk: np.ndarray) -> None:
        """Append (n, 2) frames; grows by 1.5x when the file holds more than first believed."""
        n = chunk.shape[0]
        end = self.frames + n
        if end > self.limit:
            raise _TooLong()
        if end > self.buf.shape[1]:
            grown = np.empty((2, min(self.limit, max(end, int(self.buf.shape[1] * 1.5)))), dtype=np.float32)
            grown[:, :self.frames] = self.buf[:, :self.frames]
            self.buf = grown
        self.buf[:, self.frames:end] = chunk.T
        self.frames = end

    def finish(self) -> np.ndarray:
        cap, n = self.buf.shape[1], self.frames
        if n == cap:
            return self.buf
        if cap - n > cap // 8:
            return np.ascontiguousarray(self.buf[:, :n])
        # Slide channel 1 down in place (a few chunks) instead of copying the whole stem.
        flat = self.buf.reshape(-1)
        step = 1 << 20
        for i in range(0, n, step):
            j = min(n, i + step)
            flat[n + i:n + j] = flat[cap + i:cap + j]
        return flat[:2 * n].reshape(2, n)


class _TooLong(Exception):
    pass


def _check_input(path: Path) -> int:
    if not path.exists():
        raise AudioFileError("file not found", path=path)
    if path.is_dir():
        raise AudioFileError("is a folder, not an audio file", path=path)
    if (why := not_a_regular_file(path)) is not None:
        raise AudioFileError(why, path=path)
    if path.suffix.lower() not in AUDIO_EXTENSIONS:
        raise AudioFileError(f"'{path.suffix or '(no extension)'}' is not a supported audio type",
                             path=path, hint=f"use {SUPPORTED_TEXT}")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise AudioFileError(f"cannot be read: {exc.strerror or exc}", path=path) from exc
    if size == 0:
        raise AudioFileError("the file is empty (0 bytes)", path=path)
    return size


def _check_format(reader: BlockReader, path: Path) -> None:
    if reader.channels < 1:
        raise AudioFileError("the file declares 0 audio channels", path=path)
    if reader.channels > 1024:
        raise AudioFileError(f"the file declares {reader.channels} channels (at most 1024 supported)", path=path)
    if not MIN_RATE <= reader.sample_rate <= MAX_RATE:
        raise AudioFileError(f"sample rate {reader.sample_rate} Hz is outside the supported "
                             f"{MIN_RATE // 1000}–{MAX_RATE // 1000} kHz", path=path)


@contextlib.contextmanager
def _checked_reader(path: Path) -> Iterator[BlockReader]:
    """The file opened for block reading with its format checked; any library failure inside the block (opening or
    decoding) becomes one AudioFileError in the decoder's words."""
    try:
        with open_reader(path) as reader:
            _check_format(reader, path)
            yield reader
    except AccordError:
        raise
    except _LIBRARY_ERRORS as exc:
        raise AudioFileError(decoder_reason(exc), path=path) from exc


def check_readable(path: str | Path) -> None:
    """Open an audio file and read its header only (no samples): AudioFileError with the decoder's reason when it
    cannot be read, as `load_audio` would give."""
    path = Path(path)
    _check_input(path)
    with _checked_reader(path):
        pass


def load_audio(path: str | Path, *, sample_rate: int = PROJECT_RATE, max_seconds: int = MAX_SECONDS,
               progress: Progress = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> DecodedAudio:
    """Decode an audio file to read-only float32 (2, frames) at `sample_rate`.

    Raises AudioFileError naming the file and the reason for anything unreadable or longer than
    `max_seconds`; Cancelled if `cancel` fires (checked between blocks).
    """
    path = Path(path)
    if not MIN_RATE <= sample_rate <= MAX_RATE:
        raise ValueError(f"target sample rate {sample_rate} is out of range")
    size = _check_input(path)
    digest = sha256_file(path)
    with _checked_reader(path) as reader:
        samples, stats = _decode(reader, path, size, sample_rate, max_seconds, progress, cancel)
        source = (reader.sample_rate, reader.channels, reader.format_name)
    if stats["frames"] == 0:
        raise AudioFileError("contains no audio (0 frames)", path=path)
    if stats["header"] > stats["frames"]:
        # Recorders that crashed and streamed files leave such headers; keep what is really there.
        log.warning("%s: header says %d frames but only %d could be read (truncated?)", path.name,
                    stats["header"], stats["frames"])
    if stats["bad"]:
        if stats["bad"] == stats["total"]:
            raise AudioFileError("every sample is NaN, infinite or absurdly loud: the file is damaged", path=path)
        log.warning("%s: %d NaN, infinite or absurdly loud samples replaced by silence", path.name, stats["bad"])
    samples.flags.writeable = False
    progress(1.0, f"Decoded {path.name}")
    return DecodedAudio(samples=samples, sample_rate=sample_rate, source_rate=source[0],
                        source_channels=source[1], source_format=source[2], path=path, content_sha256=digest)


def _decode(reader: BlockReader, path: Path, size: int, rate: int, max_seconds: int, progress: Progress,
            cancel: CancelToken) -> tuple[np.ndarray, dict[str, int]]:
    src_rate, channels = reader.sample_rate, reader.channels
    limit_src = max_seconds * src_rate
    ratio = rate / src_rate
    header = max(0, reader.header_frames or 0)
    believable = min(header, size * _FRAMES_PER_BYTE_BOUND // channels + 1, limit_src)
    out = _Planar(int(believable * ratio) + 256, int(limit_src * ratio) + 256)
    matrix = None if channels <= 2 else downmix_matrix(channels)
    stream = None
    if src_rate != rate:
        import soxr  # lazy: only needed when rates differ

        stream = soxr.ResampleStream(src_rate, rate, 2, dtype="float32", quality="HQ")
    block = max(1024, _BLOCK_SAMPLES // channels)
    stats = {"frames": 0, "bad": 0, "total": 0, "header": header}
    expected = max(header, 1)
    try:
        while True:
            cancel.check()
            data = reader.read(block)  # (n, channels) float32
            n = data.shape[0]
            last = n == 0
            if n:
                stats["frames"] += n
                if stats["frames"] > limit_src:
                    raise _TooLong()
                if not data.flags.writeable:
                    data = data.copy()
                # Clean before downmixing and resampling, which would smear a NaN over its neighbours.
                stats["total"] += data.size
                finite = np.abs(data) <= MAX_SAMPLE_MAGNITUDE  # False for NaN and +-inf as well
                if not finite.all():
                    stats["bad"] += int(data.size - np.count_nonzero(finite))
                    np.copyto(data, 0.0, where=~finite)
                stereo = _to_stereo(data, matrix)
            else:
                stereo = np.zeros((0, 2), dtype=np.float32)
            if stream is not None:
                stereo = stream.resample_chunk(np.ascontiguousarray(stereo), last=last)
            if stereo.shape[0]:
                out.append(stereo)
            if last:
                break
            progress(min(0.99, stats["frames"] / expected), f"Decoding {path.name}")
    except _TooLong:
        limit = f"{max_seconds / 3600:g} hours" if max_seconds >= 3600 else f"{max_seconds / 60:g} minutes"
        raise AudioFileError(f"longer than {limit}: more than Accord takes from one file", path=path) from None
    return out.finish(), stats


def _to_stereo(data: np.ndarray, matrix: np.ndarray | None) -> np.ndarray:
    """(n, channels) -> (n, 2); may return `data` itself when it already is stereo."""
    if data.shape[1] == 2:
        return data
    if data.shape[1] == 1:
        return np.repeat(data, 2, axis=1)
    assert matrix is not None
    return (data @ matrix).astype(np.float32, copy=False)


def output_format(path: str | Path) -> str:
    """The soundfile format name for an output path's extension; AudioFileError if unsupported."""
    ext = Path(path).suffix.lower()
    if Path(path).is_dir():  # else "cannot write '(no extension)' files" for `-o existing-folder`
        raise AudioFileError("is a folder, not a file", path=path, hint="give a file name inside it, e.g. mix.wav")
    if ext not in _FORMATS:
        raise AudioFileError(f"cannot write '{ext or '(no extension)'}' files", path=path,
                             hint=f"use {WRITABLE_TEXT}")
    return _FORMATS[ext]


def encode_audio(path: str | Path, samples: np.ndarray, sample_rate: int, *, format: str | None = None,
                 subtype: str | None = None, on_pcm24: Callable[[np.ndarray], None] | None = None) -> None:
    """Write (channels, frames) float samples to `path` directly (not atomic; see write_audio).

    The format comes from the extension unless given. PCM and lossy outputs are clipped to [-1, 1] first
    (libsndfile would otherwise wrap overs around); FLOAT/DOUBLE keep values as they are. `on_pcm24` is
    given the int32 24-bit samples in file order when the numpy 24-bit WAV writer is used (wav24.py), and is
    never called otherwise.
    """
    import soundfile as sf  # lazy: keeps `import app.core.audio` light

    fmt = format or output_format(path)
    sub = subtype or _DEFAULT_SUBTYPES.get(fmt.upper())
    arr = np.asarray(samples)
    if arr.ndim != 2 or arr.shape[0] not in (1, 2):
        raise AudioFileError(f"expected (channels, frames) samples, got shape {arr.shape}", path=path)
    if not MIN_RATE <= int(sample_rate) <= MAX_RATE:
        raise AudioFileError(f"sample rate {sample_rate} Hz is out of range", path=path)
    clip = (sub or "").upper() not in ("FLOAT", "DOUBLE")
    try:
        if not sf.check_format(fmt, sub):
            raise AudioFileError(f"{fmt} cannot hold {sub} samples", path=path)
        if _numpy_wav24(fmt, sub, arr):
            from app.core.audio.wav24 import write_pcm24

            write_pcm24(path, arr, int(sample_rate), on_pcm24)
            return
        with sf.SoundFile(os.fsencode(path), "w", samplerate=int(sample_rate), channels=arr.shape[0], format=fmt,
                          subtype=sub) as fh:
            step = 1 << 16
            for i in range(0, arr.shape[1], step):
                chunk = np.ascontiguousarray(arr[:, i:i + step].T, dtype=np.float32)
                if clip:
                    np.clip(chunk, -1.0, 1.0, out=chunk)
                fh.write(chunk)
    except AccordError:
        raise
    except OSError as exc:
        raise WriteError(f"could not be written: {exc.strerror or exc}", path=path) from exc
    except _LIBRARY_ERRORS as exc:
        if "System error" in str(exc):  # libsndfile's word for a failed write(): full disk, quota, I/O error
            raise WriteError("could not be written: the disk may be full or not writable", path=path) from exc
        raise AudioFileError(f"could not be encoded: {decoder_reason(exc).removeprefix('cannot be decoded: ')}",
                             path=path) from exc


def _numpy_wav24(fmt: str, sub: str | None, arr: np.ndarray) -> bool:
    """24-bit WAV of finite samples is written by wav24.py (the same bytes as libsndfile, ~4x faster)."""
    from app.core.audio.wav24 import fits

    return (fmt.upper() == "WAV" and (sub or "").upper() == "PCM_24" and fits(arr.shape[0], arr.shape[1])
            and bool(np.isfinite(arr).all()))


def write_audio(path: str | Path, samples: np.ndarray, sample_rate: int, *, format: str | None = None,
                subtype: str | None = None) -> Path:
    """Encode to a temp file beside `path` and move it into place atomically; returns the path."""
    target = Path(path)
    fmt = format or output_format(target)
    try:
        with atomic_path(target) as tmp:
            encode_audio(tmp, samples, sample_rate, format=fmt, subtype=subtype)
    except AccordError as exc:
        if exc.path is not None and exc.path != target:  # name the user's file, not the temp file
            raise type(exc)(exc.reason, path=target, hint=exc.hint) from exc
        raise
    return target

