"""ID3 in WAV, AIFF and MP3 (mutagen): TXXX:ACCORD_PROVENANCE (readable) + PRIV (byte-exact copy).

Readable basics go into TIT2 (title), TPE1 (artist) and COMM ("AI-assisted: …"), which ffprobe,
players and tag editors show.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

from app.core.errors import ProvenanceError

MARKER = "ACCORD_PROVENANCE"


def _open(path: Path, fmt: str) -> Any:
    if fmt == "wav":
        from mutagen.wave import WAVE

        return WAVE(str(path))
    if fmt == "aiff":
        from mutagen.aiff import AIFF

        return AIFF(str(path))
    from mutagen.mp3 import MP3

    return MP3(str(path))


def _info_chunk(title: str, artist: str, comment: str) -> bytes:
    body = b"INFO"
    for cid, text in ((b"INAM", title), (b"IART", artist), (b"ICMT", comment), (b"ISFT", "Accord")):
        if text:
            data = text.encode("utf-8") + b"\0"
            body += cid + struct.pack("<I", len(data)) + data + (b"\0" if len(data) & 1 else b"")
    return b"LIST" + struct.pack("<I", len(body)) + body


def write_wav_info(path: Path, *, title: str, artist: str, comment: str) -> None:
    """Replace the RIFF LIST/INFO chunk (INAM/IART/ICMT): the WAV fields ffprobe and Windows show.

    ffprobe reads only PRIV frames from a WAV's ID3 chunk, so the readable basics go here as well. Works
    in place on chunk headers (no copy of the audio): an old INFO chunk at the end is cut off, one in the
    middle becomes JUNK (which every reader skips), and the new one is appended.
    """
    with open(path, "r+b") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return  # RF64/W64 and others: leave them alone, the ID3 fields still carry everything
        riff_end = 8 + struct.unpack("<I", head[4:8])[0]
        fh.seek(0, 2)
        end = min(fh.tell(), riff_end)
        pos, info_at = 12, []
        while pos + 8 <= end:
            fh.seek(pos)
            header = fh.read(12)
            size = struct.unpack("<I", header[4:8])[0]
            nxt = pos + 8 + size + (size & 1)
            if header[:4] == b"LIST" and header[8:12] == b"INFO":
                info_at.append((pos, nxt))
            pos = nxt
        end = min(pos, end)
        for at, nxt in info_at:
            if nxt >= end:
                end = at
            else:
                fh.seek(at)
                fh.write(b"JUNK")
        fh.seek(end)
        fh.truncate()
        fh.write(_info_chunk(title, artist, comment))
        total = fh.tell()
        fh.seek(4)
        fh.write(struct.pack("<I", total - 8))


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
