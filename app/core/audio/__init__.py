"""Core audio: decoding (io), waveform peaks, the mixer, the transport and the playback engine.

The public names are re-exported here; see docs/audio.md. (numpy is the only import this costs:
soundfile, soxr, pedalboard and sounddevice are imported inside the functions that need them.)
"""

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
