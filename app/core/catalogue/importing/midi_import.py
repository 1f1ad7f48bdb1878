"""Pick the melody out of a MIDI file and turn it into one monophonic, quantised `Melody`.

Builds on `app.core.midifile.read_midi` (notes per track/channel in quarter notes). The melody is the
part a musician would call the melody:
- a part named like a lead (lead, melody, vocal, soprano...) wins;
- otherwise the most salient, high, mostly monophonic line with enough notes: the drum channel (10) is
  never a candidate, bass parts (General MIDI basses 33–40, or a line sitting below C3) and parts with few
  notes next to the others (fewer than SHORT_SHARE of the busiest part) only when nothing else is left;
- a warning is given when the chosen part is short or a runner-up scores nearly as well.
The user can choose another part by track/channel (`part_candidates` lists them with scores and reasons).
The chosen part is cleaned: overlapping duplicates of one pitch merge (MIDI has no tie marks), chords
reduce to their top note (skyline), and the line is quantised to the grid it was written on, keeping
triplets (`app.core.transcription.grid`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from app.core.errors import MidiFileError
from app.core.midifile import MidiContent, MidiTrackNotes, read_midi
from app.core.music import Key, Melody, Note
from app.core.music.harmony import profile_key
from app.core.transcription.grid import quantise_notes

_LEAD_NAMES = re.compile(r"lead|melod|vocal|voice|voix|stimme|sopran|singer|sing|tune|theme|solo|canto|"
                         r"top ?line|flute|violin ?(1|i)\b", re.IGNORECASE)
_NOT_LEAD_NAMES = re.compile(r"bass|drum|perc|kick|snare|hat|pad|chord|comp|accomp|rhythm|strings|alto|"
                             r"tenor|harmony|backing", re.IGNORECASE)
_ONSET_TOL = 1e-6  # quarter notes; read_midi positions are exact tick ratios
_MIN_DURATION = 1.0 / 64
BASS_PROGRAMS = range(32, 40)  # General MIDI 33–40 (0-based 32–39)
PAD_PROGRAMS = range(88, 104)  # synth pads and synth effects
PERCUSSIVE_PROGRAMS = range(112, 128)  # percussive instruments and sound effects
BASS_MEAN_PITCH = 48.0  # a line whose mean sits below C3 is a bass line
BASS_PROGRAM_CEILING = 60.0  # a bass program playing above middle C on average is used as something else
SHORT_SHARE = 0.25  # fewer notes than this share of the busiest part: a short part (fills, intros)
MIN_NOTES = 16  # and a melody of fewer notes than this is always reported as short
UNCLEAR_MARGIN = 0.05
# A file without a key signature: where its lowest part rests over its last 4 quarters (2 s at 120 BPM) settles
# major or relative minor (the derivation benchmarks/realsongs/truth.py checks against the mma charts)
FINAL_BASS_QUARTERS = 4.0


@dataclass(frozen=True)
class PartCandidate:
    """One non-drum part as a melody candidate; `excluded` says why it is not eligible ('' when it is)."""

    track: int
    channel: int  # 0-based
    name: str
    program: int | None
    notes: int  # notes in the part
    line_notes: int  # notes of its top line
    mean_pitch: float  # of the top line
    polyphony: float  # fraction of notes starting while another sounds
    score: float
    excluded: str

    def label(self) -> str:
        name = f" '{self.name}'" if self.name else ""
        return f"track {self.track}{name}, channel {self.channel + 1}"

    def to_json(self) -> dict:
        return {"track": self.track, "channel": self.channel + 1, "name": self.name, "program": self.program,
                "notes": self.notes, "line_notes": self.line_notes, "mean_pitch": round(self.mean_pitch, 1),
                "polyphony": round(self.polyphony, 3), "score": self.score, "excluded": self.excluded}


@dataclass(frozen=True)
class PartChoice:
    part: MidiTrackNotes
    candidate: PartCandidate
    candidates: tuple[PartCandidate, ...]  # best first
    warnings: tuple[str, ...]


def _polyphony_ratio(notes: tuple[Note, ...] | list[Note]) -> float:
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


def _is_lead_named(part: MidiTrackNotes) -> bool:
    return bool(part.name and _LEAD_NAMES.search(part.name))


def _candidate(part: MidiTrackNotes, max_notes: int) -> PartCandidate:
    line = _skyline(list(part.notes)) or list(part.notes)  # ranking only: no merge pass (200k-note files)
    mean_pitch = sum(n.pitch for n in line) / len(line)
    poly = _polyphony_ratio(part.notes)
    register = min(1.0, max(0.0, (mean_pitch - 48.0) / 24.0))  # C3 -> 0, C5 and up -> 1
    count = math.log1p(len(line)) / math.log1p(max_notes)
    score = 0.35 * register + 0.25 * (1.0 - poly) + 0.4 * count
    excluded = ""
    named = _is_lead_named(part)
    if named:
        score += 1.0
    elif part.name and _NOT_LEAD_NAMES.search(part.name):
        score -= 0.3
    if part.program in PAD_PROGRAMS:
        score -= 0.15
    if not named:
        if mean_pitch < BASS_MEAN_PITCH or (part.program in BASS_PROGRAMS and mean_pitch < BASS_PROGRAM_CEILING):
            excluded = "bass"
        elif part.program in PERCUSSIVE_PROGRAMS:
            excluded = "percussive"
        elif len(part.notes) < SHORT_SHARE * max_notes:
            excluded = "short"
    return PartCandidate(part.track_index, part.channel, part.name, part.program, len(part.notes), len(line),
                         round(mean_pitch, 2), round(poly, 4), round(score, 4), excluded)


def _playable_parts(content: MidiContent) -> list[MidiTrackNotes]:
    parts = [p for p in content.parts if p.notes]
    if not parts:
        raise MidiFileError("has no notes", path=content.path, hint="a melody needs at least one note")
    tonal = [p for p in parts if not p.is_drums]
    if not tonal:
        raise MidiFileError("has only drums (channel 10): there is no melody to import", path=content.path)
    return tonal


def _ranked(parts: list[MidiTrackNotes]) -> list[tuple[PartCandidate, MidiTrackNotes]]:
    max_notes = max(len(p.notes) for p in parts)
    pairs = [(_candidate(p, max_notes), p) for p in parts]
    return sorted(pairs, key=lambda cp: (cp[0].excluded != "", -cp[0].score, cp[0].track, cp[0].channel))


def part_candidates(content: MidiContent) -> list[PartCandidate]:
    """Every non-drum part, the default choice first: eligible parts by score, then the excluded ones."""
    return [c for c, _p in _ranked(_playable_parts(content))]


def candidates_of(content: MidiContent) -> list[tuple[int, int, str, int, float]]:
    return [(c.track, c.channel, c.name, c.notes, c.score) for c in part_candidates(content)]


def list_melody_candidates(path: str | Path) -> list[tuple[int, int, str, int, float]]:
    """(track, channel, name, notes, score) of each non-drum part, the default choice first."""
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
    """The file's key signature, else the key of its notes (`pitch_content_key`)."""
    if content.key_signature:
        try:
            return Key.parse(content.key_signature)
        except ValueError:
            pass
    return pitch_content_key(content)


def pitch_content_key(content: MidiContent) -> Key | None:
    """The key of every pitched part's notes together, for a file that states none: the Krumhansl–Kessler profile
    of their durations per pitch class, then major or relative minor settled by where the lowest part rests over
    the last FINAL_BASS_QUARTERS. Without it the model guessed the key from the melody part alone. None with
    fewer than three pitch classes (a drum file, a drone)."""
    tonal = [p for p in content.parts if not p.is_drums and p.notes]
    weights = [0.0] * 12
    for part in tonal:
        for n in part.notes:
            weights[n.pitch % 12] += n.duration
    if sum(w > 0.05 * max(weights) for w in weights) < 3:
        return None
    key = profile_key(weights)
    if key is None or len(tonal) < 2:
        return key
    bass = min(tonal, key=lambda p: sum(n.pitch for n in p.notes) / len(p.notes))
    end = max(n.end for part in tonal for n in part.notes)
    rests = [0.0] * 12
    for n in bass.notes:
        held = min(n.end, end) - max(n.onset, end - FINAL_BASS_QUARTERS)
        if held > 0:
            rests[n.pitch % 12] += held
    relative = (key.tonic_pc + (9 if key.mode == "major" else 3)) % 12
    if rests[relative] > rests[key.tonic_pc]:
        return Key(relative, "minor" if key.mode == "major" else "major")
    return key


def melody_from_part(content: MidiContent, part: MidiTrackNotes, *, quantise: bool = True) -> Melody:
    line = _skyline(_merge_duplicates(list(part.notes)))
    if quantise:
        line = quantise_notes(line)
    if not line:
        raise MidiFileError(f"track {part.track_index} channel {part.channel + 1} has no usable notes",
                            path=content.path)
    tempo = content.first_tempo_bpm or 120.0  # the MIDI default when a file sets no tempo
    return Melody(tuple(line), key=_key_of(content), time_signature=content.time_signature,
                  tempo_bpm=round(tempo, 6))


def _doubled(a: PartCandidate, b: PartCandidate) -> bool:
    """The same line on two tracks (arrangers double a melody for a second sound)."""
    return abs(a.line_notes - b.line_notes) <= 0.02 * max(a.line_notes, b.line_notes) \
        and abs(a.mean_pitch - b.mean_pitch) < 0.5


def _warnings(chosen: PartCandidate, ranked: list[PartCandidate]) -> tuple[str, ...]:
    out = []
    busiest = max(c.notes for c in ranked)
    if chosen.excluded:
        out.append(f"no part looks like a melody; took {chosen.label()} ({chosen.excluded} part)")
    if chosen.line_notes < MIN_NOTES or chosen.notes < SHORT_SHARE * busiest:
        out.append(f"the melody ({chosen.label()}) is short: {chosen.line_notes} notes, while the busiest part "
                   f"has {busiest}")
    rivals = [c for c in ranked if c is not chosen and not c.excluded  # a doubled part is no rival
              and not _doubled(c, chosen)]
    if rivals and not chosen.excluded and chosen.score - rivals[0].score < UNCLEAR_MARGIN:
        out.append(f"the choice is unclear: {rivals[0].label()} scores nearly as well "
                   f"({rivals[0].score:.2f} vs {chosen.score:.2f}); see `accord catalogue parts`")
    return tuple(out)


def choose(content: MidiContent, *, track: int | None = None, channel: int | None = None) -> PartChoice:
    """The named part (track and/or channel, channel 0-based) or the default choice, with warnings."""
    ranked = _ranked(_playable_parts(content))
    if track is None and channel is None:
        cand, part = ranked[0]
        return PartChoice(part, cand, tuple(c for c, _ in ranked), _warnings(cand, [c for c, _ in ranked]))
    chosen = [p for p in content.parts if p.notes and (track is None or p.track_index == track)
              and (channel is None or p.channel == channel)]
    if not chosen:
        where = " ".join(s for s in (f"track {track}" if track is not None else "",
                                     f"channel {channel + 1}" if channel is not None else "") if s)
        raise MidiFileError(f"has no notes on {where}", path=content.path,
                            hint="list the parts with `accord catalogue parts WORK`")
    wanted = [p for p in chosen if not p.is_drums] or chosen
    sub = _ranked(wanted)
    cand, part = sub[0]
    return PartChoice(part, cand, tuple(c for c, _ in ranked), ())


def choose_part(content: MidiContent, *, track: int | None = None, channel: int | None = None) -> MidiTrackNotes:
    """The named part (track and/or channel, channel 0-based) or the most melody-like one."""
    return choose(content, track=track, channel=channel).part


def extract_melody(path: str | Path, *, track: int | None = None, channel: int | None = None,
                   data: bytes | None = None) -> Melody:
    """The file's melody as one monophonic line (see the module docstring). Raises MidiFileError."""
    content = read_midi(path, data=data)
    return melody_from_part(content, choose_part(content, track=track, channel=channel))


def extract_with_detail(path: str | Path, *, track: int | None = None, channel: int | None = None,
                        data: bytes | None = None) -> tuple[Melody, str]:
    """The melody plus a readable note of where it came from (shown in the work's detail), with warnings."""
    content = read_midi(path, data=data)
    choice = choose(content, track=track, channel=channel)
    melody = melody_from_part(content, choice.part)
    detail = f"MIDI type {content.midi_type}, {choice.candidate.label()}"
    if melody.key is not None and not content.key_signature:
        detail += f", in {melody.key.name} (from all its parts' notes: the file states no key)"
    if choice.warnings:
        detail += "; warning: " + "; ".join(choice.warnings)
    return melody, detail
