"""Phrase structure learned from the catalogue's own self-similarity: which bars repeat an earlier bar, how
far back, transposed by how much — and a suggestion's repetition plan drawn from those statistics.

Each bar of a training work is compared with the bars 1..MAX_LAG before it (its shape: onsets and durations
from the bar line, intervals from its first note). Its *relation* is the first that holds, strongest first:
"same" (rhythm and intervals: a repeat, transposed by the difference of the first pitches), "head" (rhythm
and the first half of the intervals: a varied repeat), "rhythm" (rhythm only), or "new"; for each kind the
smallest lag wins. The counts of (kind, lag, shift) per phase (bar index modulo PHRASE_BARS) are summed
over works — derived from the model's works and memoised on the model, so forgetting is exact.

Structure choices (`STRUCTURES`):
- "free": no plan (every bar new);
- "repeat-and-vary": each bar's relation drawn from the counts of its phase, among those whose source bar
  exists (the prime or an earlier bar of the suggestion);
- "call-and-answer": every 4-bar group answers its first two bars: the third bar takes a relation at lag 2
  drawn from the catalogue's lag-2 repeats (rhythm only when the catalogue has none), the others are new.

A repeated bar is the piece's own material (the sampler's "copy" slot): kept pitches are fixed notes with the
piece's credit, and they pass the same hard masks as every note (key, chords, max-copy), so the max-copy
bound against the works stays exact. A repeat that breaks a constraint falls back to a new bar.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from app.core.model.ppm.viewpoints import Events
from app.core.model.style.phrasing import PHRASE_BARS
from app.core.model.training import TrainedModel

STRUCTURES = ("free", "repeat-and-vary", "call-and-answer")
MAX_LAG = 4
KINDS = ("same", "head", "rhythm")
Relation = tuple[str, int, int]  # (kind, lag in bars, shift in semitones); ("new", 0, 0)
NEW: Relation = ("new", 0, 0)
KEEP = {"same": -1, "head": -2, "rhythm": 0}  # the copy slot's `keep`: all, the first half, none


def _shapes(ev: Events) -> dict[int, tuple[tuple, tuple, int]]:
    """Per bar with notes: (rhythm, intervals from the first note, first pitch)."""
    bar = int(ev.bar)
    out: dict[int, list[tuple[int, int, int]]] = {}
    for p, d, o in zip(ev.pitch.tolist(), ev.dur.tolist(), ev.onset.tolist(), strict=True):
        b = o // bar
        out.setdefault(b, []).append((o - b * bar, min(d, (b + 1) * bar - o), p))
    return {b: (tuple((o, d) for o, d, _ in ns), tuple(p - ns[0][2] for _, _, p in ns), ns[0][2])
            for b, ns in out.items()}


def relation(shapes: dict[int, tuple[tuple, tuple, int]], b: int) -> Relation:
    me = shapes.get(b)
    if me is None:
        return NEW
    rhythm, ivs, first = me
    half = (len(ivs) + 1) // 2
    for kind in KINDS:
        for lag in range(1, MAX_LAG + 1):
            other = shapes.get(b - lag)
            if other is None or other[0] != rhythm:
                continue
            if kind == "same" and other[1] == ivs:
                return ("same", lag, first - other[2])
            if kind == "head" and len(ivs) >= 2 and other[1][:half] == ivs[:half]:
                return ("head", lag, first - other[2])
            if kind == "rhythm":
                return ("rhythm", lag, 0)
    return NEW


class StructureStats:
    def __init__(self, bar: int, by_phase: dict[int, Counter[Relation]]) -> None:
        self.bar = bar
        self.by_phase = by_phase

    @classmethod
    def of_model(cls, model: TrainedModel, bar: int) -> StructureStats:
        key = ("structure", bar)
        stats = model.cache.get(key)
        if stats is None:
            by_phase: dict[int, Counter[Relation]] = {p: Counter() for p in range(PHRASE_BARS)}
            for wid in sorted(model.works):
                ev = model.works[wid].events
                if int(ev.bar) != bar or len(ev) == 0:
                    continue
                shapes = _shapes(ev)
                first, last = min(shapes), max(shapes)
                for b in range(first + 1, last + 1):  # the first bar has nothing before it to repeat
                    by_phase[b % PHRASE_BARS][relation(shapes, b)] += 1
            stats = model.cache[key] = cls(bar, by_phase)
        return stats  # type: ignore[return-value]

    def repeat_rate(self, kinds: tuple[str, ...] = ("same",)) -> float:
        total = sum(sum(c.values()) for c in self.by_phase.values())
        hits = sum(v for c in self.by_phase.values() for r, v in c.items() if r[0] in kinds)
        return hits / total if total else 0.0


def _draw(counts: Counter[Relation], ok, rng: np.random.Generator) -> Relation:
    options = [(r, v) for r, v in sorted(counts.items()) if r == NEW or ok(r)]
    if not options:
        return NEW
    w = np.array([v for _, v in options], dtype=float)
    return options[int(rng.choice(len(options), p=w / w.sum()))][0]


def plan_structure(stats: StructureStats, structure: str, first_bar: int, bars: int, earliest_bar: int,
                   rng: np.random.Generator) -> list[Relation]:
    """One relation per bar of the suggestion (bar indices on the timeline from `first_bar`); a source bar
    must lie at or after `earliest_bar` (the prime's first bar) and never on a bar that is itself planned
    as new-from-nothing beyond the suggestion."""
    if structure not in STRUCTURES:
        raise ValueError(f"unknown structure {structure!r} (choose {', '.join(STRUCTURES)})")
    plan: list[Relation] = []
    if structure == "free":
        return [NEW] * bars
    if structure == "repeat-and-vary":
        for i in range(bars):
            b = first_bar + i
            plan.append(_draw(stats.by_phase.get(b % PHRASE_BARS, Counter()),
                              lambda r, b=b: b - r[1] >= earliest_bar, rng))
        return plan
    lag2: Counter[Relation] = Counter()
    for c in stats.by_phase.values():
        for r, v in c.items():
            if r[0] != "new" and r[1] == 2:
                lag2[r] += v
    for i in range(bars):
        if i % 4 == 2:
            plan.append(_draw(lag2, lambda r: True, rng) if lag2 else ("rhythm", 2, 0))
            if plan[-1] == NEW:
                plan[-1] = ("rhythm", 2, 0)
        else:
            plan.append(NEW)
    return plan
