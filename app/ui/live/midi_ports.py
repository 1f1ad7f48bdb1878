"""The Live panel's MIDI ports: probing for a MIDI system off the GUI thread, hot-plug (a port monitor once
one is found, a look now and then until then), the In/Out lists, and the chosen ports kept in the preferences.

A mixin of `LivePanel` (it uses the panel's context, session host, combos, status line and `ports_seen`
signal), kept apart so the panel's file stays about its widgets.
"""

from __future__ import annotations

import logging

from app.core.live.hotplug import WATCH_CLIENT, PortMonitor
from app.core.live.ports import choose_backend
from app.core.live.types import LiveError
from app.ui.live.backend import MidiProbe

log = logging.getLogger(__name__)
NONE_PORT = "(Accord's own port)"


class MidiPorts:
    """Ports for `LivePanel`: `refresh_ports`, `show_probe`, the hot-plug monitor and the In/Out choice."""

    def _reprobe(self) -> None:
        if self.monitor is None and self.isVisible() and not self.host.running and self.refresh_button.isEnabled():
            self.refresh_ports()

    def _ports_seen(self, lists: dict) -> None:
        own = ("Accord:", "Accord in", "Accord out", "Accord-out", WATCH_CLIENT + ":")
        self._fill_ports([p for p in lists.get("inputs", []) if not p.startswith(own)],
                         [p for p in lists.get("outputs", []) if not p.startswith(own)])

    def refresh_ports(self) -> None:
        self.refresh_button.setEnabled(False)
        self.ctx.runner.start("Find MIDI", lambda p, c: self._probe_and_watch(), on_finished=self._probed,
                              on_failed=lambda e: self.show_probe(MidiProbe(problem=f"No MIDI: {e}")))

    def _probe_and_watch(self) -> tuple[MidiProbe, PortMonitor | None]:
        """On a worker: the probe, and a port monitor for hot-plug once there is a MIDI system (opening one
        takes a JACK client or the MIDI system's own)."""
        probe = self._probe_fn()
        monitor = None
        if probe.available and self.monitor is None:
            try:
                monitor = PortMonitor(choose_backend(), self.ports_seen.emit)
            except LiveError as exc:  # the lists still come from the probe and from ↻
                log.info("no MIDI hot-plug monitor: %s", exc)
        return probe, monitor

    def _probed(self, result: tuple[MidiProbe, PortMonitor | None]) -> None:
        probe, monitor = result
        if monitor is not None:
            if self.monitor is None and not self._closed:
                self.monitor = monitor
            else:
                monitor.close()
        self.show_probe(probe)

    def show_probe(self, probe: MidiProbe) -> None:
        self.probe = probe
        self.refresh_button.setEnabled(True)
        self._fill_ports(probe.inputs, probe.outputs)
        if not probe.available:
            self.status.setText(probe.problem)
        elif not self.host.running:
            self.status.setText(f"MIDI: {probe.backend} — {len(probe.inputs)} inputs, {len(probe.outputs)} outputs")
        for w in (self.midi_button, self.record_button, self.respond, self.midi_in, self.midi_out):
            w.setEnabled(probe.available)

    def _fill_ports(self, inputs: list[str], outputs: list[str]) -> None:
        for combo, names, current in ((self.midi_in, inputs, self.ctx.prefs.midi_input),
                                      (self.midi_out, outputs, self.ctx.prefs.midi_output)):
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(NONE_PORT, "")
            for name in names:
                combo.addItem(name, name)
            if current and current not in names:
                combo.addItem(f"{current} (not connected)", current)
            combo.setCurrentIndex(max(0, combo.findData(current)))
            combo.blockSignals(False)

    def _port_chosen(self) -> None:
        self.ctx.prefs.midi_input = str(self.midi_in.currentData() or "")
        self.ctx.prefs.midi_output = str(self.midi_out.currentData() or "")
        self.host.restart(self.host.options)
