"""Undoable changes to a Project.

Every change the user makes is an `Edit`: `apply(project)` performs it (capturing what it replaces the
first time), `revert(project)` restores the exact previous state. The studio wraps edits in QUndoCommands
(app/ui/undo.py); the CLI and tests call apply/revert directly. Edits notify the project's listeners.

Slider drags: an edit with a non-None `merge_key` may absorb a later edit with the same key
(`merge(other)` → True), so one drag is one undo step. The key includes a caller-chosen `gesture` token,
so two separate drags of the same slider stay two steps.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from app.core.project.model import (
    FIELD,
    PROJECT_FIELDS,
    STEM,
    STEMS,
    Change,
    Field,
    Project,
    StemRef,
    copy_json,
)

MAX_GAIN_DB = 24.0
MIN_GAIN_DB = -96.0  # the faders' bottom; the mixer treats it as a (very) quiet stem, mute is for silence


@runtime_checkable
class Edit(Protocol):
    label: str

    def apply(self, project: Project) -> None: ...

    def revert(self, project: Project) -> None: ...


class BaseEdit:
    """Shared plumbing: a label, no merging by default."""

    label: str = "Edit"
    merge_key: Hashable | None = None

    def merge(self, other: Edit) -> bool:
        """Absorb `other` (already applied after self) into this edit; True when merged."""
        return False


def _clamp_gain(value: float) -> float:
    return float(min(MAX_GAIN_DB, max(MIN_GAIN_DB, float(value))))


def _clamp_pan(value: float) -> float:
    return float(min(1.0, max(-1.0, float(value))))


class AddStems(BaseEdit):
    """Append stems (or insert them at `index`)."""

    def __init__(self, stems: Sequence[StemRef], *, index: int | None = None) -> None:
        if not stems:
            raise ValueError("AddStems needs at least one stem")
        self.stems = [s.copy() for s in stems]
        self.index = index
        self.label = f"Add {len(stems)} stems" if len(stems) > 1 else f"Add stem {stems[0].name}"

    def apply(self, project: Project) -> None:
        at = len(project.stems) if self.index is None else max(0, min(self.index, len(project.stems)))
        project.stems[at:at] = [s.copy() for s in self.stems]
        project.notify(Change(STEMS))

    def revert(self, project: Project) -> None:
        ids = {s.id for s in self.stems}
        project.stems[:] = [s for s in project.stems if s.id not in ids]
        project.notify(Change(STEMS))


class RemoveStem(BaseEdit):
    def __init__(self, stem_id: str) -> None:
        self.stem_id = stem_id
        self.label = "Remove stem"
        self._removed: StemRef | None = None
        self._index = 0

    def apply(self, project: Project) -> None:
        self._index = project.index_of(self.stem_id)
        self._removed = project.stems.pop(self._index)
        self.label = f"Remove stem {self._removed.name}"
        project.notify(Change(STEMS))

    def revert(self, project: Project) -> None:
        assert self._removed is not None, "revert before apply"
        project.stems.insert(self._index, self._removed.copy())
        project.notify(Change(STEMS))


class _SetStemAttr(BaseEdit):
    """Set one attribute of one stem; remembers the old value at first apply."""

    attr = ""
    noun = ""

    def __init__(self, stem_id: str, value: Any, *, gesture: Hashable | None = None) -> None:
        self.stem_id = stem_id
        self.value = self._coerce(value)
        self._old: Any = None
        self._captured = False
        self.merge_key = None if gesture is None else (self.attr, stem_id, gesture)
        self.label = f"{self.noun}"

    def _coerce(self, value: Any) -> Any:
        return value

    def apply(self, project: Project) -> None:
        stem = project.stem(self.stem_id)
        if not self._captured:
            self._old = getattr(stem, self.attr)
            self._captured = True
        setattr(stem, self.attr, self.value)
        project.notify(Change(STEM, stem_id=self.stem_id, field=Field(self.attr)))

    def revert(self, project: Project) -> None:
        stem = project.stem(self.stem_id)
        setattr(stem, self.attr, self._old)
        project.notify(Change(STEM, stem_id=self.stem_id, field=Field(self.attr)))

    def merge(self, other: Edit) -> bool:
        if (type(other) is not type(self) or self.merge_key is None
                or getattr(other, "merge_key", None) != self.merge_key):
            return False
        self.value = other.value  # type: ignore[attr-defined]
        return True


class SetStemGain(_SetStemAttr):
    attr, noun = "gain_db", "Change stem gain"

    def _coerce(self, value: Any) -> float:
        return _clamp_gain(value)


class SetStemPan(_SetStemAttr):
    attr, noun = "pan", "Change stem pan"

    def _coerce(self, value: Any) -> float:
        return _clamp_pan(value)


class SetStemMute(_SetStemAttr):
    attr, noun = "mute", "Mute stem"

    def _coerce(self, value: Any) -> bool:
        self.noun = "Mute stem" if value else "Unmute stem"
        return bool(value)


class SetStemSolo(_SetStemAttr):
    attr, noun = "solo", "Solo stem"

    def _coerce(self, value: Any) -> bool:
        self.noun = "Solo stem" if value else "Unsolo stem"
        return bool(value)


class RenameStem(_SetStemAttr):
    attr, noun = "name", "Rename stem"

    def _coerce(self, value: Any) -> str:
        text = str(value).strip()
        if not text:
            raise ValueError("a stem name cannot be empty")
        return text


class SetStemRole(_SetStemAttr):
    attr, noun = "role", "Set stem role"

    def _coerce(self, value: Any) -> str | None:
        return None if value is None else str(value)


class RelinkStem(BaseEdit):
    """Point a stem at a (new) file, e.g. after locating a missing one; clears `missing` and the old hash."""

    def __init__(self, stem_id: str, path: Path, *, content_sha256: str | None = None) -> None:
        self.stem_id = stem_id
        self.path = Path(path)
        self.content_sha256 = content_sha256
        self.label = f"Locate {self.path.name}"
        self._old: tuple[Path, bool, str | None] | None = None

    def apply(self, project: Project) -> None:
        stem = project.stem(self.stem_id)
        if self._old is None:
            self._old = (stem.path, stem.missing, stem.content_sha256)
        stem.path, stem.missing, stem.content_sha256 = self.path, False, self.content_sha256
        project.notify(Change(STEM, stem_id=self.stem_id, field=Field.PATH))

    def revert(self, project: Project) -> None:
        assert self._old is not None, "revert before apply"
        stem = project.stem(self.stem_id)
        stem.path, stem.missing, stem.content_sha256 = self._old
        project.notify(Change(STEM, stem_id=self.stem_id, field=Field.PATH))


class SetProjectField(BaseEdit):
    """Set a project-level field (tempo, key, time signature, downbeat, chords, loop, ...).

    Allowed fields and their type checks are `model.PROJECT_FIELDS`; a wrong field or value raises
    ValueError at construction, before anything changes. JSON values (lists/dicts) are copied.
    """

    def __init__(self, field: str, value: Any, *, label: str | None = None,
                 gesture: Hashable | None = None) -> None:
        check = PROJECT_FIELDS.get(field)
        if check is None:
            raise ValueError(f"unknown project field {field!r} (allowed: {', '.join(sorted(PROJECT_FIELDS))})")
        if not check(value):
            raise ValueError(f"bad value for project field {field!r}: {value!r}")
        self.field = field
        self.value = copy_json(value)
        self.label = label or f"Set {field.replace('_', ' ')}"
        self.merge_key = None if gesture is None else ("field", field, gesture)
        self._old: Any = None
        self._captured = False

    def apply(self, project: Project) -> None:
        if not self._captured:
            self._old = copy_json(getattr(project, self.field))
            self._captured = True
        setattr(project, self.field, copy_json(self.value))
        project.notify(Change(FIELD, field=Field(self.field)))

    def revert(self, project: Project) -> None:
        setattr(project, self.field, copy_json(self._old))
        project.notify(Change(FIELD, field=Field(self.field)))

    def merge(self, other: Edit) -> bool:
        if (not isinstance(other, SetProjectField) or self.merge_key is None
                or other.merge_key != self.merge_key):
            return False
        self.value = other.value
        return True


class SetMasterGain(SetProjectField):
    def __init__(self, gain_db: float, *, gesture: Hashable | None = None) -> None:
        super().__init__("master_gain_db", _clamp_gain(gain_db), label="Change master gain", gesture=gesture)


class CompoundEdit(BaseEdit):
    """Several edits as one undo step (e.g. 'reset mixer'); reverted in reverse order."""

    def __init__(self, label: str, edits: Sequence[Edit]) -> None:
        self.label = label
        self.edits = list(edits)

    def apply(self, project: Project) -> None:
        for e in self.edits:
            e.apply(project)

    def revert(self, project: Project) -> None:
        for e in reversed(self.edits):
            e.revert(project)
