"""Vorbis comments in FLAC and Ogg (Vorbis or Opus) via mutagen: ACCORD_PROVENANCE=<record JSON>,
plus TITLE, ARTIST and COMMENT for common tools."""

from __future__ import annotations

from pathlib import Path

from app.core.errors import ProvenanceError

MARKER = "ACCORD_PROVENANCE"
# Names converters give the record: ffmpeg turns an ID3 PRIV frame (WAV/MP3) into the Vorbis comment
# `id3v2_priv.ACCORD_PROVENANCE` when it writes FLAC/OGG, and may lower-case keys.
RENAMED_PREFIXES = ("ID3V2_PRIV.",)


def is_record_key(key: str) -> bool:
    upper = key.upper()
    return upper == MARKER or any(upper == prefix + MARKER for prefix in RENAMED_PREFIXES)


def _open(path: Path, fmt: str):
    if fmt == "flac":
        from mutagen.flac import FLAC

        return FLAC(str(path))
    import mutagen

    f = mutagen.File(str(path))
    if f is None or not hasattr(f, "tags"):
        raise ProvenanceError("is not an Ogg Vorbis or Opus file mutagen can tag", path=path)
    return f


def write(path: Path, fmt: str, record: bytes, *, title: str, artist: str, comment: str) -> None:
    f = _open(path, fmt)
    if f.tags is None:
        f.add_tags()
    f.tags[MARKER] = [record.decode("ascii")]  # replaces any earlier value, whatever its case
    if title:
        f.tags["TITLE"] = [title]
    if artist:
        f.tags["ARTIST"] = [artist]
    f.tags["COMMENT"] = [comment]
    f.save()


def read(path: Path, fmt: str) -> list[tuple[str, bytes]]:
    f = _open(path, fmt)
    if f.tags is None:
        return []
    return [(f"Vorbis comment {key.upper()}", value.encode("utf-8")) for key, value in list(f.tags)
            if is_record_key(key)]


def basics(path: Path, fmt: str) -> dict[str, str]:
    f = _open(path, fmt)
    out: dict[str, str] = {}
    if f.tags is None:
        return out
    for key in ("title", "artist", "comment"):
        values = f.tags.get(key)
        if values:
            out[key] = values[0]
    return out
