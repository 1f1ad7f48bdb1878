"""The built-in instrument set: a few voices that make a melody easy to judge.

`INSTRUMENTS` maps a stable name (stored in projects and given on the command line) to a voice; each voice
carries a display name for the studio. The mapping is read-only.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from app.core.audio.synth.voices import Envelope, FmVoice, Voice, WavetableVoice

DEFAULT_INSTRUMENT = "lead"


def _build() -> dict[str, Voice]:
    voices: list[Voice] = [
        WavetableVoice(
            name="lead", display_name="Lead",
            waveforms=(("saw", 0.8), ("square", 0.35)),
            amp=Envelope(attack=0.004, decay=0.25, sustain=0.8, release=0.12),
            cutoff_open=14.0, cutoff_closed=6.0, filter_decay=0.35, resonance=1.2, poles=2,
            velocity_brightness=0.5, level=0.45,
        ),
        FmVoice(
            name="soft keys", display_name="Soft keys",
            ratio=1.0, index_peak=2.2, index_sustain=0.35, index_decay=0.45,
            amp=Envelope(attack=0.003, decay=1.6, sustain=0.0, release=0.25),
            velocity_index=0.7, level=0.5,
        ),
        WavetableVoice(
            name="pluck", display_name="Pluck",
            waveforms=(("saw", 0.7), ("triangle", 0.5)),
            amp=Envelope(attack=0.001, decay=0.45, sustain=0.0, release=0.08),
            cutoff_open=20.0, cutoff_closed=2.0, filter_decay=0.12, resonance=1.0, poles=2,
            velocity_brightness=0.6, level=0.55,
        ),
        WavetableVoice(
            name="bass", display_name="Bass",
            waveforms=(("saw", 0.6), ("square", 0.5)),
            amp=Envelope(attack=0.003, decay=0.3, sustain=0.7, release=0.06),
            cutoff_open=8.0, cutoff_closed=2.5, filter_decay=0.18, resonance=1.3, poles=4,
            velocity_brightness=0.5, level=0.55,
        ),
        FmVoice(
            name="bell", display_name="Bell",
            ratio=3.5, index_peak=4.0, index_sustain=0.6, index_decay=0.7,
            amp=Envelope(attack=0.001, decay=2.2, sustain=0.0, release=1.2),
            velocity_index=0.6, level=0.4,
        ),
    ]
    return {v.name: v for v in voices}


INSTRUMENTS: Mapping[str, Voice] = MappingProxyType(_build())


def instrument_names() -> list[str]:
    return list(INSTRUMENTS)


def display_names() -> dict[str, str]:
    """name -> display name, in the order the studio lists them."""
    return {name: voice.display_name for name, voice in INSTRUMENTS.items()}
