"""Asking the model for suggestions over a range of the song: the request, the song's context, the plan
(constraints + the melody to continue, fill or vary) and a generator that yields one suggestion at a time.

The project composes model and analysis here (they never import each other). Constraints come from the
song's stored analysis when there is one (`song_constraints`), else from the project's own tempo, key,
meter and chords, else from defaults. `generate_suggestions` calls the model once per suggestion so the
studio can render and show each as soon as it exists; `suggestion_entry` turns a result into the JSON
kept in `project.suggestions` (with the training works it credits, so its provenance stays complete even
after the model is retrained).
"""

from __future__ import annotations

import datetime as _dt
import math
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from app.core.errors import ConstraintError
from app.core.model.constraints import DEFAULT_MAX_COPY, Constraints
from app.core.model.credit import Suggestion
from app.core.model.generation.generate import (
    DEFAULT_TEMPERATURE,
    VARY_KINDS,
    continue_phrase,
    fill_gap,
    vary,
)
from app.core.model.style.profile import BREATHING, STUDIO_STYLE, Style
from app.core.model.style.structure import STRUCTURES
from app.core.model.training import TrainedModel
from app.core.music import BeatGrid, ChordSpan, ChordTimeline, Key, Melody, Note, TimeSignature
from app.core.project.analysis_edits import stored_analysis
from app.core.project.cocreation.feel import FEELS, TripletView, triplet_view
from app.core.project.cocreation.ideas import Idea
from app.core.project.cocreation.song_constraints import (
    apply_project_edits,
    constraints_from_analysis,
    lead_pitch_range,
)
from app.core.project.limits import (
    REQUEST_ADVENTUROUSNESS,
    REQUEST_BARS,
    REQUEST_COUNT,
    REQUEST_MAX_COPY,
)
from app.core.project.model import Project
from app.core.tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress

MODES = ("continue", "fill", "vary")
DEFAULT_TEMPO = 120.0
DENSITIES: dict[str, tuple[float, float] | None] = {"any": None, "sparse": (1, 4), "medium": (3, 8),
                                                    "busy": (6, 16)}
CONTEXT_BARS = 4  # bars of the lead before the range that a continuation hears


@dataclass(frozen=True)
class SuggestRequest:
    """What the artist asked for in the panel (stored with every suggestion, for "regenerate like this")."""

    mode: str = "continue"
    start_bar: int = 0  # zero-based first bar of the range
    bars: int = 4
    count: int = 4
    whole_lead: bool = False  # the range is the whole lead melody
    key_lock: bool = True
    pitch_range: tuple[int, int] | None = None  # None: the lead's range, widened
    density: str = "any"
    closeness: float = 0.5
    adventurousness: float = DEFAULT_TEMPERATURE  # the sampling temperature
    max_copy: int = DEFAULT_MAX_COPY
    vary_kind: str = "rhythm"
    seed: int | None = None
    source: dict | None = None  # a melody (JSON) to vary instead of the lead ("vary this")
    structure: str = "repeat-and-vary"  # issue 15: free / repeat-and-vary / call-and-answer (learned plans)
    breathing: str = "catalogue"  # rests: none / less / catalogue / more
    feel: str = "song"  # song (triplets over a triplet feel, else straight) / straight / triplets (feel.py)

    def checked(self) -> SuggestRequest:
        if self.mode not in MODES:
            raise ConstraintError(f"mode {self.mode!r} is not one of {', '.join(MODES)}", path="mode")
        if not REQUEST_BARS.holds(self.bars):
            raise ConstraintError(f"bars must be {REQUEST_BARS.low:g}..{REQUEST_BARS.high:g}, not {self.bars}",
                                  path="bars")
        if self.start_bar < 0:
            raise ConstraintError("the range starts before bar 1", path="start_bar")
        if not REQUEST_COUNT.holds(self.count):
            raise ConstraintError(f"count must be {REQUEST_COUNT.low:g}..{REQUEST_COUNT.high:g}, not {self.count}",
                                  path="count")
        if self.density not in DENSITIES:
            raise ConstraintError(f"density {self.density!r} is not one of {', '.join(DENSITIES)}", path="density")
        if self.vary_kind not in VARY_KINDS:
            raise ConstraintError(f"variation {self.vary_kind!r} is not one of {', '.join(VARY_KINDS)}")
        if not REQUEST_ADVENTUROUSNESS.holds(self.adventurousness):
            a = REQUEST_ADVENTUROUSNESS
            raise ConstraintError(f"adventurousness must be {a.low:g}..{a.high:g}", path="adventurousness")
        if self.structure not in STRUCTURES:
            raise ConstraintError(f"structure {self.structure!r} is not one of {', '.join(STRUCTURES)}",
                                  path="structure")
        if self.feel not in FEELS:
            raise ConstraintError(f"feel {self.feel!r} is not one of {', '.join(FEELS)}", path="feel")
        if self.breathing not in BREATHING:
            raise ConstraintError(f"breathing {self.breathing!r} is not one of {', '.join(BREATHING)}",
                                  path="breathing")
        if not REQUEST_MAX_COPY.holds(self.max_copy):
            raise ConstraintError(f"max copy must be {REQUEST_MAX_COPY.low:g}..{REQUEST_MAX_COPY.high:g} notes",
                                  path="max_copy")
        return self

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["pitch_range"] = None if self.pitch_range is None else list(self.pitch_range)
        return d

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SuggestRequest:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        if known.get("pitch_range") is not None:
            known["pitch_range"] = (int(known["pitch_range"][0]), int(known["pitch_range"][1]))
        return cls(**known)


@dataclass(frozen=True)
class SongContext:
    """What the song tells a suggestion: grid, key, chords, lead melody, and where that came from."""

    grid: BeatGrid
    key: Key | None
    chords: ChordTimeline | None
    lead: Melody | None
    source: str  # "analysis" | "project" | "defaults"
    analysis: Any = None  # the SongAnalysis (with the artist's corrections) when there is one

    @property
    def triplet_feel(self) -> bool:
        """Each beat divides in three: the ears heard a triplet feel in simple time (a shuffle, a 12/8 ballad written
        4/4), or the meter is compound (12/8 writes it so). "Song's feel" then means triplets."""
        return self.time_signature.is_compound or bool(getattr(self.analysis, "triplet_feel", False))

    @property
    def time_signature(self) -> TimeSignature:
        return self.grid.time_signature

    @property
    def bar_quarters(self) -> float:
        return self.time_signature.bar_quarters

    def lead_bars(self) -> tuple[int, int] | None:
        """(first bar, bar count) spanned by the lead melody."""
        if self.lead is None or not self.lead.notes:
            return None
        first = math.floor(self.lead.notes[0].onset / self.bar_quarters + 1e-9)
        last = math.ceil(self.lead.end / self.bar_quarters - 1e-9)
        return first, max(1, min(32, last - first))


def song_context(project: Project) -> SongContext:
    """The song's context for suggestions: its analysis (with edits) → project fields → defaults."""
    analysis = stored_analysis(project)
    if analysis is not None:
        analysis = apply_project_edits(analysis, project)
        return SongContext(analysis.grid, analysis.key, analysis.chords if len(analysis.chords) else None,
                           analysis.melody, "analysis", analysis)
    tempo = project.tempo_bpm
    grid = project.beat_grid(DEFAULT_TEMPO) or BeatGrid(DEFAULT_TEMPO, project.time_signature)
    truth = project.extras.get("demo", {}).get("truth") if isinstance(project.extras.get("demo"), dict) else None
    if project.key is None and project.chords is None and isinstance(truth, dict):
        demo = _demo_context(grid, truth)
        if demo is not None:
            return demo
    source = "project" if (tempo or project.key) else "defaults"
    return SongContext(grid, project.key, project.chords, None, source)


def _demo_context(grid: BeatGrid, truth: dict) -> SongContext | None:
    """The bundled demo knows its own key, chords and lead (app/core/project/demo.py): before the artist
    analyses it, suggestions follow that instead of guessing in no key."""
    try:
        key = Key.parse(str(truth["key"]))
        bq = grid.time_signature.bar_quarters
        chords = ChordTimeline.from_symbols(list(truth["chords_per_bar"]), quarters_each=bq)
        lead = Melody(tuple(Note(int(p), float(o), float(d)) for p, o, d in truth["lead"]), key=key,
                      time_signature=grid.time_signature, tempo_bpm=grid.tempo_bpm)
    except (KeyError, TypeError, ValueError):
        return None
    return SongContext(grid, key, chords, lead, "demo")


def _chords_between(chords: ChordTimeline | None, start: float, end: float) -> ChordTimeline | None:
    if chords is None:
        return None
    spans = tuple(ChordSpan(max(s.start, start), min(s.end, end), s.chord) for s in chords
                  if s.end > start + 1e-9 and s.start < end - 1e-9 and not s.chord.is_no_chord)
    return ChordTimeline(spans) if spans else None


@dataclass(frozen=True)
class Plan:
    request: SuggestRequest
    constraints: Constraints
    melody: Melody  # the prime (continue), the whole lead (fill) or the melody to vary
    gap: tuple[float, float]  # the range in quarter notes on the song's timeline
    # a run in triplets: constraints, melody and gap are in this view's quarter notes, results come back (feel.py)
    view: TripletView | None = None

    @property
    def start_bar(self) -> int:
        return self.request.start_bar


def plan(ctx: SongContext, request: SuggestRequest) -> Plan:
    """Constraints and the melody the model works from; ConstraintError says what is missing."""
    request = request.checked()
    if request.whole_lead and request.source is None:
        span = ctx.lead_bars()
        if span is None:
            raise ConstraintError("the song has no lead melody yet: analyse the stems, or choose a bar range")
        request = replace(request, start_bar=span[0], bars=span[1])
    bq = ctx.bar_quarters
    start, end = request.start_bar * bq, (request.start_bar + request.bars) * bq
    density = DENSITIES[request.density]
    pitch_range = request.pitch_range or lead_pitch_range(ctx.lead)
    if ctx.analysis is not None:
        c = constraints_from_analysis(ctx.analysis, start_bar=request.start_bar, bars=request.bars,
                                      pitch_range=pitch_range, max_copy=request.max_copy,
                                      chromatic=not request.key_lock, density=density)
    else:
        chords = _chords_between(ctx.chords, start, end)
        try:
            c = Constraints(key=ctx.key, chromatic=not request.key_lock, chords=chords,
                            chord_tones_on_strong_beats=chords is not None, time_signature=ctx.time_signature,
                            bars=request.bars, start=start, pitch_range=pitch_range, density=density,
                            max_copy=request.max_copy, tempo_bpm=ctx.grid.tempo_bpm)
        except ValueError as exc:
            raise ConstraintError(str(exc)) from exc
    empty = Melody((), key=ctx.key, time_signature=ctx.time_signature, tempo_bpm=ctx.grid.tempo_bpm)
    lead = ctx.lead or empty
    if request.mode == "continue" and request.source is not None:  # e.g. a phrase recorded from MIDI
        melody = Melody.from_json(request.source).between(max(0.0, start - CONTEXT_BARS * bq), start)
    elif request.mode == "continue":
        melody = lead.between(max(0.0, start - CONTEXT_BARS * bq), start)
    elif request.mode == "fill":
        melody = lead
    elif request.source is not None:
        melody = Melody.from_json(request.source)
    else:
        melody = lead.between(start, end)
        if not melody.notes:
            raise ConstraintError(f"there is no lead melody in bars {request.start_bar + 1}–"
                                  f"{request.start_bar + request.bars} to vary: choose continue or fill, or "
                                  "analyse the stems first")
    melody = replace(melody, key=melody.key or ctx.key, time_signature=ctx.time_signature,
                     tempo_bpm=ctx.grid.tempo_bpm)
    view = triplet_view(ctx.time_signature, request.feel, ctx.triplet_feel)
    if view is None:
        return Plan(request, c, melody, (start, end))
    return Plan(request, view.constraints(c), view.melody(melody), view.gap((start, end)), view)


def request_style(r: SuggestRequest) -> Style:
    """The studio's style (learned rests, note counts, register, structure) with the artist's choices."""
    return replace(STUDIO_STYLE, breathing=BREATHING[r.breathing], structure=r.structure)


def generate_suggestions(model: TrainedModel, p: Plan, *, on_result: Callable[[Suggestion], None] | None = None,
                         sources: Mapping[int, Sequence[int]] | None = None, progress: Progress = no_progress,
                         cancel: CancelToken = NEVER_CANCELLED) -> list[Suggestion]:
    """Up to `request.count` distinct suggestions, one model call each, each passed to `on_result` at once.

    `sources` (work id -> the part as imported, `source_parts.model_source_parts`): max-copy holds against
    those too, and each suggestion reports its longest run against them (issue 15, item 5).

    The first ConstraintError is raised (nothing fits: the message says what to relax); a later one ends
    the run with what was found.
    """
    r = p.request
    style = request_style(r)
    base = r.seed if r.seed is not None else secrets.randbits(30)
    found: list[Suggestion] = []
    seen: set[tuple] = set()
    attempt = 0
    while len(found) < r.count and attempt < r.count * 3:
        cancel.check()
        seed = base + 7919 * attempt
        attempt += 1
        try:
            if r.mode == "continue":
                made = continue_phrase(model, p.melody, p.constraints, n=1, seed=seed, temperature=r.adventurousness,
                                       style=style, sources=sources or None)
            elif r.mode == "fill":
                made = fill_gap(model, p.melody, p.gap, p.constraints, n=1, seed=seed,
                                temperature=r.adventurousness, style=style, sources=sources or None)
            else:
                made = vary(model, p.melody, p.constraints, kind=r.vary_kind, closeness=r.closeness, n=1, seed=seed,
                            temperature=r.adventurousness, sources=sources or None)
        except ConstraintError:
            if not found:
                raise
            break
        s = made[0] if p.view is None else p.view.suggestion_back(made[0])
        sig = tuple((n.pitch, n.onset, n.duration) for n in s.notes.notes)
        if sig in seen:
            continue
        seen.add(sig)
        found.append(s)
        progress(len(found) / r.count, f"suggestion {len(found)} of {r.count}")
        if on_result is not None:
            on_result(s)
    return found


def credited_works(model: TrainedModel, suggestion: Suggestion) -> list[dict]:
    """Manifest entries of the works a suggestion credits (kept in the entry for its provenance)."""
    return [model.works[w].manifest_entry() for w in sorted(suggestion.credit) if w in model.works]


def suggestion_entry(suggestion: Suggestion, request: SuggestRequest, *, name: str, number: int | None = None,
                     works: list[dict] | None = None, titles: dict[int, str] | None = None) -> Idea:
    """The idea stored in `project.suggestions` for one result (its provenance JSON kept for export)."""
    entry = suggestion.to_json()
    entry.pop("per_note_credit", None)  # the mean credit is what provenance and the card use; keeps files small
    entry.update({"status": "new", "name": name, "request": request.to_json(),
                  "created_at": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")})
    if works is not None:
        entry["training_works"] = works
    if titles:
        entry["work_titles"] = {str(w): titles[w] for w in suggestion.credit if w in titles}
    if number is not None:
        entry["number"] = number
    return Idea.from_json(entry)


def range_label(request: SuggestRequest) -> str:
    first, last = request.start_bar + 1, request.start_bar + request.bars
    return f"bar {first}" if first == last else f"bars {first}–{last}"


def plan_label(p: Plan) -> str:
    """What a run's ideas are named: "Continue bars 5–8", or "New melody bars 1–4" where no melody comes before the
    range (a song whose tune is not written yet, or the song's start): there is nothing to continue. A run in
    triplets says so ("Continue bars 5–8 in triplets")."""
    what = "New melody" if p.request.mode == "continue" and not p.melody.notes else p.request.mode.capitalize()
    return f"{what} {range_label(p.request)}" + (" in triplets" if p.view is not None else "")


def lead_stem_ids(project: Project) -> set[str]:
    """The stems that carry the song's lead: role "lead", or the stem the stored analysis took its melody
    from. Auditioning a suggestion for the lead's bars silences them, as a producer mutes the guide vocal."""
    from app.core.project.analysis_edits import stored_analysis

    ids = {s.id for s in project.stems if s.role == "lead"}
    analysis = stored_analysis(project)
    if analysis is not None and analysis.lead:
        ids |= {s.id for s in project.stems if s.name == analysis.lead}
    return ids
