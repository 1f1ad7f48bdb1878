"""`SongAnalysis`: everything Accord heard in the stems, as plain values with a JSON round trip."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from app.core.analysis.harmony.key import KeySection
from app.core.errors import AnalysisError
from app.core.music import BeatGrid, Chord, ChordSpan, ChordTimeline, Key, Melody, TimeSignature, same_tempo

# What a stem can be to the analysis (here, beside the result that stores them, so that the studio's role menus
# and edits need not import the role classifier and its numba chroma).
ROLES = ("drums", "bass", "harmony", "lead", "other", "fx")

ANALYSIS_VERSION = 1


@dataclass(frozen=True)
class SongAnalysis:
    grid: BeatGrid  # always set; when the tempo could not be determined it is 120 BPM 4/4 (tempo_determined False)
    tempo_determined: bool
    tempo_confidence: float
    key: Key | None  # None: no key (drums only, noise) — see notes
    key_confidence: float
    key_sections: tuple[KeySection, ...]
    chords: ChordTimeline
    melody: Melody | None  # the lead stem's notes in quarter notes on the grid
    lead: str | None  # the stem the melody came from
    roles: dict[str, str]  # stem name -> drums | bass | harmony | lead | other
    role_sources: dict[str, str]  # stem name -> user | name | features
    stems: tuple[tuple[str, str], ...]  # (name, content sha256) in input order
    duration_seconds: float
    notes: tuple[str, ...] = ()  # warnings and "could not determine ..." messages for the user
    melody_seconds: tuple[tuple[float, float, float], ...] = field(default=(), repr=False)  # (onset s, dur s, MIDI)
    version: int = ANALYSIS_VERSION
    # added fields (older JSON without them still loads): what the studio shows beside the key and tempo
    key_runner_up: Key | None = None  # the next most likely key, e.g. the relative minor
    key_runner_up_confidence: float = 0.0
    tempo_fit_bpm: float = 0.0  # the least-squares tempo before snapping to an exact whole/half BPM (0: unknown)
    tempo_map: tuple[tuple[float, float], ...] = ()  # (seconds, BPM) when the song really changes tempo
    chord_confidences: tuple[float, ...] = ()  # one per chord span (0..1), or empty
    tempo_runner_up_bpm: float = 0.0  # the next most likely tempo (often half, double or 3:2), 0: none
    # the revision of the estimators that heard it (pipeline.ESTIMATORS_REVISION); 0: made before it was kept.
    # The studio says when a project's analysis is older than the ears it runs now (they improve between versions)
    ears_revision: int = 0
    # the beat divides in three and the bar has four of them (a shuffle, a 12/8 ballad written 4/4 at its beat):
    # suggestions on this grid then follow the triplets (cocreation's feel); False once the beat is rescaled
    triplet_feel: bool = False

    def with_tempo_scaled(self, factor: float) -> SongAnalysis:
        """This analysis read at `factor` times the tempo (2: the beat was heard at half the song's pace) with
        everything it found staying where it sounds: tempo, fit and tempo map times `factor`, and every position
        in quarter notes (anchors, chords, key sections, the lead's notes) times `factor` too, so that each one
        converts to the same seconds. The detected beat times (one per beat of the old level) are dropped. The
        runner-up tempo is another reading of the audio, not a position: see _runner_up_after."""
        f = float(factor)
        g = self.grid
        grid = BeatGrid(tempo_bpm=g.tempo_bpm * f, time_signature=g.time_signature, offset_seconds=g.offset_seconds,
                        anchors=tuple((q * f, t) for q, t in g.anchors))
        melody = None if self.melody is None else replace(
            self.melody, tempo_bpm=None if self.melody.tempo_bpm is None else self.melody.tempo_bpm * f,
            notes=tuple(replace(n, onset=n.onset * f, duration=n.duration * f) for n in self.melody.notes))
        sections = tuple(replace(k, start=k.start * f, end=k.end * f) for k in self.key_sections)
        return replace(self, grid=grid, chords=self.chords.scaled(f), melody=melody, key_sections=sections,
                       tempo_fit_bpm=self.tempo_fit_bpm * f, tempo_map=tuple((t, b * f) for t, b in self.tempo_map),
                       tempo_runner_up_bpm=self._runner_up_after(g.tempo_bpm * f),
                       triplet_feel=self.triplet_feel and f == 1.0)

    def with_bar_one_at(self, quarters: float) -> SongAnalysis:
        """This analysis with bar 1 moved to its quarter `quarters` (see BeatGrid.with_bar_one_at), everything it
        found staying where it sounds: chords, key sections and the lead's notes count `quarters` fewer quarter
        notes from the new bar 1. Chords before it are cut at bar 1 (a chord timeline starts there), and notes
        before it are left out of the melody (its notes start at bar 1 or later; `melody_seconds` keeps them)."""
        q = float(quarters)
        # (a note now before bar 1 is left out, as the analysis leaves out a pickup: its seconds are kept)
        melody = None if self.melody is None else self.melody.with_notes(
            [n.shifted(-q) for n in self.melody.notes if n.onset - q >= 0.0])
        sections = tuple(replace(k, start=k.start - q, end=k.end - q) for k in self.key_sections if k.end - q > 0.0)
        sections = tuple(replace(k, start=max(0.0, k.start)) for k in sections)
        return replace(self, grid=self.grid.with_bar_one_at(q), chords=self.chords.shifted_from_bar_one(-q),
                       melody=melody, key_sections=sections)

    def _runner_up_after(self, new_bpm: float) -> float:
        """The runner-up once the tempo is `new_bpm`: the two are readings of the same audio, so taking the
        runner-up makes the tempo heard first the runner-up; any other rescaling leaves it as it was."""
        r = self.tempo_runner_up_bpm
        return float(self.grid.tempo_bpm) if r > 0 and same_tempo(new_bpm, r) else r

    @property
    def key_text(self) -> str:
        """'D major (0.71; B minor 0.22)', or 'none'."""
        if self.key is None:
            return "none"
        if self.key_runner_up is None:
            return f"{self.key.name} ({self.key_confidence:.2f})"
        return (f"{self.key.name} ({self.key_confidence:.2f}; {self.key_runner_up.name} "
                f"{self.key_runner_up_confidence:.2f})")

    @property
    def tempo_bpm(self) -> float:
        return self.grid.tempo_bpm

    @property
    def time_signature(self) -> TimeSignature:
        return self.grid.time_signature

    def with_grid(self, grid: BeatGrid) -> SongAnalysis:
        return replace(self, grid=grid)

    def to_json(self) -> dict[str, Any]:
        g = self.grid
        return {
            "version": self.version,
            "grid": {"tempo_bpm": g.tempo_bpm, "time_signature": str(g.time_signature),
                     "offset_seconds": g.offset_seconds, "beat_times": list(g.beat_times),
                     "downbeat_times": list(g.downbeat_times), "anchors": [list(a) for a in g.anchors]},
            "tempo_determined": self.tempo_determined,
            "tempo_confidence": self.tempo_confidence,
            "key": None if self.key is None else {"tonic_pc": self.key.tonic_pc, "mode": self.key.mode,
                                                  "name": self.key.name},
            "key_confidence": self.key_confidence,
            "key_runner_up": None if self.key_runner_up is None else {
                "tonic_pc": self.key_runner_up.tonic_pc, "mode": self.key_runner_up.mode,
                "name": self.key_runner_up.name, "confidence": self.key_runner_up_confidence},
            "tempo_fit_bpm": self.tempo_fit_bpm,
            "tempo_runner_up_bpm": self.tempo_runner_up_bpm,
            "ears_revision": self.ears_revision,
            "triplet_feel": self.triplet_feel,
            "tempo_map": [[t, b] for t, b in self.tempo_map],
            "key_sections": [{"start": s.start, "end": s.end, "key": s.key.name, "confidence": s.confidence}
                             for s in self.key_sections],
            "chords": [{"start": s.start, "end": s.end, "chord": s.chord.symbol}
                       | ({"confidence": self.chord_confidences[i]} if i < len(self.chord_confidences) else {})
                       for i, s in enumerate(self.chords)],
            "melody": None if self.melody is None else self.melody.to_json(),
            "melody_seconds": [list(n) for n in self.melody_seconds],
            "lead": self.lead,
            "roles": dict(self.roles),
            "role_sources": dict(self.role_sources),
            "stems": [{"name": n, "sha256": h} for n, h in self.stems],
            "duration_seconds": self.duration_seconds,
            "notes": list(self.notes),
        }

    @classmethod
    def from_json(cls, data: Any) -> SongAnalysis:
        """Inverse of to_json. Raises AnalysisError naming the field on malformed data."""
        if not isinstance(data, dict):
            raise AnalysisError("analysis data is not an object")
        try:
            if int(data.get("version", 0)) != ANALYSIS_VERSION:
                raise AnalysisError(f"analysis version {data.get('version')!r} is not {ANALYSIS_VERSION}")
            g = data["grid"]
            grid = BeatGrid(tempo_bpm=float(g["tempo_bpm"]), time_signature=TimeSignature.parse(g["time_signature"]),
                            offset_seconds=float(g["offset_seconds"]),
                            beat_times=tuple(float(t) for t in g.get("beat_times", ())),
                            downbeat_times=tuple(float(t) for t in g.get("downbeat_times", ())),
                            anchors=tuple((float(q), float(t)) for q, t in g.get("anchors", ())))
            k = data.get("key")
            key = None if k is None else Key(int(k["tonic_pc"]), str(k["mode"]))
            sections = tuple(KeySection(float(s["start"]), float(s["end"]), Key.parse(s["key"]),
                                        float(s["confidence"])) for s in data.get("key_sections", ()))
            chords = ChordTimeline(tuple(ChordSpan(float(s["start"]), float(s["end"]), Chord.parse(s["chord"]))
                                         for s in data.get("chords", ())))
            ru = data.get("key_runner_up")
            runner_up = None if ru is None else Key(int(ru["tonic_pc"]), str(ru["mode"]))
            chord_conf = tuple(float(s["confidence"]) for s in data.get("chords", ()) if "confidence" in s)
            m = data.get("melody")
            melody = None if m is None else Melody.from_json(m)
            return cls(
                grid=grid,
                tempo_determined=bool(data["tempo_determined"]),
                tempo_confidence=float(data["tempo_confidence"]),
                key=key,
                key_confidence=float(data["key_confidence"]),
                key_sections=sections,
                chords=chords,
                melody=melody,
                lead=None if data.get("lead") is None else str(data["lead"]),
                roles={str(a): str(b) for a, b in dict(data["roles"]).items()},
                role_sources={str(a): str(b) for a, b in dict(data.get("role_sources", {})).items()},
                stems=tuple((str(s["name"]), str(s["sha256"])) for s in data["stems"]),
                duration_seconds=float(data["duration_seconds"]),
                notes=tuple(str(n) for n in data.get("notes", ())),
                melody_seconds=tuple((float(a), float(b), float(c)) for a, b, c in data.get("melody_seconds", ())),
                key_runner_up=runner_up,
                key_runner_up_confidence=0.0 if ru is None else float(ru.get("confidence", 0.0)),
                tempo_fit_bpm=float(data.get("tempo_fit_bpm", 0.0)),
                tempo_runner_up_bpm=float(data.get("tempo_runner_up_bpm", 0.0)),
                ears_revision=int(data.get("ears_revision", 0)),
                triplet_feel=bool(data.get("triplet_feel", False)),
                tempo_map=tuple((float(t), float(b)) for t, b in data.get("tempo_map", ())),
                chord_confidences=chord_conf if len(chord_conf) == len(chords) else (),
            )
        except AnalysisError:
            raise
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise AnalysisError(f"analysis data is malformed: {exc!r}") from exc
