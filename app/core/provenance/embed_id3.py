"""ID3 in WAV, AIFF and MP3 (mutagen): TXXX:ACCORD_PROVENANCE (readable) + PRIV (byte-exact copy).

Readable basics go into TIT2 (title), TPE1 (artist) and COMM ("AI-assisted: …"), which ffprobe,
players and tag editors show.
"""

from __future__ import annotations

import struct
from pathlib import Path

from app.core.errors import ProvenanceError

MARKER = "ACCORD_PROVENANCE"


def _open(path: Path, fmt: str):
    if fmt == "wav":
        from mutagen.wave import WAVE as cls
    elif fmt == "aiff":
        from mutagen.aiff import AIFF as cls
    else:
        from mutagen.mp3 import MP3 as cls
    return cls(str(path))


def _info_chunk(title: str, artist: str, comment: str) -> bytes:
    body = b"INFO"
    for cid, text in ((b"INAM", title), (b"IART", artist), (b"ICMT", comment), (b"ISFT", "Accord")):
        if text:
            data = text.encode("utf-8") + b"\0"
            body += cid + struct.pack("<I", len(data)) + data + (b"\0" if len(data) & 1 else b"")
    return b"LIST" + struct.pack("<I", len(body)) + body


def write_wav_info(path: Path, *, title: str, artist: str, comment: str) -> None:
    """Replace the RIFF LIST/INFO chunk (INAM/IART/ICMT): the WAV fields ffprobe and Windows show.

    ffprobe reads only PRIV frames from a WAV's ID3 chunk, so the readable basics go here as well.
    """
    data = path.read_bytes()
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return  # RF64/W64 and others: leave them alone, the ID3 fields still carry everything
    out = bytearray(data[:12])
    pos, end = 12, min(len(data), 8 + struct.unpack("<I", data[4:8])[0])
    while pos + 8 <= end:
        size = struct.unpack("<I", data[pos + 4:pos + 8])[0]
        chunk = data[pos:pos + 8 + size + (size & 1)]
        if not (chunk[:4] == b"LIST" and chunk[8:12] == b"INFO"):
            out += chunk
        pos += 8 + size + (size & 1)
    out += _info_chunk(title, artist, comment)
    out[4:8] = struct.pack("<I", len(out) - 8)
    path.write_bytes(bytes(out))


def write(path: Path, fmt: str, record: bytes, *, title: str, artist: str, comment: str) -> None:
    from mutagen.id3 import COMM, PRIV, TIT2, TPE1, TXXX

    f = _open(path, fmt)
    if f.tags is None:
        f.add_tags()
    tags = f.tags
    for frame in [fr for fr in tags.getall("TXXX") if fr.desc.upper() == MARKER]:
        tags.delall(frame.HashKey)
    for frame in [fr for fr in tags.getall("PRIV") if fr.owner.upper() == MARKER]:
        tags.delall(frame.HashKey)
    text = record.decode("ascii")
    tags.add(TXXX(encoding=3, desc=MARKER, text=[text]))
    tags.add(PRIV(owner=MARKER, data=record))
    if title:
        tags.setall("TIT2", [TIT2(encoding=3, text=[title])])
    if artist:
        tags.setall("TPE1", [TPE1(encoding=3, text=[artist])])
    tags.delall("COMM")
    tags.add(COMM(encoding=3, lang="eng", desc="", text=[comment]))
    # ID3v2.4 with UTF-8 text: ffprobe, mutagen and players read it, and the JSON stays plain bytes.
    f.save()
    if fmt == "wav":
        write_wav_info(path, title=title, artist=artist, comment=comment)


def read(path: Path, fmt: str) -> list[tuple[str, bytes]]:
    """Every provenance value found in the ID3 tag, as (location, bytes)."""
    f = _open(path, fmt)
    found: list[tuple[str, bytes]] = []
    if f.tags is None:
        return found
    for frame in f.tags.getall("TXXX"):
        if frame.desc.upper() == MARKER:
            for value in frame.text:
                try:
                    found.append(("ID3 TXXX:" + MARKER, str(value).encode("utf-8")))
                except UnicodeEncodeError as exc:
                    raise ProvenanceError("has a provenance field that is not valid text", path=path) from exc
    for frame in f.tags.getall("PRIV"):
        if frame.owner.upper() == MARKER:
            found.append(("ID3 PRIV:" + MARKER, bytes(frame.data)))
    return found


def basics(path: Path, fmt: str) -> dict[str, str]:
    f = _open(path, fmt)
    out: dict[str, str] = {}
    if f.tags is None:
        return out
    for key, frame_id in (("title", "TIT2"), ("artist", "TPE1"), ("comment", "COMM")):
        frames = f.tags.getall(frame_id)
        if frames and frames[0].text:
            out[key] = str(frames[0].text[0])
    return out
