"""The studio's preferences: every key declared once (type, default, allowed values) over the injected
QSettings, so no panel spells a key or a default twice and a bad stored value can never reach the code.

    prefs = Preferences(ctx.settings)
    prefs.buffer_size            # → 512 when unset or unreadable
    prefs.buffer_size = 1024     # written through to QSettings
"""

from __future__ import annotations

import logging
from copy import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QSettings

log = logging.getLogger(__name__)
T = TypeVar("T")

BUFFER_SIZES = (64, 128, 256, 512, 1024, 2048, 4096)
SAMPLE_RATES = (44100, 48000, 88200, 96000)
# The export dialog's format keys (app/ui/dialogs/export_choices.py FORMAT_CHOICES); kept literal so that this
# module stays free of dialog imports.
EXPORT_FORMATS = ("wav24", "wav16", "wav32f", "flac", "aiff", "mp3", "ogg", "midi")
TRUE_WORDS = {"true", "1", "yes", "on"}
FALSE_WORDS = {"false", "0", "no", "off", ""}


@dataclass(frozen=True)
class Pref(Generic[T]):
    """One declared setting: its QSettings key, Python type, default and (optionally) allowed values."""

    key: str
    kind: type
    default: T
    choices: tuple[T, ...] | None = None
    label: str = ""

    def coerce(self, raw: Any) -> T:
        """`raw` as this setting's type; ValueError when it cannot be (INI files store everything as text)."""
        if self.kind is bool:
            if isinstance(raw, bool):
                value: Any = raw
            elif str(raw).strip().lower() in TRUE_WORDS:
                value = True
            elif str(raw).strip().lower() in FALSE_WORDS:
                value = False
            else:
                raise ValueError(f"not a yes/no value: {raw!r}")
        elif self.kind is int:
            if isinstance(raw, bool):
                raise ValueError("a yes/no value is not a number")
            value = int(str(raw).strip())
        elif self.kind is str:
            if not isinstance(raw, str):
                raise ValueError(f"not text: {raw!r}")
            value = raw
        elif self.kind is list:  # a list of text; INI files give back a lone string for a one-item list
            items = [raw] if isinstance(raw, str) else raw
            if not isinstance(items, (list, tuple)) or not all(isinstance(v, str) for v in items):
                raise ValueError(f"not a list of text: {raw!r}")
            value = [v for v in items if v]
        else:
            raise TypeError(f"unsupported preference type {self.kind}")
        if self.choices is not None and value not in self.choices:
            raise ValueError(f"{value!r} is not one of {self.choices}")
        return value

    def read(self, settings: QSettings) -> T:
        raw = settings.value(self.key, None)
        if raw is None:
            return copy(self.default)  # a copy: a caller changing a list must not change the default
        try:
            return self.coerce(raw)
        except (TypeError, ValueError) as exc:
            log.warning("preference %s: ignoring stored value (%s); using %r", self.key, exc, self.default)
            return copy(self.default)

    def write(self, settings: QSettings, value: T) -> None:
        settings.setValue(self.key, self.coerce(value))


AUDIO_DEVICE = Pref("audio/output_device", str, "", label="Audio output device ('' = system default)")
BUFFER_SIZE = Pref("audio/buffer_size", int, 256, BUFFER_SIZES, "Buffer size (frames)")
SAMPLE_RATE = Pref("audio/sample_rate", int, 48000, SAMPLE_RATES, "Sample rate (Hz)")
MIDI_INPUT = Pref("midi/input_port", str, "", label="MIDI input port")
MIDI_OUTPUT = Pref("midi/output_port", str, "", label="MIDI output port")
EXPORT_FOLDER = Pref("export/folder", str, "", label="Default export folder ('' = the project's folder)")
EXPORT_FORMAT = Pref("export/format", str, "wav24", EXPORT_FORMATS, "Default export format")
REOPEN_LAST = Pref("start/reopen_last_project", bool, False, label="Reopen the last project at start")
LAST_PROJECT = Pref("start/last_project", str, "", label="The last project opened or saved")
RECENT_PROJECTS: Pref[list[str]] = Pref("recent/projects", list, [], label="Recent projects, newest first")
COMPACT_TRACKS = Pref("view/compact_tracks", bool, False, label="Compact tracks in the timeline (View menu)")
WAVEFORM_DB = Pref("view/waveform_decibels", bool, False, label="Waveform heights in dB (View menu)")
ALL: tuple[Pref[Any], ...] = (AUDIO_DEVICE, BUFFER_SIZE, SAMPLE_RATE, MIDI_INPUT, MIDI_OUTPUT, EXPORT_FOLDER,
                              EXPORT_FORMAT, REOPEN_LAST, LAST_PROJECT, RECENT_PROJECTS, COMPACT_TRACKS,
                              WAVEFORM_DB)


class _Bound(Generic[T]):
    """A Preferences attribute that reads and writes its Pref through the instance's QSettings."""

    def __init__(self, pref: Pref[T]) -> None:
        self.pref = pref

    def __get__(self, obj: Preferences | None, owner: type | None = None) -> T:
        if obj is None:
            return self  # type: ignore[return-value] — class access gives the descriptor (for .pref)
        return self.pref.read(obj.settings)

    def __set__(self, obj: Preferences, value: T) -> None:
        self.pref.write(obj.settings, value)


class Preferences:
    """Typed access to the studio's settings; the only place app.ui reads or writes these keys."""

    audio_device = _Bound(AUDIO_DEVICE)
    buffer_size = _Bound(BUFFER_SIZE)
    sample_rate = _Bound(SAMPLE_RATE)
    midi_input = _Bound(MIDI_INPUT)
    midi_output = _Bound(MIDI_OUTPUT)
    export_folder = _Bound(EXPORT_FOLDER)
    export_format = _Bound(EXPORT_FORMAT)
    reopen_last = _Bound(REOPEN_LAST)
    last_project = _Bound(LAST_PROJECT)
    recent_projects = _Bound(RECENT_PROJECTS)
    compact_tracks = _Bound(COMPACT_TRACKS)
    waveform_decibels = _Bound(WAVEFORM_DB)

    def __init__(self, settings: QSettings) -> None:
        self.settings = settings

    def last_project_path(self) -> Path | None:
        """The last project opened or saved, when it still exists."""
        text = self.last_project
        path = Path(text) if text else None
        return path if path is not None and path.is_file() else None

    def sync(self) -> None:
        self.settings.sync()
