"""Temperature on what the context says, not on the catalogue's base rates (issue 15).

The sampler draws a pitch from p(x | context) ** (1 / T) (T < 1, the studio's "adventurousness"): that
suppresses notes the context makes unlikely, but it also sharpens the catalogue's overall preferences, which
the context has nothing to do with. In the chorales, whole-tone steps are more common than semitones overall,
so at T = 0.75 suggestions sang too many whole tones and too few semitones (descending semitones 11.4 % of
intervals against the works' 13.2 %), and the pitch classes drifted with them. Writing p as the base rate m of
the interval times what the context adds, p = m * (p / m), and sharpening only the second factor gives

    q(x)  ∝  m(x) * (p(x) / m(x)) ** (1 / T)  =  p(x) ** (1 / T) * m(x) ** (1 - 1 / T),

so the prior's weight is m ** (1 - 1/T): a note the context neither favours nor disfavours is drawn at its base
rate (as at T = 1), while context-implausible notes are still suppressed as much as before. In log terms this
is the anti-language-model (MMI) decoding score of Li et al. (2016), log p - lambda log m. m is the catalogue's
distribution of signed melodic intervals (counted over the model's works, memoised on the model, dropped on any
change: exact under forgetting). As Li et al. found for rare words, the correction must not boost what is rare:
the model's escape mass for an interval it has rarely seen exceeds the interval's base rate, and boosting all
rare intervals brought octave leaps back (chorales' judge 0.64 -> 0.79). So only the intervals at least as
common as a uniform draw (1 in 25) are corrected among themselves; the rarer ones keep the tempered weight.
Measured (judge seeds 0/1/2): chorales 0.658 / 0.650 / 0.612 -> 0.638 / 0.640 / 0.612, steps as the works'
(whole tones down 0.281 -> 0.260, works 0.252; semitones down 0.114 -> 0.123, works 0.132); openmsx 0.616 /
0.590 / 0.585 -> 0.622 / 0.595 / 0.630 (its fourths and fifths, common there, grow past its works'). Like the
other priors it changes which note is drawn, never the credit.
"""

from __future__ import annotations

import numpy as np

from app.core.model.training import TrainedModel

CLIP = 12  # intervals beyond an octave share the edge bins
SMOOTH = 0.5


class IntervalRates:
    def __init__(self, rates: np.ndarray) -> None:
        self.rates = rates  # P(signed interval), -CLIP..CLIP

    @classmethod
    def of_model(cls, model: TrainedModel) -> IntervalRates:
        stats = model.cache.get("interval-rates")
        if stats is None:
            counts = np.zeros(2 * CLIP + 1)
            for wid in sorted(model.works):
                p = model.works[wid].events.pitch.astype(np.int64)
                if len(p) > 1:
                    counts += np.bincount(np.clip(np.diff(p), -CLIP, CLIP) + CLIP, minlength=2 * CLIP + 1)
            counts = counts + SMOOTH
            stats = model.cache["interval-rates"] = cls(counts / counts.sum())
        return stats  # type: ignore[return-value]


class BaseRatePrior:
    """Weights m(interval) ** (1 - 1/T) over the alphabet, from the previous note (None for the first)."""

    def __init__(self, rates: IntervalRates, temperature: float) -> None:
        self.exponent = 1.0 - 1.0 / temperature
        # only the common intervals (at least a uniform draw's rate) are corrected among themselves; the rarer
        # ones get the smallest weight of those (never boosted: see the module)
        common = rates.rates >= 1.0 / len(rates.rates)
        self._w = np.where(common, rates.rates, rates.rates.max()) ** self.exponent
        self._w = self._w / self._w.max()
        self.active = abs(self.exponent) > 1e-9
        self._memo: dict[tuple[int, int, int], np.ndarray] = {}

    def __call__(self, previous: int, alphabet: np.ndarray) -> np.ndarray:
        key = (previous, int(alphabet[0]), len(alphabet))
        w = self._memo.get(key)
        if w is None:
            w = self._memo[key] = self._w[np.clip(alphabet - previous, -CLIP, CLIP) + CLIP]
        return w
