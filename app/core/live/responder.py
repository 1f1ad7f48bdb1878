"""Call and response: the phrase just played becomes an ordinary suggestion (the model's `continue_phrase`)
in the key the phrase implies, on the grid, with per-work credit and the longest copied run, and is played
back starting on the next bar line.

Answers are written in the studio's style (STUDIO_STYLE: the catalogue's rests and note counts per bar, its
register and a repeat-and-vary structure), as the Suggestions panel and `accord suggest` write, so they
breathe like the catalogue. The style's statistics are learned from the model's works once per model (its
cache): `Responder.warm()` computes them when the session starts, before the player plays, so the answer's
time after the pause stays what generation alone costs.

A phrase recorded on a triplet grid (1/8t, 1/16t: a swing, a shuffle) is answered in triplets, as the
Suggestions panel answers a song with a triplet feel (`cocreation/feel.py`: generated with the beats in eighths).

Consent: the only model used is the current one, loaded the way `accord suggest` loads it — refused when it
contains a work that is no longer usable (`load_model(..., usable_ids=...)`).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace
from typing import Any

from app.core.errors import ConstraintError
from app.core.live.clock import TransportClock
from app.core.live.recorder import RecordedPhrase
from app.core.live.types import LiveError, TimedMessage
from app.core.model.constraints import DEFAULT_MAX_COPY, Constraints
from app.core.model.credit import Suggestion
from app.core.model.generation.generate import DEFAULT_TEMPERATURE, continue_phrase
from app.core.model.ppm.viewpoints import estimate_key
from app.core.model.style.profile import STUDIO_STYLE, Style, catalogue_degrees
from app.core.music import Key, Melody, Note, TimeSignature
from app.core.project.cocreation.feel import TripletView, triplet_meter

log = logging.getLogger(__name__)
NO_MODEL = "no model yet: import works, grant consent, run accord train (then play again)"
RANGE_MARGIN = 5  # semitones either side of the phrase's range, as `accord suggest` does
DEFAULT_LEAD_S = 0.05  # the first bar line at least this far after the answer is ready: time to hand it over


def load_consented_model(home: Any) -> Any:
    """The current model, checked against the catalogue's usable works now (LiveError when there is none)."""
    from app.core.catalogue.store import Catalogue
    from app.core.catalogue.types import MELODY_MODEL_USE
    from app.core.model.modelfile import load_model

    path = home.current_model_path
    if not path.exists():
        raise LiveError(NO_MODEL)
    with Catalogue.open(home.catalogue_path) as cat:
        usable = cat.usable_work_ids(MELODY_MODEL_USE)
    return load_model(path, usable_ids=usable)


@dataclass(frozen=True)
class Answer:
    suggestion: Suggestion  # notes on the song's beats: onsets from `start_beat`
    phrase: RecordedPhrase
    key: Key
    start_beat: float
    start_time: float  # transport seconds of the first bar line of the answer
    events: tuple[TimedMessage, ...]  # note on/off in time order
    ready_at: float  # transport seconds when generation finished
    generated_in_s: float

    def to_json(self) -> dict[str, Any]:
        s = self.suggestion
        return {"suggestion": s.to_json(), "key": str(self.key), "start_beat": self.start_beat,
                "scheduled": [[e.time, list(e.data)] for e in self.events],
                "longest_copied_run": dict(s.longest_copied_run),
                "credit": {str(k): v for k, v in sorted(s.credit.items())},
                "generated_in_s": self.generated_in_s, "phrase": self.phrase.to_json()}


def notes_to_events(notes: list[Note] | tuple[Note, ...], clock: TransportClock, *, channel: int = 0,
                    velocity: int | None = None) -> tuple[TimedMessage, ...]:
    """Note on/off messages at the clock's times for the notes' beats; an off before an on at the same time."""
    if not 0 <= channel <= 15:
        raise ValueError(f"MIDI channel {channel + 1} is not 1..16")
    items = []
    for n in notes:
        v = max(1, min(127, velocity or n.velocity))
        items.append((clock.time_at(n.onset), 1, (0x90 | channel, n.pitch, v)))
        items.append((clock.time_at(n.end), 0, (0x80 | channel, n.pitch, 0)))
    items.sort(key=lambda x: (x[0], x[1]))
    return tuple(TimedMessage(t, d) for t, _, d in items)


class Responder:
    """Turns a phrase into an answer. `start="bar"` waits for the next bar line; `"now"` starts `lead_s` from
    when the answer is ready (the studio's record -> continue round trip). `style=None`: no learned style
    (the plain continuation of earlier versions)."""

    def __init__(self, model: Any, *, bars: int = 2, seed: int | None = None, temperature: float = DEFAULT_TEMPERATURE,
                 max_copy: int = DEFAULT_MAX_COPY, channel: int = 0, start: str = "bar",
                 lead_s: float = DEFAULT_LEAD_S, style: Style | None = STUDIO_STYLE) -> None:
        if not 1 <= bars <= 32:
            raise LiveError(f"answer length {bars} bars is not 1..32")
        if start not in ("bar", "now"):
            raise ValueError(f"start must be 'bar' or 'now', not {start!r}")
        self.model, self.bars, self.seed, self.temperature = model, bars, seed, temperature
        self.max_copy, self.channel, self.start, self.lead_s = max_copy, channel, start, lead_s
        self.style = style
        self.count = 0

    def warm(self, time_signature: TimeSignature) -> None:
        """Learn the style's statistics for this meter now (kept in the model's cache): one throwaway answer
        to a scale in C major and one in A minor, so the first real answer costs generation only."""
        if self.style is None:
            return
        for mode in ("major", "minor"):
            catalogue_degrees(self.model, mode)
        bq = time_signature.bar_quarters
        for pitches in ((60, 62, 64, 65, 67), (69, 71, 72, 74, 76)):
            prime = Melody(tuple(Note(p, i * bq / len(pitches), bq / len(pitches)) for i, p in enumerate(pitches)),
                           time_signature=time_signature)
            key = estimate_key(prime.pitches, [n.duration for n in prime.notes])
            c = Constraints(key=key, time_signature=time_signature, bars=self.bars, start=bq, max_copy=self.max_copy,
                            pitch_range=(min(prime.pitches) - RANGE_MARGIN, max(prime.pitches) + RANGE_MARGIN))
            try:
                continue_phrase(self.model, prime, c, n=1, seed=0, temperature=self.temperature, style=self.style)
            except Exception as exc:  # noqa: BLE001 - only a head start: the real answer reports its own errors
                log.debug("warming the live style: %s", exc)

    def answer(self, phrase: RecordedPhrase, clock: TransportClock) -> Answer:
        t0 = clock.now()
        prime = phrase.quantised
        if not prime.notes:
            raise LiveError("the phrase has no notes to answer")
        bpb = clock.beats_per_bar
        base = math.floor(prime.notes[0].onset / bpb + 1e-9) * bpb  # the phrase from its first bar line
        rel = Melody(tuple(n.shifted(-base) for n in prime.notes), time_signature=prime.time_signature,
                     tempo_bpm=clock.tempo_bpm)
        key = estimate_key(rel.pitches, [n.duration for n in rel.notes])
        low, high = max(0, min(rel.pitches) - RANGE_MARGIN), min(127, max(rel.pitches) + RANGE_MARGIN)
        rel_start = math.ceil(rel.end / bpb - 1e-9) * bpb
        c = Constraints(key=key, time_signature=prime.time_signature, bars=self.bars, start=rel_start,
                        pitch_range=(low, high), max_copy=self.max_copy, tempo_bpm=clock.tempo_bpm)
        seed = None if self.seed is None else self.seed + self.count
        self.count += 1
        # played in triplets: answered in triplets (the beats written in eighths, then brought back)
        view_meter = triplet_meter(rel.time_signature) if phrase.grid.endswith("t") else None
        view = None if view_meter is None else TripletView(rel.time_signature, view_meter)
        prime_v, c_v = (rel, c) if view is None else (view.melody(rel), view.constraints(c))
        try:
            suggestion = continue_phrase(self.model, prime_v, c_v, n=1, seed=seed, temperature=self.temperature,
                                         style=self.style)[0]
        except ConstraintError:
            if self.style is None:
                raise
            # The style's plan found nothing that fits (e.g. a rest through the whole span): the player still
            # gets an answer, the plain continuation.
            suggestion = continue_phrase(self.model, prime_v, c_v, n=1, seed=seed, temperature=self.temperature)[0]
        if view is not None:
            suggestion = view.suggestion_back(suggestion)
        ready = clock.now()
        first = min((n.onset for n in suggestion.notes.notes), default=rel_start)
        if self.start == "bar":
            start_beat = clock.next_bar_beat(clock.beat_at(ready + self.lead_s))
            shift = start_beat - rel_start  # a breath the style planned at the bar line stays
        else:
            # "now" is no place in the bar: the first note itself comes lead_s after the answer is ready (a rest
            # the style planned before it would only delay the round trip).
            start_beat = clock.beat_at(ready + self.lead_s)
            shift = start_beat - first
        notes = tuple(n.shifted(shift) for n in suggestion.notes.notes)
        placed = replace(suggestion, notes=replace(suggestion.notes, notes=notes, key=key,
                                                   tempo_bpm=clock.tempo_bpm))
        events = notes_to_events(notes, clock, channel=self.channel)
        return Answer(placed, phrase, key, start_beat, clock.time_at(start_beat), events, ready, ready - t0)


def panic_messages(channel: int | None = None) -> list[tuple[int, ...]]:
    """All notes off and all sound off on one channel (or all 16): what stop and panic send."""
    chans = range(16) if channel is None else (channel,)
    return [m for ch in chans for m in ((0xB0 | ch, 123, 0), (0xB0 | ch, 120, 0))]

