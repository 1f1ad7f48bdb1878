"""Where a work's melody came from, the alternatives, and THE way to change it (`set_work_melody`).

A MIDI work's melody is one part of the file (track and channel); an audio work's is one transcription
(basic-pitch's lead line, or pYIN's pitch track). `melody_candidates` lists the alternatives for a work by
re-reading its file (refused when the file is gone or no longer the imported content: its sha256 must
match), `melody_for` computes one, and `set_work_melody` stores it: the melody, its summary columns and
the readable source in `works`, plus a row in the append-only `melody_choices` history (schema migration
3) with the new melody's digest. Nothing else writes a work's melody after import, so the consent
ledger can treat "the melody digest changed" as a fact it records (issue 12).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from app.core.catalogue.importing.importers import MIDI_EXTENSIONS, file_sha256, kind_of
from app.core.catalogue.integrity.facts import append_facts
from app.core.catalogue.integrity.ledger import now_utc
from app.core.catalogue.types import DEMO_PATH_PREFIX
from app.core.errors import AccordError, CatalogueError
from app.core.music import BeatGrid, Melody
from app.core.tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress
from app.core.transcription.grid import SongEars

CHOSEN_BY = ("import", "artist")
KINDS_WITH_ALTERNATIVES = ("midi", "audio")


class NoAlternatives(CatalogueError):
    """The work's kind offers nothing else to choose (a MusicXML score's part, a demo work): not a fault."""


@dataclass(frozen=True)
class MelodyCandidate:
    """One alternative: `source` is machine-readable ('midi:track=2:channel=3', 'audio:basic-pitch')."""

    index: int
    source: str
    label: str
    notes: int | None  # notes of the line (None for a transcription not yet run)
    score: float | None
    note: str  # why it is not the default choice, or ''
    current: bool

    def to_json(self) -> dict:
        return {"index": self.index, "source": self.source, "label": self.label, "notes": self.notes,
                "score": self.score, "note": self.note, "current": self.current}


@dataclass(frozen=True)
class MelodyChoice:
    work_id: int
    source: str
    label: str
    melody_sha256: str
    chosen_by: str
    recorded_at: str


def melody_digest(melody: Melody) -> str:
    """sha256 of the melody's canonical JSON (what the ledger can cite)."""
    return hashlib.sha256(json.dumps(melody.to_json(), sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def midi_source(track: int, channel: int) -> str:
    return f"midi:track={track}:channel={channel + 1}"


def _work_row(store, work_id: int) -> tuple[str, str, str, str]:
    rows = store._query("SELECT kind, path, sha256, source_detail, removed_at FROM works WHERE id = ?",
                        (int(work_id),))
    if not rows:
        raise CatalogueError(f"work {work_id}: no such work in the catalogue", hint="see `accord catalogue list`")
    kind, path, sha, detail, removed = rows[0]
    if removed is not None:
        raise CatalogueError(f"work {work_id}: was removed from the catalogue on {removed[:10]}")
    return kind, path, sha, detail


def choices(store, work_id: int) -> list[MelodyChoice]:
    """Every recorded choice for the work, oldest first (empty for a work never re-chosen)."""
    return [MelodyChoice(*r) for r in store._query(
        "SELECT work_id, source, label, melody_sha256, chosen_by, recorded_at FROM melody_choices "
        "WHERE work_id = ? ORDER BY id", (int(work_id),))]


def _source_file(work_id: int, kind: str, path: str, sha: str, detail: str) -> Path:
    """The work's original file, checked to be the imported content; refused for a kind with no choices."""
    if path.startswith(DEMO_PATH_PREFIX):
        raise NoAlternatives(f"work {work_id} is a demo work shipped with Accord: its melody is a public-domain "
                             "Bach chorale's soprano line, with no other part to choose")
    if kind not in KINDS_WITH_ALTERNATIVES:
        raise NoAlternatives(f"work {work_id}: its melody is {detail or 'the part read at import'}; another part "
                             "or transcription can be chosen for MIDI and audio works")
    file = Path(path)
    try:
        same = file.is_file() and file_sha256(file) == sha
    except AccordError:
        same = False
    if not same:
        raise CatalogueError(f"work {work_id}: the file it was imported from ({path}) is gone or has changed since "
                             "the import, so its other parts cannot be read",
                             hint="put the original file back at that path")
    if kind_of(file) != kind:
        raise CatalogueError(f"work {work_id}: a {kind} work has no other parts to choose from")
    return file


def _current_source(store, work_id: int, detail: str) -> str | None:
    recorded = choices(store, work_id)
    if recorded:
        return recorded[-1].source
    if "basic-pitch" in detail:
        return "audio:basic-pitch"
    if "pyin" in detail.lower():
        return "audio:pyin"
    return None


def import_choice(rows: list, detail: str) -> str:
    """The part chosen at import, for a work whose choice was never changed: the one its source detail names
    (`rows`: `midi_import.part_candidates` of its file), else the first."""
    return next((midi_source(c.track, c.channel) for c in rows if c.label() in detail),
                midi_source(rows[0].track, rows[0].channel))


@dataclass(frozen=True)
class MidiSourceFile:
    """A MIDI work's file, checked to be the imported content (`sha256`), and the part its melody comes from:
    `current` ('midi:track=..:channel=..') when a choice is recorded, else None (the import's own choice:
    `import_choice` over the file's parts, named in `detail`)."""

    file: Path
    sha256: str
    current: str | None
    detail: str


def midi_source_file(store, work_id: int) -> MidiSourceFile | None:
    """`MidiSourceFile` of a MIDI work; None for another kind. Raises CatalogueError as `melody_candidates`
    does when the file is gone or changed. Reads no MIDI: the caller parses the file once, if at all."""
    kind, path, sha, detail = _work_row(store, work_id)
    if kind != "midi":
        return None
    file = _source_file(work_id, kind, path, sha, detail)
    return MidiSourceFile(file, sha, _current_source(store, work_id, detail), detail)


def melody_candidates(store, work_id: int) -> list[MelodyCandidate]:
    """The alternatives for a work's melody, the one in use marked `current`."""
    kind, path, sha, detail = _work_row(store, work_id)
    file = _source_file(work_id, kind, path, sha, detail)
    current = _current_source(store, work_id, detail)
    if kind == "midi":
        from app.core.catalogue.importing.midi_import import part_candidates
        from app.core.midifile import read_midi

        rows = part_candidates(read_midi(file))
        if current is None:  # chosen at import: the part named in the source detail
            current = import_choice(rows, detail)
        return [MelodyCandidate(i, midi_source(c.track, c.channel), c.label(), c.line_notes, c.score,
                                f"{c.excluded} part" if c.excluded else "", midi_source(c.track, c.channel) == current)
                for i, c in enumerate(rows)]
    from app.core.catalogue.importing.audio_import import TRANSCRIPTIONS

    return [MelodyCandidate(i, f"audio:{name}", label, None, None, "", f"audio:{name}" == current)
            for i, (name, label) in enumerate(TRANSCRIPTIONS)]


@dataclass(frozen=True)
class CandidateReading:
    """What reading a candidate gives: the melody and its source detail (what the catalogue would store), the
    file read, and for a transcription the grid the notes were put on (where bar 1 is in the file's seconds)."""

    melody: Melody
    detail: str
    file: Path
    grid: BeatGrid | None = None


def read_candidate(store, work_id: int, candidate: MelodyCandidate, *, ears: SongEars | None = None,
                   progress: Progress = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> CandidateReading:
    """Read the candidate's melody from the work's file (`ears`: see audio_import.song_grid)."""
    kind, path, sha, detail = _work_row(store, work_id)
    file = _source_file(work_id, kind, path, sha, detail)
    if kind == "midi" and file.suffix.lower() in MIDI_EXTENSIONS:
        from app.core.catalogue.importing.midi_import import extract_with_detail

        fields = dict(part.split("=") for part in candidate.source.split(":")[1:])
        melody, detail = extract_with_detail(file, track=int(fields["track"]), channel=int(fields["channel"]) - 1)
        return CandidateReading(melody, detail, file)
    from app.core.catalogue.importing.audio_import import read_audio

    reading = read_audio(file, transcriber=candidate.source.split(":", 1)[1], ears=ears, progress=progress,
                         cancel=cancel)
    return CandidateReading(reading.melody, reading.detail, file, reading.grid)


def melody_for(store, work_id: int, candidate: MelodyCandidate, *, ears: SongEars | None = None,
               progress: Progress = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> tuple[Melody, str]:
    """The melody a candidate gives, and the readable source detail to store with it (`read_candidate`)."""
    reading = read_candidate(store, work_id, candidate, ears=ears, progress=progress, cancel=cancel)
    return reading.melody, reading.detail


def set_work_melody(store, work_id: int, melody: Melody, source: str, *, label: str,
                    chosen_by: str = "artist") -> MelodyChoice:
    """THE single way a work's melody changes after import: one transaction, recorded in melody_choices.

    Updates the melody and its summary columns (note count, tempo, key, time signature, source detail) and
    appends (work, source, label, melody digest, who chose, when) to the history.
    """
    if chosen_by not in CHOSEN_BY:
        raise ValueError(f"chosen_by must be one of {CHOSEN_BY}")
    if not melody.notes:
        raise CatalogueError(f"work {work_id}: a melody needs at least one note")
    _work_row(store, work_id)
    digest, at = melody_digest(melody), now_utc()
    with store._write() as conn:
        conn.execute("UPDATE works SET melody_json = ?, note_count = ?, tempo_bpm = ?, key_name = ?, "
                     "time_signature = ?, source_detail = ? WHERE id = ? AND removed_at IS NULL",
                     (json.dumps(melody.to_json(), separators=(",", ":")), len(melody.notes), melody.tempo_bpm,
                      None if melody.key is None else melody.key.name, str(melody.time_signature), label,
                      int(work_id)))
        conn.execute("INSERT INTO melody_choices (work_id, source, label, melody_sha256, chosen_by, recorded_at) "
                     "VALUES (?,?,?,?,?,?)", (int(work_id), source, label, digest, chosen_by, at))
        append_facts(conn, int(work_id))  # the melody digest decides what trains: chained like every such fact
    return MelodyChoice(int(work_id), source, label, digest, chosen_by, at)


def use_candidate(store, work_id: int, index: int, *, ears: SongEars | None = None,
                  reading: tuple[Melody, str] | None = None, progress: Progress = no_progress,
                  cancel: CancelToken = NEVER_CANCELLED) -> tuple[MelodyCandidate, MelodyChoice, Melody]:
    """Make candidate `index` (as listed by `melody_candidates`) the work's melody. `reading`: the melody and
    source detail `melody_for` already gave for this candidate (the studio's Hear read it), so a long
    transcription is not run twice; the file is still checked to be the one imported."""
    cands = melody_candidates(store, work_id)
    if not 0 <= index < len(cands):
        raise CatalogueError(f"work {work_id}: there is no candidate {index} (choose 0–{len(cands) - 1})",
                             hint=f"see `accord catalogue parts {work_id}`")
    cand = cands[index]
    melody, detail = reading if reading is not None else \
        melody_for(store, work_id, cand, ears=ears, progress=progress, cancel=cancel)
    return cand, set_work_melody(store, work_id, melody, cand.source, label=detail), melody
