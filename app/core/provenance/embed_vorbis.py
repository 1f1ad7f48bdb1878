"""Vorbis comments in FLAC and Ogg (Vorbis or Opus) via mutagen: ACCORD_PROVENANCE=<record JSON>,
plus TITLE, ARTIST and COMMENT for common tools."""

from __future__ import annotations

from pathlib import Path

from app.core.errors import ProvenanceError

MARKER = "ACCORD_PROVENANCE"


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
    return [(f"Vorbis comment {MARKER}", value.encode("utf-8")) for key, value in list(f.tags)
            if key.upper() == MARKER]


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
