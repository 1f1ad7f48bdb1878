"""The song in progress: stems with their mixer settings, musical facts found by analysis, and room for
the co-creation state (ideas and their tracks, app/core/project/cocreation/ideas.py) and namespaced extras.

A `Project` is mutated only through edits (app/core/project/edits.py) so that every change can be undone;
each edit calls `Project.notify(Change(...))` and subscribers (the studio, the engine's mix rebuild) react.
Nothing here does I/O: saving and loading live in store.py.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from app.core.music import TEMPO_MAX, TEMPO_MIN, BeatGrid, ChordTimeline, Key, TimeSignature, check_anchors
from app.core.project.cocreation.ideas import Idea, IdeaTrack

log = logging.getLogger(__name__)

DEFAULT_SAMPLE_RATE = 48000

class ChangeKind(StrEnum):
    """"stems" = the list of stems changed (add/remove/reorder); "stem" = one stem's setting;
    "field" = a project-level field; "reset" = a whole new project (open/new)."""

    STEMS = "stems"
    STEM = "stem"
    FIELD = "field"
    RESET = "reset"


STEMS = ChangeKind.STEMS
STEM = ChangeKind.STEM
FIELD = ChangeKind.FIELD
RESET = ChangeKind.RESET


class Field(StrEnum):
    """The field a `Change` names: a project field (kind FIELD) or a stem setting (kind STEM). A StrEnum, so
    a listener may compare it with the plain name too."""

    NAME = "name"
    SAMPLE_RATE = "sample_rate"
    TEMPO_BPM = "tempo_bpm"
    TIME_SIGNATURE = "time_signature"
    KEY = "key"
    DOWNBEAT_OFFSET = "downbeat_offset"
    TEMPO_ANCHORS = "tempo_anchors"
    CHORDS = "chords"
    LOOP = "loop"
    LOOP_ENABLED = "loop_enabled"
    MASTER_GAIN_DB = "master_gain_db"
    SUGGESTIONS = "suggestions"
    TRACKS = "tracks"
    EXTRAS = "extras"
    GAIN_DB = "gain_db"
    PAN = "pan"
    MUTE = "mute"
    SOLO = "solo"
    ROLE = "role"
    PATH = "path"
    MISSING = "missing"
    CONTENT_SHA256 = "content_sha256"


# Fields whose change alters what the listener hears (the studio rebuilds the engine's MixState).
MIX_STEM_FIELDS = frozenset({Field.GAIN_DB, Field.PAN, Field.MUTE, Field.SOLO, Field.PATH, Field.MISSING})
MIX_PROJECT_FIELDS = frozenset({Field.MASTER_GAIN_DB, Field.SAMPLE_RATE, Field.TRACKS})
GRID_FIELDS = frozenset({Field.TEMPO_BPM, Field.TIME_SIGNATURE, Field.DOWNBEAT_OFFSET, Field.TEMPO_ANCHORS})


@dataclass(frozen=True)
class Change:
    """What an edit changed, passed to every subscriber."""

    kind: ChangeKind
    stem_id: str | None = None
    field: Field | None = None

    def __post_init__(self) -> None:  # edits may name the kind and field by their plain names
        object.__setattr__(self, "kind", ChangeKind(self.kind))
        if self.field is not None:
            object.__setattr__(self, "field", Field(self.field))

    @property
    def affects_mix(self) -> bool:
        if self.kind in (STEMS, RESET):
            return True
        if self.kind == STEM:
            return self.field in MIX_STEM_FIELDS
        return self.field in MIX_PROJECT_FIELDS


def new_stem_id() -> str:
    return uuid.uuid4().hex


@dataclass(eq=True)
class StemRef:
    """One audio stem of the song: where its file is and how it sits in the mix.

    `path` is absolute at runtime (store.py makes it relative to the project file on disk). `missing` is
    set by the loader when the file is not where the project says; such stems stay in the project (their
    settings are kept) but are silent until the file is found again.
    """

    name: str
    path: Path
    id: str = field(default_factory=new_stem_id)
    gain_db: float = 0.0
    pan: float = 0.0
    mute: bool = False
    solo: bool = False
    role: str | None = None  # e.g. "drums", "bass", "harmony", "lead" (set by analysis or the user)
    content_sha256: str | None = None
    missing: bool = False

    def copy(self) -> StemRef:
        return StemRef(name=self.name, path=self.path, id=self.id, gain_db=self.gain_db, pan=self.pan,
                       mute=self.mute, solo=self.solo, role=self.role, content_sha256=self.content_sha256,
                       missing=self.missing)


@dataclass(frozen=True)
class LoopRegion:
    """A loop in seconds; `end` > `start` >= 0."""

    start: float
    end: float

    def __post_init__(self) -> None:
        if not (0.0 <= self.start < self.end):
            raise ValueError(f"loop region {self.start:g}–{self.end:g} s is empty or negative")


Listener = Callable[[Change], None]

# The fields SetProjectField may change, with the type check it applies (edits.py uses this table; other
# features storing their own data use `extras[namespace]`; ideas change through suggestion_edits.py).
PROJECT_FIELDS: dict[str, Callable[[Any], bool]] = {
    "name": lambda v: isinstance(v, str),
    "tempo_bpm": lambda v: v is None or (isinstance(v, int | float) and not isinstance(v, bool)
                                         and TEMPO_MIN <= float(v) <= TEMPO_MAX),
    "time_signature": lambda v: isinstance(v, TimeSignature),
    "key": lambda v: v is None or isinstance(v, Key),
    "downbeat_offset": lambda v: isinstance(v, int | float) and not isinstance(v, bool) and v >= 0.0,
    "tempo_anchors": lambda v: isinstance(v, tuple) and (v == () or _valid_anchors(v)),
    "chords": lambda v: v is None or isinstance(v, ChordTimeline),
    "loop": lambda v: v is None or isinstance(v, LoopRegion),
    "loop_enabled": lambda v: isinstance(v, bool),
    "master_gain_db": lambda v: isinstance(v, int | float) and not isinstance(v, bool) and -96.0 <= v <= 24.0,
    "suggestions": lambda v: isinstance(v, tuple) and all(isinstance(i, Idea) for i in v),
    "tracks": lambda v: isinstance(v, tuple) and all(isinstance(t, IdeaTrack) for t in v),
    "extras": lambda v: isinstance(v, dict),
}


@dataclass(eq=False)
class Project:
    """The song in progress. Mutate it through edits; read it freely (GUI thread only)."""

    name: str = "Untitled"
    path: Path | None = None
    sample_rate: int = DEFAULT_SAMPLE_RATE
    stems: list[StemRef] = field(default_factory=list)
    master_gain_db: float = 0.0
    tempo_bpm: float | None = None
    time_signature: TimeSignature = field(default_factory=TimeSignature)
    key: Key | None = None
    downbeat_offset: float = 0.0  # seconds from the start of the audio to bar 1 beat 1
    # (quarters, seconds after bar 1) the grid passes through when it follows a song played without a click
    # (BeatGrid.anchors, from the analysis); () for one constant tempo
    tempo_anchors: tuple[tuple[float, float], ...] = ()
    chords: ChordTimeline | None = None
    loop: LoopRegion | None = None
    loop_enabled: bool = False
    suggestions: tuple[Idea, ...] = ()  # frozen values (app/core/project/cocreation/ideas.py): edits swap whole tuples
    tracks: tuple[IdeaTrack, ...] = ()
    extras: dict[str, dict] = field(default_factory=dict)
    _listeners: list[Listener] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        # Code that builds a project by hand (tests, importers) may pass JSON entries: parsed here, once.
        if not (isinstance(self.suggestions, tuple) and isinstance(self.tracks, tuple)
                and all(isinstance(i, Idea) for i in self.suggestions)
                and all(isinstance(t, IdeaTrack) for t in self.tracks)):
            from app.core.project.cocreation.idea_loading import orphan_kept_tracks, parse_ideas

            ideas, tracks = parse_ideas([i.to_json() if isinstance(i, Idea) else i for i in self.suggestions],
                                        [t.to_json() if isinstance(t, IdeaTrack) else t for t in self.tracks])
            self.suggestions, self.tracks = ideas, tracks + orphan_kept_tracks(ideas, tracks)

    # --- listeners ---------------------------------------------------------------------------------
    def subscribe(self, callback: Listener) -> Callable[[], None]:
        """Call `callback(change)` after every edit; returns a function that unsubscribes."""
        self._listeners.append(callback)

        def unsubscribe() -> None:
            if callback in self._listeners:
                self._listeners.remove(callback)

        return unsubscribe

    def notify(self, change: Change) -> None:
        # A copy, so that a listener may unsubscribe itself while being called.
        for callback in list(self._listeners):
            callback(change)

    # --- queries -----------------------------------------------------------------------------------
    def stem(self, stem_id: str) -> StemRef:
        for s in self.stems:
            if s.id == stem_id:
                return s
        raise KeyError(f"no stem with id {stem_id}")

    def index_of(self, stem_id: str) -> int:
        for i, s in enumerate(self.stems):
            if s.id == stem_id:
                return i
        raise KeyError(f"no stem with id {stem_id}")

    @property
    def missing_stems(self) -> list[StemRef]:
        return [s for s in self.stems if s.missing]

    @property
    def any_solo(self) -> bool:
        """Whether a stem or a kept idea's track is soloed (then only soloed ones are heard)."""
        return any(s.solo for s in self.stems) or any(t.solo for t in self.tracks)

    def audible(self, stem: StemRef) -> bool:
        """Whether a stem is heard, by the mixer's rule (mix_state_for, MixState): while anything is soloed
        only soloed parts play, and a muted part is silent even when soloed. (This said a soloed, muted stem
        was heard, so an export credited a stem its mix did not hold.)"""
        if stem.missing or stem.mute:
            return False
        return stem.solo or not self.any_solo

    def track_audible(self, track: IdeaTrack) -> bool:
        """The same rule for a kept idea's track, over stems and tracks together."""
        if track.mute:
            return False
        return track.solo or not self.any_solo

    def idea(self, idea_id: str) -> Idea:
        for i in self.suggestions:
            if i.id == str(idea_id):
                return i
        raise KeyError(f"no suggestion with id {idea_id}")

    def track(self, track_id: str) -> IdeaTrack:
        for t in self.tracks:
            if t.id == str(track_id):
                return t
        raise KeyError(f"no track with id {track_id}")

    def beat_grid(self, default_tempo: float | None = None) -> BeatGrid | None:
        """Where the song's quarter notes fall in its audio: tempo, meter, bar 1 and, when the analysis found
        the song played without a click, the anchors its grid follows. None without a tempo (or `default_tempo`)
        or with one out of range (a hand-edited file)."""
        tempo = self.tempo_bpm or default_tempo
        if tempo is None:
            return None
        try:
            return BeatGrid(tempo_bpm=float(tempo), time_signature=self.time_signature,
                            offset_seconds=float(self.downbeat_offset or 0.0), anchors=self.tempo_anchors)
        except ValueError:
            log.warning("the project's grid (tempo %s) is out of range", tempo)
            return None

    @property
    def folder(self) -> Path | None:
        return None if self.path is None else self.path.parent

    def snapshot(self) -> dict[str, Any]:
        """Every persistent field as plain values (tests compare snapshots before/after apply+revert)."""
        return {
            "name": self.name, "path": self.path, "sample_rate": self.sample_rate,
            "stems": [s.copy() for s in self.stems], "master_gain_db": self.master_gain_db,
            "tempo_bpm": self.tempo_bpm, "time_signature": self.time_signature, "key": self.key,
            "downbeat_offset": self.downbeat_offset, "tempo_anchors": self.tempo_anchors,
            "chords": self.chords, "loop": self.loop,
            "loop_enabled": self.loop_enabled, "suggestions": self.suggestions,
            "tracks": self.tracks, "extras": _deep_copy_json(self.extras),
        }


def _valid_anchors(value: tuple) -> bool:
    try:
        return check_anchors(value) == value
    except (TypeError, ValueError):
        return False


def _deep_copy_json(value: Any) -> Any:
    """Copy JSON-shaped data (dict/list/scalars) without deepcopy's object-protocol surprises."""
    if isinstance(value, dict):
        return {k: _deep_copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy_json(v) for v in value]
    return value


def copy_json(value: Any) -> Any:
    """Public alias: edits keep private copies of JSON values so later mutation can't alter history."""
    return _deep_copy_json(value)
