"""Live MIDI: ports (JACK or the platform's MIDI system), a transport clock, sample-accurate scheduling of
outgoing events, phrase recording, call and response, MIDI clock out/in, Ableton Link, tempo tools.

Threads (DESIGN.md §2): the MIDI I/O thread (the JACK process callback, or rtmidi's callback plus a small
scheduler thread) only stamps incoming events into a queue and sends pre-scheduled events at their time;
`LiveSession`'s worker thread does everything else (recording, silence, generation) and never touches Qt.
Optional backends (python-rtmidi, JACK-Client, aalink) are imported inside the functions that need them.
"""

from app.core.live.clock import TransportClock
from app.core.live.types import LiveError, LiveEvent, TimedMessage

__all__ = ["LiveError", "LiveEvent", "TimedMessage", "TransportClock"]
