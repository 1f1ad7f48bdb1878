"""Small values the live package passes between threads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.core.errors import AccordError


class LiveError(AccordError):
    """A MIDI backend, port or sync partner is missing or refused (the reason says which, and what to do)."""


@dataclass(frozen=True, slots=True)
class TimedMessage:
    """A raw MIDI message with the time (transport seconds: monotonic, or JACK frames / rate) it arrived or must leave."""

    time: float
    data: tuple[int, ...]

    @property
    def status(self) -> int:
        return self.data[0] if self.data else 0

    @property
    def is_note_on(self) -> bool:
        return len(self.data) == 3 and self.data[0] & 0xF0 == 0x90 and self.data[2] > 0

    @property
    def is_note_off(self) -> bool:
        return len(self.data) == 3 and (self.data[0] & 0xF0 == 0x80 or (self.data[0] & 0xF0 == 0x90
                                                                            and self.data[2] == 0))


@dataclass(frozen=True)
class LiveEvent:
    """What the session tells its owner (the studio polls these with a timer; the CLI prints them).

    kinds: "note" (a played note was heard), "phrase" (a phrase ended: data has raw + quantised notes),
    "answer" (an answer was scheduled: data has the suggestion JSON, start time, events), "answer-sent"
    (its notes left the port: data has sent times), "transport" (start/stop/tempo/leader), "error" (a
    message for the user: the session keeps running), "ports" (hot-plug: the port lists changed).
    """

    kind: str
    time: float
    data: dict[str, Any] = field(default_factory=dict)


def resolve_port(names: list[str], wanted: str, kind: str) -> str:
    """The port called `wanted`, or the one port whose name contains it (case-insensitive)."""
    if wanted in names:
        return wanted
    hits = [n for n in names if wanted.lower() in n.lower()]
    if len(hits) == 1:
        return hits[0]
    why = "matches several of" if hits else "is not among"
    raise LiveError(f"MIDI {kind} port {wanted!r} {why} the {kind}s ({', '.join(names) or 'none'})",
                    hint="see accord midi ports")
