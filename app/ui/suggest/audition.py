"""Hearing suggestions with the stems: render ahead, A/B switching while playing, kept tracks in the mix.

`Audition` owns a Prerenderer (worker threads render each suggestion as soon as it exists) and gives the
main window its extra tracks (`set_extra_tracks`): every ready suggestion, only the auditioned one unmuted
(or soloed), plus the project's kept tracks. Switching while playing first swaps in a short crossfade
(app/core/project/cocreation/ab_switch.py) a few blocks ahead of the playhead, then the plain state once it has played,
so there is neither a gap nor a click. The audio thread only ever sees finished, read-only buffers.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from PySide6.QtCore import QObject, QTimer, Signal

from app.core.audio.mix import TrackMix
from app.core.audio.prerender import Prerenderer, RenderedSuggestion
from app.core.audio.synth import RenderSettings
from app.core.errors import AccordError
from app.core.music import BeatGrid, Melody
from app.core.project.cocreation.ab_switch import DEFAULT_FADE_FRAMES, crossfade_tracks, placed
from app.core.project.cocreation.cocreate import lead_stem_ids, song_context
from app.core.project.cocreation.ideas import Idea, IdeaTrack
from app.core.project.cocreation.suggestion_edits import kept_tracks, visible_suggestions
from app.ui.context import StudioContext

log = logging.getLogger(__name__)

OWNER_SUGGESTIONS = "cocreate-suggestions"
OWNER_TRACKS = "cocreate-tracks"
TRACK_KEY = "track:"
AHEAD_BLOCKS = 3  # the crossfade starts this many blocks after the playhead: the swap lands before it
SUGGESTION_GAIN_DB = -3.0  # a touch under the stems, as a guide vocal would sit


class Audition(QObject):
    """A/B state of the suggestions panel. `active` is the auditioned suggestion id (or None)."""

    rendered = Signal(str)  # a suggestion's (or track's) buffer is ready — emitted from a worker thread
    active_changed = Signal(object)  # suggestion id or None

    def __init__(self, ctx: StudioContext, *, parent: QObject | None = None) -> None:
        super().__init__(parent or ctx.host)
        self.ctx = ctx
        self.prerenderer = Prerenderer(sample_rate=ctx.engine.sample_rate, max_workers=2)
        self.active: str | None = None
        self.solo = False
        self.mute_lead = True  # the song's lead stem is silenced while a suggestion is heard
        self.settings = RenderSettings()
        self.fade_frames = DEFAULT_FADE_FRAMES
        # The last finished buffer per key: while a new render (edited notes, another sound) is on its way
        # the previous one keeps playing, so changing something never leaves a hole in the music.
        self._last: dict[str, tuple[RenderedSuggestion, int]] = {}
        self._offset: dict[str, int] = {}  # key -> frame where its latest submitted buffer starts
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.timeout.connect(self.refresh)
        self.rendered.connect(self._on_rendered)  # queued onto the GUI thread (emitted from a worker)
        ctx.host.destroyed.connect(lambda *_: self.close())

    def close(self) -> None:
        try:
            self._settle.stop()
        except RuntimeError:  # the window is being destroyed and took the timer with it
            pass
        self.prerenderer.close()

    # --- rendering ------------------------------------------------------------------------------------
    def _grid(self):  # noqa: ANN202 — BeatGrid
        return song_context(self.ctx.project).grid

    def submit(self, key: str, entry: Idea | IdeaTrack, *, priority: int = 0) -> None:
        """Render one suggestion (key = its id) or kept track (key = 'track:<id>') in the background."""
        render = entry.render if isinstance(entry, IdeaTrack) else None
        try:
            settings = RenderSettings.from_json(dict(render)) if render else self.settings
            self.submit_melody(key, entry.melody, self._grid(), settings, priority=priority)
        except AccordError as exc:  # render settings from a shared file: an instrument this machine lacks
            log.warning("cannot render %s: %s", key, exc)

    def submit_melody(self, key: str, melody: Melody, grid: BeatGrid, settings: RenderSettings | None = None, *,
                      priority: int = 0) -> None:
        """Queue a render of `melody` placed on the song (safe from a worker thread: no Qt, no project)."""
        shifted, local, offset = placed(melody, grid, self.prerenderer.sample_rate)
        self._offset[key] = offset  # one dict store: atomic under the GIL
        self.prerenderer.submit(key, shifted, local, settings or self.settings, priority=priority,
                                on_ready=lambda f, k=key, o=offset: self._ready(f, k, o))

    def _ready(self, future, key: str, offset: int) -> None:  # noqa: ANN001 — concurrent.futures.Future
        if future.cancelled() or future.exception() is not None:
            if not future.cancelled():
                log.warning("render of %s failed: %s", key, future.exception())
            return
        self._last[key] = (future.result(), offset)
        self.rendered.emit(key)

    def _on_rendered(self, key: str) -> None:
        self.refresh()

    def submit_all(self) -> None:
        """Queue every visible suggestion and kept track (cached buffers are reused)."""
        project = self.ctx.project
        for s in visible_suggestions(project):
            self.submit(s.id, s, priority=1 if s.id == self.active else 0)
        for t in kept_tracks(project):
            self.submit(TRACK_KEY + t.id, t)

    def wait(self, timeout: float = 10.0) -> bool:
        project = self.ctx.project
        keys = [s.id for s in visible_suggestions(project)]
        keys += [TRACK_KEY + t.id for t in kept_tracks(project)]
        return self.prerenderer.wait(keys, timeout) if keys else True

    def ready(self, key: str) -> RenderedSuggestion | None:
        """The buffer to play for `key`: the latest render, else the previous one, else None."""
        placed_buffer = self._placed(key)
        return None if placed_buffer is None else placed_buffer[0]

    def _placed(self, key: str) -> tuple[RenderedSuggestion, int] | None:
        latest = self.prerenderer.ready(key)
        if latest is not None and key in self._offset:
            return latest, self._offset[key]
        return self._last.get(key)

    def track_for(self, key: str, **kw) -> TrackMix | None:  # noqa: ANN003 — TrackMix settings
        """A TrackMix of the key's buffer at its place on the song's timeline."""
        found = self._placed(key)
        if found is None:
            return None
        rendered, offset = found
        return rendered.track(offset_frames=offset, **kw)

    # --- A/B ------------------------------------------------------------------------------------------
    def audition(self, suggestion_id: str | None, *, solo: bool | None = None) -> None:
        """Make `suggestion_id` the one heard (None: none). While playing the switch crossfades."""
        previous = self.active
        self.active = suggestion_id
        if solo is not None:
            self.solo = solo
        if suggestion_id is not None and self.ready(suggestion_id) is None:
            entry = next((s for s in visible_suggestions(self.ctx.project) if s.id == suggestion_id), None)
            if entry is not None:
                self.submit(suggestion_id, entry, priority=1)  # jump the render queue
        self.update_lead_mute()
        engine = self.ctx.engine
        if engine.transport.playing and previous != suggestion_id:
            self._crossfade(previous, suggestion_id)
        else:
            self.refresh()
        self.active_changed.emit(suggestion_id)

    def set_mute_lead(self, on: bool) -> None:
        self.mute_lead = bool(on)
        self.update_lead_mute()

    def update_lead_mute(self) -> None:
        heard = self.active is not None and self.mute_lead
        self.ctx.set_audition_mutes(lead_stem_ids(self.ctx.project) if heard else ())

    def _track(self, key: str, *, mute: bool = False, solo: bool = False) -> TrackMix | None:
        return self.track_for(key, gain_db=SUGGESTION_GAIN_DB, mute=mute, solo=solo)

    def suggestion_tracks(self) -> list[TrackMix]:
        tracks = []
        for s in visible_suggestions(self.ctx.project):
            if s.kept:
                continue  # heard through its track
            sid = s.id
            t = self._track(sid, mute=sid != self.active, solo=self.solo and sid == self.active)
            if t is not None:
                tracks.append(t)
        return tracks

    def kept_track_mixes(self) -> list[TrackMix]:
        """Kept tracks at their own gain and pan, as the project's export mixes them."""
        out = []
        for t in kept_tracks(self.ctx.project):
            mix = self.track_for(TRACK_KEY + t.id, gain_db=t.gain_db, pan=t.pan, mute=t.mute, solo=t.solo)
            if mix is not None:
                out.append(mix)
        return out

    def refresh(self) -> None:
        """Give the window the plain A/B state (no crossfade pieces)."""
        self.ctx.set_extra_tracks(OWNER_SUGGESTIONS, self.suggestion_tracks())
        self.ctx.set_extra_tracks(OWNER_TRACKS, self.kept_track_mixes())

    def _crossfade(self, previous: str | None, new: str | None) -> None:
        engine = self.ctx.engine
        at = engine.transport.position_frames + AHEAD_BLOCKS * engine.blocksize
        loop = engine.transport.loop_frames
        if engine.transport.loop_enabled and loop is not None and at + self.fade_frames > loop[1]:
            at = loop[0]  # the wrap comes first: fade at the loop's start instead
        out_t = self._track(previous) if previous is not None else None
        in_t = self._track(new) if new is not None else None
        if out_t is None and in_t is None:
            self.refresh()
            return
        if self.solo and in_t is not None:
            in_t = replace(in_t, solo=True)
        pieces = crossfade_tracks(out_t, in_t, at, fade_frames=self.fade_frames)
        others = [t for t in self.suggestion_tracks() if t.name not in {getattr(out_t, "name", None),
                                                                       getattr(in_t, "name", None)}]
        others += [replace(t, mute=True) for t in (out_t, in_t) if t is not None]  # keep the song's length
        self.ctx.set_extra_tracks(OWNER_SUGGESTIONS, list(pieces) + others)
        # Back to the plain state once the fade has played (ahead + fade, with a safety margin).
        ms = int(1000 * (AHEAD_BLOCKS * engine.blocksize + self.fade_frames) / engine.sample_rate) + 120
        self._settle.start(ms)

    def forget(self, suggestion_id: str) -> None:
        self.prerenderer.discard(suggestion_id)
        self._last.pop(suggestion_id, None)
        self._offset.pop(suggestion_id, None)
        if self.active == suggestion_id:
            self.active = None
            self.active_changed.emit(None)
