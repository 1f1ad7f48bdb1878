"""Content hashes that bind a record to what a file *sounds like*, not to its tags.

- WAV/AIFF/FLAC (`pcm-v1`): sha256 over a small header (channels, rate, sample type) and the decoded
  samples read in blocks via soundfile — integer PCM as little-endian int32 (so 16-bit WAV and 16-bit
  FLAC hash the same), float files as float32. Re-tagging never changes it; one changed sample does.
- MP3 (`mp3-frames-v1`): the bytes between the ID3v2 tag(s) and an ID3v1/APE tag at the end. Decoders
  disagree on MP3 length (encoder delay), so lossy files are bound to their frames, not to samples.
- OGG (`ogg-packets-v1`): every packet of every logical stream except the comment header (packet 1),
  each with its length, so repagination by a tagger keeps the hash.
- MIDI (`midi-events-v1`): a canonical list of note, program, tempo, time- and key-signature events per
  track at absolute ticks; text, copyright, names and sequencer-specific events (where the record lives)
  are left out.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from pathlib import Path

from app.core.errors import ProvenanceError

PCM_FORMATS = {"wav": "WAV", "aiff": "AIFF", "flac": "FLAC"}
FORMAT_BY_SUFFIX = {".wav": "wav", ".wave": "wav", ".aif": "aiff", ".aiff": "aiff", ".flac": "flac",
                    ".mp3": "mp3", ".ogg": "ogg", ".oga": "ogg", ".mid": "midi", ".midi": "midi"}
BLOCK_FRAMES = 1 << 16
MAX_WHOLE_FILE_BYTES = 512 * 1024 * 1024  # MP3/OGG/MIDI are hashed from bytes in memory (~14 h of 80 kbit/s MP3)
MAX_CHANNELS = 32


def format_of(path: str | Path) -> str:
    """Accord's format name for a path (by extension). Raises ProvenanceError for other files."""
    fmt = FORMAT_BY_SUFFIX.get(Path(path).suffix.lower())
    if fmt is None:
        raise ProvenanceError("is not a format Accord signs (WAV, AIFF, FLAC, MP3, OGG, MIDI)", path=path)
    return fmt


def content_hash(path: str | Path, fmt: str | None = None) -> tuple[str, str]:
    """(method, hex sha256) of the file's content. Raises ProvenanceError for unreadable files."""
    path = Path(path)
    fmt = fmt or format_of(path)
    if fmt in PCM_FORMATS:
        return "pcm-v1", _pcm_hash(path)
    try:
        size = path.stat().st_size
        if size > MAX_WHOLE_FILE_BYTES:  # these formats are hashed from bytes in memory
            raise ProvenanceError(f"is {size // 2**20} MB: too large to verify as {fmt.upper()}", path=path)
        data = path.read_bytes()
    except OSError as exc:
        raise ProvenanceError(f"cannot be read: {exc.strerror or exc}", path=path) from exc
    if fmt == "mp3":
        return "mp3-frames-v1", hashlib.sha256(mp3_audio_span(data, path)).hexdigest()
    if fmt == "ogg":
        return "ogg-packets-v1", _ogg_hash(data, path)
    if fmt == "midi":
        return "midi-events-v1", _midi_hash(data, path)
    raise ProvenanceError(f"has an unknown format {fmt!r}", path=path)


def _pcm_hash(path: Path) -> str:
    import numpy as np
    import soundfile as sf

    try:
        with sf.SoundFile(os.fsencode(path)) as f:  # bytes: names that are not valid UTF-8 open too
            channels, rate, subtype = f.channels, f.samplerate, f.subtype
            if not 1 <= channels <= MAX_CHANNELS or not 1000 <= rate <= 768_000:
                raise ProvenanceError(f"has {channels} channels at {rate} Hz, which Accord does not accept",
                                      path=path)
            is_float = subtype in ("FLOAT", "DOUBLE")
            dtype, wire = ("float32", "<f4") if is_float else ("int32", "<i4")
            h = hashlib.sha256(f"pcm-v1|{channels}|{rate}|{wire}|".encode())
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
    return h.hexdigest()


def _syncsafe(b: bytes) -> int:
    return (b[0] << 21) | (b[1] << 14) | (b[2] << 7) | b[3]


def mp3_audio_span(data: bytes, path: Path | None = None) -> bytes:
    """The MP3 bytes without leading ID3v2 tags and trailing ID3v1 / APE tags."""
    start = 0
    while data[start:start + 3] == b"ID3" and len(data) >= start + 10:
        size = _syncsafe(data[start + 6:start + 10]) + 10
        if data[start + 5] & 0x10:  # footer present
            size += 10
        start += size
    end = len(data)
    changed = True
    while changed and end > start:
        changed = False
        if end - start >= 128 and data[end - 128:end - 125] == b"TAG":
            end -= 128
            changed = True
        if end - start >= 32 and data[end - 32:end - 24] == b"APETAGEX":
            size = struct.unpack("<I", data[end - 20:end - 16])[0]
            flags = struct.unpack("<I", data[end - 12:end - 8])[0]
            end -= size + (32 if flags & 0x80000000 else 0)
            changed = True
        if end - start >= 10 and data[end - 10:end - 7] == b"3DI":  # ID3v2 footer of an appended tag
            end -= _syncsafe(data[end - 4:end]) + 20
            changed = True
    if end <= start:
        raise ProvenanceError("holds no MP3 audio frames", path=path)
    return data[start:end]


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


def _ogg_hash(data: bytes, path: Path) -> str:
    h = hashlib.sha256(b"ogg-packets-v1")
    streams = ogg_packets(data, path)
    for serial in sorted(streams):
        for i, packet in enumerate(streams[serial]):
            if i == 1:  # the comment header (Vorbis/Opus tags) — where the record lives
                continue
            h.update(struct.pack("<Q", len(packet)))
            h.update(packet)
    return h.hexdigest()


MIDI_MUSICAL = ("note_on", "note_off", "program_change", "set_tempo", "time_signature", "key_signature",
                "control_change", "pitchwheel")


def midi_events(data: bytes, path: Path | None = None) -> dict:
    """The musical events of a MIDI file as a canonical JSON-able value."""
    import io

    import mido

    try:
        mf = mido.MidiFile(file=io.BytesIO(data), clip=True)
    except Exception as exc:  # mido raises OSError, EOFError, ValueError, KeyError, KeySignatureError...
        raise ProvenanceError(f"is not a readable MIDI file: {type(exc).__name__}: {exc}", path=path) from exc
    tracks = []
    for track in mf.tracks:
        tick = 0
        events = []
        for msg in track:
            tick += msg.time
            kind = msg.type
            if kind not in MIDI_MUSICAL:
                continue
            if kind == "note_on" and msg.velocity == 0:
                events.append([tick, "note_off", msg.channel, msg.note, 0])
            elif kind in ("note_on", "note_off"):
                events.append([tick, kind, msg.channel, msg.note, msg.velocity if kind == "note_on" else 0])
            elif kind == "program_change":
                events.append([tick, kind, msg.channel, msg.program])
            elif kind == "control_change":
                events.append([tick, kind, msg.channel, msg.control, msg.value])
            elif kind == "pitchwheel":
                events.append([tick, kind, msg.channel, msg.pitch])
            elif kind == "set_tempo":
                events.append([tick, kind, msg.tempo])
            elif kind == "time_signature":
                events.append([tick, kind, msg.numerator, msg.denominator])
            else:
                events.append([tick, kind, str(msg.key)])
        tracks.append(events)
    return {"type": mf.type, "ticksPerBeat": mf.ticks_per_beat, "tracks": tracks}


def _midi_hash(data: bytes, path: Path) -> str:
    value = midi_events(data, path)
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(b"midi-events-v1|" + text.encode("ascii")).hexdigest()
