"""Switching between suggestions while the song plays, without a gap or a click.

The engine's mixer only ever swaps whole immutable MixStates between blocks, so a switch never leaves a
gap. A hard swap would still click (the outgoing melody stops mid-waveform); `crossfade_tracks` builds the
tracks for a short equal-power crossfade at a frame just ahead of the playhead: the outgoing buffer up to
that frame (a view, no copy), both buffers faded over `fade_frames` (small copies), then the incoming
buffer (a view). The studio swaps in that state at once and, after the fade has played, the plain state
with only the incoming suggestion unmuted.

`placed` says how a suggestion is rendered and placed: from its own first bar, at that bar's frame.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from app.core.audio.mix import TrackMix
from app.core.music import BeatGrid, Melody

DEFAULT_FADE_FRAMES = 1024  # ~21 ms at 48 kHz: long enough to hide the step, short enough to feel instant


def placed(melody: Melody, grid: BeatGrid, sample_rate: int) -> tuple[Melody, BeatGrid, int]:
    """(melody from its first bar, a grid starting there, the frame where that bar starts in the song).

    A suggestion late in a long song is rendered from its own first bar, not from the song's start, and
    placed with the track's offset: a few seconds of buffer instead of minutes of silence."""
    bq = grid.time_signature.bar_quarters
    first = min((n.onset for n in melody.notes), default=0.0)
    start = max(0.0, math.floor(first / bq + 1e-9) * bq)
    local = grid.starting_at(start)
    offset = max(0, int(round(grid.seconds(start) * sample_rate)))
    return melody.shifted(-start), local, offset


def _piece(track: TrackMix, name: str, lo: int, hi: int, ramp: np.ndarray | None = None) -> TrackMix | None:
    """Frames [lo, hi) of the track's own buffer as a track placed at the same song position."""
    n = int(track.samples.shape[1])
    lo, hi = max(0, lo), min(n, hi)
    if hi <= lo:
        return None
    samples = track.samples[:, lo:hi]
    if ramp is not None:
        samples = (samples * ramp[: hi - lo][None, :]).astype(np.float32)
        samples.flags.writeable = False
    return replace(track, name=name, samples=samples, offset_frames=track.offset_frames + lo, mute=False)


def crossfade_tracks(outgoing: TrackMix | None, incoming: TrackMix | None, at_frame: int, *,
                     fade_frames: int = DEFAULT_FADE_FRAMES) -> tuple[TrackMix, ...]:
    """Tracks that play `outgoing` until `at_frame` (song frames), crossfade over `fade_frames`, then play
    `incoming`. Either may be None (fade in from nothing / fade out to nothing). Both are unmuted buffers
    placed on the song's timeline (frame 0 = the stems' first sample)."""
    if at_frame < 0 or fade_frames < 1:
        raise ValueError("the crossfade needs at_frame >= 0 and fade_frames >= 1")
    t = (np.arange(fade_frames, dtype=np.float64) + 0.5) / fade_frames
    down = np.cos(t * np.pi / 2).astype(np.float32)
    up = np.sin(t * np.pi / 2).astype(np.float32)
    pieces: list[TrackMix | None] = []
    if outgoing is not None:
        a = at_frame - outgoing.offset_frames
        pieces += [_piece(outgoing, outgoing.name + "~before", 0, a),
                   _piece(outgoing, outgoing.name + "~out", a, a + fade_frames, down[max(0, -a):])]
    if incoming is not None:
        b = at_frame - incoming.offset_frames
        pieces += [_piece(incoming, incoming.name + "~in", b, b + fade_frames, up[max(0, -b):]),
                   _piece(incoming, incoming.name + "~after", b + fade_frames, int(incoming.samples.shape[1]))]
    return tuple(p for p in pieces if p is not None)


def max_step(signal: np.ndarray) -> float:
    """Largest sample-to-sample change of a (frames, channels) or (channels, frames) block: a click shows
    as a step far above the signal's normal slope."""
    x = np.asarray(signal, dtype=np.float64)
    axis = 0 if x.shape[0] > x.shape[-1] else -1
    return float(np.max(np.abs(np.diff(x, axis=axis)))) if x.size > 1 else 0.0
