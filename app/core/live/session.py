"""A live session: Accord's MIDI ports, the transport clock, the phrase recorder, call and response,
MIDI clock out/in and Link, driven by one worker thread. The studio owns one and polls `poll_events()` with a
timer; `accord respond` owns one and prints what it polls.

Threads: the MIDI I/O thread only puts stamped messages into `_inbox`; the worker (`accord-live`) reads them,
records, detects the silence, generates the answer, and hands pre-scheduled events to the output. Nothing
here touches Qt or SQLite (the model is loaded before the session starts).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.core.gil_switch import FastSwitch
from app.core.live.clock import TransportClock
from app.core.live.hotplug import LOOKS_AFTER_S
from app.core.live.link import LinkSync
from app.core.live.midi_clock import ClockFollower, ClockOut
from app.core.live.ports import Backend, MidiIO, PortWatcher, choose_backend
from app.core.live.recorder import DEFAULT_GRID, PhraseRecorder, RecordedPhrase, SilenceDetector
from app.core.live.responder import NO_MODEL, Answer, Responder, panic_messages
from app.core.live.types import LiveError, LiveEvent, TimedMessage
from app.core.music import TimeSignature

log = logging.getLogger(__name__)
REALTIME = frozenset({0xF8, 0xFA, 0xFB, 0xFC, 0xF2})
PORT_POLL_S = 0.5  # rtmidi has no port notifications: read the names this often (JACK tells us instead)
JACK_PORT_CHECK_S = 5.0  # on JACK, a slow safety look besides the server's registration callbacks
LINK_POLL_S = 0.02
IDLE_WAIT_S = 0.005
# While a session runs, a thread waiting for the GIL gets it within 1 ms instead of Python's default 5 ms
# (app/core/gil_switch.py): the JACK process callback (Python) must not wait out a whole 5.3 ms period while the
# worker generates an answer (measured on the dummy server with the GIL kept busy: the synchronous server ran at
# 0.27x real time with 5 ms, 0.50x with 1 ms; the asynchronous one's median lateness went from 5.6 ms to under
# 0.01 ms).


@dataclass
class LiveSettings:
    tempo_bpm: float = 120.0
    beats_per_bar: int = 4
    silence_beats: float = 4.0  # one bar of 4/4: the Continuator's default pause before it answers
    answer_bars: int = 2
    grid: str = DEFAULT_GRID
    channel: int = 0  # MIDI channel of the answers, 0-based
    seed: int | None = None
    respond: bool = True
    answer_start: str = "bar"  # "bar": the next bar line; "now": as soon as ready (the studio's record -> continue)
    clock_out: bool = False  # send MIDI clock (Accord leads)
    follow_clock: bool = False  # follow incoming MIDI clock (the DAW leads)
    link: bool = False  # Ableton Link: never on unless the user turns it on


class LiveSession:
    def __init__(self, settings: LiveSettings | None = None, *, model: Any = None, backend: Backend | None = None,
                 in_port: str | None = None, out_port: str | None = None, virtual: bool = False,
                 clock: TransportClock | None = None) -> None:
        self.settings = s = settings or LiveSettings()
        if s.clock_out and s.follow_clock:
            raise LiveError("Accord cannot lead the MIDI clock and follow one at once: choose one")
        self.clock = clock or TransportClock(s.tempo_bpm, beats_per_bar=s.beats_per_bar)
        self.model = model
        self.backend, self.in_port, self.out_port, self.virtual = backend, in_port, out_port, virtual
        self.time_signature = TimeSignature(s.beats_per_bar, 4)
        self.recorder = PhraseRecorder(self.clock, grid=s.grid)
        self.silence = SilenceDetector(self.clock, s.silence_beats)
        self.responder = (Responder(model, bars=s.answer_bars, seed=s.seed, channel=s.channel, start=s.answer_start)
                          if model is not None else None)
        self.follower = ClockFollower(self.clock) if s.follow_clock else None
        self.link = LinkSync(self.clock)
        self.io: MidiIO | None = None
        self.clock_out: ClockOut | None = None
        self.answers: list[Answer] = []
        self.phrases: list[RecordedPhrase] = []
        self._inbox: queue.SimpleQueue[TimedMessage] = queue.SimpleQueue()
        self._takes: queue.SimpleQueue[tuple[float | None, bool]] = queue.SimpleQueue()  # end_phrase requests
        self._commands: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()  # panic/silence/play, in order
        self._events: queue.SimpleQueue[LiveEvent] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._awaiting: list[tuple[Answer, list[float]]] = []  # answers whose notes are still to leave
        self._sounding: set[tuple[int, int]] = set()  # (channel, pitch) of answer notes on, for panic
        self._warned_no_model = False
        self._fast_switch = FastSwitch()
        self.skipped: deque[LiveEvent] = deque(maxlen=200)
        # Called (from the worker or the owner's thread) after each event is queued: the studio wakes its GUI
        # thread with it instead of waiting for its poll timer. Must be quick and thread-safe.
        self.on_event: Callable[[], None] | None = None

    # --- owner's thread (GUI or CLI) ------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        backend = self.backend or choose_backend()
        self.backend = backend
        if self.responder is not None:
            self.responder.warm(self.time_signature)  # the style's statistics, before anyone plays
        self.io = MidiIO(backend, self._inbox.put, in_port=self.in_port, out_port=self.out_port,
                         virtual=self.virtual)
        if self.io.jack is not None:
            self.clock.use_time_source(self.io.jack.now)
        if self.settings.link:
            self.link.enable()
        if not self.settings.follow_clock:
            self.clock.running = True
            self.clock.leader = "link" if self.settings.link else "accord"
        if self.settings.clock_out:
            self.clock_out = ClockOut(self.clock, self.io.output)
            self.clock_out.start()
        self._stop.clear()
        self._fast_switch.hold()
        self._thread = threading.Thread(target=self._run, name="accord-live", daemon=True)
        self._thread.start()
        self._emit("transport", {"state": "started", "leader": self.clock.leader, "backend": backend.name,
                                 "input": self.io.input_name, "output": self.io.output_name,
                                 "tempo_bpm": self.clock.tempo_bpm})

    def stop(self) -> None:
        """Stop listening and answering; all notes off; MIDI clock Stop when Accord leads; ports closed."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join(timeout=10)
        self._thread = None
        if self.io is not None:
            self._panic_now()  # cancels what is scheduled (ticks ahead too); MIDI clock Stop goes last
            self.io.output.flush()  # the Stop and the note-offs leave before the port closes
            self._collect_sent()
            self.io.close()
            self.io = None
        self.link.disable()
        self._fast_switch.release()
        self._emit("transport", {"state": "stopped"})

    def panic(self) -> None:
        """Cancel scheduled notes and silence every channel; when Accord leads the MIDI clock, send Stop.
        While the worker runs it does this itself (the next few ms), so no list is touched from two threads."""
        if self.io is None:
            return
        if self._thread is not None and self._thread is not threading.current_thread():
            self._commands.put(("panic", None))
            return
        self._panic_now()

    def stop_notes(self) -> None:
        """Cancel what is scheduled and send note-offs and all notes off (the studio's Stop or a new start
        point); a leading MIDI clock keeps running."""
        self._commands.put(("silence", None))

    def _panic_now(self) -> None:
        self._silence()
        if self.clock_out is not None and self.clock_out.running:
            self.clock_out.stop()  # its ticks were cancelled too: tell the followers (Stop goes last)

    def _silence(self) -> None:
        assert self.io is not None
        self.io.output.cancel_pending()
        self._awaiting.clear()
        for ch, pitch in sorted(self._sounding):
            self.io.output.send_now((0x80 | ch, pitch, 0))
        self._sounding.clear()
        for m in panic_messages():
            self.io.output.send_now(m)

    def poll_events(self, limit: int = 1000) -> list[LiveEvent]:
        out: list[LiveEvent] = []
        while len(out) < limit:
            try:
                out.append(self._events.get_nowait())
            except queue.Empty:
                break
        return out

    def wait_event(self, kind: str, timeout: float) -> LiveEvent | None:
        """Block until an event of `kind` (the others go to `skipped`): for scripts and tests, not for the GUI."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                ev = self._events.get(timeout=min(0.05, max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                continue
            if ev.kind == kind:
                return ev
            self.skipped.append(ev)
        return None

    def play(self, notes: Any, *, at_beat: float, channel: int | None = None, program: int | None = None) -> None:
        """Schedule notes (Note objects with onsets in beats from 0) to start at `at_beat`: MIDI out of
        suggestions and kept ideas on the DAW's instruments, in time with the transport. With `program`
        (0..127), a Program Change goes out first on that channel."""
        from app.core.live.responder import notes_to_events

        if self.io is None:
            raise LiveError("the live session is not running")
        ch = self.settings.channel if channel is None else channel
        events: list[tuple[float, tuple[int, ...]]] = []
        if program is not None:
            if not 0 <= program <= 127:
                raise ValueError(f"MIDI program {program} is not 0..127")
            events.append((self.clock.time_at(at_beat) - 1e-3, (0xC0 | ch, program)))
        shifted = [n.shifted(at_beat) for n in notes]
        events += [(e.time, e.data) for e in notes_to_events(shifted, self.clock, channel=ch)]
        if self._thread is not None and self._thread is not threading.current_thread():
            self._commands.put(("play", events))  # after any silence() asked before it, never cancelled by it
            return
        for t, data in events:
            self.io.output.schedule(t, data)

    def end_phrase(self, *, from_beat: float | None = None, answer: bool = False) -> None:
        """Take what was played as a phrase now (the studio's Record stops), from any thread: the worker ends
        held notes, drops notes begun before `from_beat` (a count-in), emits "phrase" and, with `answer` and a
        model, answers it at once as call and response does."""
        self._takes.put((from_beat, answer))

    def set_respond(self, on: bool) -> None:
        """Call and response on/off while running (read by the worker: one attribute store)."""
        self.settings.respond = bool(on)

    def set_tempo(self, tempo_bpm: float) -> None:
        self.clock.set_tempo(tempo_bpm)
        self.link.push_tempo(tempo_bpm)
        self._emit("transport", {"state": "tempo", "tempo_bpm": tempo_bpm, "leader": self.clock.leader})

    # --- the worker thread ----------------------------------------------------------------------------------
    def _emit(self, kind: str, data: dict[str, Any]) -> None:
        self._events.put(LiveEvent(kind, self.clock.now(), data))
        wake = self.on_event
        if wake is not None:
            wake()

    def _known_at(self) -> float:
        """The stems' clock as far as the MIDI I/O has run: on JACK the end of the last processed cycle (what
        the worker does now can leave in the next one), else the transport clock."""
        if self.io is not None and self.io.jack is not None:
            return float(self.io.jack.processed_time())
        return self.clock.now()

    def _run(self) -> None:
        watcher = PortWatcher(self._list_ports)
        next_ports = next_link = 0.0
        looks: list[float] = []  # when to list the ports after JACK reported a change
        while not self._stop.is_set():
            try:
                msg: TimedMessage | None = self._inbox.get(timeout=IDLE_WAIT_S)
            except queue.Empty:
                msg = None
            try:
                while msg is not None:
                    self._handle(msg)
                    try:
                        msg = self._inbox.get_nowait()
                    except queue.Empty:
                        msg = None
                now = self.clock.now()
                while True:
                    try:
                        command, arg = self._commands.get_nowait()
                    except queue.Empty:
                        break
                    if command == "panic":
                        self._panic_now()
                    elif command == "play" and self.io is not None:
                        for t, data in arg:
                            self.io.output.schedule(t, data)
                    elif self.io is not None:
                        self._silence()
                        if self.clock_out is not None and self.clock_out.running:
                            self.clock_out.resume()  # the cancelled ticks are scheduled again
                while True:
                    try:
                        from_beat, answer = self._takes.get_nowait()
                    except queue.Empty:
                        break
                    self.recorder.release(now)
                    self._take(now, from_beat=from_beat, answer=answer)
                if self.clock_out is not None:
                    self.clock_out.pump(now)
                if self.link.enabled and now >= next_link:
                    self.link.pull()
                    next_link = now + LINK_POLL_S
                self._maybe_answer(now)
                self._collect_sent()
                if self.io is not None and self.io.ports_changed():
                    looks = [now + d for d in LOOKS_AFTER_S]  # after JACK publishes the new graph
                if looks and now >= looks[0] or now >= next_ports:
                    if looks and now >= looks[0]:
                        looks.pop(0)
                    changed = watcher.poll()
                    if changed is not None:
                        self._emit("ports", changed)
                    jack = self.io is not None and self.io.jack is not None
                    next_ports = now + (JACK_PORT_CHECK_S if jack else PORT_POLL_S)
            except Exception as exc:  # the session keeps running; the owner shows the message
                log.exception("live session")
                self._emit("error", {"message": str(exc)})

    def _list_ports(self) -> dict[str, list[str]]:
        return self.io.ports() if self.io is not None else {"inputs": [], "outputs": []}

    def _handle(self, msg: TimedMessage) -> None:
        if msg.status in REALTIME:
            if self.follower is not None:
                what = self.follower.feed(msg)
                if what == "stop":
                    self._silence()  # the DAW stopped: Accord's notes stop with it, within this cycle
                if what is not None:
                    self._emit("transport", {"state": what, "leader": "midi-clock", "at": msg.time,
                                             "known_at": self._known_at(), "tempo_bpm": self.clock.tempo_bpm})
            return
        note = self.recorder.feed(msg)
        if note is not None:
            self._emit("note", {"pitch": note.pitch, "onset": note.onset, "duration": note.duration})

    def _maybe_answer(self, now: float) -> None:
        if not self.settings.respond or not self.silence.ended(self.recorder, now):
            return
        self._take(now, from_beat=None, answer=True)

    def _take(self, now: float, *, from_beat: float | None, answer: bool) -> None:
        phrase = self.recorder.take(time_signature=self.time_signature, from_beat=from_beat)
        if phrase is None:
            self._emit("phrase", {"empty": True, "silence_ended_at": now})
            return
        self.phrases.append(phrase)
        self._emit("phrase", phrase.to_json() | {"silence_ended_at": now})
        if not answer:
            return
        if self.responder is None:
            if not self._warned_no_model:
                self._emit("error", {"message": NO_MODEL})
                self._warned_no_model = True
            return
        if self.io is None:
            return
        reply = self.responder.answer(phrase, self.clock)
        for e in reply.events:
            self.io.output.schedule(e.time, e.data)
        self.answers.append(reply)
        self._awaiting.append((reply, []))
        self._emit("answer", reply.to_json() | {"silence_ended_at": now})

    def _collect_sent(self) -> None:
        if self.io is None:
            return
        for m in self.io.output.drain_sent():
            kind = m.status & 0xF0
            if kind not in (0x80, 0x90):
                continue
            if kind == 0x90:
                self._sounding.add((m.status & 0x0F, m.data[1]))
            else:
                self._sounding.discard((m.status & 0x0F, m.data[1]))
            if not self._awaiting:
                continue
            answer, sent = self._awaiting[0]
            sent.append(m.time)
            if len(sent) == len(answer.events):
                self._awaiting.pop(0)
                lateness = [s - e.time for s, e in zip(sent, answer.events, strict=True)]
                self._emit("answer-sent", {"id": answer.suggestion.id, "sent": sent,
                                           "scheduled": [e.time for e in answer.events],
                                           "first_note_late_s": lateness[0], "max_late_s": max(lateness)})
