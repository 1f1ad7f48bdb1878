"""Suggestions: continue a phrase, fill a gap, vary a melody — under hard constraints, with exact credit.

Every function returns up to `n` distinct `Suggestion`s (note events in quarter notes on the song's
timeline + metadata), each satisfying the hard constraints of `Constraints`, or raises ConstraintError saying
which constraint to relax. Seeds make results reproducible: suggestion j is drawn from `default_rng([seed, j])`.

Vary kinds: "rhythm" (keep the rhythm, re-pitch; closeness = chance of keeping each original pitch),
"pitches" (keep the pitches and each bar's note count, new rhythm), "anchors" (keep anchor notes, regenerate
between them; closer = more anchors), "ornament" (keep every note, split some to add ornaments; closer =
fewer ornaments).

The request the three share (rules from the constraints, the drawing loop, credit) is `_Job` in job.py.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from app.core.errors import ConstraintError
from app.core.model.constraints import Constraints
from app.core.model.credit import Suggestion
from app.core.model.generation.job import SMALLEST_DURATION, _bar_slots, _ctx_events, _Job
from app.core.model.generation.sampler import Sampler
from app.core.model.generation.slots import Slot, cached_fill_table
from app.core.model.ppm.viewpoints import TICKS_PER_QUARTER, to_ticks
from app.core.model.style.profile import Style
from app.core.model.training import TrainedModel
from app.core.music import Melody, Note

VARY_KINDS = ("rhythm", "pitches", "anchors", "ornament")
# Sampling from p^(1/T): the arithmetic mixture keeps every escape path open (a few % of mass spread over the
# whole range); a temperature below 1 trims that tail without touching credit (credit decomposes p itself).
DEFAULT_TEMPERATURE = 0.75
# Sampling weight of the previous pitch once it has sounded FREE_REPEAT_RUN times in a row, and again for
# every further repeat (soft: the key, chord and max-copy masks stay hard; credit decomposes p itself).
DEFAULT_REPEAT_DAMPING = 0.25


def _settings(c: Constraints, **extra) -> dict:
    return {"key": None if c.key is None else c.key.name, "chromatic": c.chromatic, "bars": c.bars,
            "start": c.start, "time_signature": str(c.time_signature), "pitch_range": list(c.pitch_range),
            "density": None if c.density is None else list(c.density), "max_copy": c.max_copy,
            "chords": c.chords is not None and c.chord_tones_on_strong_beats, **extra}


def _style_settings(style: Style | None) -> dict:
    return {} if style is None else {"style": style.to_json()}


def continue_phrase(model: TrainedModel, prime: Melody, constraints: Constraints | None = None, *, n: int = 4,
                    seed: int | None = None, temperature: float = DEFAULT_TEMPERATURE,
                    repeat_damping: float = DEFAULT_REPEAT_DAMPING, style: Style | None = None,
                    sources: Mapping[int, Sequence[int]] | None = None) -> list[Suggestion]:
    """Continue `prime` for constraints.bars bars, from constraints.start (or the bar line after the prime).
    `style` (e.g. STUDIO_STYLE): rests, density, structure and register learned from the catalogue."""
    c = constraints or Constraints()
    bq = c.time_signature.bar_quarters
    if c.start <= 0 and prime.notes:
        c = replace(c, start=math.ceil(prime.end / bq - 1e-9) * bq)
    context = [x for x in prime.notes if x.onset < c.start - 1e-9]
    job = _Job(model, c, context, prime.notes, temperature=temperature, repeat_damping=repeat_damping, style=style,
               sources=sources)
    return job.run(job.slots(job.start, job.end), n, seed, "continue",
                   _settings(c, temperature=temperature, repeat_damping=repeat_damping, **_style_settings(style)))


def fill_gap(model: TrainedModel, melody: Melody, gap: tuple[float, float], constraints: Constraints | None = None,
             *, n: int = 4, seed: int | None = None, temperature: float = DEFAULT_TEMPERATURE,
             repeat_damping: float = DEFAULT_REPEAT_DAMPING, style: Style | None = None,
             sources: Mapping[int, Sequence[int]] | None = None) -> list[Suggestion]:
    """Fill [gap start, gap end) (quarter notes) between the phrases of `melody`; fills that lead well into
    the phrase after the gap are preferred (the model's probability of its first notes)."""
    g0, g1 = gap
    constraints = constraints or Constraints()
    bq = constraints.time_signature.bar_quarters
    if not 0 <= g0 < g1:
        raise ConstraintError(f"the gap {g0:g}..{g1:g} is empty or negative")
    bars = math.ceil((g1 - g0) / bq - 1e-9)
    if not 1 <= bars <= 32:
        raise ConstraintError(f"the gap spans {bars} bars; fill works on 1..32 bars")
    last_bar = math.ceil(max((x.onset + x.duration for x in melody.notes), default=0.0) / bq - 1e-9)
    if g0 / bq > last_bar + 32:  # `--gap 99999999999999:...` made a suggestion no MIDI file can hold
        raise ConstraintError(f"the gap starts at bar {g0 / bq + 1:,.0f}, long after the melody ends (bar "
                              f"{last_bar:,}): fill works between or next to its phrases")
    c = replace(constraints, start=g0, bars=bars)
    before = [replace(x, duration=min(x.duration, g0 - x.onset)) for x in melody.notes if x.onset < g0 - 1e-9]
    after = [x for x in melody.notes if x.onset >= g1 - 1e-9][:2]
    job = _Job(model, c, before, melody.notes, temperature=temperature, repeat_damping=repeat_damping, style=style,
               sources=sources)

    def rescore(sampler: Sampler) -> float:
        return _follow_logp(sampler, after)

    return job.run(job.slots(job.start, to_ticks(g1)), n, seed, "fill",
                   _settings(c, gap=[g0, g1], temperature=temperature, repeat_damping=repeat_damping,
                             **_style_settings(style)),
                   rescore=rescore if after else None)


def _follow_logp(sampler: Sampler, after: Sequence[Note]) -> float:
    total = 0.0
    alphabet = sampler.rules.alphabet
    for x in after:
        i = len(sampler.cur.pitch)
        sampler.cur.pitch.append(x.pitch)
        sampler.cur.dur.append(max(1, to_ticks(x.duration)))
        sampler.cur.onset.append(to_ticks(x.onset))
        sampler.cur.pitch[-1] = int(alphabet[0])
        p, _ = sampler._distribution("pitch", i, alphabet)
        sampler.cur.pitch.pop()
        sampler.cur.dur.pop()
        sampler.cur.onset.pop()
        pos = x.pitch - int(alphabet[0])
        total += float(np.log2(max(p[pos], 1e-300))) if 0 <= pos < len(p) else -30.0
        sampler._append(x.pitch, max(1, to_ticks(x.duration)), to_ticks(x.onset))
    return total


def vary_span(melody: Melody, kind: str) -> tuple[int, int]:
    """(first bar, bars) of a melody `vary` can work on; ConstraintError saying why not otherwise (checked before
    anything costly, so `accord suggest --vary` says it at once)."""
    if kind not in VARY_KINDS:
        raise ConstraintError(f"unknown variation {kind!r} (choose {', '.join(VARY_KINDS)})")
    if not melody.notes:
        raise ConstraintError("the melody to vary has no notes")
    bq = melody.time_signature.bar_quarters
    first_bar = math.floor(melody.notes[0].onset / bq + 1e-9)
    bars = math.ceil(melody.end / bq - 1e-9) - first_bar
    if not 1 <= bars <= 32:
        raise ConstraintError(f"the melody spans {bars} bars; vary works on 1..32 bars")
    return first_bar, bars


def vary(model: TrainedModel, melody: Melody, constraints: Constraints | None = None, *, kind: str = "rhythm",
         closeness: float = 0.5, anchors: Sequence[int] | None = None, n: int = 4, seed: int | None = None,
         temperature: float = DEFAULT_TEMPERATURE, repeat_damping: float = DEFAULT_REPEAT_DAMPING,
         sources: Mapping[int, Sequence[int]] | None = None) -> list[Suggestion]:
    """Vary `melody` (kinds in VARY_KINDS); closeness 0 = far .. 1 = near."""
    constraints = constraints or Constraints()
    first_bar, bars = vary_span(melody, kind)
    closeness = min(1.0, max(0.0, float(closeness)))
    bq = melody.time_signature.bar_quarters
    c = replace(constraints, start=first_bar * bq, bars=bars, time_signature=melody.time_signature,
                key=constraints.key or melody.key)
    job = _Job(model, c, [], melody.notes, temperature=temperature,
               closeness=closeness if kind == "rhythm" else 0.0, repeat_damping=repeat_damping, sources=sources)
    notes = _ctx_events(melody.notes)
    notes = [(p, min(d, (notes[i + 1][2] - o) if i + 1 < len(notes) else d), o) for i, (p, d, o) in enumerate(notes)]
    bar = job.bar
    if kind == "rhythm":
        slots = [Slot(o, o + d, "note", prefer=p) for p, d, o in notes if d > 0]
    elif kind == "pitches":
        slots = []
        for b in range(first_bar, first_bar + bars):
            ps = tuple(p for p, _, o in notes if o // bar == b)
            if ps:
                slots.append(Slot(b * bar, (b + 1) * bar, "free", pitches=ps))
    elif kind == "anchors":
        if anchors is None:
            step = 1 if closeness >= 0.34 else 2
            strong = closeness >= 0.67
            anchors = [i for i, (_, _, o) in enumerate(notes)
                       if (o % bar == 0 and (o // bar - first_bar) % step == 0)
                       or (strong and c.time_signature.strong_beat((o % bar) / TICKS_PER_QUARTER))]
        keep = sorted(set(int(a) for a in anchors if 0 <= int(a) < len(notes)))
        slots, t = [], job.start
        for i in keep:
            p, d, o = notes[i]
            if o > t:
                slots += _bar_slots(t, o, bar)
            slots.append(Slot(o, o + d, "note", pitch=p))
            t = o + d
        slots += _bar_slots(t, job.end, bar)
    else:  # ornament
        rng = np.random.default_rng([0 if seed is None else int(seed), 7])
        reach = cached_fill_table(model, job.durations, bar * 2)
        slots = []
        for p, d, o in notes:
            half = (d // 2) // SMALLEST_DURATION * SMALLEST_DURATION
            if d >= 2 * SMALLEST_DURATION and half and reach[d - half] and rng.random() >= closeness \
                    and (o + half) // bar == (o + d - 1) // bar:
                slots += [Slot(o, o + half, "note", pitch=p), Slot(o + half, o + d, "free")]
            else:
                slots.append(Slot(o, o + d, "note", pitch=p))
    slots = [s for s in slots if s.end > s.start]
    return job.run(slots, n, seed, f"vary-{kind}", _settings(c, kind=kind, closeness=closeness,
                                                                temperature=temperature,
                                                                repeat_damping=repeat_damping))
