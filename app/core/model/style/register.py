"""Register and leaps learned from the catalogue: a soft prior on where a melody sits relative to what it just
played, and how often it leaps across a bar line.

Two histograms over the model's works (memoised on the model; dropped on any change, so exact under
forgetting): the *tessitura* — each note's distance in semitones from the median of the REGISTER_WINDOW notes
before it — and the bar-line intervals (the interval into the first note of a bar). In generation the
sampling weight of a candidate pitch is multiplied by

    (tessitura(x - median of the last notes) / the model's own spread) ** strength

and, at a bar line, by the catalogue's share of that interval size at bar lines against its share inside
bars, so leaps across bar lines come about as often as the catalogue makes them. The reference is the piece's
own last notes: the prime (the lead) first, then the suggestion. Like the temperature, the prior changes
which note is drawn, never the credit (that decomposes the model's probability of the drawn note).
"""

from __future__ import annotations

import numpy as np

from app.core.model.training import TrainedModel

REGISTER_WINDOW = 16  # notes before: a phrase or two
SPAN = 36  # tessitura histogram over -SPAN..SPAN semitones
SMOOTH = 0.5  # add-half smoothing of both histograms (a pitch the catalogue never reached stays possible)
LEAP_CLIP = 12


class RegisterStats:
    def __init__(self, tessitura: np.ndarray, at_bar: np.ndarray, in_bar: np.ndarray) -> None:
        self.tessitura = tessitura  # P(distance from the recent median), -SPAN..SPAN
        self.at_bar = at_bar  # P(|interval|) into the first note of a bar, 0..LEAP_CLIP
        self.in_bar = in_bar  # P(|interval|) inside bars

    @classmethod
    def of_model(cls, model: TrainedModel) -> RegisterStats:
        stats = model.cache.get("register")
        if stats is None:
            tess = np.zeros(2 * SPAN + 1)
            at_bar = np.zeros(LEAP_CLIP + 1)
            in_bar = np.zeros(LEAP_CLIP + 1)
            for wid in sorted(model.works):
                ev = model.works[wid].events
                p = ev.pitch.astype(np.int64)
                if len(p) < 2:
                    continue
                refs = [sorted(p[:i].tolist())[i // 2] for i in range(1, min(len(p), REGISTER_WINDOW))]
                if len(p) > REGISTER_WINDOW:  # the upper median of the window before each note, as generation
                    windows = np.lib.stride_tricks.sliding_window_view(p, REGISTER_WINDOW)[:-1]
                    refs += np.sort(windows, axis=1)[:, REGISTER_WINDOW // 2].tolist()
                d = np.clip(p[1:] - np.array(refs, dtype=np.int64), -SPAN, SPAN) + SPAN
                tess += np.bincount(d, minlength=2 * SPAN + 1)
                iv = np.minimum(np.abs(np.diff(p)), LEAP_CLIP)
                first = (ev.onset[1:] // ev.bar) != (ev.onset[:-1] // ev.bar)
                at_bar += np.bincount(iv[first], minlength=LEAP_CLIP + 1)
                in_bar += np.bincount(iv[~first], minlength=LEAP_CLIP + 1)
            stats = model.cache["register"] = cls(*((h + SMOOTH) / (h + SMOOTH).sum() for h in (tess, at_bar, in_bar)))
        return stats  # type: ignore[return-value]


class RegisterPrior:
    """The sampler's pitch prior (`Sampler(pitch_prior=...)`): weights over the alphabet, or None."""

    def __init__(self, stats: RegisterStats, *, bar: int, strength: float = 1.0, leaps: bool = True) -> None:
        self.stats = stats
        self.bar = bar
        self.strength = strength
        self.leaps = leaps
        self._tess = stats.tessitura / stats.tessitura.max()
        self._leap = stats.at_bar / stats.in_bar
        self._leap = self._leap / self._leap.max()
        self._memo: dict[tuple, np.ndarray] = {}

    def __call__(self, pitches: list[int], i: int, onset: int, alphabet: np.ndarray) -> np.ndarray | None:
        if i == 0 or self.strength <= 0:
            return None
        recent = sorted(pitches[max(0, i - REGISTER_WINDOW):i])
        ref = recent[len(recent) // 2]
        at_bar = self.leaps and onset % self.bar == 0
        key = (ref, pitches[i - 1] if at_bar else None, int(alphabet[0]), len(alphabet))
        w = self._memo.get(key)
        if w is None:
            d = np.clip(alphabet - ref, -SPAN, SPAN) + SPAN
            w = self._tess[d] ** self.strength
            if at_bar:
                w = w * self._leap[np.minimum(np.abs(alphabet - pitches[i - 1]), LEAP_CLIP)]
            self._memo[key] = w
        return w
