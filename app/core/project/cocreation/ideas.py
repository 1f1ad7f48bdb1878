"""The project's ideas as typed values: `Idea` (a suggestion in the Suggestions panel) and `IdeaTrack` (a kept
idea in the arrangement), parsed once when a project is read (a file's two lists: idea_loading.py) and written
back in one spelling.

Why frozen dataclasses: the studio, the CLI and export used to read `project.suggestions` as a list of JSON
dicts through string keys (`"notes"` or `"melody"`, `"kept": true` or `"status": "kept"`, `"works"` or
`"training_works"`), each module guarding its reads. Now the loader checks each field once, naming the
project file and the field (`song.accord: suggestions[2].melody: ...`), and everyone else reads attributes.

What the model and provenance need but the studio never interprets (credit, model id and fingerprint,
training works, longest copied run, settings, seed, work titles, ...) stays as JSON in `provenance`, written
back verbatim; only `app/core/provenance/adapters.py` reads it. Older spellings are read here once:
- a suggestion's melody under `notes` (the model's `Suggestion.to_json`) -> `melody`;
- `"kept": true` -> `status: "kept"`; `works`/`trainingWorks` -> `training_works`;
- `humanEditedNotes`/`edited_notes` (a number or a list) -> `human_edited_notes`;
- a track holding only `suggestion_id` takes its melody from that suggestion; a track without `id` gets one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from app.core.music import Melody, Note
from app.core.project.cocreation.numbering import number_in_name

MAX_TEXT = 4096


class IdeaStatus(StrEnum):
    NEW = "new"
    KEPT = "kept"
    DISCARDED = "discarded"


TRACK_KIND = "suggestion"
DEFAULT_NAME = "Suggestion"
DEFAULT_VELOCITY = 90

NoteRow = tuple[int, float, float, int]

# Keys an idea reads itself (with the old spellings read once); everything else is its provenance JSON.
_IDEA_KEYS = {"id", "name", "status", "kept", "number", "mode", "notes", "melody", "request", "original_notes",
              "human_edited", "human_edited_notes", "humanEditedNotes", "edited_notes", "human_deleted_notes"}
_TRACK_KEYS = {"id", "kind", "suggestion_id", "name", "number", "melody", "notes", "render", "instrument",
               "gain_db", "pan", "mute", "solo", "original_notes", "human_edited", "human_edited_notes",
               "humanEditedNotes", "edited_notes", "human_deleted_notes", "status"}
_WORKS_SPELLINGS = ("works", "trainingWorks")


class IdeaFormatError(ValueError):
    """A field of an idea is wrong; `field` names it (e.g. "melody"), the loader adds the list and index."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


def _kind(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true/false"
    if isinstance(v, int | float):
        return "a number"
    if isinstance(v, str):
        return f"text {v[:20]!r}"
    return "a list" if isinstance(v, list) else "an object" if isinstance(v, dict) else type(v).__name__


def _text(data: Mapping[str, Any], key: str, default: str | None = None) -> str | None:
    value = data.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise IdeaFormatError(key, f"expected text, got {_kind(value)}")
    text = str(value)
    if len(text) > MAX_TEXT:
        raise IdeaFormatError(key, f"longer than {MAX_TEXT} characters")
    return text


def _number(data: Mapping[str, Any], key: str, default: float, lo: float, hi: float) -> float:
    value = data.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(float(value)):
        raise IdeaFormatError(key, f"expected a number, got {_kind(value)}")
    if not lo <= float(value) <= hi:
        raise IdeaFormatError(key, f"{value!r} is outside {lo:g}…{hi:g}")
    return float(value)


def _flag(data: Mapping[str, Any], key: str) -> bool:
    value = data.get(key, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise IdeaFormatError(key, f"expected true or false, got {_kind(value)}")
    return value


def _count(data: Mapping[str, Any], *keys: str) -> int:
    for key in keys:
        value = data.get(key)
        if value is None:
            continue
        if isinstance(value, list):  # an old writer listed the edited notes themselves
            return len(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise IdeaFormatError(key, f"expected a count of notes, got {_kind(value)}")
        return value
    return 0


def _number_of(data: Mapping[str, Any], name: str) -> int | None:
    value = data.get("number")
    if value is not None:
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise IdeaFormatError("number", f"expected a whole number from 1, got {_kind(value)}")
        return value
    return number_in_name(name)  # entries from before `number` carry it in their name only


def melody_from_json(data: Any, key: str) -> Melody:
    """A Melody from its JSON (`Melody.to_json`) or from a bare list of notes."""
    if isinstance(data, list):
        data = {"notes": data}
    if not isinstance(data, dict):
        raise IdeaFormatError(key, f"expected a melody (an object with notes), got {_kind(data)}")
    try:
        return Melody.from_json(data)
    except (KeyError, TypeError, ValueError, IndexError, OverflowError) as exc:
        raise IdeaFormatError(key, f"not a readable melody ({exc})") from exc


def _note_rows(value: Any, key: str) -> tuple[NoteRow, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise IdeaFormatError(key, f"expected a list of notes, got {_kind(value)}")
    return tuple(note_row(n) for n in melody_from_json(value, key).notes)


def note_row(n: Note) -> NoteRow:
    return (int(n.pitch), float(n.onset), float(n.duration), int(n.velocity))


def edited_note_count(original: Sequence[Sequence[float]], current: Sequence[Sequence[float]]) -> tuple[int, int]:
    """(notes in `current` the model did not make, model notes no longer there). The first is what the
    provenance record calls human-edited notes (a moved, resized, re-voiced or added note); the second counts
    deletions."""
    from collections import Counter

    def key(n: Sequence[float]) -> tuple:
        return (int(n[0]), round(float(n[1]), 6), round(float(n[2]), 6),
                int(n[3]) if len(n) > 3 else DEFAULT_VELOCITY)

    orig, cur = Counter(key(n) for n in original), Counter(key(n) for n in current)
    return sum((cur - orig).values()), sum((orig - cur).values())


@dataclass(frozen=True)
class _Melodic:
    """What suggestions and tracks share: a melody the artist may edit, with the model's notes remembered."""

    id: str
    name: str
    melody: Melody
    number: int | None = None
    original_notes: tuple[NoteRow, ...] | None = None  # the model's notes, kept from the first hand edit
    human_edited_notes: int = 0
    human_deleted_notes: int = 0

    @property
    def human_edited(self) -> bool:
        return bool(self.human_edited_notes or self.human_deleted_notes)

    @property
    def display_name(self) -> str:
        return self.name or DEFAULT_NAME

    def with_notes(self, notes: Sequence[Note]):  # -> same type
        """This idea with new notes; the model's notes are remembered and the hand edits counted against them."""
        original = self.original_notes
        if original is None:
            original = tuple(note_row(n) for n in self.melody.notes)
        melody = self.melody.with_notes(notes)
        changed, removed = edited_note_count(original, [note_row(n) for n in melody.notes])
        return replace(self, melody=melody, original_notes=original, human_edited_notes=changed,
                       human_deleted_notes=removed)

    def hand_edits(self) -> str:
        """"3 edited, 2 deleted": the notes changed or added by hand, and the model's notes removed beyond those
        (a moved note is one of the model's gone and one new: an edit, not a deletion); "" when untouched."""
        removed = max(0, self.human_deleted_notes - self.human_edited_notes)
        return ", ".join(f"{n} {what}" for n, what in ((self.human_edited_notes, "edited"), (removed, "deleted"))
                         if n)

    def summary(self) -> str:
        """One line for lists and tooltips: name, notes, edits (deleted notes count: all deleted is an edit)."""
        edits = self.hand_edits()
        return f"{self.display_name} · {len(self.melody.notes)} notes" + (f" · {edits} by hand" if edits else "")

    def _common_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "name": self.name, "melody": self.melody.to_json(),
                               "human_edited": self.human_edited, "human_edited_notes": self.human_edited_notes,
                               "human_deleted_notes": self.human_deleted_notes}
        if self.number is not None:
            out["number"] = self.number
        if self.original_notes is not None:
            out["original_notes"] = [list(r) for r in self.original_notes]
        return out


def _common(data: Mapping[str, Any], melody: Melody) -> dict[str, Any]:
    name = _text(data, "name", "") or ""
    return {"name": name, "melody": melody, "number": _number_of(data, name),
            "original_notes": _note_rows(data.get("original_notes"), "original_notes"),
            "human_edited_notes": _count(data, "human_edited_notes", "humanEditedNotes", "edited_notes"),
            "human_deleted_notes": _count(data, "human_deleted_notes")}


@dataclass(frozen=True)
class Idea(_Melodic):
    """A suggestion of the project: its melody, state in the panel, the request that made it, and its
    provenance JSON (credit, model, training works: read by app/core/provenance/adapters.py only)."""

    status: IdeaStatus = IdeaStatus.NEW
    mode: str = ""
    request: Mapping[str, Any] | None = None
    provenance: Mapping[str, Any] = field(default_factory=dict)

    @property
    def kept(self) -> bool:
        return self.status == IdeaStatus.KEPT

    @property
    def visible(self) -> bool:
        return self.status != IdeaStatus.DISCARDED

    def request_range(self) -> tuple[int | None, int]:
        """(first bar, zero-based, or None when unknown; bar count) of the request that made this idea."""
        request = self.request or {}
        start, bars = request.get("start_bar"), request.get("bars", 1)
        if isinstance(start, bool) or not isinstance(start, int) or start < 0:
            return None, 1
        return start, bars if isinstance(bars, int) and not isinstance(bars, bool) and bars > 0 else 1

    @property
    def credit(self) -> Any:
        return self.provenance.get("credit")

    @property
    def work_titles(self) -> Any:
        return self.provenance.get("work_titles")

    @classmethod
    def from_json(cls, data: Any) -> Idea:
        """Parse a suggestion as any Accord version wrote it; IdeaFormatError names the field at fault."""
        if not isinstance(data, dict):
            raise IdeaFormatError("(entry)", f"expected an object, got {_kind(data)}")
        ident = _text(data, "id")
        if not ident:
            raise IdeaFormatError("id", "missing")
        key = "melody" if "melody" in data else "notes"
        if key not in data:
            raise IdeaFormatError("melody", "missing")
        status_raw = data.get("status")
        if status_raw is None:
            status = IdeaStatus.KEPT if data.get("kept") is True else IdeaStatus.NEW
        else:
            try:
                status = IdeaStatus(status_raw)
            except ValueError:
                raise IdeaFormatError("status", f"expected new, kept or discarded, got {_kind(status_raw)}") from None
        request = data.get("request")
        if request is not None and not isinstance(request, dict):
            raise IdeaFormatError("request", f"expected an object, got {_kind(request)}")
        provenance = {k: v for k, v in data.items() if k not in _IDEA_KEYS}
        for old in _WORKS_SPELLINGS:
            if old in provenance:
                value = provenance.pop(old)
                provenance.setdefault("training_works", value)
        return cls(id=ident, status=status, mode=_text(data, "mode", "") or "", request=request,
                   provenance=provenance, **_common(data, melody_from_json(data[key], key)))

    def to_json(self) -> dict[str, Any]:
        out = {**self.provenance, **self._common_json(), "status": str(self.status), "mode": self.mode}
        if self.request is not None:
            out["request"] = dict(self.request)
        return out


@dataclass(frozen=True)
class IdeaTrack(_Melodic):
    """A kept idea in the arrangement: its own copy of the melody (edited there), how it sounds (`render`,
    the RenderSettings JSON) and where it sits in the mix."""

    suggestion_id: str | None = None
    kind: str = TRACK_KIND
    render: Mapping[str, Any] = field(default_factory=dict)
    gain_db: float = 0.0
    pan: float = 0.0
    mute: bool = False
    solo: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)  # keys a later Accord wrote, kept verbatim

    @property
    def instrument(self) -> str | None:
        value = self.render.get("instrument")
        return value if isinstance(value, str) else None

    @classmethod
    def from_json(cls, data: Any, *, index: int, suggestion: Callable[[str], Idea | None]) -> IdeaTrack:
        """Parse a track as any Accord version wrote it; `suggestion(id)` finds the idea it was kept from."""
        if not isinstance(data, dict):
            raise IdeaFormatError("(entry)", f"expected an object, got {_kind(data)}")
        source_id = _text(data, "suggestion_id")
        source = suggestion(source_id) if source_id is not None else None
        key = "melody" if "melody" in data else "notes" if "notes" in data else None
        if key is not None:
            melody = melody_from_json(data[key], key)
        elif source is not None:  # an older file kept only the link
            melody = source.melody
        elif data.get("kind", TRACK_KIND) != TRACK_KIND:  # another feature's track (e.g. a synth part): kept as is
            melody = Melody(())
        else:
            raise IdeaFormatError("melody", "missing" + (f" (and no suggestion {source_id!r} to take it from)"
                                                         if source_id is not None else ""))
        render = data.get("render") or {}
        if not isinstance(render, dict):
            raise IdeaFormatError("render", f"expected an object, got {_kind(render)}")
        instrument = _text(data, "instrument")
        if instrument is not None and not render.get("instrument"):
            render = {**render, "instrument": instrument}
        common = _common(data, melody)
        if source is not None:
            if not common["name"]:
                common["name"] = source.name
            if key is None:  # the melody is the suggestion's: so are its edits
                common.update(original_notes=source.original_notes, human_edited_notes=source.human_edited_notes,
                              human_deleted_notes=source.human_deleted_notes)
            if common["number"] is None:
                common["number"] = source.number
        return cls(id=_text(data, "id") or f"track-{index + 1}", suggestion_id=source_id,
                   kind=_text(data, "kind", TRACK_KIND) or TRACK_KIND, render=render,
                   gain_db=_number(data, "gain_db", 0.0, -96.0, 24.0), pan=_number(data, "pan", 0.0, -1.0, 1.0),
                   mute=_flag(data, "mute"), solo=_flag(data, "solo"),
                   extra={k: v for k, v in data.items() if k not in _TRACK_KEYS}, **common)

    def to_json(self) -> dict[str, Any]:
        if self.kind != TRACK_KIND and not self.melody.notes:  # not ours: written back as it was read
            return {**self.extra, "id": self.id, "kind": self.kind, **({"name": self.name} if self.name else {})}
        out = {**self.extra, **self._common_json(), "kind": self.kind, "render": dict(self.render),
               "gain_db": self.gain_db, "pan": self.pan, "mute": self.mute, "solo": self.solo}
        if self.suggestion_id is not None:
            out["suggestion_id"] = self.suggestion_id
        return out


def track_from_idea(idea: Idea, *, track_id: str, render: Mapping[str, Any]) -> IdeaTrack:
    """The track an idea becomes when kept: its own copy of the melody and of the edits made so far."""
    return IdeaTrack(id=track_id, name=idea.display_name, melody=idea.melody, number=idea.number,
                     original_notes=idea.original_notes, human_edited_notes=idea.human_edited_notes,
                     human_deleted_notes=idea.human_deleted_notes, suggestion_id=idea.id, render=dict(render))
