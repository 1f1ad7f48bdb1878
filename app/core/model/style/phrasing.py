"""Rests and phrasing learned from the catalogue: where in the bar melodies fall silent, for how long, and how
many notes a bar holds — per position in the 4-bar phrase.

Every bar of every training work is described by its *layout*: the silent spans inside it (on a sixteenth
grid, from the bar line) and its number of note onsets. The statistics are the counts of layouts per phase
(bar index modulo PHRASE_BARS, on the song's timeline), summed over works — derived from the model's own
works at use time and memoised on the model, so forgetting a work forgets its phrasing exactly (the cache is
dropped on any change).

A suggestion's bars are planned by drawing one layout per bar from the counts of its phase, tilted by the
artist's "breathing" (how much silence) and "density" (how many notes) controls; the plan becomes the slots
the sampler fills: sounding spans between the rests, each bar with a note-count bound around the drawn
layout's count (hard, within what the learned durations can fill). The layout is a shape of rests and a
count, never notes: pitches and durations still come from the model, with their exact credit.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from app.core.model.generation.slots import Slot
from app.core.model.ppm.viewpoints import Events
from app.core.model.training import TrainedModel

GRID = 4  # ticks (TICKS_PER_QUARTER = 48): rests snap to the common grid of sixteenths and triplets
MIN_REST = 24  # ticks: an eighth; shorter gaps are articulation, not rests
PHRASE_BARS = 4  # phase of a bar = its index on the timeline modulo this
COUNT_SLACK = 0  # a planned bar may hold the drawn layout's note count +- this
BORROW = 0.25  # weight of another phase's resting bars per unit of breathing above 1


@dataclass(frozen=True)
class BarLayout:
    rests: tuple[tuple[int, int], ...]  # silent spans (start, end), ticks from the bar line, on the GRID
    notes: int  # note onsets in the bar

    def rest_ticks(self) -> int:
        return sum(b - a for a, b in self.rests)

    def sounding(self, bar: int) -> list[tuple[int, int]]:
        """The spans between the rests, within [0, bar)."""
        out, t = [], 0
        for a, b in self.rests:
            if a > t:
                out.append((t, a))
            t = max(t, b)
        if t < bar:
            out.append((t, bar))
        return out


def _snap(t: int) -> int:
    return int(round(t / GRID)) * GRID


def bar_layouts(ev: Events) -> list[tuple[int, BarLayout]]:
    """(bar index, layout) of every bar from the first whole bar with a note to the bar of the last note."""
    n = len(ev)
    if n == 0:
        return []
    bar = int(ev.bar)
    onset, dur = ev.onset.astype(np.int64), ev.dur.astype(np.int64)
    ends = onset + dur
    if n > 1:  # a monophonic line: a note sounds until the next onset at the latest
        ends[:-1] = np.minimum(ends[:-1], np.maximum(onset[1:], onset[:-1]))
    first = int(onset[0]) // bar + (1 if int(onset[0]) % bar else 0)
    last = int(onset[-1]) // bar
    out = []
    for b in range(first, last + 1):
        lo, hi = b * bar, (b + 1) * bar
        i0 = int(np.searchsorted(onset, lo, side="left"))
        i1 = int(np.searchsorted(onset, hi, side="left"))
        j0 = max(0, i0 - 1)  # a note started before the bar may sound into it
        rests, t = [], lo
        for j in range(j0, i1):
            a, e = int(onset[j]), int(ends[j])
            if e <= lo:
                continue
            if a > t:
                rests.append((t - lo, a - lo))
            t = max(t, min(e, hi))
        if t < hi:
            rests.append((t - lo, hi - lo))
        snapped = tuple((_snap(a), min(bar, _snap(e))) for a, e in rests)
        snapped = tuple((a, e) for a, e in snapped if e - a >= MIN_REST)
        out.append((b, BarLayout(snapped, i1 - i0)))
    return out


class PhrasingStats:
    """Counts of bar layouts per phase over the model's works with this bar length."""

    def __init__(self, bar: int, by_phase: dict[int, Counter[BarLayout]]) -> None:
        self.bar = bar
        self.by_phase = by_phase

    @classmethod
    def of_model(cls, model: TrainedModel, bar: int) -> PhrasingStats:
        key = ("phrasing", bar)
        stats = model.cache.get(key)
        if stats is None:
            by_phase: dict[int, Counter[BarLayout]] = {p: Counter() for p in range(PHRASE_BARS)}
            for wid in sorted(model.works):
                ev = model.works[wid].events
                if int(ev.bar) != bar:
                    continue
                for b, layout in bar_layouts(ev):
                    by_phase[b % PHRASE_BARS][layout] += 1
            stats = model.cache[key] = cls(bar, by_phase)
        return stats  # type: ignore[return-value]

    def bars(self) -> int:
        return sum(sum(c.values()) for c in self.by_phase.values())

    def rest_ratio(self) -> float:
        """The share of bar time the catalogue is silent (bars of works with this bar length)."""
        total = self.bars()
        if not total:
            return 0.0
        silent = sum(k.rest_ticks() * v for c in self.by_phase.values() for k, v in c.items())
        return silent / (total * self.bar)

    def notes_per_bar(self) -> float:
        total = self.bars()
        return sum(k.notes * v for c in self.by_phase.values() for k, v in c.items()) / total if total else 0.0


def _counts_bits(reach: list[int], spans: list[tuple[int, int]]) -> int:
    """Bitset of total note counts that can fill all the spans (each span needs its own notes)."""
    acc = 1
    for a, b in spans:
        bits = reach[b - a] if b - a < len(reach) else 0
        if not bits:
            return 0
        nxt = 0
        m = 0
        while bits >> m:
            if bits >> m & 1:
                nxt |= acc << m
            m += 1
        acc = nxt
    return acc


def _bounds(bits: int, want: int, lo: float, hi: float) -> tuple[int, int] | None:
    """The note-count bounds nearest the wanted count that the spans can meet within the user's bounds."""
    ok = [m for m in range(bits.bit_length()) if bits >> m & 1 and lo <= m <= hi]
    if not ok:
        return None
    near = [m for m in ok if abs(m - want) <= COUNT_SLACK]
    if not near:
        best = min(ok, key=lambda m: (abs(m - want), m))
        near = [best]
    return min(near), max(near)


def plan_bars(stats: PhrasingStats, first_bar: int, bars: int, rng: np.random.Generator, *, reach: list[int],
              breathing: float = 1.0, density: float = 1.0,
              user_density: tuple[float, float] | None = None) -> list[tuple[BarLayout, tuple[int, int]] | None]:
    """Per bar: (layout, note-count bounds), or None where the catalogue has nothing to say (no bars of this
    length): the bar is then free, as before."""
    lo, hi = user_density if user_density is not None else (0.0, float(10 ** 6))
    out: list[tuple[BarLayout, tuple[int, int]] | None] = []
    bar = stats.bar
    for i in range(bars):
        phase = (first_bar + i) % PHRASE_BARS
        counts: dict[BarLayout, float] = {k: float(v) for k, v in (stats.by_phase.get(phase) or Counter()).items()}
        mean = (sum(k.notes * v for k, v in counts.items()) / max(1, sum(counts.values()))) or 1.0
        if breathing > 1.0:  # more breathing: the rests of the phrase's other bars may come here too
            for other, c in stats.by_phase.items():
                if other != phase:
                    for layout, v in c.items():
                        if layout.rests:
                            counts[layout] = counts.get(layout, 0.0) + (breathing - 1.0) * BORROW * v
        options, weights = [], []
        for layout, count in counts.items():
            share = layout.rest_ticks() / bar
            if breathing <= 0 and share > 0:
                continue
            spans = layout.sounding(bar)
            bounds = _bounds(_counts_bits(reach, spans), layout.notes, lo, hi)
            if bounds is None:
                continue
            w = float(count)
            if breathing > 0 and breathing != 1.0 and share > 0:
                w *= breathing ** (4.0 * share)
            if density != 1.0 and density > 0:
                w *= density ** (4.0 * math.log2(max(layout.notes, 0.5) / mean))
            options.append((layout, bounds))
            weights.append(w)
        if not options:
            out.append(None)
            continue
        p = np.array(weights, dtype=float)
        out.append(options[int(rng.choice(len(options), p=p / p.sum()))])
    return out


def layout_slots(layout: BarLayout, bounds: tuple[int, int], bar_start: int, bar: int,
                 reach: list[int]) -> list[Slot]:
    """The free slots of one planned bar, each told the bar's bounds and what the later spans can hold."""
    spans = layout.sounding(bar)
    slots = []
    for k, (a, b) in enumerate(spans):
        later = _counts_bits(reach, spans[k + 1:])
        later_lo = (later & -later).bit_length() - 1 if later else 0
        later_hi = later.bit_length() - 1 if later else 0
        slots.append(Slot(bar_start + a, bar_start + b, "free", density=bounds, later=(later_lo, later_hi)))
    return slots
