"""The generation engine: fill a timeline of slots note by note under hard constraints, with exact credit.

A *slot* is either a free span (rhythm and pitch sampled; or rhythm sampled over given pitches) or one note
with a fixed onset and duration (pitch fixed, or sampled with an optional preferred pitch). Durations are
chosen so that every span is filled exactly and each bar's note count stays within the density bounds (a
bitset table of which note counts can fill which lengths); pitches are masked by range, key, chord tones on
strong beats and max-order k before sampling, so every returned note satisfies the constraints by
construction. A dead end (nothing allowed) restarts the current bar, then the whole suggestion; the most
frequent reason becomes the ConstraintError's advice.

Distributions are IDyOM's estimates combined *arithmetically* with entropy weights (the geometric
combination used for the benchmark figures has no exact per-work decomposition); see credit.py.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from app.core.model.generation.compiled_steps import CompiledSteps
from app.core.model.generation.estimate_steps import EstimateSteps
from app.core.model.generation.slots import Cursor, DeadEnd, PitchRules, Slot, cached_fill_table, reads
from app.core.model.index.copyindex import CopyIndex
from app.core.model.ppm.viewpoints import event_code
from app.core.model.training import TrainedModel

RESTARTS_PER_BAR = 12
RESTARTS = 4
LTM_CACHE_LIMIT = 150_000
# A pitch may sound this many times in a row at the model's own odds; each further repeat is damped.
FREE_REPEAT_RUN = 2
MIN_REPEAT_DAMPING = 0.01
# The compiled per-note blend (blendkernels.py); False: the Python path everywhere (tests compare the two)
COMPILED_BLEND = True
# Uniforms drawn from a suggestion's generator at once: one `rng.random(n)` gives the same numbers as n calls
# of `rng.random()` (numpy fills in order from the same stream), so the draws are unchanged, and the compiled
# draw (blendkernels.sampling_draw) takes its uniform as a plain float.
UNIFORM_BATCH = 256
_NO_UNIFORMS: list[float] = []


class Sampler(CompiledSteps, EstimateSteps):
    def __init__(self, model: TrainedModel, context: list[tuple[int, int, int]], *, bar: int, tonic: int,
                 rules: PitchRules, durations: np.ndarray, density: tuple[float, float] | None,
                 copy_index: CopyIndex, temperature: float, closeness: float, rng: np.random.Generator,
                 repeat_damping: float = 1.0, pitch_prior=None, dur_prior=None) -> None:
        self.model = model
        self.ps = model.settings.prediction
        self.bar = bar
        self.rules = rules
        self.durations = durations
        self.reach = cached_fill_table(model, durations, bar * 2)
        self.density = density
        self.copy = copy_index
        self.temperature = max(0.05, temperature)
        self._inv_temperature = 1.0 / self.temperature
        self.repeat_damping = min(1.0, max(MIN_REPEAT_DAMPING, repeat_damping))  # soft: never a dead end
        self.closeness = closeness
        self.rng = rng  # read only through _peek_uniform / _next_uniform
        self._uniforms: list[float] = _NO_UNIFORMS
        self._next = 0
        # soft register/leap weights (register.py): prior(pitches so far, onset, alphabet) -> weights or None;
        # like the damping they change which note is drawn, never the credit (that decomposes p itself)
        self.pitch_prior = pitch_prior
        # soft look-ahead weights on durations (style/rhythm.py): prior(onset, ticks left, note counts left,
        # durations) -> weights or None; a span then fills like the catalogue's, not short notes last
        self.dur_prior = dur_prior
        self.cur = Cursor(bar, tonic)
        # numba: imported by the first generation, not by the app's start
        from app.core.model.generation import estimatekernels

        self._mixture, self._piece_counts = estimatekernels.mixture, estimatekernels.piece_counts
        self._init_compiled(model, COMPILED_BLEND)
        self.stores = {t: model.target_stores(t, generation=True) for t in ("pitch", "dur")}
        self._viewpoints = {t: [(n, st, st.viewpoint, reads(st.viewpoint)) for n, st in stores.items()]
                            for t, stores in self.stores.items()}
        memo = model.cache.get("memo")
        if not isinstance(memo, dict) or len(memo) > LTM_CACHE_LIMIT:  # bounded: start afresh when full
            memo = model.cache["memo"] = {}
        self.memo: dict[object, object] = memo
        self.context = context
        self.reasons: Counter[str] = Counter()
        self._chord_masks: dict[frozenset[int], np.ndarray | bool] = {}  # False: no pitch left
        self._any_in_key = bool(rules.in_key.any())
        self._allowed_memo: dict[tuple, np.ndarray | bool] = {}
        self._dur_list = [int(d) for d in durations]
        self._snapshot: tuple | None = None
        self._reset()

    def restart(self, rng: np.random.Generator) -> None:
        """A fresh suggestion from the same context."""
        self.rng = rng
        self._uniforms, self._next = _NO_UNIFORMS, 0
        self._reset()

    # -- the suggestion's random stream: every draw reads it in order, through these two -----------------
    def _peek_uniform(self) -> float:
        """The next uniform of the stream, not yet taken."""
        if self._next == len(self._uniforms):
            self._uniforms, self._next = self.rng.random(UNIFORM_BATCH).tolist(), 0
        return self._uniforms[self._next]  # type: ignore[no-any-return]

    def _next_uniform(self) -> float:
        u = self._peek_uniform()
        self._next += 1
        return u

    # -- state ------------------------------------------------------------------------------------------
    def _reset(self) -> None:
        """Back to the context alone (copied from a snapshot: learning the prime once per sampler)."""
        self.pending: list[list[tuple[float, float, list | None]]] = []
        self.logp = 0.0
        snap = self._snapshot
        if snap is not None and snap[0] is self.context:
            # the piece's code buffers keep the context's codes in front: only the lengths go back
            _, hist, cur = snap
            self.hist = {n: list(h) for n, h in hist.items()}
            self.cur.pitch, self.cur.dur, self.cur.onset = (list(x) for x in cur)
            return
        self.hist = {n: [] for t in self.stores.values() for n in t}
        self._piece = {n: np.zeros(256, dtype=np.int64) for n in self.hist}
        self._ids = {n: np.zeros(256, dtype=np.int64) for n in self.hist}  # the piece as the LTM's symbol ids
        self.cur.pitch, self.cur.dur, self.cur.onset = [], [], []
        for p, d, o in self.context:
            self._append(p, d, o)
        self._snapshot = (self.context, {n: list(h) for n, h in self.hist.items()},
                          (list(self.cur.pitch), list(self.cur.dur), list(self.cur.onset)))

    def _append(self, pitch: int, dur: int, onset: int) -> None:
        c = self.cur
        c.pitch.append(pitch)
        c.dur.append(dur)
        c.onset.append(onset)
        i = len(c.pitch) - 1
        for stores in self.stores.values():
            for name, store in stores.items():
                code = event_code(store.viewpoint, c.pitch, c.dur, c.onset, c.bar, c.tonic, i)
                if code is not None:  # the short-term model is the piece's codes (piece_counts reads them)
                    h = self.hist[name]
                    buf = self._piece[name]
                    ids = self._ids[name]
                    if len(h) == len(buf):
                        buf = self._piece[name] = np.concatenate([buf, np.zeros(len(buf), dtype=np.int64)])
                        ids = self._ids[name] = np.concatenate([ids, np.zeros(len(ids), dtype=np.int64)])
                    buf[len(h)] = code
                    ids[len(h)] = store.trie.sid.get(code, -1)
                    h.append(code)

    def _truncate(self, n_events: int, n_pending: int, logp: float) -> None:
        keep = list(zip(self.cur.pitch, self.cur.dur, self.cur.onset, strict=False))[:n_events]
        pending = self.pending[:n_pending]
        self._reset_to(keep)
        self.pending, self.logp = pending, logp

    def _reset_to(self, events: list[tuple[int, int, int]]) -> None:
        """Back to the context, then re-learn the generated events kept (a bar restart)."""
        self._reset()
        for p, d, o in events[len(self.context):]:
            self._append(p, d, o)

    # -- steps ------------------------------------------------------------------------------------------
    def _pitch_mask(self, onset: int, gen_start: int) -> np.ndarray:
        r = self.rules
        if not self._any_in_key:
            raise DeadEnd("key")
        pcs = r.chord_pcs.get(onset)
        if pcs:
            mask = self._chord_masks.get(pcs)
            if mask is None:  # in key and a chord tone, per chord (False when no pitch is left)
                mask = r.in_key & np.isin(r.alphabet % 12, list(pcs))
                self._chord_masks[pcs] = mask = mask if mask.any() else False
            if mask is False:
                raise DeadEnd("chords")
        else:
            mask = r.in_key
        k = self.copy.k
        pitch = self.cur.pitch
        top = len(pitch) - 1  # the last entry is the note being chosen (a placeholder)
        if k > 0 and top - gen_start >= k:
            prefix = [pitch[j + 1] - pitch[j] for j in range(top - k, top - 1)]
            bad = self.copy.forbidden_next(prefix)
            if bad:
                base = pitch[top - 1] - int(r.alphabet[0])
                hit = [base + iv for iv in bad if 0 <= base + iv < len(mask)]
                if hit:
                    mask = mask.copy()
                    mask[hit] = False
                    if not mask.any():
                        raise DeadEnd("max-copy")
        return mask  # shared: callers only read it

    def _note(self, onset: int, dur: int, gen_start: int, fixed: int | None, prefer: int | None,
              dur_part: tuple | None) -> None:
        alphabet = self.rules.alphabet
        i = len(self.cur.pitch)
        self.cur.pitch.append(int(alphabet[0]))
        self.cur.dur.append(dur)
        self.cur.onset.append(onset)
        try:
            mask = self._pitch_mask(onset, gen_start)
            if fixed is not None:
                pos = np.flatnonzero(alphabet == fixed)
                if len(pos) == 0 or not mask[pos[0]]:
                    raise DeadEnd("fixed")
            if fixed is not None:  # the user's own note: no model credit for its pitch
                x, pitch_group = int(pos[0]), (0.0, 1.0, None)
            else:
                pref = None if prefer is None or not alphabet[0] <= prefer <= alphabet[-1] else int(prefer - alphabet[0])
                prior = None if self.pitch_prior is None else self.pitch_prior(self.cur.pitch, i, onset, alphabet)
                x, px, pitch_group = self._step("pitch", i, alphabet, mask, pref, self._repeat_damping(i, alphabet),
                                                prior)
                self.logp += float(np.log2(max(px, 1e-300)))
        finally:
            self.cur.pitch.pop()
            self.cur.dur.pop()
            self.cur.onset.pop()
        # a note's credit is the mean of its rhythm and pitch decompositions, each normalised on its own
        self.pending.append([pitch_group] if dur_part is None else [dur_part, pitch_group])
        self._append(int(alphabet[x]), dur, onset)

    def _repeat_damping(self, i: int, alphabet: np.ndarray) -> tuple[int, float] | None:
        """(alphabet position of the previous pitch, factor) when repeating it would make a run longer
        than the free run; the factor shrinks with every further repeat. The previous notes include the
        prime (a run may start there)."""
        if self.repeat_damping >= 1.0 or i < FREE_REPEAT_RUN:
            return None
        pitch = self.cur.pitch
        last = pitch[i - 1]
        run = 1
        while run < i and pitch[i - 1 - run] == last:
            run += 1
        if run < FREE_REPEAT_RUN:
            return None
        pos = last - int(alphabet[0])
        if not 0 <= pos < len(alphabet):
            return None
        return pos, self.repeat_damping ** (run - FREE_REPEAT_RUN + 1)

    def _choose_duration(self, onset: int, allowed: np.ndarray, weights: np.ndarray | None = None
                         ) -> tuple[int, tuple]:
        i = len(self.cur.pitch)
        durs = self.durations
        self.cur.pitch.append(self.cur.pitch[-1] if self.cur.pitch else 60)
        self.cur.dur.append(int(durs[0]))
        self.cur.onset.append(onset)
        try:
            x, px, group = self._step("dur", i, durs, allowed, None, None, weights)
        finally:
            self.cur.pitch.pop()
            self.cur.dur.pop()
            self.cur.onset.pop()
        self.logp += float(np.log2(max(px, 1e-300)))
        return int(durs[x]), group

    def _allowed_durations(self, remaining: int, used: int, lo: float, hi: float, given: int | None) -> np.ndarray:
        """Durations that fit `remaining` ticks and leave a way to fill the rest within the density bounds
        (or with exactly the `given` number of notes left); memoised on the arguments."""
        key = (remaining, used, lo, hi, given)
        allowed = self._allowed_memo.get(key)
        if allowed is False:
            raise DeadEnd("density")
        if allowed is None:
            reach = self.reach
            ok = []
            for d in self._dur_list:
                bits = reach[remaining - d] if 0 <= remaining - d < len(reach) else 0
                if d > remaining:
                    ok.append(False)
                elif given is not None:
                    ok.append(bool(bits >> (given - 1) & 1))
                else:
                    ok.append(any(bits >> m & 1 and lo <= used + 1 + m <= hi for m in range(bits.bit_length())))
            allowed = np.array(ok)
            if not allowed.any():
                self._allowed_memo[key] = False  # memoised as a dead end: no array to scan again
                raise DeadEnd("density")
            self._allowed_memo[key] = allowed
        return allowed

    def _free(self, slot: Slot, gen_start: int, bar_count) -> None:
        t = slot.start
        given = list(slot.pitches) if slot.pitches is not None else None
        while t < slot.end:
            used, lo, hi = bar_count(t)
            allowed = self._allowed_durations(slot.end - t, used, lo, hi, len(given) if given is not None else None)
            weights = None
            if self.dur_prior is not None:
                left = slot.end - t
                counts = ([len(given) - 1] if given is not None else
                          range(max(0, int(lo) - used - 1), int(min(hi - used - 1, left // self._dur_list[0])) + 1))
                weights = self.dur_prior(t, left, counts, self._dur_list)
                if weights is not None and not (weights[allowed] > 0).any():
                    weights = None
            dur, dur_part = self._choose_duration(t, allowed, weights)
            fixed = given.pop(0) if given is not None else None
            self._note(t, dur, gen_start, fixed, None, dur_part)
            t += dur

    def _copy(self, s: Slot, gen_start: int) -> None:
        """Repeat the piece's own notes from `s.source` ticks earlier (onsets inside the source span), shifted;
        kept pitches are fixed notes (the piece's credit), the others re-pitched on the same rhythm."""
        c = self.cur
        a, z = s.start - s.source, s.end - s.source
        src = [(c.pitch[k], c.dur[k], c.onset[k]) for k in range(len(c.onset)) if a <= c.onset[k] < z]
        keep = s.keep
        # a repeat placed at a leap the catalogue rarely makes into a bar is not taken (the bar falls back)
        accept = getattr(self.pitch_prior, "entry_accept", None)
        if accept is not None and src and c.pitch and (keep == -1 or keep == -2 or keep > 0):
            if self._next_uniform() >= accept(c.pitch[-1], src[0][0] + s.shift):
                raise DeadEnd("repeat")
        for j, (p, d, o) in enumerate(src):
            dur = min(d, z - o)
            if dur <= 0:
                continue
            fixed = p + s.shift if s.keep == -1 or j < (keep if s.keep >= 0 else (len(src) + 1) // 2) else None
            try:
                self._note(o + s.source, dur, gen_start, fixed, None, None)
            except DeadEnd as exc:  # the repeat breaks a hard constraint here: the bar's fallback instead
                raise DeadEnd("repeat" if exc.reason == "fixed" else exc.reason) from None

    def generate(self, slots: list[Slot], gen_start_ticks: int) -> tuple[list[tuple[int, int, int]], list]:
        """Fill the slots; returns the generated (pitch, dur, onset) and per-note pending credit."""
        bar = self.bar
        for _ in range(RESTARTS):
            try:
                self._run(slots, bar)
                gen = len(self.context)
                events = list(zip(self.cur.pitch, self.cur.dur, self.cur.onset, strict=False))[gen:]
                return events, self.pending
            except DeadEnd as exc:
                self.reasons[exc.reason] += 1
                self._reset()
        raise DeadEnd(self.reasons.most_common(1)[0][0] if self.reasons else "nothing allowed")

    def _run(self, slots: list[Slot], bar: int) -> None:
        gen_start = len(self.context)
        lo, hi = (self.density if self.density is not None else (0, 10 ** 6))
        by_bar: dict[int, list[Slot]] = {}
        for s in slots:
            by_bar.setdefault(s.start // bar, []).append(s)
        for b in sorted(by_bar):
            snapshot = (len(self.cur.pitch), len(self.pending), self.logp)
            for tries in range(RESTARTS_PER_BAR):
                try:
                    # a repeat that broke a hard constraint is tried once; then the bar's fallback slots
                    todo = by_bar[b] if tries == 0 else [a for s in by_bar[b] for a in (s.alt or (s,))
                                                         if s.kind != "copy" or s.alt]
                    planned = next((s.density for s in todo if s.density is not None), None)
                    blo, bhi = planned if planned is not None else (lo, hi)
                    for s in todo:
                        if s.kind == "note":
                            self._note(s.start, s.end - s.start, gen_start, s.pitch, s.prefer, None)
                        elif s.kind == "copy":
                            self._copy(s, gen_start)
                        else:
                            def bar_count(t: int, b=b, s=s, todo=todo, blo=blo, bhi=bhi) -> tuple[int, float, float]:
                                used = 0  # onsets grow: count back from the end while in bar b
                                onsets = self.cur.onset
                                for k in range(len(onsets) - 1, gen_start - 1, -1):
                                    if onsets[k] // bar != b:
                                        break
                                    used += 1
                                fixed_later = sum(1 for x in todo if x.kind == "note" and x.start > t)
                                return used + fixed_later, blo - s.later[1], bhi - s.later[0]
                            self._free(s, gen_start, bar_count)
                    n = sum(1 for o in self.cur.onset[gen_start:] if o // bar == b)
                    if (self.density is not None or planned is not None) and not blo <= n <= bhi:
                        raise DeadEnd("density")
                    break
                except DeadEnd as exc:
                    self.reasons[exc.reason] += 1
                    if tries == RESTARTS_PER_BAR - 1 or exc.reason in ("key", "fixed"):
                        raise
                    self._truncate(*snapshot)
