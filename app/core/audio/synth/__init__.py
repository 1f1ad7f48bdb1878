"""Rendering suggestions to sound: built-in voices, SoundFont player, plugin host, effects.

Public entry points (import from here):
- `render_melody(melody, grid, *, instrument, sample_rate, tail_seconds, gain_db) -> float32 (2, n)`
- `INSTRUMENTS` (name -> voice with `.display_name`), `DEFAULT_INSTRUMENT`
- `TempoMapTiming` (a MIDI tempo map usable wherever a BeatGrid is)
- `RenderSettings` + `render_suggestion(melody, grid, settings, *, sample_rate, resources)`: any renderer + fx
SoundFont, plugin and effects live in `soundfont`, `plugin` and `fx`; they import their optional
libraries lazily.
"""

from app.core.audio.synth.instruments import DEFAULT_INSTRUMENT, INSTRUMENTS, display_names, instrument_names
from app.core.audio.synth.render import render_melody
from app.core.audio.synth.settings import RenderResources, RenderSettings, render_suggestion
from app.core.audio.synth.timing import TempoMapTiming, Timing, note_frame

__all__ = ["DEFAULT_INSTRUMENT", "INSTRUMENTS", "RenderResources", "RenderSettings", "TempoMapTiming", "Timing",
           "display_names", "instrument_names", "note_frame", "render_melody", "render_suggestion"]
