"""What the live session does in the studio, on the GUI thread:

- **record**: count-in with the metronome (the bars before the record bar play as pre-roll), record from the
  MIDI input while the stems play, and on stop the phrase (quantised to the chosen grid, raw timing kept)
  becomes the song's prime — one undoable edit; with "answer at once" the session continues it straight away
  on the MIDI output (the record → continue round trip) and the answer is kept as a suggestion;
- **call and response**: answers arrive as events and are kept as ordinary suggestions (credit included);
- **MIDI out of ideas**: on play, the auditioned suggestion and the unmuted kept tracks are scheduled on the
  MIDI output from the playhead (channel, program); stop, seek and loop wrap silence and re-send;
- **sync**: the live clock is aligned to the stems' grid whenever playback starts or jumps; a DAW's MIDI
  clock Start/Stop starts and stops the studio's playback.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.core.live.prime import prime_melody, set_prime_edit
from app.core.live.types import LiveEvent
from app.core.music import BeatGrid, Melody, Note
from app.core.project.cocreation.cocreate import (
    SuggestRequest,
    credited_works,
    song_context,
    suggestion_entry,
)
from app.core.project.cocreation.numbering import idea_name, next_idea_number
from app.core.project.cocreation.suggestion_edits import AddSuggestions, kept_tracks, visible_suggestions
from app.core.project.model import GRID_FIELDS
from app.ui.context import SUGGESTIONS, StudioContext
from app.ui.live.metronome import MetronomeSettings, click_tracks
from app.ui.live.session_host import SessionHost

log = logging.getLogger(__name__)

OWNER_METRONOME = "live-metronome"
CATCH_S = 0.25  # notes that began this shortly before the playhead are still sent when play starts
JUMP_S = 0.25  # the playhead moved this far from where it should be: a seek or a loop wrap
FOLLOW_TEMPO_BPM = 0.2  # the live clock takes the local tempo of a grid that follows the song when it moves this much
FOLLOW_PHASE_S = 0.015  # ...and its phase when it is this far off the song (the UI frame reads the playhead)


class StudioLive(QObject):
    record_state = Signal(str)  # "idle" | "count-in" | "recording" | "taking"
    prime_changed = Signal()
    note_heard = Signal(int)  # pitch
    answered = Signal(str)  # id of the suggestion an answer became

    def __init__(self, ctx: StudioContext, host: SessionHost, *, parent: QObject | None = None) -> None:
        super().__init__(parent or ctx.host)
        self.ctx = ctx
        self.host = host
        self.metronome = MetronomeSettings()
        self.count_in_bars = 1
        self.record_bars = 0  # 0: until Record is pressed again
        self.answer_after_record = False
        self.respond = False
        self.send_ideas = True
        self.record = "idle"
        self.heard = 0  # notes heard in the current take
        self._record_from = 0.0  # song quarter where recording starts
        self._record_until: float | None = None
        self._record_bar = 0
        self._answer_pending = False
        self._click_cache: dict = {}
        self._was_playing = False
        self._last_pos = 0.0
        self._last_wall = 0.0
        self._aligned = False  # the live clock sits on the song's grid (playback is running)
        self._sent_until: float | None = None
        host.event.connect(self._on_event)
        ctx.playback.position_changed.connect(lambda _p: self.tick())
        ctx.playback.timer.timeout.connect(self.tick)
        bar = getattr(ctx.host, "transport_bar", None)
        if bar is not None:  # Play/Stop pressed: react now, not on the next UI frame (the first note is due now)
            for act in (bar.act_play, bar.act_stop, bar.act_to_start):
                act.triggered.connect(lambda _checked=False: self.tick())
        ctx.project_changed.connect(self._project_changed)

    # --- the song's grid -------------------------------------------------------------------------------------
    def grid(self) -> BeatGrid:
        return song_context(self.ctx.project).grid

    def _engine_quarter(self) -> float:
        return self.grid().quarters(self.ctx.engine.transport.position_seconds)

    def align_clock(self) -> None:
        """Put the live clock on the song: its beat now = the quarter under the playhead, at the song's tempo."""
        s = self.host.session
        if s is None or s.clock.leader != "accord":
            return
        grid = self.grid()
        here = self._engine_quarter()
        tempo = grid.tempo_at(here)  # a grid that follows a song played without a click: its tempo here
        if abs(s.clock.tempo_bpm - tempo) > 1e-6:
            s.set_tempo(tempo)
        s.clock.locate(here)
        self._aligned = True

    def follow_song_tempo(self) -> None:
        """While the song plays, keep the live clock on a grid that follows the song's own beats: the local tempo
        when it moves by FOLLOW_TEMPO_BPM, the phase when it drifts by FOLLOW_PHASE_S (a steady grid: nothing)."""
        s = self.host.session
        # each UI frame: the project's own grid (a field read; song_context parses the stored analysis, ~1 ms)
        if s is None or s.clock.leader != "accord" or not self._aligned or not self.ctx.project.tempo_anchors:
            return
        grid = self.ctx.project.beat_grid()
        if grid is None:
            return
        here = grid.quarters(self.ctx.engine.transport.position_seconds)
        tempo = grid.tempo_at(here)
        if abs(s.clock.tempo_bpm - tempo) > FOLLOW_TEMPO_BPM:
            s.set_tempo(tempo)
        if abs(s.clock.beat_now() - here) * 60.0 / tempo > FOLLOW_PHASE_S:
            s.clock.locate(here)

    def _project_changed(self, change: Any) -> None:
        self.prime_changed.emit()
        if getattr(change, "field", None) in GRID_FIELDS or str(getattr(change, "kind", "")) == "reset":
            if self.metronome.on:
                self.refresh_click()  # the click follows the song's new tempo, meter or bar 1
            s = self.host.session
            if s is not None and s.clock.leader == "accord" and self.ctx.project.tempo_bpm:
                s.set_tempo(float(self.ctx.project.tempo_bpm))

    # --- metronome --------------------------------------------------------------------------------------------
    def set_metronome(self, settings: MetronomeSettings) -> None:
        self.metronome = settings
        self.refresh_click()

    def refresh_click(self) -> None:
        on = self.metronome.on or self.record in ("count-in", "recording")
        if not on:
            self.ctx.set_extra_tracks(OWNER_METRONOME, [])
            return
        engine = self.ctx.engine
        decoded = self.ctx.decoded.values()
        length = max((a.frames / a.sample_rate for a in decoded), default=0.0) or 32 * self.grid().seconds_per_bar
        settings = self.metronome if self.metronome.on else MetronomeSettings(True, max(0.5, self.metronome.level),
                                                                               self.metronome.accent)
        self.ctx.set_extra_tracks(OWNER_METRONOME, click_tracks(self.grid(), sample_rate=engine.sample_rate,
                                                                length_s=length, settings=settings,
                                                                cache=self._click_cache))

    # --- record -----------------------------------------------------------------------------------------------
    def toggle_record(self) -> None:
        if self.record in ("count-in", "recording"):
            self.stop_recording()
        elif self.record == "idle":
            self.host.start(then=self._begin_recording)

    def _begin_recording(self) -> None:
        grid = self.grid()
        bq = grid.time_signature.bar_quarters
        here = max(0, math.floor(grid.bar_of(self.ctx.engine.transport.position_seconds) + 1e-6))
        bar = max(here, self.count_in_bars)
        self._record_bar = bar
        self._record_from = bar * bq
        self._record_until = (bar + self.record_bars) * bq if self.record_bars else None
        pre = max(0.0, grid.seconds((bar - self.count_in_bars) * bq))
        self.record = "count-in" if self.count_in_bars else "recording"
        self.heard = 0
        if self.host.session is not None:
            self.host.session.set_respond(False)  # no answer in the middle of a take
        self.refresh_click()
        engine = self.ctx.engine
        engine.seek(pre)
        if not self.ctx.playback.playing:
            self.ctx.playback.toggle_play()
        self.tick()
        self.record_state.emit(self.record)
        self.ctx.message(f"Recording from bar {bar + 1}" + (f" after {self.count_in_bars} bar count-in"
                                                             if self.count_in_bars else ""))

    def stop_recording(self) -> None:
        s = self.host.session
        if s is None or self.record not in ("count-in", "recording"):
            return
        answer = self.answer_after_record and s.responder is not None
        if s.responder is not None:
            s.responder.start = "now"  # the round trip: the answer starts as soon as it is ready
        self._answer_pending = answer
        s.end_phrase(from_beat=self._record_from, answer=answer)
        self.record = "taking"
        self.record_state.emit(self.record)
        self.refresh_click()

    def _phrase(self, ev: LiveEvent) -> None:
        if self.record != "taking":
            return
        if self.host.session is not None:
            self.host.session.set_respond(self.respond)
        self.record = "idle"
        self.record_state.emit("idle")
        if ev.data.get("empty"):
            self.ctx.message("Nothing was recorded (no notes after the count-in)")
            return
        if self.ctx.push(set_prime_edit(self.ctx.project, ev.data, start_bar=self._record_bar)):
            n = len(ev.data["quantised"]["notes"])
            self.ctx.message(f"Recorded {n} notes: continue and vary now start from them (Undo removes them)")
        self.prime_changed.emit()

    def recorded(self) -> Melody | None:
        return prime_melody(self.ctx.project)

    def suggest_from_prime(self, mode: str, *, bars: int = 2) -> Any:
        """Continue or vary the recorded phrase in the Suggestions panel (ideas with credit, auditioned there)."""
        from app.core.live.prime import prime_request

        melody = self.recorded()
        panel = self.ctx.panels.ensure(SUGGESTIONS)
        if melody is None or panel is None:
            self.ctx.message("Record a phrase first" if melody is None else "The Suggestions panel is missing")
            return None
        request = prime_request(melody, mode, bar_quarters=self.grid().time_signature.bar_quarters, bars=bars)
        dock = self.ctx.panels.dock(SUGGESTIONS)
        if dock is not None:
            dock.show()
            dock.raise_()
        return panel.suggest(request)

    # --- answers become suggestions ---------------------------------------------------------------------------
    def _answer(self, ev: LiveEvent) -> None:
        s = self.host.session
        if s is None:
            return
        sid = ev.data["suggestion"]["id"]
        answer = next((a for a in reversed(s.answers) if a.suggestion.id == sid), None)
        if answer is None:
            return
        suggestion = answer.suggestion
        if not self._aligned:  # answered with no song playing: place the phrase from bar 1, the answer after it
            bpb = s.clock.beats_per_bar
            first = answer.phrase.quantised.notes[0].onset if answer.phrase.quantised.notes else 0.0
            shift = -math.floor(first / bpb + 1e-9) * bpb
            notes = tuple(n.shifted(shift) for n in suggestion.notes.notes if n.onset + shift >= 0)
            suggestion = replace(suggestion, notes=replace(suggestion.notes, notes=notes))
        bq = self.grid().time_signature.bar_quarters
        notes = suggestion.notes.notes
        start_bar = max(0, math.floor(notes[0].onset / bq + 1e-9)) if notes else 0
        request = SuggestRequest(mode="continue", start_bar=start_bar, bars=self.host.options.answer_bars, count=1,
                                 source=answer.phrase.quantised.to_json())
        number = next_idea_number(self.ctx.project)
        model = s.model
        titles = {w.id: w.title for w in model.works.values()} if model is not None else None
        label = "Answer" if not self._answer_pending else "Continue (recorded)"
        idea = suggestion_entry(suggestion, request, name=idea_name(number, f"{label} bar {start_bar + 1}"),
                                number=number, works=credited_works(model, suggestion) if model is not None else None,
                                titles=titles)
        live = {"key": ev.data.get("key"), "generated_in_s": ev.data.get("generated_in_s")}
        idea = replace(idea, provenance={**idea.provenance, "live": live})
        self._answer_pending = False
        if s.responder is not None:
            s.responder.start = "bar"
        if self.ctx.push(AddSuggestions([idea])):
            self.answered.emit(idea.id)

    # --- MIDI out of ideas, clock alignment, DAW start/stop ----------------------------------------------------
    def _note_position(self) -> None:
        self._last_pos = self.ctx.engine.transport.position_seconds
        self._last_wall = time.monotonic()

    def ideas_to_send(self) -> list[Note]:
        """The auditioned suggestion and the unmuted kept tracks, as notes on the song's quarters."""
        project = self.ctx.project
        panel = self.ctx.panels.get(SUGGESTIONS)
        active = getattr(getattr(panel, "audition", None), "active", None)
        notes: list[Note] = []
        for idea in visible_suggestions(project):
            if idea.id == active:
                notes += list(idea.melody.notes)
        for track in kept_tracks(project):
            if not track.mute:
                notes += list(track.melody.notes)
        return sorted(notes, key=lambda n: n.onset)

    def send_ideas_from_playhead(self) -> int:
        s = self.host.session
        if s is None or not self.send_ideas or s.io is None:
            return 0
        here = self._engine_quarter()
        transport = self.ctx.engine.transport
        end = math.inf
        if transport.loop_enabled and transport.loop_region is not None:
            end = self.grid().quarters(transport.loop_region[1])
        # A note that began in the last moment (play was pressed on it) still sounds, a few ms late.
        since = here - CATCH_S / self.grid().seconds_per_quarter
        todo = [n for n in self.ideas_to_send() if since <= n.onset < end]
        if todo:
            o = self.host.options
            s.play(todo, at_beat=0.0, channel=o.channel, program=o.program)
        return len(todo)

    def tick(self) -> None:
        """Each UI frame: start/stop/jump of the studio's playback, recording bounds."""
        if self.host.session is None:
            self._was_playing = False
            return
        playing = self.ctx.playback.playing
        pos = self.ctx.engine.transport.position_seconds
        expected = self._last_pos + (time.monotonic() - self._last_wall if self._was_playing else 0.0)
        jumped = abs(pos - expected) > JUMP_S
        if playing and (not self._was_playing or jumped):
            self.host.session.stop_notes()
            self.align_clock()
            self.send_ideas_from_playhead()
        elif not playing and self._was_playing:
            self.host.session.stop_notes()
            self._aligned = False
            if self.record in ("count-in", "recording"):
                self.stop_recording()
        elif playing:
            self.follow_song_tempo()
        self._was_playing = playing
        self._note_position()
        if playing and self.record in ("count-in", "recording"):
            q = self.grid().quarters(pos)
            if self.record == "count-in" and q >= self._record_from - 1e-6:
                self.record = "recording"
                self.record_state.emit("recording")
            if self._record_until is not None and q >= self._record_until:
                self.stop_recording()

    def set_respond(self, on: bool) -> None:
        self.respond = bool(on)
        self.host.start(then=self._apply_respond) if on else self._apply_respond()

    def _apply_respond(self) -> None:
        if self.host.session is not None:
            self.host.session.set_respond(self.respond)

    def _on_event(self, ev: LiveEvent) -> None:
        if ev.kind == "phrase":
            self._phrase(ev)
        elif ev.kind == "answer":
            self._answer(ev)
        elif ev.kind == "note":
            if self.record == "recording":
                self.heard += 1
            self.note_heard.emit(int(ev.data.get("pitch", 0)))
        elif ev.kind == "transport" and ev.data.get("leader") == "midi-clock":
            state = ev.data.get("state")
            pb = self.ctx.playback
            s = self.host.session
            if state == "start":
                # The DAW started at its Start message; this runs a little later (the GUI thread's turn): the
                # stems start where the DAW is now, not at 0, so they stay on its beats.
                elapsed = s.clock.now() - s.clock.time_at(0.0) if s is not None and s.clock.running else 0.0
                self.ctx.engine.seek(max(0.0, elapsed))
            if state in ("start", "continue") and not pb.playing:
                pb.toggle_play()
            elif state == "stop" and pb.playing:
                pb.toggle_play()
        elif ev.kind == "transport" and ev.data.get("state") == "started":
            self.host.session.set_respond(self.respond) if self.host.session is not None else None
