"""Render a Melody with a built-in instrument, sample-accurately on a beat grid.

A note at quarter q starts on frame round(grid.seconds(q) × rate) and is held until its end's frame,
then released by the voice's envelope. Frame 0 is time 0 of the song (the stems' first sample), so the
buffer can be mixed with the stems as it is.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable

import numpy as np

from app.core.audio.synth.instruments import DEFAULT_INSTRUMENT, INSTRUMENTS
from app.core.audio.synth.timing import Timing, note_frame
from app.core.audio.synth.voices import TableCache, Voice
from app.core.errors import AccordError
from app.core.music import Melody, Note

log = logging.getLogger(__name__)

MIN_SAMPLE_RATE = 8000
MAX_SAMPLE_RATE = 192000
MAX_RENDER_SECONDS = 60 * 60  # an hour of audio is already far beyond a suggestion
SOFT_CLIP_KNEE = 0.9


def get_voice(instrument: str) -> Voice:
    voice = INSTRUMENTS.get(instrument)
    if voice is None:
        raise AccordError(f"unknown instrument {instrument!r}", hint="choose one of: " + ", ".join(INSTRUMENTS))
    return voice


def check_render_args(sample_rate: int, tail_seconds: float, gain_db: float) -> None:
    if not isinstance(sample_rate, int | np.integer) or not MIN_SAMPLE_RATE <= sample_rate <= MAX_SAMPLE_RATE:
        raise AccordError(f"sample rate {sample_rate} is outside {MIN_SAMPLE_RATE}–{MAX_SAMPLE_RATE} Hz")
    if not (math.isfinite(tail_seconds) and 0.0 <= tail_seconds <= 60.0):
        raise AccordError(f"tail of {tail_seconds} s is outside 0–60 s")
    if not (math.isfinite(gain_db) and -96.0 <= gain_db <= 24.0):
        raise AccordError(f"gain of {gain_db} dB is outside -96–24 dB")


def check_notes(notes: Iterable[Note]) -> list[Note]:
    checked = []
    for n in notes:
        if not (0 <= n.pitch <= 127 and math.isfinite(n.onset) and math.isfinite(n.duration)
                and n.duration > 0 and n.onset >= 0):
            raise AccordError(f"cannot render note {n.pitch} at quarter {n.onset:g} (duration {n.duration:g}): "
                              "pitch must be 0–127, onset ≥ 0 and duration > 0")
        checked.append(n)
    return checked


def output_frames(notes: list[Note], grid: Timing, sample_rate: int, tail_seconds: float) -> int:
    end_q = max((n.end for n in notes), default=0.0)
    end = note_frame(grid, end_q, sample_rate) if notes else 0
    total = max(0, end) + int(round(tail_seconds * sample_rate))
    if total > MAX_RENDER_SECONDS * sample_rate:
        raise AccordError(f"the melody would render to {total / sample_rate / 60:.0f} minutes of audio; "
                          "the limit is an hour")
    return total


def soft_clip(mono: np.ndarray, knee: float = SOFT_CLIP_KNEE) -> np.ndarray:
    """Leave everything below the knee untouched; bend peaks above it smoothly so |x| < 1."""
    peak = float(np.max(np.abs(mono))) if mono.size else 0.0
    if peak <= knee:
        return mono
    mag = np.abs(mono)
    over = mag > knee
    bent = knee + (1.0 - knee) * np.tanh((mag[over] - knee) / (1.0 - knee))
    mono[over] = np.sign(mono[over]) * bent.astype(np.float32)
    return mono


def render_notes_mono(notes: list[Note], grid: Timing, voice: Voice, sample_rate: int, total_frames: int,
                      cache: TableCache | None = None, out: np.ndarray | None = None) -> np.ndarray:
    """Sum of every note's voice output, placed at its frame (unscaled, unclipped), added into `out`."""
    out = np.zeros(total_frames, dtype=np.float32) if out is None else out
    cache = {} if cache is None else cache
    for n in notes:
        start = note_frame(grid, n.onset, sample_rate)
        hold = max(1, note_frame(grid, n.end, sample_rate) - start)
        if start >= total_frames:
            continue
        sound = voice.render_note(n.pitch, n.velocity, hold, sample_rate, cache)
        stop = min(total_frames, start + sound.shape[0])
        out[start:stop] += sound[: stop - start]
    return out


def render_melody(melody: Melody | Iterable[Note], grid: Timing, *, instrument: str = DEFAULT_INSTRUMENT,
                  sample_rate: int = 48000, tail_seconds: float = 1.0, gain_db: float = 0.0,
                  cache: TableCache | None = None) -> np.ndarray:
    """Render to float32 (2, n): the notes on the grid plus `tail_seconds` for the last release.

    `cache` (optional, a plain dict) keeps wavetables between calls, e.g. across a prerenderer's renders.
    """
    voice = get_voice(instrument)
    check_render_args(sample_rate, tail_seconds, gain_db)
    notes = check_notes(melody.notes if isinstance(melody, Melody) else melody)
    total = output_frames(notes, grid, sample_rate, tail_seconds)
    stereo = np.zeros((2, total), dtype=np.float32)
    mono = render_notes_mono(notes, grid, voice, sample_rate, total, cache, out=stereo[0])
    if gain_db:
        mono *= np.float32(10.0 ** (gain_db / 20.0))
    soft_clip(mono)
    # Centre-panned: equal in both channels, so the track's own pan control places it.
    stereo[1] = mono
    return stereo
