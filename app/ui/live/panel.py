"""The Live panel: MIDI ports (from the preferences, refreshed on hot-plug), record a phrase (count-in,
grid, answer at once), continue/vary from it, call and response, MIDI out of ideas (channel, program), sync
(internal / MIDI clock in / out / Link) and the metronome with tap tempo.

Widgets only: `SessionHost` opens the session off the GUI thread, `StudioLive` does the studio's part, the
ports (probe, hot-plug, In/Out lists) are `MidiPorts` (app/ui/live/midi_ports.py).
"""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.live.hotplug import PortMonitor
from app.core.live.recorder import GRIDS
from app.core.live.tempo_tools import TAP_RESET_S, TapTempo
from app.core.project.analysis_edits import SetTempo
from app.ui.context import StudioContext
from app.ui.live.backend import MidiProbe, probe_midi
from app.ui.live.metronome import MetronomeSettings
from app.ui.live.midi_ports import MidiPorts
from app.ui.live.session_host import SYNC_CHOICES, SessionHost
from app.ui.live.studio_live import StudioLive

log = logging.getLogger(__name__)
REPROBE_MS = 8000  # with no MIDI system found yet: look again this often (e.g. JACK started after Accord)
RECORDING_STYLE = "QPushButton { background: #b3261e; color: white; font-weight: bold; }"
RECORD_TEXT = {"idle": "● Record", "count-in": "Count-in…", "recording": "■ Stop recording", "taking": "…"}


def _combo(items: dict[str, str] | list[str], name: str) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    if isinstance(items, dict):
        for key, text in items.items():
            combo.addItem(text, key)
    else:
        for text in items:
            combo.addItem(text, text)
    return combo


class LivePanel(MidiPorts, QWidget):
    ports_seen = Signal(object)  # {"inputs", "outputs"} from the port monitor's thread (queued to this one)

    def __init__(self, ctx: StudioContext, *, probe=probe_midi) -> None:  # noqa: ANN001 — () -> MidiProbe
        super().__init__()
        self.setObjectName("LivePanel")
        self.ctx = ctx
        self._probe_fn = probe
        self.host = SessionHost(ctx, parent=self)
        self.live = StudioLive(ctx, self.host, parent=self)
        self.taps = TapTempo()
        self._tap_gesture = 0
        self._last_tap: float | None = None
        self.probe: MidiProbe | None = None
        self._closed = False
        self.monitor: PortMonitor | None = None  # hot-plug: the server's notifications, or a cheap name poll

        self.status = QLabel("Looking for MIDI…")
        self.status.setObjectName("LiveStatus")
        self.status.setWordWrap(True)
        self.midi_button = QPushButton("MIDI on")
        self.midi_button.setObjectName("MidiOnButton")
        self.midi_button.setCheckable(True)
        self.midi_button.setToolTip("Open the MIDI ports (Accord's own 'Accord in'/'Accord out' when none is chosen)")
        self.panic_button = QPushButton("Panic")
        self.panic_button.setToolTip("All notes off on every channel")
        self.refresh_button = QToolButton()
        self.refresh_button.setText("↻")
        self.refresh_button.setToolTip("Look for MIDI devices again")
        self.midi_in, self.midi_out = _combo([], "LiveMidiIn"), _combo([], "LiveMidiOut")
        top = QHBoxLayout()
        top.addWidget(self.midi_button, 1)
        top.addWidget(self.panic_button)
        top.addWidget(self.refresh_button)
        ports = QFormLayout()
        ports.addRow("In", self.midi_in)
        ports.addRow("Out", self.midi_out)

        rec = QGroupBox("Record a phrase")
        self.record_button = QPushButton(RECORD_TEXT["idle"])
        self.record_button.setObjectName("RecordButton")
        self.count_in = _combo({"1": "1 bar", "2": "2 bars", "0": "none"}, "CountIn")
        self.record_length = _combo({"0": "until stopped", "1": "1 bar", "2": "2 bars", "4": "4 bars",
                                     "8": "8 bars"}, "RecordLength")
        self.grid = _combo([g for g in GRIDS], "RecordGrid")
        self.grid.setCurrentText("1/16")
        self.answer_now = QCheckBox("Answer at once (continue on MIDI out)")
        self.recorded_label = QLabel("No phrase recorded")
        self.recorded_label.setObjectName("RecordedPhrase")
        self.recorded_label.setWordWrap(True)
        self.continue_button = QPushButton("Continue it")
        self.vary_button = QPushButton("Vary it")
        form = QFormLayout(rec)
        form.addRow(self.record_button)
        form.addRow("Count-in", self.count_in)
        form.addRow("Length", self.record_length)
        form.addRow("Quantise", self.grid)
        form.addRow(self.answer_now)
        form.addRow(self.recorded_label)
        row = QHBoxLayout()
        row.addWidget(self.continue_button)
        row.addWidget(self.vary_button)
        form.addRow(row)

        cr = QGroupBox("Call and response")
        self.respond = QCheckBox("Answer when I pause")
        self.respond.setObjectName("RespondToggle")
        self.silence = QSpinBox()
        self.silence.setRange(1, 16)
        self.silence.setValue(4)
        self.silence.setSuffix(" beats")
        self.answer_bars = QSpinBox()
        self.answer_bars.setRange(1, 8)
        self.answer_bars.setValue(2)
        self.answer_bars.setSuffix(" bars")
        form = QFormLayout(cr)
        form.addRow(self.respond)
        form.addRow("Pause", self.silence)
        form.addRow("Answer", self.answer_bars)

        out = QGroupBox("MIDI out")
        self.send_ideas = QCheckBox("Play ideas on MIDI out")
        self.send_ideas.setChecked(True)
        self.send_ideas.setToolTip("On Play, the auditioned suggestion and the kept tracks go to the MIDI output")
        self.channel = QSpinBox()
        self.channel.setRange(1, 16)
        self.program = QSpinBox()
        self.program.setRange(0, 128)
        self.program.setSpecialValueText("keep")
        self.program.setToolTip("General MIDI program sent first (1–128); 'keep' sends none")
        form = QFormLayout(out)
        form.addRow(self.send_ideas)
        row = QHBoxLayout()
        row.addWidget(QLabel("Ch"))
        row.addWidget(self.channel)
        row.addWidget(QLabel("Prog"))
        row.addWidget(self.program)
        form.addRow(row)

        sync = QGroupBox("Sync and tempo")
        self.sync = _combo(SYNC_CHOICES, "SyncChoice")
        self.leader = QLabel("")
        self.leader.setObjectName("LeaderLabel")
        self.metronome_on = QCheckBox("Metronome")
        self.metronome_on.setObjectName("MetronomeToggle")
        self.level = QSlider(Qt.Orientation.Horizontal)
        self.level.setRange(0, 100)
        self.level.setValue(60)
        self.level.setToolTip("Metronome level")
        self.accent = QCheckBox("Accent")
        self.accent.setChecked(True)
        self.tap_button = QPushButton("Tap")
        self.tap_button.setToolTip("Tap the beat: sets the song's tempo (undoable)")
        form = QFormLayout(sync)
        form.addRow("Sync", self.sync)
        form.addRow(self.leader)
        row = QHBoxLayout()
        row.addWidget(self.metronome_on)
        row.addWidget(self.level, 1)
        row.addWidget(self.accent)
        form.addRow(row)
        form.addRow(self.tap_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addLayout(top)
        layout.addLayout(ports)
        for box in (rec, cr, out, sync):
            layout.addWidget(box)
        layout.addStretch(1)

        self.midi_button.clicked.connect(self._midi_clicked)
        self.panic_button.clicked.connect(self.panic)
        self.refresh_button.clicked.connect(self.refresh_ports)
        self.midi_in.activated.connect(lambda _i: self._port_chosen())
        self.midi_out.activated.connect(lambda _i: self._port_chosen())
        self.record_button.clicked.connect(self.live.toggle_record)
        self.count_in.currentIndexChanged.connect(self._record_options)
        self.record_length.currentIndexChanged.connect(self._record_options)
        self.answer_now.toggled.connect(self._record_options)
        self.grid.activated.connect(lambda _i: self._session_options())
        self.sync.activated.connect(lambda _i: self._session_options())
        self.continue_button.clicked.connect(lambda: self.live.suggest_from_prime("continue",
                                                                                  bars=self.answer_bars.value()))
        self.vary_button.clicked.connect(lambda: self.live.suggest_from_prime("vary"))
        self.respond.toggled.connect(self.live.set_respond)
        for w in (self.silence, self.answer_bars, self.channel, self.program):
            w.valueChanged.connect(lambda _v: self._live_options())
        self.send_ideas.toggled.connect(lambda on: setattr(self.live, "send_ideas", on))
        self.metronome_on.toggled.connect(lambda _on: self._metronome())
        self.level.valueChanged.connect(lambda _v: self._metronome())
        self.accent.toggled.connect(lambda _on: self._metronome())
        self.tap_button.clicked.connect(lambda: self.tap())
        self.host.state_changed.connect(self._state)
        self.host.status.connect(self.status.setText)
        self.host.leader_changed.connect(self._leader)
        self.host.event.connect(self._event)
        self.live.record_state.connect(self._record_state)
        self.live.note_heard.connect(self._note_heard)
        self.live.prime_changed.connect(self._show_prime)
        self._state("off")
        self._show_prime()
        self.ports_seen.connect(self._ports_seen)
        self.refresh_ports()
        # Hot-plug: once a MIDI system is found, a PortMonitor tells us within about a second (JACK's port
        # registration callback, or a poll of the names elsewhere). Until then, look for one now and then.
        self.reprobe = QTimer(self)
        self.reprobe.setInterval(REPROBE_MS)
        self.reprobe.timeout.connect(self._reprobe)
        self.reprobe.start()

    # --- session --------------------------------------------------------------------------------------------
    def _midi_clicked(self, on: bool) -> None:
        self.host.start() if on else self.host.stop()

    def panic(self) -> None:
        if self.host.session is not None:
            self.host.session.panic()
            self.ctx.message("All notes off")

    def _state(self, state: str) -> None:
        self.midi_button.blockSignals(True)
        self.midi_button.setChecked(state in ("on", "starting"))
        self.midi_button.setText({"on": "MIDI on ✓", "starting": "Opening…", "stopping": "Closing…"}.get(state,
                                                                                                       "MIDI on"))
        self.midi_button.blockSignals(False)
        self.panic_button.setEnabled(state == "on")

    def _session_options(self) -> None:
        from dataclasses import replace

        self.host.restart(replace(self.host.options, grid=str(self.grid.currentData()),
                                  sync=str(self.sync.currentData())))
        self._show_transport_leader()

    def _live_options(self) -> None:
        program = self.program.value()
        self.host.set_options(silence_beats=float(self.silence.value()), answer_bars=self.answer_bars.value(),
                              channel=self.channel.value() - 1, program=None if program == 0 else program - 1)

    def _record_options(self) -> None:
        self.live.count_in_bars = int(self.count_in.currentData())
        self.live.record_bars = int(self.record_length.currentData())
        self.live.answer_after_record = self.answer_now.isChecked()

    def _record_state(self, state: str) -> None:
        self.record_button.setText(RECORD_TEXT.get(state, state))
        active = state in ("count-in", "recording")
        self.record_button.setStyleSheet(RECORDING_STYLE if active else "")
        if state == "count-in":
            self.recorded_label.setText("Count-in… play from the next bar")
        elif state == "recording":
            self.recorded_label.setText("Recording…")

    def _note_heard(self, _pitch: int) -> None:
        if self.live.record == "recording":
            n = self.live.heard
            self.recorded_label.setText(f"Recording… {n} note{'s' if n != 1 else ''}")

    def _leader(self, leader: str, tempo: float) -> None:
        from app.ui.live.session_host import LEADER_TEXT

        text = LEADER_TEXT.get(leader, "")
        if text and tempo:
            text += f" · {tempo:.1f} BPM"
        self.leader.setText(text)
        self._show_transport_leader(text)

    def _show_transport_leader(self, text: str | None = None) -> None:
        bar = getattr(self.ctx.host, "transport_bar", None)
        if bar is not None and hasattr(bar, "show_sync"):
            sync = str(self.sync.currentData())
            bar.show_sync(text if text is not None else "", sync if self.host.running else "internal")

    def _event(self, ev) -> None:  # noqa: ANN001 — LiveEvent
        if ev.kind == "ports":
            own = ("Accord:", "Accord in", "Accord out", "Accord-out")
            self._fill_ports([p for p in ev.data.get("inputs", []) if not p.startswith(own)],
                             [p for p in ev.data.get("outputs", []) if not p.startswith(own)])
        elif ev.kind == "answer-sent":
            self.status.setText(f"Answered: first note {ev.data.get('first_note_late_s', 0) * 1000:.1f} ms "
                                "from its time")

    # --- record / prime ----------------------------------------------------------------------------------------
    def _show_prime(self) -> None:
        melody = self.live.recorded()
        has = melody is not None and bool(melody.notes)
        self.continue_button.setEnabled(has)
        self.vary_button.setEnabled(has)
        if not has:
            self.recorded_label.setText("No phrase recorded")
            return
        bq = self.live.grid().time_signature.bar_quarters
        first = int(melody.notes[0].onset // bq) + 1
        last = int(max(0.0, melody.end - 1e-6) // bq) + 1
        where = f"bar {first}" if first == last else f"bars {first}–{last}"
        self.recorded_label.setText(f"Recorded: {len(melody.notes)} notes, {where}")

    # --- tempo tools -------------------------------------------------------------------------------------------
    def _metronome(self) -> None:
        self.live.set_metronome(MetronomeSettings(self.metronome_on.isChecked(), self.level.value() / 100.0,
                                                  self.accent.isChecked()))

    def tap(self, now: float | None = None) -> float | None:
        t = time.monotonic() if now is None else now
        if self._last_tap is None or not 0 < t - self._last_tap <= TAP_RESET_S:
            self._tap_gesture += 1  # a new tap sequence is a new undo step
        self._last_tap = t
        bpm = self.taps.tap(t)
        if bpm is not None:
            self.ctx.push(SetTempo(round(bpm, 2), tapped=True, gesture=("live-tap", id(self), self._tap_gesture)))
            if self.host.session is not None and self.host.session.clock.leader == "accord":
                self.host.session.set_tempo(bpm)
        return bpm

    def close_session(self) -> None:
        """The studio closes: MIDI ports closed (all notes off), the port monitor stopped."""
        self._closed = True
        self.host.stop(wait=True)
        monitor, self.monitor = self.monitor, None
        if monitor is not None:
            monitor.close()
