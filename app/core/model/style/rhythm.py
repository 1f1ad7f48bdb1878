"""Durations that fill a planned span the way the catalogue fills it: a look-ahead weight on the sampler's
duration choice (issue 15).

The sampler fills a span left to right with the model's durations, masked so the span can still be filled
exactly with the planned number of notes. The mask alone skews the rhythm: when the first durations drawn are
long, the last notes must be short, so filled bars end in runs of sixteenths the catalogue rarely writes
(chorales: 3.9 % of inter-onset intervals against 0.7 %). Conditioning fixes that: a duration d at tick t is
weighted by the probability that the rest of the span, [t + d, end), is filled by the remaining notes under
the catalogue's own distribution of durations by position in the bar,

    weight(d) = sum over allowed remaining counts m of  W(t + d, end, m),
    W(t, end, 0) = [t == end],   W(t, end, m) = sum_d q(d | t mod bar) W(t + d, end, m - 1),

which is exact sampling of the whole span's rhythm from the catalogue's distribution conditioned on its
length and note count (when the model's own duration estimate agrees with q). q is counted over the model's
works (memoised on the model, dropped on any change: forgetting a work forgets its rhythm), smoothed towards
the catalogue's overall duration distribution. Like the register prior it changes which duration is drawn,
never the credit (that decomposes the model's probability of the drawn duration).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.core.model.training import TrainedModel

SMOOTH = 2.0  # pseudo-counts of the overall duration distribution added at every position in the bar
FLOOR = 0.5  # add-half smoothing of the overall distribution: every duration the sampler knows stays possible


class RhythmStats:
    """q(duration | onset position in the bar) over the model's works with this bar length."""

    def __init__(self, bar: int, durations: Sequence[int] | np.ndarray, table: dict[int, np.ndarray], overall: np.ndarray) -> None:
        self.bar = bar
        self.durations = [int(d) for d in durations]
        self.table = table  # position in bar -> probabilities over `durations`
        self.overall = overall

    @classmethod
    def of_model(cls, model: TrainedModel, bar: int, durations: Sequence[int] | np.ndarray) -> RhythmStats:
        key = ("rhythm", bar, tuple(int(d) for d in durations))
        stats = model.cache.get(key)
        if stats is None:
            index = {int(d): j for j, d in enumerate(durations)}
            counts: dict[int, np.ndarray] = {}
            overall = np.zeros(len(index))
            for wid in sorted(model.works):
                ev = model.works[wid].events
                if int(ev.bar) != bar or len(ev) == 0:
                    continue
                onset, dur = ev.onset.astype(np.int64), ev.dur.astype(np.int64)
                sounding = dur.copy()  # a monophonic line: a note lasts until the next onset at the latest
                sounding[:-1] = np.minimum(dur[:-1], np.maximum(onset[1:] - onset[:-1], 1))
                for o, d in zip(onset.tolist(), sounding.tolist(), strict=True):
                    j = index.get(int(d))
                    if j is None:
                        continue
                    row = counts.setdefault(o % bar, np.zeros(len(index)))
                    row[j] += 1
                    overall[j] += 1
            base = (overall + FLOOR) / (overall + FLOOR).sum()
            table = {pos: (row + SMOOTH * base) / (row.sum() + SMOOTH) for pos, row in counts.items()}
            stats = model.cache[key] = cls(bar, durations, table, base)
        return stats  # type: ignore[return-value]

    def at(self, pos: int) -> np.ndarray:
        return self.table.get(pos % self.bar, self.overall)


class DurationPrior:
    """The sampler's duration prior (`Sampler(dur_prior=...)`): weights over its durations, or None."""

    def __init__(self, stats: RhythmStats) -> None:
        self.stats = stats
        self._w: dict[tuple[int, int, int], float] = {}  # (position in bar, ticks left, notes) -> W
        self._memo: dict[tuple, np.ndarray | None] = {}

    def fill(self, t: int, left: int, m: int) -> float:
        """W: the catalogue's probability that m notes starting at tick t fill exactly `left` ticks."""
        if m == 0:
            return 1.0 if left == 0 else 0.0
        if left <= 0:
            return 0.0
        key = (t % self.stats.bar, left, m)
        got = self._w.get(key)
        if got is None:
            q = self.stats.at(t)
            got = 0.0
            for j, d in enumerate(self.stats.durations):
                if d <= left and q[j] > 0:
                    got += float(q[j]) * self.fill(t + d, left - d, m - 1)
            self._w[key] = got
        return got

    def __call__(self, onset: int, left: int, counts: Sequence[int], durations: Sequence[int]) -> np.ndarray | None:
        """Weights of each duration at `onset` with `left` ticks of the span to fill, when the notes after
        this one may number any of `counts`; None when no count can be met (the masks decide alone)."""
        key = (onset % self.stats.bar, left, tuple(counts))
        if key in self._memo:
            return self._memo[key]
        w = np.array([sum(self.fill(onset + int(d), left - int(d), m) for m in counts) if d <= left else 0.0
                      for d in durations])
        top = float(w.max()) if len(w) else 0.0
        out = w / top if top > 0 else None
        self._memo[key] = out
        return out
