"""A suggestion request (`_Job`), shared by continue_phrase, fill_gap and vary (generate.py): the pitch
rules, durations and copy limit built from the constraints, the sampler of each attempt, the loop that draws
distinct suggestions (or says which constraint to relax), and the resolution of their credit in one batch.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from app.core.errors import ConstraintError, ModelFileError
from app.core.model.constraints import Constraints
from app.core.model.credit import (
    DENSE_CREDIT_LIMIT,
    NoteCredit,
    Suggestion,
    WorkShares,
    contributor_credit_fast,
    resolve_by_context,
    resolve_queries,
)
from app.core.model.generation.sampler import Sampler
from app.core.model.generation.slots import DeadEnd, PitchRules, Slot, cached_fill_table
from app.core.model.index.copyindex import CopyIndex, model_copy_index
from app.core.model.ppm.viewpoints import TICKS_PER_QUARTER, estimate_key, to_ticks
from app.core.model.style.profile import (
    Style,
    catalogue_degrees,
    duration_prior,
    register_prior,
    styled_slots,
)
from app.core.model.style.sources import combined_index, source_index
from app.core.model.training import TrainedModel, gc_paused
from app.core.music import Melody, Note

SMALLEST_DURATION = 12  # a sixteenth: always available, so any length on the sixteenth grid can be filled
ADVICE = {
    "silent": "every draw rested through the whole span: ask for more bars, or less breathing",
    "key": "no pitch of the key lies in the pitch range: widen the range or allow chromatic",
    "chords": "chord tones on strong beats cannot be met within the key and range: relax the chords (or widen "
              "the range, or allow chromatic)",
    "density": "the rhythmic density cannot be met with the learned rhythms: relax the density",
    "max-copy": "every continuation would copy more than k notes from one training work: raise max-copy",
    "fixed": "the notes to keep break the key, range, chord or max-copy constraints: relax those, or vary farther",
    "nothing allowed": "no note satisfies all constraints: relax the key, range, chords or density",
}


def _copy_index(model: TrainedModel, k: int) -> CopyIndex:
    """The works' interval index (built once per model state, shared by every k) for max-order k."""
    key = ("copy", k)
    idx = model.cache.get(key)
    if idx is None:
        idx = model.cache[key] = model_copy_index(model).with_k(k)
    return idx  # type: ignore[return-value]


def _ctx_events(notes: Sequence[Note]) -> list[tuple[int, int, int]]:
    return [(n.pitch, max(1, to_ticks(n.duration)), to_ticks(n.onset)) for n in notes]


class _Job:
    """What every mode shares: rules from the constraints, the sampler per attempt, credit resolution."""

    def __init__(self, model: TrainedModel, c: Constraints, context: Sequence[Note], key_source: Sequence[Note],
                 *, temperature: float, closeness: float = 0.0, repeat_damping: float = 1.0,
                 style: Style | None = None, sources: Mapping[int, Sequence[int]] | None = None) -> None:
        if not model.works:
            raise ModelFileError("the model has learned no works", hint="import works, grant consent, run accord train")
        self.model, self.c = model, c
        self.bar = to_ticks(c.time_signature.bar_quarters)
        self.start = to_ticks(c.start)
        self.end = self.start + c.bars * self.bar
        key = c.key
        if key is None and key_source:
            key = estimate_key([n.pitch for n in key_source], [n.duration for n in key_source])
        self.key = key
        lo, hi = c.pitch_range
        # Estimates run over the model's pitches plus the requested range (the range is a mask): the
        # alphabet — and so the memoised long-term estimates — stay the same from one request to the next.
        learned = model.alphabet("pitch")
        a_lo = min(lo, int(learned[0])) if len(learned) else lo
        a_hi = max(hi, int(learned[-1])) if len(learned) else hi
        alphabet = np.arange(a_lo, a_hi + 1, dtype=np.int64)
        in_range = (alphabet >= lo) & (alphabet <= hi)
        scale = set(key.melodic_scale) if key is not None else set()
        if key is not None and style is not None and style.scale:
            scale |= {(key.tonic_pc + d) % 12 for d in catalogue_degrees(model, key.mode)}
        in_key = in_range & (np.ones(len(alphabet), bool) if key is None or c.chromatic
                             else np.isin(alphabet % 12, sorted(scale)))
        if not in_key.any():
            raise ConstraintError(ADVICE["key"])
        chord_pcs: dict[int, frozenset[int]] = {}
        if c.chords is not None and c.chord_tones_on_strong_beats:
            for t in range(self.start, self.end, SMALLEST_DURATION):
                if not c.time_signature.strong_beat((t % self.bar) / TICKS_PER_QUARTER):
                    continue
                chord = c.chords.at(t / TICKS_PER_QUARTER)
                if chord.is_no_chord:
                    continue
                if not (in_key & np.isin(alphabet % 12, list(chord.pitch_classes))).any():
                    raise ConstraintError(f"chord {chord} at beat {t / TICKS_PER_QUARTER:g} has no tone in the key "
                                          f"and range: relax the chords (or widen the range, or allow chromatic)")
                chord_pcs[t] = chord.pitch_classes
        self.rules = PitchRules(alphabet, in_key, chord_pcs)
        durs = set(int(d) for d in model.alphabet("dur") if d <= self.bar) | {SMALLEST_DURATION}
        self.durations = np.array(sorted(durs), dtype=np.int64)
        reach = cached_fill_table(model, self.durations, self.bar * 2)
        if c.density is not None:
            dlo, dhi = c.density
            if not any(reach[self.bar] >> m & 1 and dlo <= m <= dhi for m in range(reach[self.bar].bit_length())):
                raise ConstraintError(f"{dlo:g}..{dhi:g} notes per bar cannot fill a bar: {ADVICE['density']}")
        self.copy = _copy_index(model, max(0, c.max_copy))
        self.report_copy = self.copy  # reports the true longest copied run at any k (also k = 0: no limit)
        self.source_copy = None
        if sources:  # the parts as imported too (sources.py): masked against both, both reported
            self.source_copy = source_index(sources)
            self.copy = combined_index({w: t.events.pitch for w, t in model.works.items()}, sources,
                                       max(0, c.max_copy))
        self.temperature, self.closeness, self.repeat_damping = temperature, closeness, repeat_damping
        self.context = _ctx_events(context)
        self._splits: tuple | None = None
        self.style = style
        self._prior = register_prior(model, style, self.bar, key, [n.pitch for n in context],
                                     temperature=self.temperature)
        self._dur_prior = duration_prior(model, style, self.bar, self.durations)

    def sampler(self, seed: int, j: int) -> Sampler:
        tonic = self.key.tonic_pc if self.key is not None else estimate_key(
            [p for p, _, _ in self.context] or [60], [1.0] * max(1, len(self.context))).tonic_pc
        return Sampler(self.model, self.context, bar=self.bar, tonic=tonic, rules=self.rules,
                       durations=self.durations, density=self.c.density, copy_index=self.copy,
                       temperature=self.temperature, closeness=self.closeness, repeat_damping=self.repeat_damping,
                       rng=np.random.default_rng([seed, j]), pitch_prior=self._prior, dur_prior=self._dur_prior)

    def slots(self, start: int, end: int):
        """The slots of [start, end): plain bars without a style, else a plan per suggestion (its own seed)."""
        if self.style is None:
            return _bar_slots(start, end, self.bar)
        style = self.style
        reach = cached_fill_table(self.model, self.durations, self.bar * 2)
        onsets = [o for _, _, o in self.context]

        def plan(seed: int, j: int) -> list[Slot]:
            return styled_slots(self.model, style, start=start, end=end, bar=self.bar, context_onsets=onsets,
                                reach=reach, user_density=self.c.density,
                                rng=np.random.default_rng([seed, j, 15]))
        return plan

    def run(self, slots, n: int, seed: int | None, mode: str, settings: dict,
            rescore=None) -> list[Suggestion]:
        # ConstraintError, not ValueError: `accord suggest -n 0` or `--seed -1` ended in a traceback
        if not 1 <= n <= 64:
            raise ConstraintError(f"the number of suggestions must be 1..64, not {n}")
        if seed is not None and int(seed) < 0:
            raise ConstraintError(f"the seed must be a whole number of 0 or more, not {seed}")
        with gc_paused():  # full collections over the model's objects would double the slowest requests
            return self._run(slots, n, seed, mode, settings, rescore)

    def _run(self, slots, n: int, seed: int | None, mode: str, settings: dict,
             rescore=None) -> list[Suggestion]:
        seed = secrets.randbits(31) if seed is None else int(seed)
        made: list[tuple[float, int, list[tuple[int, int, int]], list, float]] = []
        seen: set[tuple] = set()
        want = n * 2 if rescore is not None else n
        failures: dict[str, int] = {}
        sampler: Sampler | None = None
        for j in range(want * 4):
            if len(made) >= want:
                break
            if sampler is None:
                sampler = self.sampler(seed, j)
            else:
                sampler.restart(np.random.default_rng([seed, j]))
            try:
                events, pending = sampler.generate(slots(seed, j) if callable(slots) else slots, self.start)
            except DeadEnd as exc:
                failures[exc.reason] = failures.get(exc.reason, 0) + 1
                if exc.reason in ("key", "fixed") or sum(failures.values()) >= 3:
                    break
                continue
            if not events:  # a plan of rests only (a breathing catalogue, short span) is not a suggestion
                failures["silent"] = failures.get("silent", 0) + 1
                continue
            sig = tuple(events)
            if sig in seen:
                continue
            seen.add(sig)
            score = rescore(sampler) if rescore is not None else 0.0
            made.append((score, j, events, pending, sampler.logp))
        if not made:
            reason = max(failures, key=lambda k: failures[k]) if failures else "nothing allowed"
            raise ConstraintError(f"no suggestion satisfies the constraints: {ADVICE.get(reason, reason)}")
        if rescore is not None:
            made.sort(key=lambda t: -t[0])
        made = made[:n]
        # the credit of all suggestions is resolved in one batch (one attribution-index look-up per viewpoint)
        credits = self._resolve([m[3] for m in made])
        return [self._suggestion(events, per_note, works, logp, seed, j, mode, settings)
                for (_, j, events, _, logp), (per_note, works) in zip(made, credits, strict=True)]

    def _resolve(self, pendings: list[list[list[tuple[float, float, list | None]]]]
                 ) -> list[tuple[list[NoteCredit], WorkShares]]:
        """Per suggestion: normalise each decomposition (rhythm, pitch) of each note and average them per
        note; and the suggestion's mean per-work credit."""
        wids = _work_ids(self.model)
        width = len(wids)
        if width > DENSE_CREDIT_LIMIT:  # beyond a few dozen works: per context, no (notes x works) matrix
            return resolve_by_context(self.model, wids, pendings)
        pending = [note for p in pendings for note in p]  # every note of every suggestion
        # one row per decomposition (a note has one or two: rhythm and pitch), flattened in one pass
        flat = [(i, 1.0 / len(gs), u, pc, q) for i, gs in enumerate(pending) for (u, pc, q) in gs]
        note_list, share_list, u_list, p_list, queries = zip(*flat, strict=True) if flat else ((), (), (), (), ())
        dense = resolve_queries(self.model, wids, list(queries))
        us, ps = np.array(u_list, dtype=float), np.array(p_list, dtype=float)
        totals = us + ps + dense.sum(axis=1)
        totals[totals <= 0] = 1.0
        note_of = np.array(note_list, dtype=np.int64)
        scale = np.array(share_list, dtype=float) / totals
        starts = np.flatnonzero(np.r_[True, note_of[1:] != note_of[:-1]]) if flat else np.zeros(0, int)
        notes_works = (np.add.reduceat(dense * scale[:, None], starts, axis=0) if flat
                       else np.zeros((0, width)))
        notes_u = np.bincount(note_of, us * scale, minlength=len(pending))
        notes_p = np.bincount(note_of, ps * scale, minlength=len(pending))
        out, at = [], 0
        for p in pendings:
            rows = notes_works[at:at + len(p)]
            per_note = [NoteCredit(None, float(notes_u[i]), float(notes_p[i]), ids=wids, shares=notes_works[i])
                        for i in range(at, at + len(p))]
            mean = rows.mean(axis=0) if len(p) else np.zeros(width)
            out.append((per_note, WorkShares.of(wids, mean)))
            at += len(p)
        return out

    def _suggestion(self, events, per_note: list[NoteCredit], credit: WorkShares, logp: float, seed: int,
                    j: int, mode: str, settings: dict) -> Suggestion:
        notes = tuple(Note(p, o / TICKS_PER_QUARTER, d / TICKS_PER_QUARTER) for p, d, o in events)
        melody = Melody(notes, key=self.key, time_signature=self.c.time_signature, tempo_bpm=self.c.tempo_bpm)
        uniform = math.fsum(c.uniform for c in per_note) / max(1, len(per_note))
        piece = math.fsum(c.piece for c in per_note) / max(1, len(per_note))
        pitches = [p for p, _, _ in events]
        length, owner = self.report_copy.longest_copied_run(pitches)
        run: dict = {"length": length, "work_id": owner}
        if self.source_copy is not None:
            run["source_length"], run["source_work_id"] = self.source_copy.longest_copied_run(pitches)
        if self._splits is None:
            self._splits = _split_table(self.model)
        ident = hashlib.sha256(json.dumps([self.model.fingerprint, mode, seed, j, events]).encode()).hexdigest()[:16]
        return Suggestion(ident, mode, melody, seed, {**settings, "index": j}, credit, per_note, uniform, piece,
                          run, contributor_credit_fast(credit, self._splits),
                          self.model.model_id, self.model.fingerprint, logp)


def _work_ids(model: TrainedModel) -> np.ndarray:
    """The catalogue's work ids, sorted (memoised; dropped with the rest of the cache on any change)."""
    wids = model.cache.get("work-ids")
    if wids is None:
        wids = model.cache["work-ids"] = np.array(sorted(model.works), dtype=np.int64)
    return wids  # type: ignore[no-any-return]


def _split_table(model: TrainedModel) -> tuple:
    """The works' contributor splits as arrays (memoised on the model), for `contributor_credit_fast`."""
    table = model.cache.get("splits")
    if table is None:
        wids = _work_ids(model)  # the array credit is summed over: its positions need no search
        names: dict[str, int] = {}
        rows: list[Any] = []
        first: list[Any] = []
        count: list[Any] = []
        for w in wids.tolist():
            first.append(len(rows))
            cs = model.works[w].contributors
            count.append(len(cs))
            rows += [(names.setdefault(c.name, len(names)), c.split_bp) for c in cs]
        table = model.cache["splits"] = (wids, np.array(first, dtype=np.int64), np.array(count, dtype=np.int64),
                                         np.array(rows, dtype=np.int64).reshape(-1, 2), list(names))
    return table  # type: ignore[return-value]


def _bar_slots(start: int, end: int, bar: int) -> list[Slot]:
    slots, t = [], start
    while t < end:
        nxt = min(end, (t // bar + 1) * bar)
        slots.append(Slot(t, nxt, "free"))
        t = nxt
    return slots
