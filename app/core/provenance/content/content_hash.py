"""Content hashes that bind a record to what a file *sounds like*, not to its tags — with no blind spots:
every byte that can change the decoded sound is bound, or the file is refused.

- WAV/AIFF/FLAC with integer samples (`pcm-v1`): sha256 over a small header (channels, rate) and the
  decoded samples as little-endian int32 (16-bit WAV and 16-bit FLAC hash the same). FLAC: the stream
  must end where STREAMINFO says: the last frame is found by its CRCs and must end at STREAMINFO's
  sample count, so frames appended after it (which ffmpeg plays, libsndfile does not) are refused.
- Float WAV/AIFF/FLAC (`pcm-float-v2`): the stored sample format is bound too (32- vs 64-bit float),
  and 64-bit samples are hashed as 64-bit.
- MP3 (`mp3-frames-v2`, content_mp3.py): every audio frame, nothing hidden behind footer tags.
- OGG (`ogg-packets-v2`): every packet of every logical stream except the comment header (packet 1),
  each with its length, plus each stream's first and last granule position (players trim by them).
- MIDI (`midi-events-v2`, content_midi.py): every sound-changing event, canonical under rewrites.
"""

from __future__ import annotations

import hashlib
import os
import struct
from pathlib import Path

from app.core.errors import ProvenanceError

PCM_FORMATS = {"wav": "WAV", "aiff": "AIFF", "flac": "FLAC"}
FORMAT_BY_SUFFIX = {".wav": "wav", ".wave": "wav", ".aif": "aiff", ".aiff": "aiff", ".flac": "flac",
                    ".mp3": "mp3", ".ogg": "ogg", ".oga": "ogg", ".mid": "midi", ".midi": "midi"}
SIGNED_TEXT = "WAV, AIFF, FLAC, MP3, OGG, MIDI"
BLOCK_FRAMES = 1 << 16
MAX_WHOLE_FILE_BYTES = 512 * 1024 * 1024  # MP3/OGG/MIDI are hashed from bytes in memory (~14 h of 80 kbit/s MP3)
MAX_CHANNELS = 32


def format_of(path: str | Path) -> str:
    """Accord's format name for a path (by extension). Raises ProvenanceError for other files."""
    fmt = FORMAT_BY_SUFFIX.get(Path(path).suffix.lower())
    if fmt is None:
        raise ProvenanceError(f"is not a format Accord signs ({SIGNED_TEXT})", path=path)
    return fmt


def content_hash(path: str | Path, fmt: str | None = None) -> tuple[str, str]:
    """(method, hex sha256) of the file's content. Raises ProvenanceError for unreadable files."""
    path = Path(path)
    fmt = fmt or format_of(path)
    if fmt in PCM_FORMATS:
        if fmt == "flac":
            from app.core.provenance.content.content_flac import check_flac_end

            check_flac_end(path)
        return _pcm_hash(path)
    try:
        size = path.stat().st_size
        if size > MAX_WHOLE_FILE_BYTES:  # these formats are hashed from bytes in memory
            raise ProvenanceError(f"is {size // 2**20} MB: too large to verify as {fmt.upper()}", path=path)
        data = path.read_bytes()
    except OSError as exc:
        raise ProvenanceError(f"cannot be read: {exc.strerror or exc}", path=path) from exc
    if fmt == "mp3":
        from app.core.provenance.content.content_mp3 import METHOD, mp3_frames_hash

        return METHOD, mp3_frames_hash(data, path)
    if fmt == "ogg":
        return OGG_METHOD, _ogg_hash(data, path)
    if fmt == "midi":
        from app.core.provenance.content.content_midi import METHOD as MIDI_METHOD
        from app.core.provenance.content.content_midi import midi_events_hash

        return MIDI_METHOD, midi_events_hash(data, path)
    raise ProvenanceError(f"has an unknown format {fmt!r}", path=path)


class PcmHasher:
    """The `pcm-v1` hash of integer PCM fed while it is written, equal to content_hash of the written file.

    libsndfile decodes 24-bit samples to int32 as value << 8, which is what `_pcm_hash` hashes; export feeds
    the 24-bit values its WAV writer wrote (app.core.audio.wav24) so the 4-minute export need not read the
    file back (~0.25 s). tests/unit/test_export_hash.py checks the two against each other."""

    def __init__(self, channels: int, rate: int) -> None:
        self.channels = channels
        self.samples = 0
        self._h = hashlib.sha256(f"pcm-v1|{channels}|{rate}|<i4|".encode())

    def update_24bit(self, values) -> None:  # noqa: ANN001 — int32 24-bit values, interleaved, file order
        import numpy as np

        self._h.update(np.left_shift(values, 8, dtype="<i4").data)
        self.samples += len(values)

    def result(self) -> tuple[str, str]:
        h = self._h.copy()
        h.update(f"|{self.samples // self.channels}".encode())
        return "pcm-v1", h.hexdigest()


def _pcm_hash(path: Path) -> tuple[str, str]:
    import numpy as np
    import soundfile as sf

    try:
        with sf.SoundFile(os.fsencode(path)) as f:  # bytes: names that are not valid UTF-8 open too
            channels, rate, subtype = f.channels, f.samplerate, f.subtype
            if not 1 <= channels <= MAX_CHANNELS or not 1000 <= rate <= 768_000:
                raise ProvenanceError(f"has {channels} channels at {rate} Hz, which Accord does not accept",
                                      path=path)
            is_float = subtype in ("FLOAT", "DOUBLE")
            if subtype == "DOUBLE":
                dtype, wire = "float64", "<f8"
            else:
                dtype, wire = ("float32", "<f4") if is_float else ("int32", "<i4")
            method = "pcm-float-v2" if is_float else "pcm-v1"
            stored = f"{subtype}|" if is_float else ""  # float: the stored format is part of the sound
            h = hashlib.sha256(f"{method}|{channels}|{rate}|{wire}|{stored}".encode())
            frames = 0
            buf = np.empty((BLOCK_FRAMES, channels), dtype=wire)  # little-endian: what is hashed
            native = buf.dtype.isnative
            while True:
                block = f.read(BLOCK_FRAMES, dtype=dtype, always_2d=True, out=buf if native else None)
                if not len(block):
                    break
                frames += len(block)
                # hashlib reads the array's buffer directly (no copy) when it is native little-endian
                h.update(block.data if native else np.ascontiguousarray(block, dtype=wire).data)
    except ProvenanceError:
        raise
    except (RuntimeError, ValueError, MemoryError, OSError) as exc:  # LibsndfileError is a RuntimeError
        raise ProvenanceError(f"cannot be decoded: {exc}", path=path) from exc
    h.update(f"|{frames}".encode())
    return method, h.hexdigest()


def ogg_packets(data: bytes, path: Path | None = None) -> dict[int, list[bytes]]:
    """Packets per logical stream (serial), in order. Raises ProvenanceError on a damaged page."""
    streams: dict[int, list[bytes]] = {}
    partial: dict[int, bytearray] = {}
    pos = 0
    n = len(data)
    while pos < n:
        if data[pos:pos + 4] != b"OggS" or pos + 27 > n:
            raise ProvenanceError(f"has a damaged Ogg page at byte {pos}", path=path)
        serial = struct.unpack("<I", data[pos + 14:pos + 18])[0]
        nsegs = data[pos + 26]
        table = data[pos + 27:pos + 27 + nsegs]
        body = pos + 27 + nsegs
        if len(table) != nsegs:
            raise ProvenanceError(f"has a truncated Ogg page at byte {pos}", path=path)
        buf = partial.setdefault(serial, bytearray())
        for lace in table:
            if body + lace > n:
                raise ProvenanceError(f"has a truncated Ogg page at byte {pos}", path=path)
            buf += data[body:body + lace]
            body += lace
            if lace < 255:
                streams.setdefault(serial, []).append(bytes(buf))
                buf.clear()
        pos = body
    if not streams:
        raise ProvenanceError("holds no Ogg packets", path=path)
    return streams


OGG_METHOD = "ogg-packets-v2"


def ogg_granules(data: bytes) -> dict[int, tuple[int, int]]:
    """Per logical stream: (first positive granule position, last granule position set)."""
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    pos, n = 0, len(data)
    while pos + 27 <= n and data[pos:pos + 4] == b"OggS":
        granule = struct.unpack("<q", data[pos + 6:pos + 14])[0]
        serial = struct.unpack("<I", data[pos + 14:pos + 18])[0]
        nsegs = data[pos + 26]
        if granule != -1:
            last[serial] = granule
            if granule > 0:
                first.setdefault(serial, granule)
        pos += 27 + nsegs + sum(data[pos + 27:pos + 27 + nsegs])
    return {s: (first.get(s, 0), last.get(s, 0)) for s in set(first) | set(last)}


def _ogg_hash(data: bytes, path: Path) -> str:
    h = hashlib.sha256(OGG_METHOD.encode())
    streams = ogg_packets(data, path)
    granules = ogg_granules(data)
    for serial in sorted(streams):
        for i, packet in enumerate(streams[serial]):
            if i == 1:  # the comment header (Vorbis/Opus tags) — where the record lives
                continue
            h.update(struct.pack("<Q", len(packet)))
            h.update(packet)
        first, last = granules.get(serial, (0, 0))
        h.update(struct.pack("<qq", first, last))  # where playback starts and stops (end trimming)
    return h.hexdigest()
