"""Writing like the catalogue (issue 15): the style controls of a request and the slot plan they give.

`Style` gathers the soft, learned controls: breathing (rests: 0 none, 1 as the catalogue, 2 more), density
(notes per bar: 1 as the catalogue, below sparser, above busier), structure (free / repeat-and-vary /
call-and-answer) and register (strength of the learned register and bar-line leap prior; 0 off). Everything
it plans is drawn from statistics of the model's own works (phrasing.py, structure.py, register.py); the hard
constraints and credit are untouched. `style=None` in the generation functions means none of it: the
suggestions are exactly those of earlier versions (the reference tests rely on that).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.core.model.generation.slots import Slot
from app.core.model.style.baserate import BaseRatePrior, IntervalRates
from app.core.model.style.phrasing import PhrasingStats, layout_slots, plan_bars
from app.core.model.style.register import LEAP_CLIP, RegisterPrior, RegisterStats
from app.core.model.style.rhythm import DurationPrior, RhythmStats
from app.core.model.style.structure import KEEP, NEW, STRUCTURES, StructureStats, plan_structure
from app.core.model.style.tonality import TonalityPrior, TonalityStats, work_mode
from app.core.model.training import TrainedModel
from app.core.music import Key

BREATHING = {"none": 0.0, "less": 0.5, "catalogue": 1.0, "more": 2.0}
DENSITY_FEEL = {"sparser": 0.6, "catalogue": 1.0, "busier": 1.6}
LARGE_ENTRY = 7  # semitones: a repeat entered by a wider leap is kept only as often as the catalogue leaps so
SCALE_SHARE = 0.015  # a chromatic degree the catalogue sounds on this often joins the key's scale


@dataclass(frozen=True)
class Style:
    breathing: float = 1.0
    density: float = 1.0
    structure: str = "repeat-and-vary"
    register: float = 0.3
    scale: bool = True  # key lock means the catalogue's own scale in that key (its blue notes too)
    rhythm: bool = True  # durations fill a span as the catalogue's do (rhythm.py), not the short ones last
    tonality: float = 0.5  # pitch classes of the song's mode, as the catalogue's works in it (tonality.py)
    base_rates: bool = True  # the temperature sharpens what the context says, not common intervals' rates

    def __post_init__(self) -> None:
        if self.structure not in STRUCTURES:
            raise ValueError(f"structure {self.structure!r} is not one of {', '.join(STRUCTURES)}")
        if not 0 <= self.breathing <= 4 or not 0 < self.density <= 4 or not 0 <= self.register <= 4 \
                or not 0 <= self.tonality <= 4:
            raise ValueError("breathing, register and tonality must be 0..4, density above 0 and at most 4")

    def to_json(self) -> dict:
        return {"breathing": self.breathing, "density": self.density, "structure": self.structure,
                "register": self.register, "scale": self.scale, "rhythm": self.rhythm, "tonality": self.tonality,
                "base_rates": self.base_rates}


STUDIO_STYLE = Style()  # what the studio, the judge and `accord suggest` use unless told otherwise
STUDIO_TEMPERATURE = 0.75  # generate.DEFAULT_TEMPERATURE (not imported: generate imports this module)


def catalogue_degrees(model: TrainedModel, mode: str) -> frozenset[int]:
    """Scale degrees (semitones above the tonic) that at least SCALE_SHARE of the notes of the model's works
    in this mode sound on. A work's mode is read from its notes: more major than minor thirds above its
    tonic is major."""
    key = ("degrees", mode)
    got = model.cache.get(key)
    if got is None:
        counts = np.zeros(12)
        for wid in sorted(model.works):
            ev = model.works[wid].events
            hist = np.bincount((ev.pitch.astype(np.int64) - int(ev.tonic)) % 12, minlength=12)
            if ("major" if hist[4] >= hist[3] else "minor") == mode:
                counts += hist
        total = counts.sum()
        got = model.cache[key] = frozenset(int(d) for d in np.flatnonzero(counts >= SCALE_SHARE * total)) \
            if total else frozenset()
    return got  # type: ignore[return-value]


class PitchPrior:
    """The sampler's pitch prior: the register prior's weights times the tonality prior's and the base-rate
    correction of the temperature's (any may be off)."""

    def __init__(self, register: RegisterPrior | None, tonality: TonalityPrior | None,
                 base_rates: BaseRatePrior | None = None) -> None:
        self.register = register
        self.tonality = tonality
        self.base_rates = base_rates

    def entry_accept(self, previous: int, first: int) -> float:
        """Chance of keeping a planned repeat whose first (kept) note leaps wider than a fifth from the note
        before: the catalogue's share of that leap into a bar against its most common bar-line interval.
        Repeats transposed by the catalogue's shifts otherwise leapt into bars 4x as often as the chorales."""
        leap = abs(first - previous)
        if self.register is None or leap <= LARGE_ENTRY:
            return 1.0
        at_bar = self.register.stats.at_bar
        return float(at_bar[min(leap, LEAP_CLIP)] / at_bar.max())

    def __call__(self, pitches: list[int], i: int, onset: int, alphabet: np.ndarray) -> np.ndarray | None:
        w = self.register(pitches, i, onset, alphabet) if self.register is not None else None
        if self.tonality is not None:
            t = self.tonality(alphabet)
            w = t if w is None else w * t
        if self.base_rates is not None and i > 0:
            b = self.base_rates(pitches[i - 1], alphabet)
            w = b if w is None else w * b
        return w


def song_mode(key: Key, context: Sequence[int]) -> str | None:
    """The song's mode as the works' modes are read (tonality.work_mode): from the notes before the
    suggestion (the lead), relative to the key's tonic; None when they sound no third above it (a declared
    or estimated mode is not trusted: many "major" songs of a catalogue sing blue minor thirds)."""
    hist = np.bincount((np.asarray(context, dtype=np.int64) - key.tonic_pc) % 12, minlength=12)
    if hist[3] + hist[4] == 0:
        return None
    return work_mode(np.asarray(context, dtype=np.int64), key.tonic_pc)


def register_prior(model: TrainedModel, style: Style | None, bar: int, key: Key | None = None,
                   context: Sequence[int] = (), temperature: float = STUDIO_TEMPERATURE) -> PitchPrior | None:
    """The style's soft pitch weights: register and bar-line leaps (register.py), when the song's key is
    known the pitch classes of its mode, read from the `context` pitches (tonality.py), and the base-rate
    correction of the sampling `temperature` (baserate.py: none at 1.0, where nothing is sharpened)."""
    if style is None:
        return None
    register = (RegisterPrior(RegisterStats.of_model(model), bar=bar, strength=style.register)
                if style.register > 0 else None)
    tonality = (TonalityPrior(TonalityStats.of_model(model), tonic=key.tonic_pc, mode=song_mode(key, context),
                              strength=style.tonality)
                if key is not None and style.tonality > 0 else None)
    if tonality is not None and not tonality.active:
        tonality = None
    base = BaseRatePrior(IntervalRates.of_model(model), temperature) if style.base_rates and temperature > 0 else None
    if base is not None and not base.active:
        base = None
    if register is None and tonality is None and base is None:
        return None
    return PitchPrior(register, tonality, base)


def duration_prior(model: TrainedModel, style: Style | None, bar: int,
                   durations: Sequence[int] | np.ndarray) -> DurationPrior | None:
    """The look-ahead duration weights (rhythm.py), shared by every request of this model state."""
    if style is None or not style.rhythm:
        return None
    key = ("duration-prior", bar, tuple(int(d) for d in durations))
    prior = model.cache.get(key)
    if prior is None:
        prior = model.cache[key] = DurationPrior(RhythmStats.of_model(model, bar, durations))
    return prior  # type: ignore[return-value]


def styled_slots(model: TrainedModel, style: Style, *, start: int, end: int, bar: int,
                 context_onsets: Sequence[int], reach: list[int], user_density: tuple[float, float] | None,
                 rng: np.random.Generator) -> list[Slot]:
    """The slots of [start, end): whole bars planned (rests, note counts, repeats), a partial first bar free."""
    slots: list[Slot] = []
    t = start
    if t % bar:
        nxt = min(end, (t // bar + 1) * bar)
        slots.append(Slot(t, nxt, "free"))
        t = nxt
    if t >= end:
        return slots
    first_bar, bars = t // bar, (end - t) // bar
    phrasing = PhrasingStats.of_model(model, bar)
    layouts = (plan_bars(phrasing, first_bar, bars, rng, reach=reach, breathing=style.breathing,
                         density=style.density, user_density=user_density)
               if phrasing.bars() else [None] * bars)
    earliest = min((o // bar for o in context_onsets), default=first_bar)
    plan = plan_structure(StructureStats.of_model(model, bar), style.structure, first_bar, bars, earliest, rng)
    for i in range(bars):
        b0 = (first_bar + i) * bar
        chosen = layouts[i]
        base = (layout_slots(chosen[0], chosen[1], b0, bar, reach) if chosen is not None
                else [Slot(b0, b0 + bar, "free")])
        kind, lag, shift = plan[i]
        if plan[i] == NEW:
            slots += base
        else:
            slots.append(Slot(b0, b0 + bar, "copy", source=lag * bar, shift=shift, keep=KEEP[kind], alt=tuple(base)))
    if first_bar * bar + bars * bar < end:  # a partial last bar
        slots.append(Slot(first_bar * bar + bars * bar, end, "free"))
    return slots
