"""MusicXML (`.musicxml`, `.xml`, `.mxl`) to a Melody, through music21 (an optional extra, imported lazily).

The melody is the part named like a lead (soprano, melody, voice...) or else the first part (the top
staff in a score). Ties are merged (music21's stripTies), chords give their top note, grace notes are
skipped, and key, time signature and first tempo are kept when the file states them.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from app.core.errors import ImportFailed
from app.core.music import Key, Melody, Note, TimeSignature

log = logging.getLogger(__name__)

_LEAD = re.compile(r"sopran|melod|voice|vocal|lead|singer|canto|solo|tune", re.IGNORECASE)
# music21 reads the whole file (and a whole .mxl member) into memory before parsing: bound both first. A 1 MB
# .mxl unpacking to 1 GB took 9 s and 1.1 GB before failing with MemoryError (found by tests/reliability).
MAX_MUSICXML_BYTES = 64 * 1024 * 1024
MUSIC21_MISSING = ("reading MusicXML needs the optional package music21", "pip install 'accord[musicxml]'")


def _music21():
    try:
        import music21
    except ImportError as exc:
        raise ImportError(MUSIC21_MISSING[0]) from exc
    return music21


def _first(stream, cls):
    found = stream.recurse().getElementsByClass(cls)
    return found.first() if found else None


def _key_of(m21, part) -> Key | None:
    k = _first(part, m21.key.Key)
    if k is None:
        ks = _first(part, m21.key.KeySignature)
        if ks is None:
            return None
        k = ks.asKey("major")
    try:
        return Key(k.tonic.pitchClass, "minor" if k.mode == "minor" else "major")
    except (ValueError, AttributeError):
        return None


def _time_signature(m21, part) -> TimeSignature:
    ts = _first(part, m21.meter.TimeSignature)
    if ts is None:
        return TimeSignature()
    try:
        return TimeSignature(int(ts.numerator), int(ts.denominator))
    except (ValueError, TypeError):
        return TimeSignature()


def _tempo(m21, score) -> float | None:
    mark = _first(score, m21.tempo.MetronomeMark)
    if mark is None:
        return None
    try:
        bpm = float(mark.getQuarterBPM())
    except (TypeError, ValueError, AttributeError):
        return None
    return bpm if 10.0 <= bpm <= 500.0 else None


def _pick_part(score):
    parts = list(score.parts) or [score]
    for p in parts:
        if p.partName and _LEAD.search(str(p.partName)):
            return p
    return parts[0]


def _notes(part) -> list[Note]:
    notes: list[Note] = []
    flat = part.stripTies().flatten()
    for el in flat.notes:
        duration = float(el.quarterLength)
        if duration <= 0:  # grace notes
            continue
        pitches = [p.midi for p in el.pitches]
        if not pitches:
            continue
        pitch = max(pitches)
        if not 0 <= pitch <= 127:
            continue
        onset = float(flat.elementOffset(el))
        velocity = 90
        if el.volume is not None and el.volume.velocity:
            velocity = max(1, min(127, int(el.volume.velocity)))
        notes.append(Note(pitch, round(onset, 6), round(duration, 6), velocity))
    notes.sort(key=lambda n: (n.onset, -n.pitch))
    line: list[Note] = []
    for n in notes:  # top note at each onset, cut at the next onset
        if line and abs(line[-1].onset - n.onset) < 1e-6:
            continue
        if line and line[-1].end > n.onset:
            prev = line[-1]
            line[-1] = Note(prev.pitch, prev.onset, n.onset - prev.onset, prev.velocity)
        line.append(n)
    return line


def _check_size(path: Path) -> None:
    """Refuse files (or .mxl archives) that would unpack to more than MAX_MUSICXML_BYTES."""
    size = path.stat().st_size
    if path.suffix.lower() == ".mxl":
        import zipfile

        try:
            with zipfile.ZipFile(path) as zf:
                size = sum(info.file_size for info in zf.infolist())
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
            raise ImportFailed(f"is not a readable compressed MusicXML file ({exc})", path=path) from exc
    if size > MAX_MUSICXML_BYTES:
        raise ImportFailed(f"{'unpacks to' if path.suffix.lower() == '.mxl' else 'is'} {size // 2**20} MB; "
                           f"MusicXML over {MAX_MUSICXML_BYTES // 2**20} MB is refused", path=path)


def extract_musicxml(path: str | Path) -> tuple[Melody, str]:
    """The melody of a MusicXML file and where it came from. Raises ImportFailed naming the file."""
    path = Path(path)
    try:
        m21 = _music21()
    except ImportError as exc:
        raise ImportFailed(MUSIC21_MISSING[0], path=path, hint=MUSIC21_MISSING[1]) from exc
    try:
        if path.stat().st_size == 0:
            raise ImportFailed("is empty", path=path)
        _check_size(path)
        # storePickle=False: music21 would otherwise cache the parse in its own binary object format.
        score = m21.converter.parseFile(path, format="musicxml", forceSource=True, storePickle=False)
    except ImportFailed:
        raise
    except FileNotFoundError as exc:
        raise ImportFailed("file not found", path=path) from exc
    except Exception as exc:  # music21 raises many types (MusicXMLImportException, XML errors, ...)
        log.debug("music21 failed on %s", path, exc_info=True)
        raise ImportFailed(f"is not a readable MusicXML file ({type(exc).__name__}: {str(exc)[:120]})",
                           path=path) from exc
    try:
        part = _pick_part(score)
        notes = _notes(part)
        melody = Melody(tuple(notes), key=_key_of(m21, part), time_signature=_time_signature(m21, part),
                        tempo_bpm=_tempo(m21, score))
    except Exception as exc:  # a parsed but inconsistent score
        raise ImportFailed(f"could not be read as a melody ({type(exc).__name__}: {str(exc)[:120]})",
                           path=path) from exc
    if not melody.notes:
        raise ImportFailed("has no notes", path=path)
    name = str(part.partName) if getattr(part, "partName", None) else "first part"
    return melody, f"MusicXML, part '{name}'"
