"""Undoable edits of the co-creation state: suggestions arriving, discarded, kept as tracks, and their notes.

Suggestions live in `project.suggestions` (the model's `Suggestion.to_json()` plus `status`, `name`,
`request` and, once edited, `original_notes`/`human_edited`/`human_edited_notes`); kept suggestions become
entries of `project.tracks` (`kind: "suggestion"`, their own copy of the melody under `melody`, the render
settings, gain and mute). Both are plain JSON, so saving and reopening a project shows them again.

Every edit here computes the new lists from the project at its first `apply` and remembers the old ones,
so redo and undo replay exactly (the undo stack guarantees the order). An edited note keeps the
suggestion's provenance (model, credit, training works stay in the entry) and raises the entry's
`human_edited_notes` count, which the provenance record carries (app/core/provenance/adapters.py).
"""

from __future__ import annotations

import math
import uuid
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from app.core.music import Melody, Note
from app.core.project.edits import BaseEdit, Edit
from app.core.project.model import FIELD, Change, Project, copy_json

SUGGESTIONS = "suggestions"
TRACKS = "tracks"
STATUS_NEW = "new"
STATUS_KEPT = "kept"
STATUS_DISCARDED = "discarded"
TRACK_KIND = "suggestion"
GRID_STEP = 0.25  # a sixteenth: where the piano roll snaps and the shortest note it makes
MIN_DURATION = 1.0 / 32.0


@dataclass(frozen=True)
class NoteTarget:
    """Which melody a note edit changes: a suggestion (`suggestions`) or a kept track (`tracks`), by id."""

    where: str
    id: str

    def __post_init__(self) -> None:
        if self.where not in (SUGGESTIONS, TRACKS):
            raise ValueError(f"a note target is in 'suggestions' or 'tracks', not {self.where!r}")


# --- reading entries -----------------------------------------------------------------------------------
def entries(project: Project, where: str) -> list[dict]:
    return getattr(project, where)


def find_entry(project: Project, where: str, entry_id: str) -> dict:
    for entry in entries(project, where):
        if str(entry.get("id")) == str(entry_id):
            return entry
    raise KeyError(f"no {where[:-1]} with id {entry_id}")


def readable(entry: dict) -> bool:
    """Whether an entry (from a project file) has an id and a melody that can be read."""
    try:
        melody_of(entry)
    except (ValueError, KeyError, TypeError, IndexError):
        return False
    return entry.get("id") is not None


def visible_suggestions(project: Project) -> list[dict]:
    """Suggestions the panel shows (not discarded, readable), oldest first."""
    return [s for s in project.suggestions if isinstance(s, dict) and s.get("status") != STATUS_DISCARDED
            and readable(s)]


def kept_tracks(project: Project) -> list[dict]:
    """Kept suggestion tracks (readable ones; a damaged entry stays in the file untouched)."""
    return [t for t in project.tracks if isinstance(t, dict) and t.get("kind") == TRACK_KIND and readable(t)]


def melody_json(entry: dict) -> dict:
    """The Melody JSON of a suggestion (`notes`, as the model writes it) or a track (`melody`)."""
    data = entry.get("melody") if "melody" in entry else entry.get("notes")
    if not isinstance(data, dict):
        raise ValueError(f"entry {entry.get('id')} has no melody")
    return data


def melody_of(entry: dict) -> Melody:
    return Melody.from_json(melody_json(entry))


def _melody_key(entry: dict) -> str:
    return "melody" if "melody" in entry else "notes"


def edited_note_count(original: Sequence[Sequence[float]], current: Sequence[Sequence[float]]) -> tuple[int, int]:
    """(notes in `current` the model did not make, model notes no longer there). The first is what the
    provenance record calls human-edited notes (a moved, resized or added note); the second counts deletions."""
    def key(n: Sequence[float]) -> tuple:  # a changed velocity is an edit too (a note without one is at 90)
        return (int(n[0]), round(float(n[1]), 6), round(float(n[2]), 6), int(n[3]) if len(n) > 3 else 90)

    orig, cur = Counter(key(n) for n in original), Counter(key(n) for n in current)
    return sum((cur - orig).values()), sum((orig - cur).values())


# --- the edits -------------------------------------------------------------------------------------------
class _ListsEdit(BaseEdit):
    """Replace whole JSON lists of the project (computed once), remembering the old ones."""

    def __init__(self, label: str, *, gesture: Hashable | None = None) -> None:
        self.label = label
        self.merge_key = None if gesture is None else (type(self).__name__, gesture)
        self._old: dict[str, list] | None = None
        self._new: dict[str, list] | None = None

    def compute(self, project: Project) -> dict[str, list]:
        raise NotImplementedError

    def apply(self, project: Project) -> None:
        if self._new is None:
            new = self.compute(project)
            self._old = {k: copy_json(getattr(project, k)) for k in new}
            self._new = {k: copy_json(v) for k, v in new.items()}
        for k, v in self._new.items():
            setattr(project, k, copy_json(v))
        for k in self._new:
            project.notify(Change(FIELD, field=k))

    def revert(self, project: Project) -> None:
        assert self._old is not None, "revert before apply"
        for k, v in self._old.items():
            setattr(project, k, copy_json(v))
        for k in self._old:
            project.notify(Change(FIELD, field=k))

    def merge(self, other: Edit) -> bool:
        # `other` was applied after self, so its new lists already hold everything self added.
        if type(other) is not type(self) or self.merge_key is None or other.merge_key != self.merge_key:
            return False
        assert isinstance(other, _ListsEdit) and other._new is not None and self._old is not None
        if set(other._new) != set(self._old):
            return False
        self._new = other._new
        return True


class AddSuggestions(_ListsEdit):
    """Append suggestion entries; one Suggest run passes one `gesture` so its results are one undo step."""

    def __init__(self, new_entries: Sequence[dict], *, gesture: Hashable | None = None) -> None:
        if not new_entries:
            raise ValueError("AddSuggestions needs at least one suggestion")
        n = len(new_entries)
        super().__init__(f"Add {n} suggestion{'s' if n != 1 else ''}", gesture=gesture)
        self.entries = [copy_json(e) for e in new_entries]
        for e in self.entries:
            e.setdefault("status", STATUS_NEW)

    def compute(self, project: Project) -> dict[str, list]:
        known = {str(s.get("id")) for s in project.suggestions}
        dup = [e["id"] for e in self.entries if str(e.get("id")) in known]
        if dup:
            raise ValueError(f"suggestion {dup[0]} is already in the project")
        return {SUGGESTIONS: copy_json(project.suggestions) + self.entries}

    def merge(self, other: Edit) -> bool:
        merged = super().merge(other)
        if merged:
            assert isinstance(other, AddSuggestions)
            self.entries += other.entries
            n = len(self.entries)
            self.label = f"Add {n} suggestion{'s' if n != 1 else ''}"
        return merged


class DiscardSuggestion(_ListsEdit):
    """Hide a suggestion (kept in the project as a choice made; undo brings it back)."""

    def __init__(self, suggestion_id: str) -> None:
        super().__init__("Discard suggestion")
        self.suggestion_id = suggestion_id

    def compute(self, project: Project) -> dict[str, list]:
        items = copy_json(project.suggestions)
        for s in items:
            if str(s.get("id")) == self.suggestion_id:
                if s.get("status") == STATUS_KEPT:
                    raise ValueError("a kept suggestion is removed through its track")
                s["status"] = STATUS_DISCARDED
                self.label = f"Discard {s.get('name') or 'suggestion'}"
                return {SUGGESTIONS: items}
        raise KeyError(f"no suggestion with id {self.suggestion_id}")


class KeepSuggestion(_ListsEdit):
    """Keep a suggestion: it becomes a track of the project (its own melody copy, render settings)."""

    def __init__(self, suggestion_id: str, *, render: dict | None = None, track_id: str | None = None) -> None:
        super().__init__("Keep suggestion")
        self.suggestion_id = suggestion_id
        self.render = copy_json(render) if render else {}
        self.track_id = track_id or uuid.uuid4().hex

    def compute(self, project: Project) -> dict[str, list]:
        items = copy_json(project.suggestions)
        entry = next((s for s in items if str(s.get("id")) == self.suggestion_id), None)
        if entry is None:
            raise KeyError(f"no suggestion with id {self.suggestion_id}")
        if entry.get("status") == STATUS_KEPT:
            raise ValueError(f"{entry.get('name') or 'the suggestion'} is already kept")
        entry["status"] = STATUS_KEPT
        name = str(entry.get("name") or "Suggestion")
        self.label = f"Keep {name}"
        track = {"id": self.track_id, "kind": TRACK_KIND, "suggestion_id": self.suggestion_id, "name": name,
                 "melody": copy_json(melody_json(entry)), "render": self.render, "gain_db": 0.0, "pan": 0.0,
                 "mute": False, "instrument": self.render.get("instrument"),  # what export renders with
                 "human_edited": bool(entry.get("human_edited", False)),
                 "human_edited_notes": int(entry.get("human_edited_notes", 0) or 0)}
        if entry.get("number") is not None:
            track["number"] = entry["number"]  # the idea keeps its number as a track
        if "original_notes" in entry:
            track["original_notes"] = copy_json(entry["original_notes"])
        return {SUGGESTIONS: items, TRACKS: copy_json(project.tracks) + [track]}


class RemoveTrack(_ListsEdit):
    """Remove a kept track; its suggestion goes back to the panel as not kept."""

    def __init__(self, track_id: str) -> None:
        super().__init__("Remove track")
        self.track_id = track_id

    def compute(self, project: Project) -> dict[str, list]:
        tracks = copy_json(project.tracks)
        track = next((t for t in tracks if str(t.get("id")) == self.track_id), None)
        if track is None:
            raise KeyError(f"no track with id {self.track_id}")
        tracks.remove(track)
        self.label = f"Remove track {track.get('name') or ''}".strip()
        items = copy_json(project.suggestions)
        still = {str(t.get("suggestion_id")) for t in tracks}
        for s in items:
            if str(s.get("id")) == str(track.get("suggestion_id")) and str(s.get("id")) not in still:
                s["status"] = STATUS_NEW
        return {SUGGESTIONS: items, TRACKS: tracks}


class SetTrackMute(_ListsEdit):
    def __init__(self, track_id: str, mute: bool) -> None:
        super().__init__("Mute track" if mute else "Unmute track")
        self.track_id, self.mute = track_id, bool(mute)

    def compute(self, project: Project) -> dict[str, list]:
        tracks = copy_json(project.tracks)
        for t in tracks:
            if str(t.get("id")) == self.track_id:
                t["mute"] = self.mute
                return {TRACKS: tracks}
        raise KeyError(f"no track with id {self.track_id}")


TRACK_SETTINGS = {"gain_db": (-96.0, 24.0), "pan": (-1.0, 1.0)}


class SetTrackSettings(_ListsEdit):
    """Change a kept track's mixer and sound settings: gain_db, pan, mute, solo, instrument (its `render`).

    One slider gesture passes one `gesture`, so a whole drag is one undo step."""

    LABELS = {"gain_db": "Track gain", "pan": "Track pan", "mute": "Mute track", "solo": "Solo track",
              "render": "Track instrument"}

    def __init__(self, track_id: str, changes: dict[str, Any], *, gesture: Hashable | None = None) -> None:
        unknown = set(changes) - set(self.LABELS)
        if unknown or not changes:
            raise ValueError(f"a track has no setting {sorted(unknown)[0] if unknown else '(none given)'}")
        super().__init__(self.LABELS[next(iter(changes))], gesture=gesture)
        self.track_id, self.changes = track_id, copy_json(changes)
        for k, (low, high) in TRACK_SETTINGS.items():
            if k in self.changes:
                value = float(self.changes[k])
                if not math.isfinite(value):
                    raise ValueError(f"track {k} must be a number")
                self.changes[k] = min(high, max(low, value))
        for k in ("mute", "solo"):
            if k in self.changes:
                self.changes[k] = bool(self.changes[k])

    def compute(self, project: Project) -> dict[str, list]:
        tracks = copy_json(project.tracks)
        for t in tracks:
            if str(t.get("id")) == self.track_id:
                t.update(copy_json(self.changes))
                if "render" in self.changes:  # what export renders with, as KeepSuggestion writes it
                    t["instrument"] = self.changes["render"].get("instrument")
                return {TRACKS: tracks}
        raise KeyError(f"no track with id {self.track_id}")


# --- note edits --------------------------------------------------------------------------------------------
def _checked(note: Note) -> Note:
    if not (0 <= note.pitch <= 127 and math.isfinite(note.onset) and note.onset >= 0
            and math.isfinite(note.duration) and note.duration >= MIN_DURATION):
        raise ValueError(f"note {note.pitch} at {note.onset:g} (length {note.duration:g}) is outside the piano "
                         "roll: pitch 0–127, onset ≥ 0, length ≥ 1/32")
    return note


class _NotesEdit(_ListsEdit):
    """Change one melody's notes; the entry remembers the model's notes and counts the human edits."""

    def __init__(self, target: NoteTarget, label: str) -> None:
        super().__init__(label)
        self.target = target

    def new_notes(self, notes: list[Note]) -> list[Note]:
        raise NotImplementedError

    def compute(self, project: Project) -> dict[str, list]:
        items = copy_json(entries(project, self.target.where))
        entry = next((e for e in items if str(e.get("id")) == self.target.id), None)
        if entry is None:
            raise KeyError(f"no {self.target.where[:-1]} with id {self.target.id}")
        melody = melody_of(entry)
        notes = [_checked(n) for n in self.new_notes(list(melody.notes))]
        data = melody.with_notes(notes).to_json()
        if "original_notes" not in entry:
            entry["original_notes"] = copy_json(melody_json(entry)["notes"])
        entry[_melody_key(entry)] = data
        changed, removed = edited_note_count(entry["original_notes"], data["notes"])
        entry["human_edited_notes"] = changed
        entry["human_deleted_notes"] = removed
        entry["human_edited"] = bool(changed or removed)
        return {self.target.where: items}


def _index(notes: list[Note], index: int) -> int:
    if not 0 <= index < len(notes):
        raise IndexError(f"there is no note {index + 1} (the melody has {len(notes)})")
    return index


class MoveNote(_NotesEdit):
    """Move note `index` to a new onset (quarter notes) and pitch."""

    def __init__(self, target: NoteTarget, index: int, *, onset: float, pitch: int) -> None:
        super().__init__(target, "Move note")
        self.index, self.onset, self.pitch = index, float(onset), int(pitch)

    def new_notes(self, notes: list[Note]) -> list[Note]:
        i = _index(notes, self.index)
        old = notes[i]
        notes[i] = Note(self.pitch, self.onset, old.duration, old.velocity)
        return notes


class ResizeNote(_NotesEdit):
    def __init__(self, target: NoteTarget, index: int, *, duration: float) -> None:
        super().__init__(target, "Resize note")
        self.index, self.duration = index, float(duration)

    def new_notes(self, notes: list[Note]) -> list[Note]:
        i = _index(notes, self.index)
        old = notes[i]
        notes[i] = Note(old.pitch, old.onset, self.duration, old.velocity)
        return notes


class DeleteNote(_NotesEdit):
    def __init__(self, target: NoteTarget, index: int) -> None:
        super().__init__(target, "Delete note")
        self.index = index

    def new_notes(self, notes: list[Note]) -> list[Note]:
        del notes[_index(notes, self.index)]
        return notes


class AddNote(_NotesEdit):
    def __init__(self, target: NoteTarget, note: Note) -> None:
        super().__init__(target, "Add note")
        self.note = _checked(note)

    def new_notes(self, notes: list[Note]) -> list[Note]:
        return notes + [self.note]


def entry_summary(entry: dict[str, Any]) -> str:
    """One line for lists and tooltips: name, notes, edits."""
    n = len(melody_json(entry).get("notes", []))
    edited = int(entry.get("human_edited_notes", 0) or 0)
    return f"{entry.get('name') or 'Suggestion'} · {n} notes" + (f" · {edited} edited by hand" if edited else "")
