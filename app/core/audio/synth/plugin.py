"""The artist's own VST3/AU instrument, through pedalboard's plugin host.

Two halves, kept apart so each can be checked on its own:
- `midi_messages(...)` turns notes on a grid into (bytes, seconds) events, the form pedalboard takes;
  pure and deterministic (unit-tested);
- `load_instrument(...)` / `render_melody_plugin(...)` load the plugin and render; every failure (missing
  file, not a plugin, an effect rather than an instrument, a plugin that crashes) becomes one AccordError.
pedalboard hosts VST3 on every platform and Audio Units on macOS; it rejects VST2 and has no LV2 on Linux.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from app.core.audio.synth.render import check_notes, check_render_args, output_frames, soft_clip
from app.core.audio.synth.timing import Timing, note_frame
from app.core.errors import AccordError
from app.core.music import Melody, Note

log = logging.getLogger(__name__)

PLUGIN_SUFFIXES = (".vst3", ".component")
NOTE_ON = 0x90
NOTE_OFF = 0x80
# Timestamps sit a quarter sample after the intended frame, so a host that truncates and a host that
# rounds seconds × rate both land the event on that frame.
FRAME_NUDGE = 0.25


def midi_messages(notes: Iterable[Note], grid: Timing, sample_rate: int, *,
                  channel: int = 0) -> list[tuple[bytes, float]]:
    """Note on/off events as (midi_bytes, seconds); sorted, offs before ons at the same frame.

    Times are the exact frames the built-in voices use (round(grid.seconds(q) × rate)), expressed in
    seconds, so every renderer places a note on the same sample.
    """
    if not 0 <= channel <= 15:
        raise AccordError(f"MIDI channel {channel} is outside 0–15")
    events: list[tuple[int, int, int, int]] = []  # (frame, 0 off / 1 on, pitch, velocity)
    for n in check_notes(notes):
        start = note_frame(grid, n.onset, sample_rate)
        end = max(start + 1, note_frame(grid, n.end, sample_rate))
        events.append((start, 1, n.pitch, min(127, max(1, int(n.velocity)))))
        events.append((end, 0, n.pitch, 0))
    events.sort()
    out = []
    for frame, kind, pitch, velocity in events:
        status = (NOTE_ON if kind == 1 else NOTE_OFF) | channel
        out.append((bytes((status, pitch, velocity if kind == 1 else 64)), (frame + FRAME_NUDGE) / sample_rate))
    return out


def _check_plugin_path(path: Path) -> None:
    if not path.exists():
        raise AccordError("plugin not found", path=path)
    suffix = path.suffix.lower()
    if suffix not in PLUGIN_SUFFIXES:
        if suffix in (".dll", ".so", ".vst"):
            raise AccordError("looks like a VST2 plugin; only VST3 (and Audio Units on macOS) can be hosted",
                              path=path)
        raise AccordError("is not a VST3 or Audio Unit plugin (expected .vst3 or .component)", path=path)
    if suffix == ".component" and sys.platform != "darwin":
        raise AccordError("is an Audio Unit, which only loads on macOS", path=path)


def ensure_instrument(plugin: Any, path: str | os.PathLike | None = None) -> None:
    """Refuse anything that cannot turn MIDI into sound (effects, built-in processors)."""
    if not getattr(plugin, "is_instrument", False):
        name = getattr(plugin, "name", None) or type(plugin).__name__
        raise AccordError(f"{name} is an effect, not an instrument; choose an instrument plugin (a synth or "
                          "sampler)", path=None if path is None else Path(path))


def load_instrument(path: str | os.PathLike, *, parameter_values: Mapping[str, Any] | None = None,
                    plugin_name: str | None = None, timeout_seconds: float = 10.0) -> Any:
    """Load a VST3/AU instrument with pedalboard. Raises AccordError naming the file and the reason."""
    path = Path(path)
    _check_plugin_path(path)
    import pedalboard

    try:
        plugin = pedalboard.load_plugin(str(path), parameter_values=dict(parameter_values or {}),
                                        plugin_name=plugin_name, initialization_timeout=timeout_seconds)
    except ImportError as exc:
        reason = str(exc).strip().splitlines()[-1].strip() if str(exc).strip() else "unknown reason"
        raise AccordError(f"could not be loaded as a plugin: {reason}", path=path) from exc
    except (RuntimeError, ValueError) as exc:
        raise AccordError(f"could not be loaded as a plugin: {exc}", path=path,
                          hint="a plugin bundle with several plugins needs a plugin name") from exc
    ensure_instrument(plugin, path)
    return plugin


class PluginInstrument:
    """A loaded instrument plugin; renders are serialised (plugins keep state between blocks)."""

    def __init__(self, path: str | os.PathLike, *, plugin: Any | None = None, **load_kw: Any) -> None:
        self.path = Path(path)
        self._plugin = plugin if plugin is not None else load_instrument(self.path, **load_kw)
        ensure_instrument(self._plugin, self.path)
        self._lock = threading.Lock()

    def render(self, melody: Melody | Iterable[Note], grid: Timing, *, sample_rate: int = 48000,
               tail_seconds: float = 1.0, gain_db: float = 0.0) -> np.ndarray:
        check_render_args(sample_rate, tail_seconds, gain_db)
        notes = check_notes(melody.notes if isinstance(melody, Melody) else melody)
        total = output_frames(notes, grid, sample_rate, tail_seconds)
        messages = midi_messages(notes, grid, sample_rate)
        with self._lock:
            try:
                audio = self._plugin(messages, duration=total / sample_rate, sample_rate=sample_rate,
                                     num_channels=2, reset=True)
            except (RuntimeError, ValueError, MemoryError) as exc:
                raise AccordError(f"the plugin failed while rendering: {exc}", path=self.path) from exc
        return _to_stereo(np.asarray(audio, dtype=np.float32), total, gain_db, self.path)


def _to_stereo(audio: np.ndarray, total: int, gain_db: float, path: Path) -> np.ndarray:
    if audio.ndim == 1:
        audio = audio[None, :]
    if audio.shape[0] > audio.shape[-1]:  # a (frames, channels) result
        audio = audio.T
    if audio.shape[0] == 1:
        audio = np.repeat(audio, 2, axis=0)
    stereo = np.zeros((2, total), dtype=np.float32)
    n = min(total, audio.shape[1])
    stereo[:, :n] = audio[:2, :n]
    if not np.all(np.isfinite(stereo)):
        raise AccordError("the plugin produced invalid samples (NaN or infinity)", path=path)
    if gain_db:
        stereo *= np.float32(10.0 ** (gain_db / 20.0))
    for ch in stereo:
        soft_clip(ch)
    return stereo


def render_melody_plugin(melody: Melody | Iterable[Note], grid: Timing, plugin_path: str | os.PathLike, *,
                         sample_rate: int = 48000, tail_seconds: float = 1.0, gain_db: float = 0.0) -> np.ndarray:
    """One-shot: load the instrument at `plugin_path` and render the notes, float32 (2, n)."""
    instrument = PluginInstrument(plugin_path)
    return instrument.render(melody, grid, sample_rate=sample_rate, tail_seconds=tail_seconds, gain_db=gain_db)
