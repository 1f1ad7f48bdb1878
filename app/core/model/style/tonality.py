"""Pitch choices that follow the catalogue's pitch classes in the song's mode (issue 15).

A correction of the model's pitch estimate, a soft weight like the register prior. The model's tonic-relative viewpoints pool every work, major and minor: in a minor song its
  long-term estimate leans towards the major works' sixths and sevenths (chorales in minor: suggestions
  sounded the minor third a third less often than the works, the major sixth twice as often). The weight of a
  candidate is P(pitch class | the song's mode) / P(pitch class) over the catalogue — the factor that turns a
pooled estimate into the mode's — to the power `strength` (0.5 in the studio style: the model's context
already carries part of the mode, and the full factor overshot, e.g. too many minor sixths in minor). A
work's mode is read from its notes (more major than minor thirds above its tonic: major), as for the
catalogue's scale (profile.catalogue_degrees); the song's the same way, from the notes before the
suggestion (profile.song_mode).

The counts are over the model's works (memoised on the model, dropped on any change: exact under
forgetting). The weight changes which pitch is drawn, never the credit (that decomposes the model's own
estimate). A damping of intervals the catalogue rarely uses was tried as well and left out: it changed the
judge's figures by less than their noise on both sets.
"""

from __future__ import annotations

import numpy as np

from app.core.model.training import TrainedModel

SMOOTH = 0.5  # add-half smoothing: a pitch class the catalogue never used stays possible
MODES = ("major", "minor")


def work_mode(pitch: np.ndarray, tonic: int) -> str:
    hist = np.bincount((pitch.astype(np.int64) - int(tonic)) % 12, minlength=12)
    return "major" if hist[4] >= hist[3] else "minor"


class TonalityStats:
    def __init__(self, pcs: dict[str, np.ndarray], pooled: np.ndarray) -> None:
        self.pcs = pcs  # mode -> P(pitch class above the tonic)
        self.pooled = pooled  # P(pitch class above the tonic), every work

    @classmethod
    def of_model(cls, model: TrainedModel) -> TonalityStats:
        stats = model.cache.get("tonality")
        if stats is None:
            counts = {m: np.zeros(12) for m in MODES}
            for wid in sorted(model.works):
                ev = model.works[wid].events
                p = ev.pitch.astype(np.int64)
                if len(p) == 0:
                    continue
                counts[work_mode(p, int(ev.tonic))] += np.bincount((p - int(ev.tonic)) % 12, minlength=12)
            pooled = np.asarray(sum(counts.values()))
            stats = model.cache["tonality"] = cls(
                {m: (c + SMOOTH) / (c + SMOOTH).sum() for m, c in counts.items()},
                (pooled + SMOOTH) / (pooled + SMOOTH).sum())
        return stats  # type: ignore[return-value]


class TonalityPrior:
    """Weights over the alphabet in a song with this tonic and mode (None: no correction)."""

    def __init__(self, stats: TonalityStats, *, tonic: int, mode: str | None, strength: float = 1.0) -> None:
        self.tonic = tonic
        if mode in stats.pcs and strength > 0:
            self._pc = (stats.pcs[mode] / stats.pooled) ** strength
        else:
            self._pc = np.ones(12)
        self.active = mode in stats.pcs and strength > 0
        self._memo: dict[tuple, np.ndarray] = {}

    def __call__(self, alphabet: np.ndarray) -> np.ndarray:
        key = (int(alphabet[0]), len(alphabet))
        w = self._memo.get(key)
        if w is None:
            w = self._memo[key] = self._pc[(alphabet - self.tonic) % 12]
        return w
