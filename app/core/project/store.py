"""Projects on disk: a human-readable JSON file (`.accord`) with stem paths relative to it.

    {"format": "accord-project", "version": 1, "name": "...", "sample_rate": 48000,
     "master_gain_db": 0.0, "tempo_bpm": 96.0, "time_signature": "4/4", "key": "A minor",
     "downbeat_offset": 0.0, "chords": [[0.0, 4.0, "Am"], ...], "loop": {"start": 0.0, "end": 10.0},
     "loop_enabled": false,
     "stems": [{"id": "…", "name": "drums", "path": "stems/drums.wav", "gain_db": 0.0, "pan": 0.0,
                "mute": false, "solo": false, "role": "drums", "content_sha256": "…"}],
     "suggestions": [...], "tracks": [...], "extras": {"analysis": {...}}}

Writing is atomic (fsutil). Reading checks the file first (file_reading.py: its size, UTF-8, strict JSON),
then validates every field and names it in the ProjectError ("stems[2].gain_db: expected a number"); sizes
are bounded before anything is allocated (file size, then counts). A stem whose file is not found is kept
with `missing=True`: the project still opens.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import Any

from app.core.errors import ProjectError
from app.core.fsutil import atomic_write_text
from app.core.music import (
    MAX_ANCHORS,
    TEMPO_MAX,
    TEMPO_MIN,
    Chord,
    ChordSpan,
    ChordTimeline,
    Key,
    TimeSignature,
    check_anchors,
)
from app.core.project.cocreation.idea_loading import orphan_kept_tracks, parse_ideas
from app.core.project.cocreation.ideas import Idea, IdeaFormatError, IdeaTrack
from app.core.project.file_reading import parse_project_json, read_project_text
from app.core.project.model import LoopRegion, Project, StemRef

FORMAT = "accord-project"
VERSION = 1
EXTENSION = ".accord"
MAX_STEMS = 512
MAX_CHORD_SPANS = 20_000
MAX_SUGGESTIONS = 10_000
MAX_TRACKS = 1_000
MAX_EXTRAS = 256
MAX_TEXT = 4096
_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


# --- writing ------------------------------------------------------------------------------------------
def _relative(path: Path, folder: Path) -> str:
    try:
        return Path(os.path.relpath(path, folder)).as_posix()
    except ValueError:  # another drive on Windows: no relative path exists
        return Path(path).as_posix()


def project_to_json(project: Project, folder: Path) -> dict[str, Any]:
    """The document for `project` with stem paths relative to `folder`."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "name": project.name,
        "sample_rate": project.sample_rate,
        "master_gain_db": project.master_gain_db,
        "tempo_bpm": project.tempo_bpm,
        "time_signature": str(project.time_signature),
        "key": None if project.key is None else project.key.name,
        "downbeat_offset": project.downbeat_offset,
        "tempo_anchors": [[q, t] for q, t in project.tempo_anchors],
        "chords": None if project.chords is None else [[s.start, s.end, s.chord.symbol] for s in project.chords],
        "loop": None if project.loop is None else {"start": project.loop.start, "end": project.loop.end},
        "loop_enabled": project.loop_enabled,
        "stems": [{
            "id": s.id, "name": s.name, "path": _relative(s.path, folder), "gain_db": s.gain_db, "pan": s.pan,
            "mute": s.mute, "solo": s.solo, "role": s.role, "content_sha256": s.content_sha256,
        } for s in project.stems],
        "suggestions": [i.to_json() for i in project.suggestions],
        "tracks": [t.to_json() for t in project.tracks],
        "extras": project.extras,
    }


def save_project(project: Project, path: str | Path) -> Path:
    """Write `project` to `path` atomically and make it the project's path. Raises WriteError/ProjectError."""
    path = write_project(project, path)
    project.path = path
    return path


def write_project(project: Project, path: str | Path, *, indent: int | None = 2) -> Path:
    """Write `project` to `path` atomically without changing `project.path` (autosave, export copies).

    `indent=None` writes compact JSON with json's C encoder, ~5x faster: for autosave on the GUI thread."""
    path = Path(path).absolute()
    if path.suffix.lower() != EXTENSION:
        path = path.with_name(path.name + EXTENSION)
    try:
        doc = project_to_json(project, path.parent)
        text = json.dumps(doc, indent=indent, ensure_ascii=False, allow_nan=False)
        if not text.isascii():
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:  # a file name that is not valid UTF-8 (surrogate escapes): keep it
                # exact as \udcXX escapes, which json.loads turns back into the same name (found by
                # tests/reliability: such a stem made saving and autosave fail)
                text = json.dumps(doc, indent=indent, ensure_ascii=True, allow_nan=False)
    except (TypeError, ValueError) as exc:  # something non-JSON slipped into suggestions/tracks/extras
        raise ProjectError(f"cannot be saved: {exc}", path=path) from exc
    atomic_write_text(path, text + "\n")
    return path


# --- reading ------------------------------------------------------------------------------------------
class _Fields:
    """Typed access to a JSON object that names the offending field in every error."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, reason: str) -> ProjectError:
        return ProjectError(f"{where}: {reason}", path=self.path, hint="the project file is damaged or was "
                            "edited by hand")

    def obj(self, data: Any, where: str) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.fail(where, f"expected an object, got {_kind(data)}")
        return data

    def number(self, data: dict, key: str, where: str, *, lo: float, hi: float, default: Any = ...,
               optional: bool = False) -> float | None:
        if key not in data:
            if default is ...:
                raise self.fail(f"{where}{key}", "is missing")
            return default
        v = data[key]
        if v is None and optional:
            return None
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise self.fail(f"{where}{key}", f"expected a number, got {_kind(v)}")
        if not lo <= v <= hi:
            raise self.fail(f"{where}{key}", f"{v:g} is outside {lo:g}..{hi:g}")
        return float(v)

    def boolean(self, data: dict, key: str, where: str, default: bool = False) -> bool:
        v = data.get(key, default)
        if not isinstance(v, bool):
            raise self.fail(f"{where}{key}", f"expected true or false, got {_kind(v)}")
        return v

    def text(self, data: dict, key: str, where: str, *, default: Any = ..., optional: bool = False,
             max_len: int = MAX_TEXT) -> str | None:
        if key not in data:
            if default is ...:
                raise self.fail(f"{where}{key}", "is missing")
            return default
        v = data[key]
        if v is None and optional:
            return None
        if not isinstance(v, str):
            raise self.fail(f"{where}{key}", f"expected text, got {_kind(v)}")
        if len(v) > max_len:
            raise self.fail(f"{where}{key}", f"is {len(v)} characters long (at most {max_len})")
        return v

    def array(self, data: dict, key: str, where: str, *, max_len: int, optional: bool = False) -> list | None:
        v = data.get(key, None if optional else [])
        if v is None and optional:
            return None
        if not isinstance(v, list):
            raise self.fail(f"{where}{key}", f"expected a list, got {_kind(v)}")
        if len(v) > max_len:
            raise self.fail(f"{where}{key}", f"has {len(v)} entries (at most {max_len})")
        return v


def _kind(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true/false"
    if isinstance(v, str):
        return f"text {v[:40]!r}"
    if isinstance(v, int | float):
        return f"the number {v!r}"
    if isinstance(v, dict):
        return "an object"
    if isinstance(v, list):
        return "a list"
    return type(v).__name__


def _stem_path(text: str, folder: Path) -> tuple[Path, bool]:
    """Absolute path of a stem and whether it is missing. Falls back to the project's folder when the
    stems were moved next to the project file (a common way of sending a song to someone)."""
    p = Path(text)
    full = Path(os.path.normpath(p if p.is_absolute() else folder / p))
    if full.is_file():
        return full, False
    beside = folder / p.name
    if p.name and beside.is_file():
        return beside, False
    return full, True


def _stem(f: _Fields, raw: Any, i: int, folder: Path) -> StemRef:
    where = f"stems[{i}]."
    d = f.obj(raw, f"stems[{i}]")
    sid = f.text(d, "id", where) or ""
    if not _ID_RE.fullmatch(sid):
        raise f.fail(f"{where}id", "expected 1–64 letters, digits, '-' or '_'")
    rel = f.text(d, "path", where)
    if not rel or "\x00" in rel:
        raise f.fail(f"{where}path", "is empty or not a file name")
    path, missing = _stem_path(rel, folder)
    sha = f.text(d, "content_sha256", where, default=None, optional=True, max_len=64)
    if sha is not None and not re.fullmatch(r"[0-9a-f]{64}", sha):
        raise f.fail(f"{where}content_sha256", "expected 64 hexadecimal digits")
    return StemRef(
        id=sid, name=f.text(d, "name", where) or path.stem, path=path,
        gain_db=f.number(d, "gain_db", where, lo=-96.0, hi=24.0, default=0.0) or 0.0,
        pan=f.number(d, "pan", where, lo=-1.0, hi=1.0, default=0.0) or 0.0,
        mute=f.boolean(d, "mute", where), solo=f.boolean(d, "solo", where),
        role=f.text(d, "role", where, default=None, optional=True, max_len=64),
        content_sha256=sha, missing=missing,
    )


def _chords(f: _Fields, d: dict) -> ChordTimeline | None:
    raw = f.array(d, "chords", "", max_len=MAX_CHORD_SPANS, optional=True)
    if raw is None:
        return None
    spans = []
    for i, item in enumerate(raw):
        if (not isinstance(item, list) or len(item) != 3 or not all(
                isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x) for x in item[:2])
                or not isinstance(item[2], str)):
            raise f.fail(f"chords[{i}]", "expected [start, end, symbol] with numbers and a chord symbol")
        start, end = float(item[0]), float(item[1])
        if not 0.0 <= start < end:
            raise f.fail(f"chords[{i}]", f"span {start:g}–{end:g} is empty or negative")
        try:
            spans.append(ChordSpan(start, end, Chord.parse(item[2][:32])))
        except ValueError as exc:
            raise f.fail(f"chords[{i}]", str(exc)) from exc
    try:
        return ChordTimeline(tuple(spans))
    except ValueError as exc:
        raise f.fail("chords", str(exc)) from exc


def _json_list_of_objects(f: _Fields, d: dict, key: str, max_len: int) -> list[dict]:
    items = f.array(d, key, "", max_len=max_len) or []
    for i, item in enumerate(items):
        f.obj(item, f"{key}[{i}]")
    return items


def _ideas(f: _Fields, d: dict) -> tuple[tuple[Idea, ...], tuple[IdeaTrack, ...]]:
    """Suggestions and tracks parsed once, old spellings included (ideas.py); the error names the field."""
    suggestions = _json_list_of_objects(f, d, "suggestions", MAX_SUGGESTIONS)
    tracks = _json_list_of_objects(f, d, "tracks", MAX_TRACKS)
    try:
        ideas, parsed = parse_ideas(suggestions, tracks)
    except IdeaFormatError as exc:
        raise f.fail(exc.field, exc.reason) from exc
    return ideas, parsed + orphan_kept_tracks(ideas, parsed)


def project_from_json(data: Any, path: Path) -> Project:
    """Validate a parsed document and build the Project (stem paths resolved against path's folder)."""
    f = _Fields(path)
    d = f.obj(data, "document")
    if d.get("format") != FORMAT:
        raise ProjectError("is not an Accord project (no \"format\": \"accord-project\")", path=path)
    version = d.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise f.fail("version", f"expected a whole number ≥ 1, got {_kind(version)}")
    if version > VERSION:
        raise ProjectError(f"was saved by a newer Accord (project format version {version}; this version "
                           f"reads up to {VERSION})", path=path, hint="update Accord to open it")
    folder = path.parent
    raw_stems = f.array(d, "stems", "", max_len=MAX_STEMS) or []
    stems = [_stem(f, s, i, folder) for i, s in enumerate(raw_stems)]
    ids = [s.id for s in stems]
    if len(set(ids)) != len(ids):
        raise f.fail("stems", "two stems share the same id")
    ts_text = f.text(d, "time_signature", "", default="4/4", max_len=16) or "4/4"
    try:
        ts = TimeSignature.parse(ts_text)
    except ValueError as exc:
        raise f.fail("time_signature", str(exc)) from exc
    key_text = f.text(d, "key", "", default=None, optional=True, max_len=32)
    try:
        key = None if key_text is None else Key.parse(key_text)
    except ValueError as exc:
        raise f.fail("key", str(exc)) from exc
    raw_anchors = f.array(d, "tempo_anchors", "", max_len=MAX_ANCHORS, optional=True) or []
    if not all(isinstance(a, list) and len(a) == 2 and all(isinstance(x, int | float) and not isinstance(x, bool)
                                                         for x in a) for a in raw_anchors):
        raise f.fail("tempo_anchors", "expected [quarters, seconds] pairs of numbers")
    try:
        anchors = check_anchors(raw_anchors) if raw_anchors else ()
    except (TypeError, ValueError) as exc:
        raise f.fail("tempo_anchors", f"{exc} (delete the entry to use one constant tempo)") from exc
    loop = None
    if d.get("loop") is not None:
        ld = f.obj(d["loop"], "loop")
        start = f.number(ld, "start", "loop.", lo=0.0, hi=1e6) or 0.0
        end = f.number(ld, "end", "loop.", lo=0.0, hi=1e6) or 0.0
        if end <= start:
            raise f.fail("loop", f"end {end:g} s is not after start {start:g} s")
        loop = LoopRegion(start, end)
    extras = f.obj(d.get("extras", {}), "extras")
    if len(extras) > MAX_EXTRAS:
        raise f.fail("extras", f"has {len(extras)} entries (at most {MAX_EXTRAS})")
    for k, v in extras.items():
        f.obj(v, f"extras.{k}")
    ideas, tracks = _ideas(f, d)
    sample_rate = f.number(d, "sample_rate", "", lo=8000, hi=384000, default=48000.0)
    if sample_rate is None or sample_rate != int(sample_rate):
        raise f.fail("sample_rate", "expected a whole number of Hz")
    return Project(
        name=f.text(d, "name", "", default=path.stem, max_len=256) or path.stem,
        path=path,
        sample_rate=int(sample_rate),
        stems=stems,
        master_gain_db=f.number(d, "master_gain_db", "", lo=-96.0, hi=24.0, default=0.0) or 0.0,
        tempo_bpm=f.number(d, "tempo_bpm", "", lo=TEMPO_MIN, hi=TEMPO_MAX, default=None, optional=True),
        time_signature=ts,
        key=key,
        downbeat_offset=f.number(d, "downbeat_offset", "", lo=0.0, hi=1e6, default=0.0) or 0.0,
        tempo_anchors=anchors,
        chords=_chords(f, d),
        loop=loop,
        loop_enabled=f.boolean(d, "loop_enabled", ""),
        suggestions=ideas,
        tracks=tracks,
        extras=extras,
    )


def load_project(path: str | Path) -> Project:
    """Read and validate a project file. Missing stem files are reported via `project.missing_stems`."""
    path = Path(path).absolute()
    return project_from_json(parse_project_json(read_project_text(path), path), path)
