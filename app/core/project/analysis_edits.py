"""Undoable edits of what analysis found: tempo (typed or tapped), downbeat, key, chords, stem roles.

Each is an `Edit` (apply/revert/label) built on `SetProjectField` where it fits, so the studio's undo
stack, autosave and the project file treat them like every other change. `ApplyAnalysis` stores a whole
analysis result in the project (fields + `extras["analysis"]`) as one undo step.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import replace

from app.core.analysis.result import ROLES, SongAnalysis
from app.core.analysis.rhythm.tap import tap_tempo
from app.core.music import TEMPO_MAX, TEMPO_MIN, Chord, ChordSpan, ChordTimeline, Key, TimeSignature
from app.core.project.edits import BaseEdit, CompoundEdit, Edit, RenameStem, SetProjectField, SetStemRole
from app.core.project.model import Project, copy_json

EXTRAS_KEY = "analysis"
NUDGE_STEP_SECONDS = 0.01


class SetTempo(SetProjectField):
    """Set the tempo in BPM (quarter notes per minute); a spin-box drag is one step via `gesture`."""

    def __init__(self, bpm: float, *, tapped: bool = False, gesture: Hashable | None = None) -> None:
        bpm = round(float(bpm), 2)
        if not TEMPO_MIN <= bpm <= TEMPO_MAX:
            raise ValueError(f"tempo {bpm:g} BPM is outside {TEMPO_MIN:g}–{TEMPO_MAX:g}")
        super().__init__("tempo_bpm", bpm, label=f"{'Tap' if tapped else 'Set'} tempo {bpm:g} BPM", gesture=gesture)
        self._anchors: SetProjectField | None = None

    # A tempo typed or tapped is one constant tempo: a grid that followed the song's own beats (anchors from the
    # analysis) gives way to it, and comes back on undo.
    def apply(self, project: Project) -> None:
        if self._anchors is None and project.tempo_anchors:
            self._anchors = SetProjectField("tempo_anchors", ())
        if self._anchors is not None:
            self._anchors.apply(project)
        super().apply(project)

    def revert(self, project: Project) -> None:
        super().revert(project)
        if self._anchors is not None:
            self._anchors.revert(project)


def tapped_tempo_edit(tap_times: list[float]) -> SetTempo | None:
    """A SetTempo from tap times in seconds (None until two usable taps)."""
    bpm = tap_tempo(tap_times)
    return None if bpm is None else SetTempo(bpm, tapped=True)


def scale_tempo(project: Project, factor: float, *, triplet_feel: bool | None = None) -> Edit:
    """Double (`factor` 2), halve (0.5) or otherwise scale the tempo as one undo step, with what was heard in the
    audio staying where it sounds: the grid's anchors, the chords and the stored analysis (its lead melody and key
    sections too) are rescaled in quarter notes, so bar 1 and every chord keep their seconds.

    Why not SetTempo: a typed tempo keeps every position in quarter notes, as a DAW's MIDI follows its tempo, so
    correcting a song read at half tempo by typing the double moved its chords off the audio (an F at 3.0 s
    went to 6.0 s). Half and double are the ears' commonest misreading (docs/analysis.md), and this is the
    one-click fix for it. Ideas and kept tracks are the artist's material in beats and follow the tempo as
    typed edits leave them. The stored analysis's triplet feel belonged to the old beat (with_tempo_scaled drops it),
    unless `triplet_feel` says what the new beat's is (write_beats_as: a compound meter's dotted-quarter beat written
    as a quarter note does divide in three)."""
    if project.tempo_bpm is None:
        raise ValueError("the song has no tempo yet: analyse it or type one first")
    f = float(factor)
    bpm = float(project.tempo_bpm) * f
    if not TEMPO_MIN <= bpm <= TEMPO_MAX:
        raise ValueError(f"{bpm:g} BPM would be outside {TEMPO_MIN:g}–{TEMPO_MAX:g}")
    edits: list[Edit] = [SetProjectField("tempo_bpm", bpm),
                         SetProjectField("tempo_anchors", tuple((q * f, t) for q, t in project.tempo_anchors))]
    if project.chords is not None:
        edits.append(SetProjectField("chords", project.chords.scaled(f)))
    analysis = stored_analysis(project)
    if analysis is not None:
        extras = copy_json(project.extras)
        scaled = analysis.with_tempo_scaled(f)
        if triplet_feel is not None:
            scaled = replace(scaled, triplet_feel=triplet_feel)
        extras[EXTRAS_KEY] = {**extras.get(EXTRAS_KEY, {}), "result": scaled.to_json()}
        edits.append(SetProjectField("extras", extras))
    # (write_beats_as labels its own ×2/3 and ×3/2; the runner-up tempo may be any of the felt-beat ratios)
    word = "Double" if abs(f - 2.0) < 1e-9 else "Halve" if abs(f - 0.5) < 1e-9 else "Scale"
    return CompoundEdit(f"{word} tempo ({project.tempo_bpm:g} → {bpm:.6g} BPM)", edits)


# The other common notation of the same beats: a compound meter's dotted-quarter beat written as a quarter note
# in triplets, or a simple meter's quarter beat written as a dotted quarter (see same_beats_meter).
_AS_SIMPLE = {2: TimeSignature(4, 4), 3: TimeSignature(3, 4), 4: TimeSignature(4, 4)}  # beats a bar -> meter


def same_beats_meter(ts: TimeSignature) -> tuple[TimeSignature, float] | None:
    """(the meter, the tempo factor) that write the same beats the other common way, or None (5/4, 7/8...).

    Compound to simple (tempo x 2/3): 12/8 and 6/8 become 4/4 in triplets, 9/8 becomes 3/4. A song felt in
    four with a triplet feel (a 12/8 blues, a jazz-rock shuffle) is read by the ears as 6/8, two beats a bar,
    and many such songs are written in 4/4 with triplets: there two 6/8 bars make one 4/4 bar. Simple to
    compound (x 3/2): 4/4 becomes 12/8, 3/4 9/8, 2/4 6/8. Which notation a song is written in is a choice
    (MIDI files and charts use both), not something the audio settles (docs/analysis.md), so the studio
    offers the other one as one click."""
    if ts.is_compound:
        target = _AS_SIMPLE.get(ts.numerator // 3)
        return None if target is None else (target, 2.0 / 3.0)
    if ts.denominator == 4 and ts.numerator in _AS_SIMPLE:
        return TimeSignature(3 * ts.numerator, 8), 1.5
    return None


def write_beats_as(project: Project) -> Edit:
    """The same beats in the other common notation (see same_beats_meter) as one undo step: meter and tempo
    change together, and everything heard keeps its seconds, as scale_tempo keeps it."""
    ts = project.time_signature
    choice = same_beats_meter(ts)
    if choice is None:
        raise ValueError(f"{ts} has no other common notation of its beats (12/8, 6/8, 9/8, 4/4, 3/4 and 2/4 do)")
    target, factor = choice
    # raises without a tempo or past the tempo range; 6/8 as 4/4 is a triplet feel written in simple time
    scaled = scale_tempo(project, factor, triplet_feel=ts.is_compound)
    bpm = float(project.tempo_bpm) * factor
    return CompoundEdit(f"Write {ts} at {project.tempo_bpm:g} as {target} at {bpm:.4g} BPM",
                        [scaled, SetTimeSignature(target)])


def set_triplet_feel(project: Project, on: bool) -> Edit:
    """The song's feel as the artist hears it: each beat in three (a swing, a shuffle, a 12/8 feel written 4/4) or
    straight, kept in the stored analysis beside what the ears heard there (one undo step). Suggestions in the song's
    feel follow it (cocreation/feel.py). ValueError before the song is analysed: the feel belongs to its beat."""
    analysis = stored_analysis(project)
    if analysis is None:
        raise ValueError("analyse the stems first: the feel is the analysed beat's")
    extras = copy_json(project.extras)
    extras[EXTRAS_KEY] = {**extras.get(EXTRAS_KEY, {}), "result": replace(analysis, triplet_feel=bool(on)).to_json()}
    return SetProjectField("extras", extras, label="Triplet feel" if on else "Straight feel")


class SetTimeSignature(SetProjectField):
    def __init__(self, ts: TimeSignature) -> None:
        super().__init__("time_signature", ts, label=f"Set meter {ts}")


class NudgeDownbeat(BaseEdit):
    """Move bar 1 beat 1 earlier or later by `delta_seconds` (never before the start of the audio)."""

    def __init__(self, delta_seconds: float) -> None:
        self.delta = float(delta_seconds)
        self.label = f"Nudge downbeat {'later' if self.delta > 0 else 'earlier'}"
        self._old: float | None = None

    def apply(self, project: Project) -> None:
        if self._old is None:
            self._old = float(project.downbeat_offset)
        SetProjectField("downbeat_offset", max(0.0, self._old + self.delta)).apply(project)

    def revert(self, project: Project) -> None:
        assert self._old is not None, "revert before apply"
        SetProjectField("downbeat_offset", self._old).apply(project)


# the moves by part of a beat, and how an undo step names them
_PART_OF_A_BEAT = {0.5: "half a beat", 1.0 / 3.0: "a third of a beat"}


def off_beat_step(ts: TimeSignature) -> tuple[float, str]:
    """(beats, words) of the move that puts a grid sitting between the beats on them: half a beat in a simple meter
    (the "and"), a third of one in a compound meter, whose beat is three eighths (one eighth either way)."""
    step = 1.0 / 3.0 if ts.is_compound else 0.5
    return step, _PART_OF_A_BEAT[step]


def move_bar_one(project: Project, beats: float) -> Edit:
    """Move bar 1 by `beats` felt beats (a dotted quarter in 6/8) as one undo step: -1 or 1 puts the downbeat on
    the beat before or after (the ears' "1" was the band's "2"), 0.5 puts every beat on the "and" (a grid half a
    beat off all song long: a bass that anticipates the beat, an oom-pah's off-beat snare). Everything heard
    keeps its seconds, as with ½× and 2×: the chords, the grid's anchors and the stored analysis count from the
    new bar 1. Bar 1 moved to just before the audio's start is the start; further before it, it goes a bar later
    instead (BeatGrid.bar_one_moved: what sounds before it is a pickup). Ideas and kept tracks are
    the artist's material in bars and move with bar 1, as with the 10 ms nudges."""
    grid = project.beat_grid()
    if grid is None:
        raise ValueError("the song has no tempo yet: analyse it or type one first")
    quarters, moved = grid.bar_one_moved(beats)
    edits: list[Edit] = [SetProjectField("downbeat_offset", max(0.0, moved.offset_seconds)),
                         SetProjectField("tempo_anchors", moved.anchors)]
    if project.chords is not None:
        chords = project.chords.shifted_from_bar_one(-quarters)
        edits.append(SetProjectField("chords", chords if len(chords) else None))
    analysis = stored_analysis(project)
    if analysis is not None:
        extras = copy_json(project.extras)
        extras[EXTRAS_KEY] = {**extras.get(EXTRAS_KEY, {}), "result": analysis.with_bar_one_at(quarters).to_json()}
        edits.append(SetProjectField("extras", extras))
    n = abs(float(beats))
    part = next((words for step, words in _PART_OF_A_BEAT.items() if abs(n - step) < 1e-9), None)
    what = f"{part or ('a beat' if n == 1 else f'{n:g} beats')} {'later' if beats > 0 else 'earlier'}"
    return CompoundEdit(f"Move bar 1 {what}", edits)


class OverrideKey(SetProjectField):
    def __init__(self, key: Key | None) -> None:
        super().__init__("key", key, label=f"Set key {key.name}" if key else "Clear key")


class SetChordSpan(BaseEdit):
    """Replace the chord of span `index` in the project's chord timeline."""

    def __init__(self, index: int, chord: Chord) -> None:
        self.index = int(index)
        self.chord = chord
        self.label = f"Set chord {chord.symbol}"
        self._old: ChordTimeline | None = None

    def apply(self, project: Project) -> None:
        timeline = project.chords
        if timeline is None or not 0 <= self.index < len(timeline):
            raise ValueError(f"no chord span {self.index} to edit")
        if self._old is None:
            self._old = timeline
        SetProjectField("chords", self._old.with_chord(self.index, self.chord)).apply(project)

    def revert(self, project: Project) -> None:
        assert self._old is not None, "revert before apply"
        SetProjectField("chords", self._old).apply(project)


class SetChordAt(BaseEdit):
    """Set the chord over [start, end) quarter notes, splitting the spans it overlaps."""

    def __init__(self, start: float, end: float, chord: Chord) -> None:
        if not end > start >= 0:
            raise ValueError(f"chord range {start:g}–{end:g} is empty")
        self.start, self.end, self.chord = float(start), float(end), chord
        self.label = f"Set chord {chord.symbol}"
        self._old: ChordTimeline | None = None
        self._captured = False

    def apply(self, project: Project) -> None:
        if not self._captured:
            self._old, self._captured = project.chords, True
        spans: list[ChordSpan] = []
        for s in (self._old.spans if self._old else ()):
            if s.end <= self.start or s.start >= self.end:
                spans.append(s)
                continue
            if s.start < self.start:
                spans.append(ChordSpan(s.start, self.start, s.chord))
            if s.end > self.end:
                spans.append(ChordSpan(self.end, s.end, s.chord))
        spans.append(ChordSpan(self.start, self.end, self.chord))
        SetProjectField("chords", ChordTimeline(tuple(sorted(spans, key=lambda s: s.start)))).apply(project)

    def revert(self, project: Project) -> None:
        SetProjectField("chords", self._old).apply(project)


class OverrideStemRole(SetStemRole):
    """The user's role for a stem (drums, bass, harmony, lead, other; None: let analysis guess)."""

    def _coerce(self, value: object) -> str | None:
        if value is not None and value not in ROLES:
            raise ValueError(f"unknown role {value!r} (expected one of {', '.join(ROLES)})")
        self.noun = f"Set role {value}" if value else "Clear role"
        return None if value is None else str(value)


def stored_analysis(project: Project) -> SongAnalysis | None:
    """The analysis last applied to the project, or None (missing or unreadable: analyse again)."""
    data = project.extras.get(EXTRAS_KEY, {}).get("result")
    if data is None:
        return None
    try:
        return SongAnalysis.from_json(data)
    except Exception:  # noqa: BLE001 — a damaged stored result only means re-analysing
        return None


def apply_analysis(project: Project, analysis: SongAnalysis) -> Edit:
    """One undo step that writes an analysis into the project: tempo, meter, downbeat, key, chords, the
    result itself (extras) and the guessed roles of stems that have none yet."""
    extras = copy_json(project.extras)
    extras[EXTRAS_KEY] = {"result": analysis.to_json()}
    edits: list[Edit] = [
        SetProjectField("tempo_bpm", float(analysis.grid.tempo_bpm)),
        SetProjectField("time_signature", analysis.grid.time_signature),
        SetProjectField("downbeat_offset", max(0.0, float(analysis.grid.offset_seconds))),
        SetProjectField("tempo_anchors", analysis.grid.anchors),
        SetProjectField("key", analysis.key),
        SetProjectField("chords", analysis.chords if len(analysis.chords) else None),
        SetProjectField("extras", extras),
    ]
    for stem in project.stems:
        guessed = analysis.roles.get(stem.name)
        if stem.role is None and guessed in ROLES:
            edits.append(SetStemRole(stem.id, guessed))
    return CompoundEdit("Apply analysis", edits)


def apply_heard_on_grid(project: Project, analysis: SongAnalysis) -> Edit:
    """One undo step that writes what an analysis heard on the artist's own grid (`analyze_stems(grid=...)`): the
    key, the chords and the stored result, with the grid the artist set left as it is. The stored result keeps the
    tempo readings of the analysis before it (the fit, the runner-up tempo, the tempo map: heard in the audio, and
    not looked for on a given grid), so the panel's "fit" and "Use 72" stay."""
    old = stored_analysis(project)
    if old is not None:
        analysis = replace(analysis, tempo_determined=old.tempo_determined, tempo_confidence=old.tempo_confidence,
                           tempo_fit_bpm=old.tempo_fit_bpm, tempo_map=old.tempo_map,
                           tempo_runner_up_bpm=old.tempo_runner_up_bpm, triplet_feel=old.triplet_feel)
    extras = copy_json(project.extras)
    extras[EXTRAS_KEY] = {"result": analysis.to_json()}
    edits: list[Edit] = [SetProjectField("key", analysis.key),
                         SetProjectField("chords", analysis.chords if len(analysis.chords) else None),
                         SetProjectField("extras", extras)]
    return CompoundEdit("Hear the key and chords on this grid", edits)


def rename_stem(project: Project, stem_id: str, name: str) -> Edit:
    """Rename a stem, and the stored analysis's mentions of it with it (one undo step): the analysis names
    stems (the lead it read the melody from, the roles it guessed), so a renamed lead stem had fallen back to
    "(guess)" and its guessed role was lost."""
    rename = RenameStem(stem_id, name)
    old = project.stem(stem_id).name
    result = project.extras.get(EXTRAS_KEY, {}).get("result")
    if not isinstance(result, dict) or old == rename.value:
        return rename
    renamed = copy_json(result)
    if renamed.get("lead") == old:
        renamed["lead"] = rename.value
    for field in ("roles", "role_sources"):
        table = renamed.get(field)
        if isinstance(table, dict) and old in table:
            renamed[field] = {rename.value if k == old else k: v for k, v in table.items()}
    for entry in renamed.get("stems") or ():
        if isinstance(entry, dict) and entry.get("name") == old:
            entry["name"] = rename.value
    if renamed == result:
        return rename
    extras = copy_json(project.extras)
    extras[EXTRAS_KEY] = {**extras[EXTRAS_KEY], "result": renamed}
    return CompoundEdit(rename.label, [rename, SetProjectField("extras", extras)])
