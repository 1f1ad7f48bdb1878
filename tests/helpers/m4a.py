"""Real MPEG-4 audio for tests: AAC or Apple Lossless encoded by FFmpeg (through PyAV, Accord's decoder for them),
the files a phone, GarageBand or Voice Memos export."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write_m4a(path: Path, samples: np.ndarray, rate: int, *, codec: str = "aac", faststart: bool = False) -> Path:
    """Encode float samples shaped (channels, frames), 1 or 2 channels, to `path` (.m4a, raw ADTS .aac, or .opus
    with codec "libopus" at 48 kHz).

    `faststart` puts the MPEG-4 index (moov) before the audio, as streaming services do; FFmpeg and Apple write it
    last by default."""
    import av

    channels = samples.shape[0]
    layout = "stereo" if channels == 2 else "mono"
    with av.open(str(path), "w", options={"movflags": "faststart"} if faststart else {}) as out:
        stream = out.add_stream(codec, rate=rate, layout=layout)
        fmt = stream.codec_context.codec.audio_formats[0].name  # the encoder's native format
        step = 1024  # one AAC frame
        for start in range(0, samples.shape[1], step):
            block = np.clip(samples[:, start:start + step].astype(np.float64), -1.0, 1.0)
            if fmt.startswith("s16"):
                block = np.round(block * 32767).astype(np.int16)
            elif fmt.startswith("s32"):
                block = np.round(block * 2147483647).astype(np.int32)
            else:
                block = block.astype(np.float32)
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(block), format=fmt, layout=layout)
            frame.sample_rate, frame.pts = rate, start
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def tone(seconds: float, rate: int, *, freq: float = 440.0, level: float = 0.5, channels: int = 2) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return np.tile(level * np.sin(2 * np.pi * freq * t), (channels, 1)).astype(np.float32)
