"""Pick the melody out of a MIDI file and turn it into one monophonic `Melody`.

Builds on `app.core.midifile.read_midi` (notes per track/channel in quarter notes). The melody part is
the one named like a lead (lead, melody, vocal, soprano...), else the most lead-like non-drum part: high
mean pitch, mostly one note at a time, many notes. The user can choose another part by track/channel
(`list_melody_candidates` lists them). The chosen part is cleaned: overlapping duplicates of one pitch are
merged (MIDI has no tie marks; a tie rendered as overlapping notes becomes one note), chords are reduced
to their top note (skyline) and each note ends where the next begins if it would overlap it.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from app.core.errors import MidiFileError
from app.core.midifile import MidiContent, MidiTrackNotes, read_midi
from app.core.music import Key, Melody, Note

_LEAD_NAMES = re.compile(r"lead|melod|vocal|voice|voix|stimme|sopran|singer|sing|tune|theme|solo|canto|"
                         r"top ?line|flute|violin ?(1|i)\b", re.IGNORECASE)
_NOT_LEAD_NAMES = re.compile(r"bass|drum|perc|kick|snare|hat|pad|chord|comp|accomp|rhythm|strings|alto|"
                             r"tenor|harmony|backing", re.IGNORECASE)
_ONSET_TOL = 1e-6  # quarter notes; read_midi positions are exact tick ratios
_MIN_DURATION = 1.0 / 64


def _polyphony_ratio(notes: tuple[Note, ...]) -> float:
    """Fraction of notes that start while another note of the part is still sounding."""
    if len(notes) < 2:
        return 0.0
    overlapping = 0
    latest_end = notes[0].end
    for n in notes[1:]:
        if n.onset < latest_end - _ONSET_TOL:
            overlapping += 1
        latest_end = max(latest_end, n.end)
    return overlapping / (len(notes) - 1)


def _score(part: MidiTrackNotes, max_notes: int) -> float:
    """Higher is more lead-like; a lead name outweighs everything else."""
    notes = part.notes
    mean_pitch = sum(n.pitch for n in notes) / len(notes)
    pitch_term = min(1.0, max(0.0, (mean_pitch - 40.0) / 40.0))  # E2 -> 0, E5 and up -> 1
    mono_term = 1.0 - _polyphony_ratio(notes)
    count_term = math.log1p(len(notes)) / math.log1p(max_notes)
    score = 0.35 * pitch_term + 0.4 * mono_term + 0.25 * count_term
    if part.name and _LEAD_NAMES.search(part.name):
        score += 1.0
    elif part.name and _NOT_LEAD_NAMES.search(part.name):
        score -= 0.3
    if part.program is not None and 32 <= part.program <= 39:  # General MIDI basses
        score -= 0.3
    return round(score, 4)


def _playable_parts(content: MidiContent) -> list[MidiTrackNotes]:
    parts = [p for p in content.parts if p.notes]
    if not parts:
        raise MidiFileError("has no notes", path=content.path, hint="a melody needs at least one note")
    tonal = [p for p in parts if not p.is_drums]
    if not tonal:
        raise MidiFileError("has only drums (channel 10): there is no melody to import", path=content.path)
    return tonal


def candidates_of(content: MidiContent) -> list[tuple[int, int, str, int, float]]:
    parts = _playable_parts(content)
    max_notes = max(len(p.notes) for p in parts)
    rows = [(p.track_index, p.channel, p.name, len(p.notes), _score(p, max_notes)) for p in parts]
    return sorted(rows, key=lambda r: (-r[4], r[0], r[1]))


def list_melody_candidates(path: str | Path) -> list[tuple[int, int, str, int, float]]:
    """(track, channel, name, notes, score) of each non-drum part, most lead-like first."""
    return candidates_of(read_midi(path))


def _merge_duplicates(notes: list[Note]) -> list[Note]:
    """One note per sounding pitch: overlapping notes of the same pitch become one (ties, doubled layers)."""
    merged: list[Note] = []
    open_by_pitch: dict[int, int] = {}  # pitch -> index in merged of the latest note of that pitch
    for n in sorted(notes, key=lambda n: (n.onset, -n.pitch)):
        i = open_by_pitch.get(n.pitch)
        if i is not None and n.onset < merged[i].end - _ONSET_TOL:
            m = merged[i]
            merged[i] = Note(m.pitch, m.onset, max(m.end, n.end) - m.onset, max(m.velocity, n.velocity))
            continue
        open_by_pitch[n.pitch] = len(merged)
        merged.append(n)
    return merged


def _skyline(notes: list[Note]) -> list[Note]:
    """Top note at each onset; a note is cut where the next one starts (a melody is one line)."""
    tops: list[Note] = []
    for n in sorted(notes, key=lambda n: (n.onset, -n.pitch)):
        if tops and abs(n.onset - tops[-1].onset) <= _ONSET_TOL:
            continue  # lower note of a chord
        tops.append(n)
    line: list[Note] = []
    for i, n in enumerate(tops):
        end = n.end
        if i + 1 < len(tops):
            end = min(end, tops[i + 1].onset)
        if end - n.onset >= _MIN_DURATION:
            line.append(Note(n.pitch, n.onset, end - n.onset, n.velocity))
    return line


def _key_of(content: MidiContent) -> Key | None:
    if not content.key_signature:
        return None
    try:
        return Key.parse(content.key_signature)
    except ValueError:
        return None


def melody_from_part(content: MidiContent, part: MidiTrackNotes) -> Melody:
    line = _skyline(_merge_duplicates(list(part.notes)))
    if not line:
        raise MidiFileError(f"track {part.track_index} channel {part.channel + 1} has no usable notes",
                            path=content.path)
    tempo = content.first_tempo_bpm or 120.0  # the MIDI default when a file sets no tempo
    return Melody(tuple(line), key=_key_of(content), time_signature=content.time_signature,
                  tempo_bpm=round(tempo, 6))


def choose_part(content: MidiContent, *, track: int | None = None, channel: int | None = None) -> MidiTrackNotes:
    """The named part (track and/or channel, channel 0-based) or the most lead-like one."""
    parts = _playable_parts(content)
    if track is not None or channel is not None:
        chosen = [p for p in content.parts if p.notes and (track is None or p.track_index == track)
                  and (channel is None or p.channel == channel)]
        if not chosen:
            where = " ".join(s for s in (f"track {track}" if track is not None else "",
                                         f"channel {channel + 1}" if channel is not None else "") if s)
            raise MidiFileError(f"has no notes on {where}", path=content.path,
                                hint="list the parts with `accord catalogue parts FILE`")
        parts = [p for p in chosen if not p.is_drums] or chosen
    max_notes = max(len(p.notes) for p in parts)
    return max(parts, key=lambda p: (_score(p, max_notes), -p.track_index, -p.channel))


def extract_melody(path: str | Path, *, track: int | None = None, channel: int | None = None,
                   data: bytes | None = None) -> Melody:
    """The file's melody as one monophonic line (see the module docstring). Raises MidiFileError."""
    content = read_midi(path, data=data)
    return melody_from_part(content, choose_part(content, track=track, channel=channel))


def extract_with_detail(path: str | Path, *, track: int | None = None, channel: int | None = None,
                        data: bytes | None = None) -> tuple[Melody, str]:
    """The melody plus a readable note of where it came from (shown in the work's detail)."""
    content = read_midi(path, data=data)
    part = choose_part(content, track=track, channel=channel)
    name = f" '{part.name}'" if part.name else ""
    return melody_from_part(content, part), f"MIDI type {content.midi_type}, track {part.track_index}{name}, " \
                                            f"channel {part.channel + 1}"
