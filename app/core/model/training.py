"""Training from usable works only, exact forgetting, and the model's fingerprint.

`train` takes `UsableWork`s — the only shape in which the catalogue lets a melody out — and builds one
attribution index per viewpoint. `forget` subtracts works' counts (the result equals training without them:
same fingerprint, bitwise-equal predictions); `update_model` forgets what is no longer usable and adds what is
new, which is what `accord train` and the studio run after consent changes.

The fingerprint is the sha256 of a canonical serialisation of the learned statistics. The statistics are plain
sums of per-work count tables, and each work's table is a pure function of its viewpoint symbol sequences and
the order cap; so the canonical form is: the format, the settings that shape the counts, then per work in id
order its id and its per-viewpoint sequences. It does not depend on training order, and it is cheap enough to
recompute when loading (a full sort of every context would take seconds).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import gc
import hashlib
import logging
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.core.catalogue.types import ConsentEntryRef, ContributorShare, UsableWork
from app.core.model.ppm.store import ViewpointStore
from app.core.model.ppm.viewpoints import Events, Viewpoint, component, encode
from app.core.model.settings import ModelSettings
from app.core.tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress

log = logging.getLogger(__name__)
MODEL_FORMAT_VERSION = 1


@contextlib.contextmanager
def gc_paused(*, settle: bool = False) -> Iterator[None]:
    """Pause the cyclic garbage collector for a burst of allocations that builds no reference cycles.

    A trained model holds millions of small dicts and lists; a full collection triggered in the middle of
    training, forgetting or generating scans all of them (milliseconds to tens of milliseconds).

    `settle` (training, loading): collect the young generations once at the end, so what was just built moves
    to the old generation inside this bulk step. Otherwise the first young-generation pass after it walks
    it during a later request: 25-30 ms of one of the first suggestions after training 1 M notes."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
            if settle:
                gc.collect(1)


@dataclass(frozen=True)
class TrainingWork:
    """What the model keeps of a work: its identity, consent, splits and note events."""

    id: int
    title: str
    sha256: str
    contributors: tuple[ContributorShare, ...]
    consent: tuple[ConsentEntryRef, ...]
    events: Events
    melody_sha256: str = ""  # the catalogue's digest of the melody learned: a model is bound to this content

    @classmethod
    def from_usable(cls, work: UsableWork) -> TrainingWork:
        return cls(int(work.id), work.title, work.sha256, tuple(work.contributors), tuple(work.consent),
                   Events.from_melody(work.melody), str(getattr(work, "melody_sha256", "") or ""))

    def manifest_entry(self) -> dict:
        return {"id": self.id, "title": self.title, "sha256": self.sha256, "notes": len(self.events),
                **({"melody_sha256": self.melody_sha256} if self.melody_sha256 else {}),
                "contributors": [{"name": c.name, "role": c.role, "split_bp": c.split_bp} for c in self.contributors],
                "consent": [{"entry_id": c.entry_id, "contributor": c.contributor, "action": c.action, "use": c.use,
                             "recorded_at": c.recorded_at, "entry_hash": c.entry_hash} for c in self.consent]}


class TrainedModel:
    """Per-viewpoint attribution indexes over a set of works, plus identity and settings."""

    def __init__(self, settings: ModelSettings, *, model_id: str | None = None, version: int = 1,
                 created_at: str | None = None) -> None:
        self.settings = settings
        self.model_id = model_id or uuid.uuid4().hex
        self.version = version
        self.created_at = created_at or _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.works: dict[int, TrainingWork] = {}
        self.stores: dict[str, ViewpointStore] = {vp.name: ViewpointStore(vp, settings.order_cap)
                                                  for vp in settings.viewpoints}
        self._work_digest: dict[int, bytes] = {}
        self._fingerprint: str | None = None
        self._alphabets: dict[str, np.ndarray] | None = None
        self.cache: dict[object, object] = {}  # derived indexes (max-copy k-grams), dropped on any change
        self.last_update: dict[str, list[int]] = {"removed": [], "added": []}

    # -- changing --------------------------------------------------------------------------------------
    def add_work(self, work: TrainingWork) -> None:
        self.add_works([work])

    def add_works(self, works: Sequence[TrainingWork], *, progress: Progress = no_progress,
                  cancel: CancelToken = NEVER_CANCELLED) -> None:
        """Learn works in one batch (viewpoint sequences computed over all works at once, one sort per
        viewpoint). Cancelling leaves the model as it was."""
        ids = [w.id for w in works]
        if len(set(ids)) != len(ids) or any(i in self.works for i in ids):
            dup = next(i for i in ids if i in self.works or ids.count(i) > 1)
            raise ValueError(f"work {dup} is already in the model")
        if not works:
            return
        for w in works:
            if len(w.events) == 0:
                log.info("work %s has no notes; skipped", w.id)
        clock = _Eta(len(self.stores) + 1)
        progress(*clock.report(0, f"reading {len(works)} works"))
        seqs = all_sequences([w.events for w in works], [self.stores[n].viewpoint for n in sorted(self.stores)])
        digests = work_digests(ids, sorted(self.stores), seqs)
        done: list[str] = []
        try:
            for k, name in enumerate(sorted(self.stores)):
                cancel.check()
                progress(*clock.report(k + 1, f"indexing {name}"))
                codes, lengths = seqs[k]
                self.stores[name].index.add_sequences(ids, codes, lengths)
                done.append(name)
        except BaseException:
            for name in done:  # cancelled (or failed) half-way: forget what was added (exact)
                for wid in ids:
                    self.stores[name].remove_work(wid)
            raise
        self._work_digest.update(digests)
        for work in works:
            self.works[work.id] = work
        self._changed()

    def adopt(self, works: Sequence[TrainingWork], digests: dict[int, bytes]) -> None:
        """Take works whose counts the stores already hold (a loaded index)."""
        for work in works:
            self.works[work.id] = work
        self._work_digest.update(digests)
        self._changed()

    def remove_work(self, work_id: int) -> None:
        if work_id not in self.works:
            raise KeyError(work_id)
        for store in self.stores.values():
            store.remove_work(work_id)
        del self.works[work_id]
        del self._work_digest[work_id]
        self._changed()

    def _changed(self) -> None:
        self._fingerprint = None
        self._alphabets = None
        self.cache.clear()

    # -- reading ---------------------------------------------------------------------------------------
    @property
    def work_ids(self) -> set[int]:
        return set(self.works)

    def alphabet(self, target: str) -> np.ndarray:
        """Sorted pitches (or duration ticks) of the training works."""
        if self._alphabets is None:
            evs = [w.events for w in self.works.values() if len(w.events)]
            self._alphabets = {
                "pitch": distinct(np.concatenate([e.pitch for e in evs])) if evs else np.zeros(0, np.int64),
                "dur": distinct(np.concatenate([e.dur for e in evs])) if evs else np.zeros(0, np.int64)}
        return self._alphabets[target]

    def target_stores(self, target: str, *, generation: bool = False) -> dict[str, ViewpointStore]:
        s = self.settings
        if generation:
            names = s.generation_pitch_viewpoints if target == "pitch" else s.generation_dur_viewpoints
        else:
            names = s.pitch_viewpoints if target == "pitch" else s.dur_viewpoints
        return {n: self.stores[_canonical(n)] for n in names}

    @property
    def fingerprint(self) -> str:
        if self._fingerprint is None:
            h = hashlib.sha256()
            h.update(f"accord-model-statistics/{MODEL_FORMAT_VERSION};cap={self.settings.order_cap};"
                     f"viewpoints={','.join(sorted(self.stores))};".encode())
            for wid in sorted(self.works):
                h.update(f"work {wid}:".encode())
                h.update(self._work_digest[wid])
            self._fingerprint = h.hexdigest()
        return self._fingerprint

    def manifest(self) -> dict:
        return {"format": "accord-model", "format_version": MODEL_FORMAT_VERSION, "model_id": self.model_id,
                "version": self.version, "created_at": self.created_at, "settings": self.settings.to_json(),
                "works": [self.works[w].manifest_entry() for w in sorted(self.works)],
                "fingerprint": self.fingerprint}


class _Eta:
    """(fraction, text with the time left) for progress reports over `total` units of work."""

    def __init__(self, total: int) -> None:
        import time

        self._clock = time.monotonic
        self.total = max(1, total)
        self.t0 = self._clock()

    def report(self, done: int, text: str) -> tuple[float, str]:
        fraction = min(1.0, done / self.total)
        elapsed = self._clock() - self.t0
        if fraction >= 0.02 and elapsed >= 1.0:
            left = elapsed * (1 - fraction) / fraction
            text += f" (about {left:.0f} s left)" if left < 120 else f" (about {left / 60:.0f} min left)"
        return fraction, text


def distinct(values: np.ndarray) -> np.ndarray:
    """np.unique of small non-negative integers (pitches, duration ticks) by counting: no sort of every note."""
    if len(values) and 0 <= int(values.min()) and int(values.max()) < 1 << 20:
        return np.flatnonzero(np.bincount(values)).astype(np.int64)
    return np.unique(values).astype(np.int64)


def all_sequences(events: Sequence[Any], viewpoints: Sequence[Viewpoint], *,
                  flat: Events | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per viewpoint, (codes of every work's sequence concatenated, each work's length): `Viewpoint.sequence`
    over all works at once (per-note bar and tonic; a work's first event has no previous one). `flat`: the
    works' events already concatenated (per-note bar and tonic), as a model file stores them. Each component
    is computed once and shared by the viewpoints that link it."""
    lengths = np.array([len(e) for e in events], dtype=np.int64)
    if flat is not None:
        cat = flat
    else:
        pitch, dur, onset = (np.concatenate([getattr(e, a) for e in events]) if len(events)
                             else np.zeros(0, np.int64) for a in ("pitch", "dur", "onset"))
        cat = Events(pitch, dur, onset,
                     np.repeat([e.bar for e in events], lengths), np.repeat([e.tonic for e in events], lengths))
    firsts = (np.cumsum(lengths) - lengths)[lengths > 0]
    parts: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    out = []
    for vp in viewpoints:
        for c in vp.components:
            if c not in parts:
                parts[c] = component(cat, c)
        codes = encode([parts[c][0] for c in vp.components])
        if vp.needs_previous:  # defined from each work's second event (what component's masks and firsts say)
            ok = np.logical_and.reduce([parts[c][1] for c in vp.components])
            ok[firsts] = False
            codes = codes[ok]
        out.append((codes, lengths - ((lengths > 0) & vp.needs_previous)))
    return out


def work_digests(ids: Sequence[int], names: Sequence[str], seqs: Sequence[tuple[np.ndarray, np.ndarray]]
                 ) -> dict[int, bytes]:
    """Per work, sha256 over its per-viewpoint records `name=<codes as <i8>;` (names sorted): what the
    fingerprint hashes (each work's records joined from slices of one buffer per viewpoint, hashed at once)."""
    views = []
    for name, (codes, lengths) in zip(names, seqs, strict=True):
        ends = (np.cumsum(lengths) * 8).tolist()
        views.append((name.encode() + b"=", codes.astype("<i8").data.cast("B"), ends,
                      (np.cumsum(lengths) * 8 - lengths * 8).tolist()))
    out = {}
    sha = hashlib.sha256
    join = b"".join
    for i, wid in enumerate(ids):
        record: list[bytes | memoryview] = []
        for prefix, mv, ends, starts in views:
            record += (prefix, mv[starts[i]:ends[i]], b";")
        out[wid] = sha(join(record)).digest()
    return out


def _canonical(name: str) -> str:
    from app.core.model.ppm.viewpoints import Viewpoint

    return Viewpoint.parse(name).name


def train(works: Sequence[UsableWork], *, settings: ModelSettings | None = None, progress: Progress = no_progress,
          cancel: CancelToken = NEVER_CANCELLED) -> TrainedModel:
    """A new model of exactly these usable works (ids must be distinct)."""
    model = TrainedModel(settings or ModelSettings())
    for work in works:
        if not isinstance(work, UsableWork):
            raise TypeError("train() takes only UsableWork objects from the catalogue's usable_works()")
    with gc_paused(settle=True):
        model.add_works([TrainingWork.from_usable(w) for w in works], progress=progress, cancel=cancel)
    progress(1.0, f"learned {len(works)} works")
    return model


def forget(model: TrainedModel, work_ids: Iterable[int]) -> TrainedModel:
    """Subtract works' counts in place (exact unlearning) and return the model with its version bumped."""
    ids = sorted(set(int(w) for w in work_ids) & set(model.works))
    with gc_paused():
        for wid in ids:
            model.remove_work(wid)
    if ids:
        model.version += 1
    return model


def merge_models(shards: Sequence[TrainedModel]) -> TrainedModel:
    """The model of the union of the shards' works, from the shards' own arrays (the map step trains each
    shard; this is the reduce step). Exact: every count is a sum over works, so the result has the same
    fingerprint, counts and predictions as training on the union. The largest shard's index is kept and the
    others' sequences are inserted into it (their positions sorted once per shard); shards must share
    settings and hold disjoint works."""
    if not shards:
        raise ValueError("merge_models needs at least one model")
    settings = shards[0].settings
    seen: set[int] = set()
    for m in shards:
        if m.settings != settings:
            raise ValueError("shards must be trained with the same settings")
        if seen & set(m.works):
            raise ValueError(f"works {sorted(seen & set(m.works))[:5]} are in more than one shard")
        seen |= set(m.works)
    order = sorted(shards, key=lambda m: -sum(len(w.events) for w in m.works.values()))
    out = TrainedModel(settings)
    base = order[0]
    for name, store in out.stores.items():
        store.index = type(base.stores[name].index).from_arrays(settings.order_cap, base.stores[name].index.export())
    out.adopt(list(base.works.values()), dict(base._work_digest))
    for m in order[1:]:
        for name, store in out.stores.items():
            a = m.stores[name].index.export()  # every live work's sequence, in the shard's work order
            store.index.add_sequences(a["work_ids"].tolist(), a["codes"][a["T"][a["T"] >= 0]], a["lengths"])
        ids = sorted(m.works)
        out.adopt([m.works[w] for w in ids], {w: m._work_digest[w] for w in ids})
    return out


def update_model(model: TrainedModel, usable_works: Sequence[UsableWork], *, progress: Progress = no_progress,
                 cancel: CancelToken = NEVER_CANCELLED) -> tuple[TrainedModel, list[int], list[int]]:
    """Forget works no longer usable (or whose content changed) and learn the new ones, in place:
    (model, removed ids, added ids), also kept in `model.last_update`.

    The same statistics as training from scratch on `usable_works` (same fingerprint); the version goes up
    when anything changed."""
    usable = {int(w.id): w for w in usable_works}
    stale = sorted(wid for wid, w in model.works.items() if wid not in usable or usable[wid].sha256 != w.sha256)
    with gc_paused(settle=True):
        for wid in stale:
            model.remove_work(wid)
        new = [w for wid, w in sorted(usable.items()) if wid not in model.works]
        model.add_works([TrainingWork.from_usable(w) for w in new], progress=progress, cancel=cancel)
    if stale or new:
        model.version += 1
    model.last_update = {"removed": stale, "added": [int(w.id) for w in new]}
    progress(1.0, f"forgot {len(stale)}, learned {len(new)} works")
    return model, stale, model.last_update["added"]
