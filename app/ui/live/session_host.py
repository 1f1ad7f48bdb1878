"""The studio's live MIDI session: opens and closes `LiveSession` on a worker (JACK clients and the model
load can take a moment), polls its events with a timer on the GUI thread, and turns them into signals and
project edits (answers become suggestions; a recorded phrase becomes the prime, undoably).

Threads: the session's own threads only stamp and send MIDI; this object lives on the GUI thread, never
blocks it (start/stop run on the task runner) and never touches the audio callback: the metronome is a set
of pre-rendered extra tracks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from app.core.live.session import LiveSession, LiveSettings
from app.ui.context import StudioContext

log = logging.getLogger(__name__)

POLL_MS = 30  # the fallback: the session also wakes the GUI thread as soon as it has an event (wake)
SYNC_CHOICES = {"internal": "Internal", "clock-in": "MIDI clock in (DAW leads)",
                "clock-out": "MIDI clock out (Accord leads)", "link": "Ableton Link"}
LEADER_TEXT = {"accord": "Accord leads", "midi-clock": "DAW leads (MIDI clock)", "link": "Link session leads"}


@dataclass(frozen=True)
class LiveOptions:
    sync: str = "internal"
    grid: str = "1/16"
    silence_beats: float = 4.0
    answer_bars: int = 2
    channel: int = 0  # 0-based
    program: int | None = None

    def settings(self, tempo_bpm: float, beats_per_bar: int) -> LiveSettings:
        return LiveSettings(tempo_bpm=tempo_bpm, beats_per_bar=beats_per_bar, silence_beats=self.silence_beats,
                            answer_bars=self.answer_bars, grid=self.grid, channel=self.channel,
                            respond=False, answer_start="bar", clock_out=self.sync == "clock-out",
                            follow_clock=self.sync == "clock-in", link=self.sync == "link")


def open_session(options: LiveOptions, *, tempo_bpm: float, beats_per_bar: int, home: Any, model: Any,
                 in_port: str, out_port: str) -> tuple[LiveSession, str | None]:
    """Runs on a worker: load the consented model (if not given), open the ports, start the session.
    Returns the session and a note (e.g. "no model yet") for the panel."""
    from app.core.live.responder import load_consented_model
    from app.core.live.types import LiveError

    note = None
    if model is None:
        try:
            model = load_consented_model(home)
        except LiveError as exc:
            note = str(exc)
    both = bool(in_port) and bool(out_port)
    session = LiveSession(options.settings(tempo_bpm, beats_per_bar), model=model,
                          in_port=in_port or None, out_port=out_port or None, virtual=not both)
    session.start()
    return session, note


class SessionHost(QObject):
    """Owns at most one running LiveSession. `start()`/`stop()` are asynchronous; `running` says which."""

    state_changed = Signal(str)  # "off" | "starting" | "on" | "stopping"
    status = Signal(str)  # a line for the panel (errors included)
    event = Signal(object)  # every LiveEvent, on the GUI thread
    leader_changed = Signal(str, float)  # leader, tempo
    wake = Signal()  # emitted from the session's threads when an event is waiting; queued to poll()

    def __init__(self, ctx: StudioContext, *, parent: QObject | None = None) -> None:
        super().__init__(parent or ctx.host)
        self.ctx = ctx
        self.options = LiveOptions()
        self.session: LiveSession | None = None
        self.state = "off"
        self.backend_label = ""
        self._after_start: list[Any] = []
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        self._wake_pending = False
        self.wake.connect(self.poll, Qt.ConnectionType.QueuedConnection)

    @property
    def running(self) -> bool:
        return self.session is not None

    def _set_state(self, state: str) -> None:
        self.state = state
        self.state_changed.emit(state)

    # --- start / stop ------------------------------------------------------------------------------------
    def start(self, then: Any = None) -> None:
        """Open the MIDI ports chosen in the preferences (or Accord's own virtual ports) on a worker."""
        if then is not None:
            self._after_start.append(then)
        if self.state in ("on", "starting"):
            if self.state == "on":
                self._run_after_start()
            return
        project = self.ctx.project
        tempo = float(project.tempo_bpm or 120.0)
        bpb = max(1, int(round(project.time_signature.bar_quarters)))
        options, home, model = self.options, self.ctx.home, self.ctx.models.current
        in_port, out_port = self.ctx.prefs.midi_input, self.ctx.prefs.midi_output
        self._set_state("starting")
        self.status.emit("Opening MIDI ports…")
        self.ctx.runner.start(
            "Open MIDI", lambda p, c: open_session(options, tempo_bpm=tempo, beats_per_bar=bpb, home=home,
                                                   model=model, in_port=in_port, out_port=out_port),
            on_finished=self._started, on_failed=self._start_failed)

    def _started(self, result: tuple[LiveSession, str | None]) -> None:
        session, note = result
        self.session = session
        session.on_event = self._session_has_event
        backend = session.backend
        self.backend_label = backend.label if backend is not None else ""
        io = session.io
        ins = session.in_port or (io.input_name if io is not None else "?")
        outs = session.out_port or (io.output_name if io is not None else "?")
        self._set_state("on")
        self.status.emit(f"MIDI on {self.backend_label}: in {ins}, out {outs}" + (f" — {note}" if note else ""))
        self.timer.start()
        self.leader_changed.emit(session.clock.leader, session.clock.tempo_bpm)
        self._run_after_start()

    def _run_after_start(self) -> None:
        todo, self._after_start = self._after_start, []
        for fn in todo:
            fn()

    def _start_failed(self, exc: BaseException) -> None:
        self._after_start = []
        self._set_state("off")
        self.status.emit(f"MIDI is not available: {exc}")

    def stop(self, *, wait: bool = False) -> None:
        """Close the ports (all notes off; MIDI clock Stop when leading). `wait`: now, on this thread (closing)."""
        session, self.session = self.session, None
        self.timer.stop()
        self._after_start = []
        if session is None:
            return
        session.on_event = None
        if wait:
            session.stop()
            self._set_state("off")
            return
        self._set_state("stopping")
        self.ctx.runner.start("Close MIDI", lambda p, c: session.stop(),
                              on_finished=lambda _r: self._stopped(), on_failed=lambda _e: self._stopped())

    def _stopped(self) -> None:
        if self.session is None:
            self._set_state("off")
            self.status.emit("MIDI off")
            self.leader_changed.emit("", 0.0)

    def restart(self, options: LiveOptions) -> None:
        """New options; a running session is reopened with them (sync mode and grid are fixed per session)."""
        was_on = self.running
        self.options = options
        if not was_on:
            return
        session, self.session = self.session, None
        self.timer.stop()
        if session is not None:
            session.on_event = None
        self._set_state("stopping")
        self.ctx.runner.start("Reopen MIDI", lambda p, c: session.stop(),
                              on_finished=lambda _r: self._reopen(), on_failed=lambda _e: self._reopen())

    def _reopen(self) -> None:
        self._set_state("off")
        self.start()

    def set_options(self, **changes: Any) -> None:
        """Options that a running session takes at once (no reopen): silence, answer bars, channel, program."""
        self.options = replace(self.options, **changes)
        s = self.session
        if s is None:
            return
        s.settings.silence_beats = self.options.silence_beats
        s.silence.beats = float(self.options.silence_beats)
        s.settings.channel = self.options.channel
        if s.responder is not None:
            s.responder.bars = self.options.answer_bars
            s.responder.channel = self.options.channel

    # --- events ----------------------------------------------------------------------------------------------
    def _session_has_event(self) -> None:
        """From the session's threads: one queued poll at a time (a burst of notes is one wake-up), so a DAW's
        Start reaches the studio's playback at the GUI thread's next turn, not the poll timer's."""
        if not self._wake_pending:
            self._wake_pending = True
            self.wake.emit()

    def poll(self) -> None:
        self._wake_pending = False
        if self.session is None:
            return
        for ev in self.session.poll_events():
            if ev.kind == "transport" and ev.data.get("leader"):
                self.leader_changed.emit(str(ev.data["leader"]), float(ev.data.get("tempo_bpm") or 0.0))
            if ev.kind == "error":
                self.status.emit(str(ev.data.get("message", "")))
            self.event.emit(ev)
