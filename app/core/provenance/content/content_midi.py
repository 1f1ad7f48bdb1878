"""MIDI content (`midi-events-v2`): every event that changes the sound, in a canonical form.

Bound: notes (on, off, velocity), program changes, control changes, pitch bend, channel aftertouch,
polyphonic aftertouch, system exclusive, tempo, time and key signatures. Left out: text, names,
markers, copyright and sequencer-specific events (where Accord's record lives), end-of-track.

Canonical, so a tool that rewrites the same music keeps the hash (a pretty_midi rewrite, a type-0 <->
type-1 conversion, another tick resolution, running status on or off):
- times are positions in beats (exact fractions tick / ticks-per-beat), tracks are merged; tempo is
  bound as BPM to 1/100 (pretty_midi writes 521738 for 521739 us per beat); several values of a
  meta kind at one tick count as the last one; channels that play no note are left out;
- events that change nothing are dropped (a program, controller, bend, aftertouch or meta value equal
  to the current one, starting from the General MIDI reset state), and programs set before a
  channel's first note count as set at 0 (where pretty_midi writes them);
- channel numbers are not bound, except whether a voice is on the drum channel (10): each channel's
  event list is a voice, and voices are compared as a sorted list. note_on with velocity 0 is a
  note_off, and note_off velocities are ignored (General MIDI synths ignore them);
- events at the same time are sorted (state changes, then note-offs, then note-ons).
"""

from __future__ import annotations

import hashlib
import io
import json
from fractions import Fraction
from pathlib import Path
from typing import Any

from app.core.errors import ProvenanceError

METHOD = "midi-events-v2"
DRUMS = 9
_ORDER = {"sysex": 0, "program_change": 1, "control_change": 2, "pitchwheel": 3, "aftertouch": 4,
          "polytouch": 5, "note_off": 6, "note_on": 7}


def _beat(tick: int, tpb: int) -> str:
    f = Fraction(tick, tpb)
    return f"{f.numerator}/{f.denominator}"


def _bpm(tempo: int) -> str:
    """Tempo as BPM to 1/100: tools that store it as a float BPM write back +-1 microsecond per beat."""
    return f"{60_000_000 / max(1, tempo):.2f}"


def midi_canonical(data: bytes, path: Path | None = None) -> dict[str, Any]:
    import mido

    from app.core.midifile import mido_failure

    try:
        mf = mido.MidiFile(file=io.BytesIO(data), clip=True)
    except Exception as exc:  # mido raises OSError, EOFError, ValueError, KeyError, KeySignatureError...
        raise ProvenanceError(f"is not a readable MIDI file: {mido_failure(exc)}", path=path) from exc
    tpb = mf.ticks_per_beat
    if not isinstance(tpb, int) or tpb <= 0:
        raise ProvenanceError("uses a time division Accord does not sign (SMPTE)", path=path)
    events: list[tuple[int, int, Any]] = []  # (tick, order of arrival, message)
    order = 0
    for track in mf.tracks:
        tick = 0
        for msg in track:
            tick += msg.time
            events.append((tick, order, msg))
            order += 1
    events.sort(key=lambda e: (e[0], e[1]))
    meta_state: dict[str, Any] = {"set_tempo": _bpm(500000), "time_signature": [4, 4], "key_signature": "C"}
    meta: list[list[Any]] = []
    sysex: list[list[Any]] = []
    channels: dict[int, list[list[Any]]] = {}
    state: dict[tuple[int, str, int], int] = {}
    first_note: dict[int, int] = {}
    for tick, _, msg in events:
        if msg.type == "note_on" and msg.velocity > 0:
            first_note.setdefault(msg.channel, tick)
    at_tick: dict[tuple[int, str], Any] = {}  # the last value of each meta kind at each tick counts
    for tick, _, msg in events:
        kind = msg.type
        if kind in ("set_tempo", "time_signature", "key_signature"):
            at_tick[(tick, kind)] = (_bpm(msg.tempo) if kind == "set_tempo" else [msg.numerator, msg.denominator]
                                     if kind == "time_signature" else str(msg.key))
            continue
        if kind == "sysex":
            sysex.append([_beat(tick, tpb), "sysex", bytes(msg.data).hex()])
            continue
        if kind not in _ORDER:
            continue
        ch = msg.channel
        if kind == "note_on" and msg.velocity == 0:
            kind = "note_off"
        if kind in ("note_on", "note_off"):
            row = [kind, msg.note, msg.velocity if kind == "note_on" else 0]
        else:
            slot, value = {"program_change": (0, getattr(msg, "program", 0)),
                           "control_change": (getattr(msg, "control", 0), getattr(msg, "value", 0)),
                           "pitchwheel": (0, getattr(msg, "pitch", 0)),
                           "aftertouch": (0, getattr(msg, "value", 0)),
                           "polytouch": (getattr(msg, "note", 0), getattr(msg, "value", 0))}[kind]
            default = {"program_change": 0, "pitchwheel": 0, "aftertouch": 0, "polytouch": 0}.get(kind)
            current = state.get((ch, kind, slot), default)
            if current == value:
                continue
            state[(ch, kind, slot)] = value
            row = [kind, slot, value]
            if kind == "program_change" and tick <= first_note.get(ch, 0):
                tick = 0
        channels.setdefault(ch, []).append([_beat(tick, tpb), _ORDER[row[0]], *row])
    for (tick, kind), value in sorted(at_tick.items()):
        if meta_state[kind] != value:
            meta_state[kind] = value
            meta.append([_beat(tick, tpb), kind, value])
    voices = []
    for ch, rows in channels.items():
        if not any(r[2] == "note_on" for r in rows):
            continue  # a channel that plays no note makes no sound
        rows.sort(key=lambda r: (Fraction(r[0]), r[1], r[2:]))
        voices.append({"drums": ch == DRUMS, "events": [[r[0], *r[2:]] for r in rows]})
    voices.sort(key=lambda v: json.dumps(v, sort_keys=True))
    return {"meta": meta, "sysex": sysex, "voices": voices}


def midi_events_hash(data: bytes, path: Path | None = None) -> str:
    value = midi_canonical(data, path)
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(METHOD.encode() + b"|" + text.encode("ascii")).hexdigest()
