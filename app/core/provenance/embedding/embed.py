"""Put a signed record into a file, and find every record a file holds.

One entry point per direction, whatever the format:
- `embed_record(path, record_bytes, title=, artist=, comment=)` — ID3 (WAV/AIFF/MP3), Vorbis comment
  (FLAC/OGG), MIDI meta events; the file is changed in place, so callers pass a temp file
  (export does, then replaces the target atomically).
- `read_provenance(path)` — every provenance field the format's reader shows, plus *problems*: a second
  ID3 chunk, a marker in the raw bytes that the reader did not report... Any problem or disagreement means
  the file is not verified: never "verified from the first of several".
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import overload

from app.core.errors import ProvenanceError
from app.core.fsutil import not_a_regular_file
from app.core.provenance.content.content_hash import MAX_WHOLE_FILE_BYTES, format_of
from app.core.provenance.embedding import embed_id3, embed_midi, embed_vorbis

MARKER = "ACCORD_PROVENANCE"
_RAW_MARKERS = (MARKER.encode("ascii"), MARKER.lower().encode("ascii"), MARKER.encode("utf-16-le"),
                MARKER.encode("utf-16-be"))
ID3_FORMATS = ("wav", "aiff", "mp3")
VORBIS_FORMATS = ("flac", "ogg")


@dataclass(frozen=True)
class FoundRecords:
    fields: tuple[tuple[str, bytes], ...]  # (where, record bytes)
    problems: tuple[str, ...]

    @property
    def distinct(self) -> list[bytes]:
        return sorted({data for _, data in self.fields})


def _clean(text: str | None) -> str:
    # A marker inside a readable field would look like a second, hidden record.
    text = (text or "").replace(MARKER, "Accord provenance").replace(MARKER.lower(), "accord provenance")
    # A title from a file name that is not valid UTF-8 holds surrogate escapes (\udcfe), which tags cannot
    # encode: every signed export to such a name failed.
    return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in text)


def embed_record(path: str | Path, record: bytes, *, fmt: str | None = None, title: str = "", artist: str = "",
                 comment: str = "") -> None:
    """Write `record` (canonical JSON bytes) and readable basics into the file at `path`, in place."""
    path = Path(path)
    fmt = fmt or format_of(path)
    title, artist, comment = _clean(title), _clean(artist), _clean(comment)
    try:
        if fmt in ID3_FORMATS:
            embed_id3.write(path, fmt, record, title=title, artist=artist, comment=comment)
        elif fmt in VORBIS_FORMATS:
            embed_vorbis.write(path, fmt, record, title=title, artist=artist, comment=comment)
        elif fmt == "midi":
            embed_midi.write(path, record, comment=comment)
        else:
            raise ProvenanceError(f"Accord cannot embed a record in {fmt} files", path=path)
    except ProvenanceError:
        raise
    except Exception as exc:  # mutagen: MutagenError, IndexError, struct.error...
        raise ProvenanceError(f"the provenance record could not be embedded: {type(exc).__name__}: {exc}",
                              path=path) from exc


def _iff_chunk_ids(data: bytes | _FileBytes, *, big_endian: bool) -> list[bytes]:
    """Top-level chunk ids of a RIFF/WAVE or FORM/AIFF file (stops quietly at damage)."""
    ids = []
    pos, end = 12, min(len(data), 8 + struct.unpack(">I" if big_endian else "<I", data[4:8])[0])
    while pos + 8 <= end:
        cid = data[pos:pos + 4]
        size = struct.unpack(">I" if big_endian else "<I", data[pos + 4:pos + 8])[0]
        ids.append(cid)
        pos += 8 + size + (size & 1)
    return ids


def _structure_problems(data: bytes | _FileBytes, fmt: str) -> list[str]:
    problems = []
    if fmt in ("wav", "aiff") and len(data) >= 12:
        ids = _iff_chunk_ids(data, big_endian=(fmt == "aiff"))
        n = sum(1 for c in ids if c.lower() == b"id3 ")
        if n > 1:
            problems.append(f"the file has {n} ID3 chunks; readers would disagree on which one counts")
    if fmt == "mp3":
        pos, tags = 0, 0
        while data[pos:pos + 3] == b"ID3" and len(data) >= pos + 10:
            tags += 1
            size = ((data[pos + 6] << 21) | (data[pos + 7] << 14) | (data[pos + 8] << 7) | data[pos + 9]) + 10
            pos += size + (10 if data[pos + 5] & 0x10 else 0)
        if tags > 1:
            problems.append(f"the file starts with {tags} ID3 tags; readers would disagree on which one counts")
        # APE / ID3v1 / appended tags at the end are legitimate (ReplayGain tools add them); a record hidden
        # there is caught by the raw marker count below.
    return problems


def _audio_chunk_span(data: bytes | _FileBytes, fmt: str) -> tuple[int, int]:
    """(start, end) of the sample data of a WAV/AIFF: signed content, so no need to scan it for markers."""
    if fmt not in ("wav", "aiff") or len(data) < 12:
        return 0, 0
    big = fmt == "aiff"
    want = b"SSND" if big else b"data"
    pos, end = 12, len(data)
    while pos + 8 <= end:
        size = struct.unpack(">I" if big else "<I", data[pos + 4:pos + 8])[0]
        if data[pos:pos + 4] == want:
            return pos + 8, min(end, pos + 8 + size)
        pos += 8 + size + (size & 1)
    return 0, 0


def _raw_marker_count(data: _FileBytes, fmt: str) -> int:
    """Markers anywhere outside the sample data (windows overlap its edges, so none is missed there)."""
    start, end = _audio_chunk_span(data, fmt)
    margin = max(len(m) for m in _RAW_MARKERS)
    if end - start <= 2 * margin:
        ranges = [(0, len(data))]
    else:
        ranges = [(0, start + margin), (end - margin, len(data))]
    return sum(data.count(_RAW_MARKERS, a, b) for a, b in ranges)


class _FileBytes:
    """Read-only bytes-like view of an open file (len, int and slice indexing, ranged count), read on demand.

    Audio files can be gigabytes: the structure checks and the marker scan must not load them whole (a
    2 GB file made `verify` fail with MemoryError; found by tests/reliability).
    """

    _CHUNK = 1 << 24

    def __init__(self, fh) -> None:  # noqa: ANN001 — a binary file object
        self._fh = fh
        fh.seek(0, 2)
        self._size = fh.tell()

    def __len__(self) -> int:
        return self._size

    @overload
    def __getitem__(self, key: int) -> int: ...

    @overload
    def __getitem__(self, key: slice) -> bytes: ...

    def __getitem__(self, key: int | slice) -> int | bytes:
        if isinstance(key, int):
            chunk = self[key:key + 1 or None] if key >= 0 else self[self._size + key:self._size + key + 1]
            if not chunk:
                raise IndexError("index out of range")
            return chunk[0]
        start, stop, step = key.indices(self._size)
        if step != 1 or stop <= start:
            return b""
        self._fh.seek(start)
        return self._fh.read(stop - start)

    def count(self, markers: tuple[bytes, ...], start: int = 0, stop: int | None = None) -> int:
        """Occurrences of the markers in [start, stop), in one streamed pass. Markers straddling two chunks
        are counted from the small seam (previous tail + next head) minus what each side already counted."""
        stop = self._size if stop is None else min(stop, self._size)
        keep = max(len(m) for m in markers) - 1
        n, tail, pos = 0, b"", max(0, start)
        self._fh.seek(pos)
        while pos < stop:
            chunk = self._fh.read(min(self._CHUNK, stop - pos))
            if not chunk:
                break
            pos += len(chunk)
            head = chunk[:keep]
            seam = tail + head
            n += sum(seam.count(m) - tail.count(m) - head.count(m) for m in markers)
            # Silence and sparse holes are long runs of zeros, where bytes.count of the UTF-16 markers (which
            # end in a zero byte) is slow: a chunk of zeros holds no marker, skip it.
            if chunk.count(0) != len(chunk):
                n += sum(chunk.count(m) for m in markers)
            tail = chunk[-keep:] if len(chunk) >= keep else (tail + chunk)[-keep:]
        return n


def read_provenance(path: str | Path, *, fmt: str | None = None) -> FoundRecords:
    """All provenance fields of a file and any sign of a hidden or duplicate one. Raises ProvenanceError."""
    path = Path(path)
    fmt = fmt or format_of(path)
    if (why := not_a_regular_file(path)) is not None:
        raise ProvenanceError(why, path=path)
    try:
        with open(path, "rb") as fh:
            return _read_provenance(path, fmt, _FileBytes(fh))
    except FileNotFoundError as exc:
        raise ProvenanceError("file not found", path=path) from exc
    except OSError as exc:
        raise ProvenanceError(f"cannot be read: {exc.strerror or exc}", path=path) from exc


def _read_provenance(path: Path, fmt: str, data: _FileBytes) -> FoundRecords:
    if not len(data):
        raise ProvenanceError("is empty", path=path)
    try:
        if fmt in ID3_FORMATS:
            fields = embed_id3.read(path, fmt)
        elif fmt in VORBIS_FORMATS:
            fields = embed_vorbis.read(path, fmt)
        else:
            if len(data) > MAX_WHOLE_FILE_BYTES:
                raise ProvenanceError(f"is {len(data) // 2**20} MB: too large for a MIDI file", path=path)
            fields = embed_midi.read(path, data[:])
    except ProvenanceError:
        raise
    except Exception as exc:  # mutagen/mido failures on damaged files
        raise ProvenanceError(f"cannot be read as {fmt.upper()}: {type(exc).__name__}: {exc}", path=path) from exc
    problems = _structure_problems(data, fmt)
    raw = _raw_marker_count(data, fmt)
    if raw > len(fields):
        problems.append(f"the file holds {raw} provenance markers but its {fmt.upper()} reader shows "
                        f"{len(fields)}: a hidden or duplicate record")
    where = [w for w, _ in fields]
    for w in sorted(set(where)):
        if where.count(w) > 1:
            problems.append(f"{w} appears {where.count(w)} times")
    return FoundRecords(tuple(fields), tuple(problems))


def readable_basics(path: str | Path, *, fmt: str | None = None) -> dict[str, str]:
    """Title / artist / comment as common tools see them (for checks and the verify dialog)."""
    path = Path(path)
    fmt = fmt or format_of(path)
    try:
        if fmt in ID3_FORMATS:
            return embed_id3.basics(path, fmt)
        if fmt in VORBIS_FORMATS:
            return embed_vorbis.basics(path, fmt)
        return embed_midi.basics(path)
    except ProvenanceError:
        raise
    except Exception as exc:
        raise ProvenanceError(f"cannot be read: {type(exc).__name__}: {exc}", path=path) from exc
