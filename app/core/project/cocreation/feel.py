"""Suggestions in the song's feel: triplets over a triplet feel written in simple time.

Charts and DAWs write a shuffle, a swing or a 12/8 ballad in 4/4 at the beat a musician taps, each beat
dividing in three (the ears say so: `SongAnalysis.triplet_feel`). The model places notes on the subdivisions of
the meter it is given, so on that 4/4 it wrote straight sixteenths over a triplet groove. The same beats written
as 12/8 (at 1.5 times the BPM; `analysis_edits.same_beats_meter`) divide in eighths, which *are* the triplets.

So a run in triplets is generated in that view and brought back: every position and length in quarter notes times
`factor` (1.5) on the way in (the range, the chords, the melody it continues, fills or varies, the tempo), and
divided by it on the way out. A 4/4 bar is the same bar in both (four beats; twelve eighths), so bar numbers,
density per bar and the strong beats (each dotted quarter is one of the song's beats) carry over unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from app.core.errors import ConstraintError
from app.core.model.constraints import Constraints
from app.core.model.credit import Suggestion
from app.core.music import Melody, TimeSignature

FEELS = ("song", "straight", "triplets")  # the song's own (what the ears heard), or either one by choice
FEEL_LABELS = {"song": "Song's feel", "straight": "Straight", "triplets": "Triplets"}
TRIPLET_FACTOR = 1.5  # a beat written as a quarter note in triplets is a dotted quarter of eighths


def triplet_meter(ts: TimeSignature) -> TimeSignature | None:
    """The compound meter that writes the beats of simple meter `ts` in eighths (4/4 → 12/8, 3/4 → 9/8, 5/4 →
    15/8), or None when `ts` has no such view: it is compound already (its beats divide in three) or its beat is
    not a quarter note (2/2, 7/8)."""
    if ts.is_compound or ts.denominator != 4:
        return None
    return TimeSignature(3 * ts.numerator, 8)


@dataclass(frozen=True)
class TripletView:
    """The song's meter `song` seen as `view` (its beats in eighths): positions and lengths times `factor`."""

    song: TimeSignature
    view: TimeSignature
    factor: float = TRIPLET_FACTOR

    def _in(self, quarters: float) -> float:
        return quarters * self.factor

    def _out(self, quarters: float) -> float:
        # rounded to a billionth of a quarter: 0.5 view quarters come back as 1/3, not 0.33333333333333337 + noise
        return round(quarters / self.factor, 9)

    def constraints(self, c: Constraints) -> Constraints:
        return replace(c, start=self._in(c.start), chords=None if c.chords is None else c.chords.scaled(self.factor),
                       time_signature=self.view, tempo_bpm=None if c.tempo_bpm is None else c.tempo_bpm * self.factor)

    def melody(self, m: Melody) -> Melody:
        return replace(m, notes=tuple(replace(n, onset=self._in(n.onset), duration=self._in(n.duration))
                                      for n in m.notes),
                       time_signature=self.view, tempo_bpm=None if m.tempo_bpm is None else m.tempo_bpm * self.factor)

    def gap(self, gap: tuple[float, float]) -> tuple[float, float]:
        return self._in(gap[0]), self._in(gap[1])

    def melody_back(self, m: Melody) -> Melody:
        return replace(m, notes=tuple(replace(n, onset=self._out(n.onset), duration=self._out(n.duration))
                                      for n in m.notes),
                       time_signature=self.song, tempo_bpm=None if m.tempo_bpm is None else m.tempo_bpm / self.factor)

    def suggestion_back(self, s: Suggestion) -> Suggestion:
        """A suggestion made in the view, on the song's own grid; its settings say it was made in triplets (and
        give its range in the song's quarter notes and meter, as a straight one's do)."""
        settings = dict(s.settings)
        if "start" in settings:
            settings["start"] = self._out(float(settings["start"]))
        if "gap" in settings:
            settings["gap"] = [self._out(float(g)) for g in settings["gap"]]
        settings.update(time_signature=str(self.song), feel="triplets")
        return replace(s, notes=self.melody_back(s.notes), settings=settings)


def triplet_view(ts: TimeSignature, feel: str, song_feel: bool) -> TripletView | None:
    """The view a run of the request's `feel` is generated in on meter `ts`, or None (straight, on the song's own
    grid). `song_feel`: the song has a triplet feel (what "song" follows). A compound meter is in triplets already:
    every feel is its own there. ConstraintError for "triplets" on a meter with no triplet view."""
    if feel not in FEELS:
        raise ConstraintError(f"feel {feel!r} is not one of {', '.join(FEELS)}", path="feel")
    if ts.is_compound or feel == "straight" or (feel == "song" and not song_feel):
        return None
    view = triplet_meter(ts)
    if view is None:
        if feel == "song":
            return None
        raise ConstraintError(f"triplets need a meter whose beat is a quarter note (2/4, 3/4, 4/4, 5/4…), not {ts}",
                              path="feel")
    return TripletView(ts, view)
