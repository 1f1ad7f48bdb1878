"""Core audio: decoding (io), waveform peaks, the mixer, the transport and the playback engine.

The public names are re-exported here and loaded on first use (app.core.lazy; see docs/audio.md): a reader of
`app.core.audio.formats` (the catalogue's import, `accord catalogue list`) does not import the playback engine
and its numba kernels. soundfile, soxr, pedalboard and sounddevice are imported inside the functions that need them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.core.lazy import lazy_exports

if TYPE_CHECKING:
    from app.core.audio.engine import AudioEngine, FakeStream, list_output_devices
    from app.core.audio.io import (
        AUDIO_EXTENSIONS,
        PROJECT_RATE,
        DecodedAudio,
        encode_audio,
        load_audio,
        sha256_file,
        write_audio,
    )
    from app.core.audio.mix import MixState, TrackMix, render, render_offline
    from app.core.audio.peaks import Peaks, compute_peaks
    from app.core.audio.transport import Transport, TransportState

__all__ = [
    "AUDIO_EXTENSIONS", "PROJECT_RATE", "AudioEngine", "DecodedAudio", "FakeStream", "MixState", "Peaks",
    "TrackMix", "Transport", "TransportState", "compute_peaks", "encode_audio", "list_output_devices",
    "load_audio", "render", "render_offline", "sha256_file", "write_audio",
]
__getattr__, __dir__ = lazy_exports(__name__, {
    **dict.fromkeys(("AudioEngine", "FakeStream", "list_output_devices"), "engine"),
    **dict.fromkeys(("AUDIO_EXTENSIONS", "PROJECT_RATE", "DecodedAudio", "encode_audio", "load_audio",
                     "sha256_file", "write_audio"), "io"),
    **dict.fromkeys(("MixState", "TrackMix", "render", "render_offline"), "mix"),
    **dict.fromkeys(("Peaks", "compute_peaks"), "peaks"),
    **dict.fromkeys(("Transport", "TransportState"), "transport"),
}, globals())
