"""Information content of melodies under the model: per-event distributions and k-fold cross-validation.

`viewpoint_tables` predicts every event of a melody with every viewpoint of one target (pitch or duration),
long- and short-term, as rows over the target alphabet; `combine_system` then weighs them. Keeping the
per-viewpoint tables separate makes viewpoint selection cheap: one pass of PPM per viewpoint, then only
numpy combinations.

Cross-validation trains the long-term model once on every work and, per fold, *forgets* the fold's works
(exact count subtraction), predicts them, and learns them back: the same model as training on the other
folds, without rebuilding the index ten times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.core.catalogue.types import UsableWork
from app.core.model.ppm.predict import PredictionSettings, combine_system, viewpoint_estimate
from app.core.model.ppm.store import ViewpointStore
from app.core.model.ppm.trie import ContextTrie
from app.core.model.ppm.viewpoints import Events, Viewpoint
from app.core.model.settings import ModelSettings
from app.core.tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress


@dataclass
class TargetTables:
    """Per viewpoint: long- and short-term rows (events × alphabet) and where the viewpoint is defined."""

    alphabet: np.ndarray
    truth: np.ndarray  # position of the actual target value in the alphabet, per event
    ltm: dict[str, np.ndarray]
    stm: dict[str, np.ndarray]
    defined: dict[str, np.ndarray]

    def probabilities(self, names: Sequence[str], settings: PredictionSettings) -> np.ndarray:
        dist = combine_system([self.ltm[n] for n in names], [self.stm[n] for n in names],
                              [self.defined[n] for n in names], settings)
        return dist[np.arange(len(self.truth)), self.truth]

    @staticmethod
    def concat(parts: Sequence[TargetTables]) -> TargetTables:
        names = parts[0].ltm.keys()
        return TargetTables(parts[0].alphabet, np.concatenate([p.truth for p in parts]),
                            {n: np.concatenate([p.ltm[n] for p in parts]) for n in names},
                            {n: np.concatenate([p.stm[n] for p in parts]) for n in names},
                            {n: np.concatenate([p.defined[n] for p in parts]) for n in names})


def target_values(ev: Events, target: str) -> np.ndarray:
    return ev.pitch if target == "pitch" else ev.dur


def viewpoint_tables(ev: Events, target: str, alphabet: np.ndarray, stores: dict[str, ViewpointStore],
                     settings: PredictionSettings) -> TargetTables:
    """Predict each event of one melody with each viewpoint in `stores` (all of the same target)."""
    n, a = len(ev), len(alphabet)
    pos = {int(v): j for j, v in enumerate(alphabet)}
    truth = np.array([pos[int(v)] for v in target_values(ev, target)], dtype=np.int64)
    ltm_out, stm_out, def_out = {}, {}, {}
    uniform = np.full(a, 1.0 / a)
    for name, store in stores.items():
        vp = store.viewpoint
        codes, ok = vp.sequence(ev)
        codes_l = codes.tolist()
        stm = ContextTrie(store.trie.cap, lazy=True)
        hist: list[int] = []
        lt = np.empty((n, a))
        st = np.empty((n, a))
        defined = np.zeros(n, dtype=bool)
        for i in range(n):
            cand = vp.candidates(ev, i, alphabet)
            if cand is None:
                lt[i] = uniform
                st[i] = uniform
            else:
                defined[i] = True
                ltm_tries: list[Any] = [store.trie, stm] if settings.ltm_plus else [store.trie]
                lt[i] = viewpoint_estimate(ltm_tries, hist, cand, escape=settings.ltm_escape,
                                           exclusion=settings.exclusion).target_p()
                st[i] = viewpoint_estimate([stm], hist, cand, escape=settings.stm_escape,
                                           exclusion=settings.exclusion).target_p()
            if ok[i]:
                hist.append(codes_l[i])
                stm.add_event(hist, len(hist) - 1)
        ltm_out[name], stm_out[name], def_out[name] = lt, st, defined
    return TargetTables(alphabet, truth, ltm_out, stm_out, def_out)


def fold_assignment(n: int, folds: int, seed: int | None) -> list[int]:
    """Fold of each item: contiguous blocks (IDyOM's resampling) or a seeded shuffle."""
    order = list(range(n))
    if seed is not None:
        np.random.default_rng(seed).shuffle(order)
    fold = [0] * n
    for rank, i in enumerate(order):
        fold[i] = rank * folds // n
    return fold


def cross_validate(melodies: Sequence[Events], viewpoints: Sequence[Viewpoint], *, folds: int = 10,
                   seed: int | None = None, cap: int = 24, settings: PredictionSettings | None = None,
                   progress: Progress = no_progress, cancel: CancelToken = NEVER_CANCELLED,
                   ) -> dict[str, list[TargetTables]]:
    """Per target, per fold: the tables of the fold's melodies predicted by a model of the other folds."""
    settings = settings or PredictionSettings()
    if len(melodies) < folds:
        raise ValueError(f"{folds}-fold cross-validation needs at least {folds} works, not {len(melodies)}")
    stores: dict[str, dict[str, ViewpointStore]] = {"pitch": {}, "dur": {}}
    sequences = {}
    for vp in viewpoints:
        store = ViewpointStore(vp, cap)
        for w, ev in enumerate(melodies):
            codes, ok = vp.sequence(ev)
            sequences[(vp.name, w)] = codes[ok]
        store.add_works([(w, sequences[(vp.name, w)]) for w in range(len(melodies))])
        stores[vp.target][vp.name] = store
    alphabets = {"pitch": np.unique(np.concatenate([m.pitch for m in melodies])),
                 "dur": np.unique(np.concatenate([m.dur for m in melodies]))}
    fold_of = fold_assignment(len(melodies), folds, seed)
    out: dict[str, list[TargetTables]] = {t: [] for t in stores if stores[t]}
    for f in range(folds):
        cancel.check()
        test = [w for w in range(len(melodies)) if fold_of[w] == f]
        for target_stores in stores.values():
            for store in target_stores.values():
                for w in test:
                    store.remove_work(w)
        for target in out:
            tables = [viewpoint_tables(melodies[w], target, alphabets[target], stores[target], settings)
                      for w in test]
            out[target].append(TargetTables.concat(tables))
        for target_stores in stores.values():
            for name, store in target_stores.items():  # learned back: the fold's works count again
                store.add_works([(w, sequences[(name, w)]) for w in test])
        progress((f + 1) / folds, f"fold {f + 1} of {folds}")
    return out


def bits_per_event(tables: Sequence[TargetTables], names: Sequence[str], settings: PredictionSettings
                   ) -> tuple[float, list[float]]:
    """Mean information content (bits) over all events, and per fold."""
    per_fold = [-np.log2(t.probabilities(names, settings)) for t in tables]
    total = float(np.concatenate(per_fold).mean())
    return total, [float(x.mean()) for x in per_fold]


def evaluate_works(works: Sequence[UsableWork], *, settings: ModelSettings | None = None, folds: int = 10,
                   seed: int | None = 0, progress: Progress = no_progress,
                   cancel: CancelToken = NEVER_CANCELLED) -> dict:
    """k-fold cross-validation by work (the shipped configuration: LTM+ and STM, default viewpoints).

    pitch bits are -log2 p(pitch | duration, past); event bits add -log2 p(duration | past)."""
    settings = settings or ModelSettings()
    melodies = [Events.from_melody(w.melody) for w in works if len(w.melody.notes)]
    if len(melodies) < max(2, folds):
        raise ValueError(f"{folds}-fold cross-validation needs at least {max(2, folds)} usable works with notes, "
                         f"not {len(melodies)}")
    res = cross_validate(melodies, settings.viewpoints, folds=folds, seed=seed, cap=settings.order_cap,
                         settings=settings.prediction, progress=progress, cancel=cancel)
    pitch_names = [Viewpoint.parse(n).name for n in settings.pitch_viewpoints]
    dur_names = [Viewpoint.parse(n).name for n in settings.dur_viewpoints]
    pitch, pitch_folds = bits_per_event(res["pitch"], pitch_names, settings.prediction)
    dur, dur_folds = bits_per_event(res["dur"], dur_names, settings.prediction)
    return {"works": len(melodies), "notes": int(sum(len(m) for m in melodies)), "folds": folds, "seed": seed,
            "pitch_viewpoints": list(settings.pitch_viewpoints), "dur_viewpoints": list(settings.dur_viewpoints),
            "pitch_bits_per_note": pitch, "duration_bits_per_note": dur, "event_bits_per_note": pitch + dur,
            "per_fold": [{"fold": i + 1, "pitch_bits_per_note": p, "event_bits_per_note": p + d}
                         for i, (p, d) in enumerate(zip(pitch_folds, dur_folds, strict=False))]}
