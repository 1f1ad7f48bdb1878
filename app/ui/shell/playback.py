"""Playback in the studio: the transport actions drive the engine; a ~30 fps timer moves the playhead,
the position display and the meter by polling the engine (the audio thread never calls Qt)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from app.core.audio.engine import AudioEngine
from app.core.errors import PlaybackError
from app.core.music import BeatGrid
from app.core.project.model import Project
from app.ui.shell.status import cannot_play_text
from app.ui.shell.transport_bar import TransportBar
from app.ui.timeline.view import TimelineView

log = logging.getLogger(__name__)

FRAME_MS = 33


class PlaybackController(QObject):
    """Connects the transport bar and the timeline to the engine.

    `loop_toggle_requested` asks the window to flip looping as an undoable project edit (the loop region
    and its on/off state are saved with the song); `sync_from_project` pushes them back into the transport.
    """

    loop_toggle_requested = Signal()
    position_changed = Signal(float)

    def __init__(self, engine: AudioEngine, bar: TransportBar, timeline: TimelineView,
                 show_message: Callable[[str], None], parent: QObject | None = None) -> None:
        super().__init__(parent)  # parented to the window, so its timer dies with it
        self.engine = engine
        self.bar = bar
        self.timeline = timeline
        self.show_message = show_message
        self._last_position = -1.0
        self._underruns = engine.underruns
        self._callback_errors = engine.callback_errors
        bar.act_play.triggered.connect(self.toggle_play)
        bar.act_stop.triggered.connect(self.stop)
        bar.act_to_start.triggered.connect(self.to_start)
        bar.act_loop.triggered.connect(self._loop_clicked)
        timeline.seek_requested.connect(self.seek)
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self.tick)
        self.timer.start()

    @property
    def transport(self):  # noqa: ANN201 — app.core.audio.transport.Transport
        return self.engine.transport

    @property
    def playing(self) -> bool:
        return bool(self.engine.transport.playing)

    def toggle_play(self) -> None:
        if self.playing:
            self.engine.pause()
        else:
            try:
                self.engine.play()
            except PlaybackError as exc:
                self.show_message(cannot_play_text(exc.reason))
        self.tick()

    def stop(self) -> None:
        self.engine.stop()
        self.tick()

    def to_start(self) -> None:
        self.engine.seek(self._loop_start_or_zero())
        self.tick()

    def _loop_start_or_zero(self) -> float:
        t = self.engine.transport
        region = t.loop_region
        if t.loop_enabled and region is not None and self.engine.transport.position_seconds > region[0] + 1e-3:
            return region[0]  # Home inside an active loop goes to the loop start first, as in most DAWs
        return 0.0

    def seek(self, seconds: float) -> None:
        self.engine.seek(max(0.0, seconds))
        self.tick()

    def _loop_clicked(self) -> None:
        # The action is checkable; its state is re-set from the project after the edit.
        self.loop_toggle_requested.emit()

    def sync_from_project(self, project: Project) -> None:
        t = self.engine.transport
        t.beat_grid = grid_of(project)
        if project.loop is not None:
            t.set_loop(project.loop.start, project.loop.end, enabled=project.loop_enabled)
        else:
            t.clear_loop()
        region = None if project.loop is None else (project.loop.start, project.loop.end)
        self.timeline.set_loop(region, project.loop_enabled)
        self.bar.act_loop.setChecked(project.loop_enabled)

    def redraw(self) -> None:
        """Show the position again even though it did not move (a new grid: bars instead of minutes)."""
        self._last_position = None
        self.tick()

    def tick(self) -> None:
        """One UI frame: notice a failed stream, move the playhead, update the display and the meter."""
        self.engine.poll()
        self._report_callback_trouble()
        position = self.engine.transport.position_seconds
        playing = self.playing
        if position != self._last_position:
            self._last_position = position
            self.timeline.set_position(position, follow=playing)
            self.bar.show_position(self.timeline.time_scale.format_position(position))
            self.position_changed.emit(position)
        self.bar.show_playing(playing)
        left, right = self.engine.meter() if self.engine.available else (0.0, 0.0)
        self.bar.meter.set_peaks(left, right)


    def _report_callback_trouble(self) -> None:
        """Underruns are dropouts: say so and keep playing. A failed render plays silence: stop and say why
        (the audio thread only counts both; see AudioEngine.callback)."""
        e = self.engine
        if e.callback_errors != self._callback_errors:
            self._callback_errors = e.callback_errors
            e.pause()
            self.show_message("Playback stopped: the audio could not be rendered (press Play to try again)")
        elif e.underruns != self._underruns:
            self.show_message(f"Audio dropouts: {e.underruns} buffer underruns so far (a larger block size "
                              "may help)")
        self._underruns = e.underruns


def grid_of(project: Project) -> BeatGrid | None:
    return project.beat_grid()
