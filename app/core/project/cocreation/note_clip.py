"""Copied notes as clipboard data: Accord's own JSON (exact, for pasting into another Accord window) and a
plain-text form a person can read, mail or edit, which Accord also reads back.

Onsets are relative to the first copied note (quarter notes), so a paste lands where the artist clicks.
Reading is strict and bounded (clipboard content comes from any program): a clear ValueError, never a crash.

    Accord notes: pitch onset duration velocity (quarter notes)
    A4 0 1 90
    C5 1 0.5 100
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence

from app.core.music import MAX_POSITION, Note, parse_pitch_class, pitch_name

MIME_TYPE = "application/x-accord-notes+json"
FORMAT = "accord-notes"
VERSION = 1
MAX_CLIP_NOTES = 10_000
MAX_CLIP_BYTES = 2 * 1024 * 1024
TEXT_HEADER = "Accord notes: pitch onset duration velocity (quarter notes)"

_NAME = re.compile(r"^([A-Ga-g][#b♯♭]?)(-?\d{1,2})$")


def _note(*row: object) -> Note:
    """A note from (pitch, onset, duration[, velocity]) read from the clipboard, checked."""
    numbers: list[float] = []
    for value in row:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(float(value)):
            raise ValueError(f"not a note: {' '.join(map(repr, row))}")
        numbers.append(float(value))
    if len(numbers) == 3:
        numbers.append(90.0)
    pitch, onset, duration, velocity = numbers
    if pitch != int(pitch) or velocity != int(velocity):
        raise ValueError(f"pitch and velocity are whole numbers, got {pitch:g} and {velocity:g}")
    p, v, o, d = int(pitch), int(velocity), onset, duration
    if not (0 <= p <= 127 and 1 <= v <= 127 and 0 <= o < MAX_POSITION and 0 < d < MAX_POSITION):
        raise ValueError(f"note {p} at {o:g} (length {d:g}, velocity {v}) is outside pitch 0–127, velocity "
                         "1–127, onset ≥ 0, length > 0")
    return Note(p, o, d, v)


def _relative(notes: Sequence[Note]) -> list[Note]:
    if not notes:
        return []
    start = min(n.onset for n in notes)
    return [Note(n.pitch, n.onset - start, n.duration, n.velocity) for n in notes]


def clip_to_json(notes: Sequence[Note]) -> bytes:
    data = {"format": FORMAT, "version": VERSION,
            "notes": [[n.pitch, n.onset, n.duration, n.velocity] for n in _relative(notes)]}
    return json.dumps(data, separators=(",", ":")).encode("ascii")


def clip_from_json(data: bytes) -> list[Note]:
    if len(data) > MAX_CLIP_BYTES:
        raise ValueError(f"the clipboard holds {len(data):,} bytes of notes (at most {MAX_CLIP_BYTES:,})")
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"the clipboard's Accord notes are not readable JSON ({exc})") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError("the clipboard does not hold Accord notes")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version > VERSION:
        raise ValueError(f"the clipboard's notes come from a newer Accord (version {version!r}); update Accord")
    rows = doc.get("notes")
    if not isinstance(rows, list) or len(rows) > MAX_CLIP_NOTES:
        raise ValueError(f"the clipboard's notes are not a list of at most {MAX_CLIP_NOTES:,} notes")
    out = []
    for row in rows:
        if not isinstance(row, list) or not 3 <= len(row) <= 4:
            raise ValueError(f"not a note: {row!r}")
        out.append(_note(*row))
    return _relative(out)


def clip_to_text(notes: Sequence[Note]) -> str:
    lines = [TEXT_HEADER] + [f"{pitch_name(n.pitch)} {n.onset:g} {n.duration:g} {n.velocity}"
                             for n in _relative(notes)]
    return "\n".join(lines) + "\n"


def _pitch(text: str) -> int:
    if re.fullmatch(r"\d{1,3}", text):
        return int(text)
    m = _NAME.match(text)
    if not m:
        raise ValueError(f"not a pitch: {text!r} (a MIDI number or a name like C4, F#3, Bb5)")
    name = m.group(1)
    accidental = {"#": 1, "♯": 1, "b": -1, "♭": -1}.get(name[1:], 0)
    # The octave belongs to the letter: Cb4 is B3 (59), B#3 is C4 (60).
    return parse_pitch_class(name[0]) + accidental + 12 * (int(m.group(2)) + 1)


def clip_from_text(text: str) -> list[Note]:
    """Notes from the plain-text form (the header line is optional; blank lines and `#` comments are skipped).
    Raises ValueError naming the line that cannot be read."""
    if len(text) > MAX_CLIP_BYTES:
        raise ValueError(f"the clipboard holds {len(text):,} characters (at most {MAX_CLIP_BYTES:,})")
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#") or line == TEXT_HEADER:
            continue
        parts = line.split()
        if not 3 <= len(parts) <= 4:
            raise ValueError(f"line {number}: expected 'pitch onset duration [velocity]', got {line[:40]!r}")
        try:
            values = [float(p) for p in parts[1:]]
            out.append(_note(_pitch(parts[0]), values[0], values[1], int(values[2]) if len(values) > 2 else 90))
        except ValueError as exc:
            raise ValueError(f"line {number}: {exc}") from exc
        if len(out) > MAX_CLIP_NOTES:
            raise ValueError(f"more than {MAX_CLIP_NOTES:,} notes")
    if not out:
        raise ValueError("the clipboard holds no notes")
    return _relative(out)
