"""Render suggestions ahead of playback, off the audio thread, and hand the engine ready buffers.

The studio submits each suggestion as soon as the model returns it; a small thread pool renders it (built-in
voices, SoundFont or plugin, then effects) and caches the buffer under (suggestion id, settings hash,
content hash). The engine's mix only ever contains finished, read-only buffers: `ab_state` builds a new
MixState with the stems plus every *ready* suggestion, only the chosen one unmuted; switching A/B is
swapping that state, which the mixer does between blocks. Nothing here runs on the audio thread.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import heapq
import itertools
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from app.core.audio.synth.settings import RenderResources, RenderSettings, render_suggestion
from app.core.audio.synth.timing import Timing
from app.core.music import BeatGrid, Melody

log = logging.getLogger(__name__)

TRACK_PREFIX = "suggestion:"
DEFAULT_CACHE_BYTES = 512 * 1024 * 1024


def content_digest(melody: Melody, grid: Timing, sample_rate: int) -> str:
    """Hash of what is rendered (notes, grid, rate): an edited suggestion gets a new buffer."""
    if isinstance(grid, BeatGrid) and not grid.anchors:
        timing = [grid.tempo_bpm, grid.offset_seconds, str(grid.time_signature)]
    else:  # any other Timing (a grid that follows the song's beats too): sample it at every note boundary,
        # which is all a render depends on
        timing = [round(grid.seconds(q), 9) for n in melody.notes for q in (n.onset, n.end)]
    text = json.dumps({"notes": [[n.pitch, n.onset, n.duration, n.velocity] for n in melody.notes],
                       "timing": timing, "rate": sample_rate}, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class RenderedSuggestion:
    suggestion_id: str
    key: tuple[str, str, str]  # (suggestion id, settings digest, content digest)
    samples: np.ndarray  # float32 (2, n), read-only
    sample_rate: int

    @property
    def nbytes(self) -> int:
        return int(self.samples.nbytes)

    @property
    def track_name(self) -> str:
        return TRACK_PREFIX + self.suggestion_id

    def track(self, *, gain_db: float = 0.0, pan: float = 0.0, mute: bool = False, solo: bool = False,
              offset_frames: int = 0):
        """A TrackMix for the engine's MixState (frame 0 of the buffer is time 0 of the song)."""
        from app.core.audio.mix import TrackMix

        return TrackMix(self.track_name, self.samples, gain_db=gain_db, pan=pan, mute=mute, solo=solo,
                        offset_frames=offset_frames)


class Prerenderer:
    """A render-ahead queue with an LRU cache of finished buffers. Use as a context manager or close()."""

    def __init__(self, *, sample_rate: int = 48000, max_workers: int = 2,
                 max_cache_bytes: int = DEFAULT_CACHE_BYTES,
                 render: Callable[..., np.ndarray] = render_suggestion) -> None:
        self.sample_rate = sample_rate
        self._render = render
        self._resources = RenderResources()
        self._pool = cf.ThreadPoolExecutor(max_workers=max(1, max_workers), thread_name_prefix="accord-prerender")
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, str, str], RenderedSuggestion] = OrderedDict()
        self._pending: dict[tuple[str, str, str], cf.Future] = {}
        self._latest: dict[str, tuple[str, str, str]] = {}
        # Jobs wait in a priority heap; each pool task runs whichever job is most urgent when a worker
        # frees up, so the suggestion being auditioned can jump the queue.
        self._queue: list[tuple[int, int, tuple[str, str, str], Melody, Timing, RenderSettings, cf.Future]] = []
        self._seq = itertools.count()
        self._cache_bytes = 0
        self._max_cache_bytes = max_cache_bytes
        self.hits = 0
        self.misses = 0
        self._closed = False

    def __enter__(self) -> Prerenderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop rendering: queued renders are cancelled, running ones finish."""
        self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            for *_, future in self._queue:
                future.cancel()
            self._queue.clear()
            self._pending.clear()

    def key(self, suggestion_id: str, melody: Melody, grid: Timing,
            settings: RenderSettings) -> tuple[str, str, str]:
        return (suggestion_id, settings.validated().digest(), content_digest(melody, grid, self.sample_rate))

    def submit(self, suggestion_id: str, melody: Melody, grid: Timing,
               settings: RenderSettings | None = None,
               on_ready: Callable[[cf.Future], None] | None = None, *, priority: int = 0) -> cf.Future:
        """Queue a render (or reuse a cached/in-flight one). The future yields a RenderedSuggestion.

        Higher `priority` renders first (e.g. 1 for the suggestion the artist is auditioning); equal
        priorities render in submission order. Re-submitting a queued render with a higher priority
        moves it up. `on_ready(future)` runs on a worker thread when done; a UI must hop back to its own
        thread.
        """
        if self._closed:
            raise RuntimeError("the prerenderer is closed")
        settings = (settings or RenderSettings()).validated()
        key = self.key(suggestion_id, melody, grid, settings)
        with self._lock:
            self._latest[suggestion_id] = key
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                self.hits += 1
                future: cf.Future = cf.Future()
                future.set_result(cached)
            elif key in self._pending and not self._pending[key].cancelled():
                self.hits += 1
                future = self._pending[key]
                if priority > 0 and not future.running():
                    self._enqueue(priority, key, melody, grid, settings, future)  # a stale copy is skipped
            else:
                self.misses += 1
                future = cf.Future()
                self._pending[key] = future
                self._enqueue(priority, key, melody, grid, settings, future)
        if on_ready is not None:
            future.add_done_callback(on_ready)
        return future

    def _enqueue(self, priority: int, key: tuple[str, str, str], melody: Melody, grid: Timing,
                 settings: RenderSettings, future: cf.Future) -> None:
        """Caller holds the lock. One pool task per heap entry keeps the two counts equal."""
        heapq.heappush(self._queue, (-priority, next(self._seq), key, melody, grid, settings, future))
        self._pool.submit(self._run_next)

    def _run_next(self) -> None:
        while True:
            with self._lock:  # pop and claim together: two copies of one job must not both start
                if not self._queue:
                    return
                _, _, key, melody, grid, settings, future = heapq.heappop(self._queue)
                if future.done() or future.running():
                    continue  # a copy left behind when the job was moved up the queue
                if not future.set_running_or_notify_cancel():
                    if self._pending.get(key) is future:  # cancelled by its caller: forget it
                        del self._pending[key]
                    continue
            try:
                future.set_result(self._work(key, melody, grid, settings))
            except BaseException as exc:  # noqa: BLE001 — delivered to whoever waits on the future
                future.set_exception(exc)
            return

    def _work(self, key: tuple[str, str, str], melody: Melody, grid: Timing,
              settings: RenderSettings) -> RenderedSuggestion:
        try:
            samples = self._render(melody, grid, settings, sample_rate=self.sample_rate, resources=self._resources)
            samples = np.ascontiguousarray(samples, dtype=np.float32)
            samples.flags.writeable = False  # shared with the mixer: nobody may change it now
            done = RenderedSuggestion(key[0], key, samples, self.sample_rate)
            with self._lock:
                if key[0] in self._latest:  # not discarded while it was rendering
                    self._cache[key] = done
                    self._cache_bytes += done.nbytes
                    self._evict()
            return done
        finally:
            with self._lock:
                self._pending.pop(key, None)

    def _evict(self) -> None:
        # The oldest buffers go first; one a MixState still holds stays alive through that reference.
        while self._cache_bytes > self._max_cache_bytes and len(self._cache) > 1:
            _, old = self._cache.popitem(last=False)
            self._cache_bytes -= old.nbytes

    def ready(self, suggestion_id: str) -> RenderedSuggestion | None:
        """The finished buffer for the latest submitted settings of this suggestion, or None (non-blocking)."""
        with self._lock:
            key = self._latest.get(suggestion_id)
            return None if key is None else self._cache.get(key)

    def wait(self, suggestion_ids: Iterable[str], timeout: float | None = None) -> bool:
        """Block until the latest renders of these suggestions are done; True if all succeeded in time."""
        ids = list(suggestion_ids)
        futures = []
        with self._lock:
            for sid in ids:
                key = self._latest.get(sid)
                if key is None:
                    return False
                if key in self._pending:
                    futures.append(self._pending[key])
        _, not_done = cf.wait(futures, timeout=timeout)
        return not not_done and all(self.ready(sid) is not None for sid in ids)

    def discard(self, suggestion_id: str) -> None:
        """Forget a discarded suggestion's buffers (a running render finishes and is then dropped)."""
        with self._lock:
            self._latest.pop(suggestion_id, None)
            for key in [k for k in self._cache if k[0] == suggestion_id]:
                self._cache_bytes -= self._cache.pop(key).nbytes

    @property
    def cache_bytes(self) -> int:
        with self._lock:
            return self._cache_bytes

    def ab_tracks(self, suggestion_ids: Sequence[str], active: str | None, *,
                  suggestion_gain_db: float = 0.0) -> tuple:
        """TrackMix objects for every *ready* suggestion, only `active` unmuted (the rest muted).

        Pass them as the project's extra tracks (`project.mixdown.mix_state_for(..., extra_tracks=)`).
        Suggestions still rendering are left out, so the callback never waits on a render.
        """
        tracks = []
        for sid in suggestion_ids:
            rendered = self.ready(sid)
            if rendered is None:
                log.debug("suggestion %s not rendered yet; left out of this mix", sid)
                continue
            tracks.append(rendered.track(gain_db=suggestion_gain_db, mute=sid != active))
        return tuple(tracks)

    def ab_state(self, stems: Sequence, suggestion_ids: Sequence[str], active: str | None, *,
                 suggestion_gain_db: float = 0.0, master_gain_db: float = 0.0):
        """A new MixState: the stems (TrackMix) plus `ab_tracks(...)`. Swap it into the engine to switch A/B."""
        from app.core.audio.mix import MixState

        tracks = tuple(stems) + self.ab_tracks(suggestion_ids, active, suggestion_gain_db=suggestion_gain_db)
        return MixState(tracks, master_gain_db=master_gain_db, sample_rate=self.sample_rate)
