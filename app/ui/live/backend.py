"""Which MIDI system the studio can use, and its ports: asked on a worker (a JACK probe opens a client),
answered as plain data the panel shows. When there is none, the answer says which piece is missing."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class MidiProbe:
    backend: str = ""  # "JACK", "ALSA", "CoreMIDI"... ; "" when none
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    problem: str = ""  # why there is no MIDI, and what to do

    @property
    def available(self) -> bool:
        return not self.problem


def probe_midi() -> MidiProbe:
    """The backend Accord would use now and its ports, or the reason there is none (never raises)."""
    from app.core.live.jack_server import jack_server_running
    from app.core.live.ports import choose_backend, list_ports
    from app.core.live.types import LiveError
    from app.ui.dialogs.messages import as_sentences

    try:
        import rtmidi  # noqa: F401
        has_rtmidi = True
    except ImportError:
        has_rtmidi = False
    if not jack_server_running() and not has_rtmidi:
        try:
            import jack  # noqa: F401
            jack_hint = "no JACK server is running"
        except (ImportError, OSError):
            jack_hint = "JACK-Client is not installed"
        return MidiProbe(problem=f"No MIDI: python-rtmidi is not installed and {jack_hint}. "
                                 "Install the live extra (pip install 'accord[live]') or start JACK. "
                                 "Everything else in the studio works without MIDI.")
    try:
        backend = choose_backend()
        ports = list_ports(backend)
    except LiveError as exc:
        return MidiProbe(problem=f"No MIDI: {as_sentences(exc, todo='To get it')} "
                                 "Everything else in the studio works without MIDI.")
    own = ("Accord:", "Accord in", "Accord out", "Accord-out")
    return MidiProbe(backend.label,
                     [p for p in ports["inputs"] if not p.startswith(own)],
                     [p for p in ports["outputs"] if not p.startswith(own)])
