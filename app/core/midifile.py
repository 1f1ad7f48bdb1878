"""Standard MIDI files in and out, through mido, in Accord's vocabulary (quarter notes, Melody).

- `read_midi(path)` decodes every note of every track/channel to quarter-note times using the file's
  own division (tempo changes don't move quarter-note positions; they are kept as a tempo map in seconds);
  every mido failure becomes a `MidiFileError` naming the file.
- `write_midi(path, tracks, ...)` writes a type-1 file (a conductor track with tempo and time signature,
  then one track per melody), atomically. `midi_bytes` gives the same bytes for drag-and-drop.

Picking *the* melody out of a multi-track file is the catalogue importer's job (it builds on this).
"""

from __future__ import annotations

import io
import logging
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app.core.errors import MidiFileError
from app.core.fsutil import atomic_path, not_a_regular_file
from app.core.music import Melody, Note, TimeSignature

log = logging.getLogger(__name__)

DEFAULT_TICKS_PER_BEAT = 480
MAX_MIDI_BYTES = 64 * 1024 * 1024
MAX_DELTA_TICKS = 0x0FFFFFFF  # the largest delta time a 4-byte variable-length quantity can hold (the standard's limit)
MAX_QUARTERS = 1_000_000.0  # ~140 hours at 120 BPM: a later position is a damaged file, not music
DRUM_CHANNEL = 9
TEMPO_RANGE_BPM = (1.0, 1000.0)  # what the synth and the MIDI export accept; outside it a tempo event is damage


@dataclass(frozen=True)
class MidiTrackNotes:
    """The notes of one (track, channel) pair of a file."""

    track_index: int
    channel: int
    name: str
    program: int | None
    notes: tuple[Note, ...]

    @property
    def is_drums(self) -> bool:
        return self.channel == DRUM_CHANNEL


@dataclass(frozen=True)
class MidiContent:
    path: Path
    midi_type: int
    ticks_per_beat: int
    parts: tuple[MidiTrackNotes, ...]
    tempo_map: tuple[tuple[float, float], ...] = ()  # (quarter position, BPM)
    time_signature: TimeSignature = field(default_factory=TimeSignature)
    key_signature: str | None = None  # mido's name, e.g. "Am", "F#"

    @property
    def first_tempo_bpm(self) -> float | None:
        return self.tempo_map[0][1] if self.tempo_map else None


def _fail(path: Path, reason: str) -> MidiFileError:
    return MidiFileError(reason, path=path, hint="check that it is a standard MIDI file (.mid)")


def read_midi(path: str | Path, *, data: bytes | None = None) -> MidiContent:
    """Decode a MIDI file into notes per (track, channel). Raises MidiFileError with a reason."""
    import mido

    path = Path(path)
    if data is None:
        if (why := not_a_regular_file(path)) is not None:
            raise _fail(path, why)
        try:
            size = path.stat().st_size
            if size > MAX_MIDI_BYTES:
                raise _fail(path, f"is {size // (1024 * 1024)} MB; MIDI files over 64 MB are refused")
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise MidiFileError("file not found", path=path) from exc
        except OSError as exc:
            raise MidiFileError(f"cannot be read: {exc.strerror or exc}", path=path) from exc
    if not data:
        raise _fail(path, "is empty")
    if data[:4] != b"MThd":
        raise _fail(path, "is not a MIDI file (no MThd header)")
    data = _with_real_track_count(path, data)
    try:
        mf = mido.MidiFile(file=io.BytesIO(data), clip=True)
    except Exception as exc:  # OSError, EOFError, ValueError, KeyError, mido.KeySignatureError...
        raise _fail(path, f"is damaged: {mido_failure(exc)}") from exc
    if mf.type not in (0, 1):
        raise _fail(path, f"is MIDI type {mf.type & 0xFFFF}; only types 0 and 1 are supported")
    tpb = mf.ticks_per_beat
    if not tpb or tpb <= 0:
        raise _fail(path, "has a time division of 0 (or SMPTE timing), which Accord cannot place on beats")
    return _decode(path, mf, tpb)


def mido_failure(exc: BaseException) -> str:
    """What mido's exception means, in words (its EOFError carries no text at all)."""
    if isinstance(exc, EOFError):
        return "it ends in the middle of a track (truncated, or a chunk states more bytes than the file holds)"
    if isinstance(exc, (OSError, ValueError, KeyError, IndexError, ZeroDivisionError, TypeError)) and str(exc):
        return str(exc)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _with_real_track_count(path: Path, data: bytes) -> bytes:
    """`data` with the header's track count set to the number of track chunks the file holds.

    mido trusts the count, read as a *signed* 16-bit number: a header claiming 40,000 tracks read as none
    (a file full of notes "has no notes"), and one claiming fewer tracks than it holds lost the rest silently.
    """
    if len(data) < 14:
        return data  # mido reports the short header
    (header_size,) = struct.unpack(">I", data[4:8])
    (claimed,) = struct.unpack(">H", data[10:12])
    pos, found = 8 + header_size, 0
    while pos + 8 <= len(data) and data[pos:pos + 4] == b"MTrk" and found < 0xFFFF:
        found += 1  # a truncated last chunk counts: mido then reports the truncation
        pos += 8 + struct.unpack(">I", data[pos + 4:pos + 8])[0]
    if header_size < 6 or found in (0, claimed):
        return data
    log.warning("%s: the header says %d tracks but the file holds %d; reading the %d", path.name, claimed,
                found, found)
    return data[:10] + struct.pack(">H", found) + data[12:]


def _decode(path: Path, mf, tpb: int) -> MidiContent:
    parts: list[MidiTrackNotes] = []
    tempo_map: list[tuple[float, float]] = []
    time_sig = None
    key_sig = None
    for ti, track in enumerate(mf.tracks):
        tick = 0
        name = ""
        programs: dict[int, int] = {}
        open_notes: dict[tuple[int, int], list[tuple[int, int]]] = {}
        by_channel: dict[int, list[Note]] = {}
        for msg in track:
            if msg.time > MAX_DELTA_TICKS:
                raise _fail(path, f"is damaged: track {ti + 1} has a delta time over 4 bytes long "
                                  "(longer than the MIDI standard allows)")
            tick += msg.time
            if tick / tpb > MAX_QUARTERS:
                raise _fail(path, f"is damaged: track {ti + 1} places events over {MAX_QUARTERS:,.0f} beats "
                                  "from the start")
            if msg.is_meta:
                if msg.type == "track_name" and not name:
                    name = str(msg.name)
                elif msg.type == "set_tempo" and msg.tempo > 0:
                    bpm = 60_000_000 / msg.tempo
                    if TEMPO_RANGE_BPM[0] <= bpm <= TEMPO_RANGE_BPM[1]:
                        tempo_map.append((tick / tpb, bpm))
                    else:  # 60,000,000 BPM (tempo 1) made every suggestion from the file fail to export
                        log.warning("%s: ignored a tempo of %.0f BPM at beat %g (damaged tempo event)",
                                    path.name, bpm, tick / tpb)
                elif msg.type == "time_signature" and time_sig is None:
                    try:
                        time_sig = TimeSignature(msg.numerator, msg.denominator)
                    except ValueError:
                        time_sig = None
                elif msg.type == "key_signature" and key_sig is None:
                    key_sig = msg.key
                continue
            if msg.type == "program_change":
                programs.setdefault(msg.channel, msg.program)
            elif msg.type == "note_on" and msg.velocity > 0:
                open_notes.setdefault((msg.channel, msg.note), []).append((tick, msg.velocity))
            elif msg.type in ("note_off", "note_on"):
                starts = open_notes.get((msg.channel, msg.note))
                if starts:
                    start, vel = starts.pop(0)
                    if tick > start:
                        by_channel.setdefault(msg.channel, []).append(
                            Note(msg.note, start / tpb, (tick - start) / tpb, max(1, min(127, vel))))
        for (channel, pitch), starts in open_notes.items():  # notes never released end at track end
            for start, vel in starts:
                if tick > start:
                    by_channel.setdefault(channel, []).append(Note(pitch, start / tpb, (tick - start) / tpb, vel))
        for channel, notes in sorted(by_channel.items()):
            notes.sort(key=lambda n: (n.onset, -n.pitch))
            parts.append(MidiTrackNotes(ti, channel, name, programs.get(channel), tuple(notes)))
    tempo_map.sort()
    return MidiContent(path, mf.type, tpb, tuple(parts), tuple(tempo_map), time_sig or TimeSignature(), key_sig)


def _latin1(text: str) -> str:
    """MIDI text events are latin-1 (mido): keep what fits, spell the rest out plainly."""
    import unicodedata

    swaps = {"\u2013": "-", "\u2014": "-", "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
             "\u2026": "...", "\u266d": "b", "\u266f": "#"}
    text = "".join(swaps.get(ch, ch) for ch in text)
    try:
        text.encode("latin-1")
        return text
    except UnicodeEncodeError:
        decomposed = unicodedata.normalize("NFKD", text)
        return "".join(ch if ord(ch) < 256 else "?" for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True)
class MidiPart:
    """One track to write."""

    name: str
    melody: Melody
    program: int = 0  # General MIDI program (0 = piano)
    channel: int = 0


def _build(parts: Sequence[MidiPart], *, tempo_bpm: float, time_signature: TimeSignature,
           meta_text: Sequence[str] = (), sequencer_specific: bytes | None = None,
           copyright_text: str | None = None, ticks_per_beat: int = DEFAULT_TICKS_PER_BEAT):
    import mido

    mf = mido.MidiFile(type=1, ticks_per_beat=ticks_per_beat)
    conductor = mido.MidiTrack()
    conductor.append(mido.MetaMessage("track_name", name="Accord", time=0))
    if copyright_text:
        conductor.append(mido.MetaMessage("copyright", text=_latin1(copyright_text), time=0))
    for text in meta_text:
        conductor.append(mido.MetaMessage("text", text=_latin1(text), time=0))
    if sequencer_specific is not None:
        conductor.append(mido.MetaMessage("sequencer_specific", data=tuple(sequencer_specific), time=0))
    conductor.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(tempo_bpm), time=0))
    conductor.append(mido.MetaMessage("time_signature", numerator=time_signature.numerator,
                                      denominator=time_signature.denominator, time=0))
    conductor.append(mido.MetaMessage("end_of_track", time=0))
    mf.tracks.append(conductor)
    for part in parts:
        track = mido.MidiTrack()
        track.append(mido.MetaMessage("track_name", name=_latin1(part.name), time=0))
        track.append(mido.Message("program_change", program=part.program, channel=part.channel, time=0))
        events: list[tuple[int, int, int, int]] = []  # (tick, order, pitch, velocity); offs before ons
        for n in part.melody.notes:
            on = round(n.onset * ticks_per_beat)
            off = max(on + 1, round(n.end * ticks_per_beat))
            events.append((on, 1, n.pitch, n.velocity))
            events.append((off, 0, n.pitch, 0))
        events.sort()
        last = 0
        for tick, order, pitch, vel in events:
            if tick - last > MAX_DELTA_TICKS:  # mido would write a 5-byte delta, which no reader (Accord's too) takes
                raise MidiFileError(f"a note at beat {tick / ticks_per_beat:,.0f} is further from the one before "
                                    "than a MIDI file can hold", hint="move the notes nearer the start")
            kind = "note_on" if order == 1 else "note_off"
            track.append(mido.Message(kind, note=pitch, velocity=vel, channel=part.channel, time=tick - last))
            last = tick
        track.append(mido.MetaMessage("end_of_track", time=0))
        mf.tracks.append(track)
    return mf


def midi_bytes(parts: Sequence[MidiPart], *, tempo_bpm: float, time_signature: TimeSignature | None = None,
               **kw) -> bytes:
    """The bytes of a type-1 MIDI file (conductor track + one track per part); 4/4 unless told."""
    buf = io.BytesIO()
    _build(parts, tempo_bpm=tempo_bpm, time_signature=time_signature or TimeSignature(), **kw).save(file=buf)
    return buf.getvalue()


def write_midi(path: str | Path, parts: Sequence[MidiPart], *, tempo_bpm: float,
               time_signature: TimeSignature | None = None, **kw) -> Path:
    """Write a type-1 MIDI file atomically. kw: meta_text, sequencer_specific, copyright_text."""
    path = Path(path)
    try:
        data = midi_bytes(parts, tempo_bpm=tempo_bpm, time_signature=time_signature, **kw)
    except MidiFileError as exc:
        raise MidiFileError(exc.reason, path=path, hint=exc.hint) from exc
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return path
