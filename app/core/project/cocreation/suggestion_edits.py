"""Undoable edits of the co-creation state: suggestions arriving, discarded, kept as tracks, and their notes.

Suggestions are `Idea` values in `project.suggestions` and kept ones become `IdeaTrack` values in
`project.tracks` (app/core/project/cocreation/ideas.py: frozen, parsed once at load, written in one spelling). Every edit
here computes the new tuples from the project at its first `apply` and remembers the old ones, so redo and
undo replay exactly (the undo stack guarantees the order). An edited note keeps the suggestion's provenance
and raises the entry's `human_edited_notes` count, which the provenance record carries as humanEditedNotes.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from app.core.music import Melody, Note
from app.core.project.cocreation.ideas import (
    TRACK_KIND,
    Idea,
    IdeaStatus,
    IdeaTrack,
    edited_note_count,
    track_from_idea,
)
from app.core.project.edits import BaseEdit, Edit
from app.core.project.model import FIELD, Change, Field, Project

__all__ = ["TRACK_KIND", "Idea", "IdeaStatus", "IdeaTrack", "edited_note_count"]

SUGGESTIONS = Field.SUGGESTIONS
TRACKS = Field.TRACKS
STATUS_NEW = IdeaStatus.NEW
STATUS_KEPT = IdeaStatus.KEPT
STATUS_DISCARDED = IdeaStatus.DISCARDED
GRID_STEP = 0.25  # a sixteenth: where the piano roll snaps and the shortest note it makes
MIN_DURATION = 1.0 / 32.0

Entry = Idea | IdeaTrack


@dataclass(frozen=True)
class NoteTarget:
    """Which melody a note edit changes: a suggestion (`suggestions`) or a kept track (`tracks`), by id."""

    where: Field
    id: str

    def __post_init__(self) -> None:
        if self.where not in (SUGGESTIONS, TRACKS):
            raise ValueError(f"a note target is in 'suggestions' or 'tracks', not {self.where!r}")
        object.__setattr__(self, "where", Field(self.where))
        object.__setattr__(self, "id", str(self.id))


# --- reading entries -----------------------------------------------------------------------------------
def entries(project: Project, where: str) -> tuple[Entry, ...]:
    return project.suggestions if Field(where) == SUGGESTIONS else project.tracks


def find_entry(project: Project, where: str, entry_id: str) -> Entry:
    for entry in entries(project, where):
        if entry.id == str(entry_id):
            return entry
    raise KeyError(f"no {str(where)[:-1]} with id {entry_id}")


def visible_suggestions(project: Project) -> list[Idea]:
    """Suggestions the panel shows (not discarded), oldest first."""
    return [s for s in project.suggestions if s.visible]


def kept_tracks(project: Project) -> list[IdeaTrack]:
    """Kept suggestion tracks."""
    return [t for t in project.tracks if t.kind == TRACK_KIND]


def melody_of(entry: Entry) -> Melody:
    return entry.melody


# --- the edits -------------------------------------------------------------------------------------------
class _ListsEdit(BaseEdit):
    """Replace whole tuples of the project (computed once), remembering the old ones."""

    def __init__(self, label: str, *, gesture: Hashable | None = None) -> None:
        self.label = label
        self.merge_key = None if gesture is None else (type(self).__name__, gesture)
        self._old: dict[Field, tuple] | None = None
        self._new: dict[Field, tuple] | None = None

    def compute(self, project: Project) -> dict[Field, tuple]:
        raise NotImplementedError

    def apply(self, project: Project) -> None:
        if self._new is None:
            new = {Field(k): tuple(v) for k, v in self.compute(project).items()}
            self._old = {k: getattr(project, k) for k in new}
            self._new = new
        self._set(project, self._new)

    def revert(self, project: Project) -> None:
        assert self._old is not None, "revert before apply"
        self._set(project, self._old)

    @staticmethod
    def _set(project: Project, values: Mapping[Field, tuple]) -> None:
        for k, v in values.items():
            setattr(project, k, v)
        for k in values:
            project.notify(Change(FIELD, field=k))

    def merge(self, other: Edit) -> bool:
        # `other` was applied after self, so its new tuples already hold everything self added.
        if type(other) is not type(self) or self.merge_key is None or other.merge_key != self.merge_key:
            return False
        assert isinstance(other, _ListsEdit) and other._new is not None and self._old is not None
        if set(other._new) != set(self._old):
            return False
        self._new = other._new
        return True


def _replace_in(items: Sequence[Any], item_id: str, new: Any, what: str) -> tuple:
    out, found = [], False
    for x in items:
        if x.id == item_id:
            out.append(new)
            found = True
        else:
            out.append(x)
    if not found:
        raise KeyError(f"no {what} with id {item_id}")
    return tuple(out)


class AddSuggestions(_ListsEdit):
    """Append suggestions; one Suggest run passes one `gesture` so its results are one undo step. JSON entries
    (as `cocreate.suggestion_entry` writes them) are parsed here, once."""

    def __init__(self, new_entries: Sequence[Idea | dict], *, gesture: Hashable | None = None) -> None:
        if not new_entries:
            raise ValueError("AddSuggestions needs at least one suggestion")
        n = len(new_entries)
        super().__init__(f"Add {n} suggestion{'s' if n != 1 else ''}", gesture=gesture)
        self.entries = [e if isinstance(e, Idea) else Idea.from_json(e) for e in new_entries]

    def compute(self, project: Project) -> dict[Field, tuple]:
        known = {s.id for s in project.suggestions}
        dup = [e.id for e in self.entries if e.id in known]
        if dup:
            raise ValueError(f"suggestion {dup[0]} is already in the project")
        return {SUGGESTIONS: project.suggestions + tuple(self.entries)}

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
        self.suggestion_id = str(suggestion_id)

    def compute(self, project: Project) -> dict[Field, tuple]:
        idea = project.idea(self.suggestion_id)
        if idea.kept:
            raise ValueError("a kept suggestion is removed through its track")
        self.label = f"Discard {idea.display_name}"
        return {SUGGESTIONS: _replace_in(project.suggestions, idea.id, replace(idea, status=STATUS_DISCARDED),
                                         "suggestion")}


class KeepSuggestion(_ListsEdit):
    """Keep a suggestion: it becomes a track of the project (its own melody copy, render settings)."""

    def __init__(self, suggestion_id: str, *, render: Mapping[str, Any] | None = None,
                 track_id: str | None = None) -> None:
        super().__init__("Keep suggestion")
        self.suggestion_id = str(suggestion_id)
        self.render = dict(render) if render else {}
        self.track_id = track_id or uuid.uuid4().hex

    def compute(self, project: Project) -> dict[Field, tuple]:
        idea = project.idea(self.suggestion_id)
        if idea.kept:
            raise ValueError(f"{idea.display_name} is already kept")
        self.label = f"Keep {idea.display_name}"
        track = track_from_idea(idea, track_id=self.track_id, render=self.render)
        return {SUGGESTIONS: _replace_in(project.suggestions, idea.id, replace(idea, status=STATUS_KEPT),
                                         "suggestion"),
                TRACKS: project.tracks + (track,)}


class RemoveTrack(_ListsEdit):
    """Remove a kept track; its suggestion goes back to the panel as not kept."""

    def __init__(self, track_id: str) -> None:
        super().__init__("Remove track")
        self.track_id = str(track_id)

    def compute(self, project: Project) -> dict[Field, tuple]:
        track = project.track(self.track_id)
        tracks = tuple(t for t in project.tracks if t.id != track.id)
        self.label = f"Remove track {track.name}".strip()
        still = {t.suggestion_id for t in tracks}
        items = tuple(replace(s, status=STATUS_NEW) if s.id == track.suggestion_id and s.id not in still
                      and s.kept else s for s in project.suggestions)
        return {SUGGESTIONS: items, TRACKS: tracks}


class SetTrackMute(_ListsEdit):
    def __init__(self, track_id: str, mute: bool) -> None:
        super().__init__("Mute track" if mute else "Unmute track")
        self.track_id, self.mute = str(track_id), bool(mute)

    def compute(self, project: Project) -> dict[Field, tuple]:
        track = project.track(self.track_id)
        return {TRACKS: _replace_in(project.tracks, track.id, replace(track, mute=self.mute), "track")}


TRACK_SETTINGS = {"gain_db": (-96.0, 24.0), "pan": (-1.0, 1.0)}


class SetTrackSettings(_ListsEdit):
    """Change a kept track's mixer and sound settings: gain_db, pan, mute, solo, render (its instrument), name.

    One slider gesture passes one `gesture`, so a whole drag is one undo step."""

    LABELS = {"gain_db": "Track gain", "pan": "Track pan", "mute": "Mute track", "solo": "Solo track",
              "render": "Track instrument", "name": "Rename track"}

    def __init__(self, track_id: str, changes: Mapping[str, Any], *, gesture: Hashable | None = None) -> None:
        unknown = set(changes) - set(self.LABELS)
        if unknown or not changes:
            raise ValueError(f"a track has no setting {sorted(unknown)[0] if unknown else '(none given)'}")
        super().__init__(self.LABELS[next(iter(changes))], gesture=gesture)
        self.track_id, self.changes = str(track_id), dict(changes)
        for k, (low, high) in TRACK_SETTINGS.items():
            if k in self.changes:
                value = float(self.changes[k])
                if not math.isfinite(value):
                    raise ValueError(f"track {k} must be a number")
                self.changes[k] = min(high, max(low, value))
        for k in ("mute", "solo"):
            if k in self.changes:
                self.changes[k] = bool(self.changes[k])
        if "name" in self.changes:
            name = self.changes["name"]
            if not isinstance(name, str) or not name.strip() or len(name) > 256:
                raise ValueError("a track's name is 1–256 characters of text")
            self.changes["name"] = name.strip()
        if "render" in self.changes:
            if not isinstance(self.changes["render"], Mapping):
                raise ValueError("a track's render settings are an object")
            self.changes["render"] = dict(self.changes["render"])

    def compute(self, project: Project) -> dict[Field, tuple]:
        track = project.track(self.track_id)
        return {TRACKS: _replace_in(project.tracks, track.id, replace(track, **self.changes), "track")}


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

    def compute(self, project: Project) -> dict[Field, tuple]:
        entry = find_entry(project, self.target.where, self.target.id)
        notes = [_checked(n) for n in self.new_notes(list(entry.melody.notes))]
        items = entries(project, self.target.where)
        return {self.target.where: _replace_in(items, entry.id, entry.with_notes(notes), str(self.target.where))}


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


def entry_summary(entry: Entry) -> str:
    """One line for lists and tooltips: name, notes, edits."""
    return entry.summary()
