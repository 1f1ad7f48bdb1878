"""Provenance in Standard MIDI files (mido), in the first track at tick 0:

- a sequencer-specific meta event: 0x7D (the MMA's "non-commercial" ID), b"ACCORD_PROVENANCE\\0", record;
- a text event "ACCORD_PROVENANCE <record>" (the record is ASCII JSON, so latin-1 safe) for tools that
  show text events;
- a copyright event with the readable summary ("AI-assisted: …").

Both copies must agree; the content hash (musical events) ignores all three.
"""

from __future__ import annotations

import io
from pathlib import Path

from app.core.errors import ProvenanceError

MARKER = "ACCORD_PROVENANCE"
SEQ_PREFIX = b"\x7d" + MARKER.encode("ascii") + b"\x00"
TEXT_PREFIX = MARKER + " "
MAX_META_BYTES = 1_000_000  # mido refuses larger meta events when reading


def _load(data: bytes, path: Path):
    import mido

    from app.core.midifile import mido_failure

    try:
        return mido.MidiFile(file=io.BytesIO(data), clip=True)
    except Exception as exc:  # mido: OSError, EOFError, ValueError, KeyError, KeySignatureError, ...
        raise ProvenanceError(f"is not a readable MIDI file: {mido_failure(exc)}", path=path) from exc


def _is_ours(msg) -> bool:
    if msg.type == "sequencer_specific":
        return bytes(msg.data[:len(SEQ_PREFIX)]) == SEQ_PREFIX
    if msg.type == "text":
        return str(msg.text).startswith(TEXT_PREFIX)
    return False


def _ascii(text: str) -> str:
    return text.encode("ascii", "replace").decode("ascii")


def embed_bytes(data: bytes, record: bytes, *, path: Path, comment: str) -> bytes:
    """The MIDI file `data` with Accord's events replaced by ones carrying `record`."""
    import mido

    if len(SEQ_PREFIX) + len(record) >= MAX_META_BYTES:
        raise ProvenanceError("the provenance record is too large for a MIDI meta event", path=path)
    mf = _load(data, path)
    if not mf.tracks:
        mf.tracks.append(mido.MidiTrack())
    for track in mf.tracks:
        kept = []
        carry = 0
        for msg in track:
            if (msg.is_meta and _is_ours(msg)) or (msg.type == "copyright" and str(msg.text).startswith(
                    ("AI-assisted", "No AI content"))):
                carry += msg.time  # keep the absolute time of what follows
                continue
            kept.append(msg.copy(time=msg.time + carry) if carry else msg)
            carry = 0
        track[:] = kept
    first = mf.tracks[0]
    at = 1 if first and first[0].type == "track_name" and first[0].time == 0 else 0
    new = [mido.MetaMessage("copyright", text=_ascii(comment), time=0),
           mido.MetaMessage("text", text=TEXT_PREFIX + record.decode("ascii"), time=0),
           mido.MetaMessage("sequencer_specific", data=tuple(SEQ_PREFIX + record), time=0)]
    first[at:at] = new
    buf = io.BytesIO()
    mf.save(file=buf)
    return buf.getvalue()


def write(path: Path, record: bytes, *, comment: str) -> None:
    path.write_bytes(embed_bytes(path.read_bytes(), record, path=path, comment=comment))


def read(path: Path, data: bytes | None = None) -> list[tuple[str, bytes]]:
    mf = _load(path.read_bytes() if data is None else data, path)
    found: list[tuple[str, bytes]] = []
    for ti, track in enumerate(mf.tracks):
        for msg in track:
            if not msg.is_meta or not _is_ours(msg):
                continue
            if msg.type == "sequencer_specific":
                found.append((f"MIDI track {ti} sequencer-specific event", bytes(msg.data[len(SEQ_PREFIX):])))
            else:
                found.append((f"MIDI track {ti} text event",
                              str(msg.text)[len(TEXT_PREFIX):].encode("latin-1", "replace")))
    return found


def basics(path: Path, data: bytes | None = None) -> dict[str, str]:
    mf = _load(path.read_bytes() if data is None else data, path)
    out: dict[str, str] = {}
    for track in mf.tracks[:1]:
        for msg in track:
            if msg.type == "copyright" and "comment" not in out:
                out["comment"] = str(msg.text)
    return out
