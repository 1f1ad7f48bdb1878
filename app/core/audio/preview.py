"""A preview: one finished buffer heard once beside the song, whatever the transport does.

A DAW's browser plays a file or a clip the moment it is clicked, without touching the arrangement's
playhead; the catalogue's **Hear** does the same with a work's melody (or a part it could come from). The
engine mixes the preview into each block after the song's mix (`AudioEngine.play_preview`), so the project,
its transport and its loop are left as they were.

Threads: the GUI thread builds a Preview (fades applied, all memory allocated) and hands it over with one
reference assignment; the audio thread only copies slices of it into the output and advances its position.
`stop()` asks for a fade over the next block (no click); `finished` turns True on the audio thread when the
buffer has played out or faded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.core.audio.synth.instruments import DEFAULT_INSTRUMENT
from app.core.audio.synth.timing import Timing
from app.core.music import BeatGrid, Melody

EDGE_FADE_FRAMES = 96  # 2 ms at 48 kHz: a note cut at the buffer's edge starts and ends without a click
PREVIEW_SECONDS = 45.0  # enough to know a tune by; a whole song's line would be ~100 MB of audio
LEAD_IN_QUARTERS = 1.0  # the line starts a beat in, not on the first sample
TAIL_SECONDS = 0.5  # the last note's release
SONG_GAIN = 0.5  # the song under a line heard with it: -6 dB, so the line stands out as a guide vocal would


@dataclass(frozen=True)
class _From:
    """A timing read from `start` seconds on: a window of a song."""

    timing: Timing
    start: float

    def seconds(self, quarters: float) -> float:
        return self.timing.seconds(quarters) - self.start


def _line(melody: Melody, timing: Timing, start: float, end: float, *, sample_rate: int,
          instrument: str) -> np.ndarray:
    """The notes starting before `end` (seconds on `timing`) rendered from `start` on: float32 (2, n)."""
    from app.core.audio.synth.render import render_melody

    window = [n for n in melody.notes if timing.seconds(n.onset) < end]
    return render_melody(window, _From(timing, start), instrument=instrument, sample_rate=sample_rate,
                         tail_seconds=TAIL_SECONDS)


def melody_preview(melody: Melody, *, sample_rate: int, seconds: float = PREVIEW_SECONDS,
                   instrument: str = DEFAULT_INSTRUMENT) -> np.ndarray:
    """The melody's first `seconds` from a beat before its first note (which keeps its place in the beat), at its
    own tempo (120 BPM when it has none) with the studio's lead sound: float32 (2, n). An empty melody gives no
    frames."""
    if not melody.notes:
        return np.zeros((2, 0), dtype=np.float32)
    timing = BeatGrid(tempo_bpm=melody.tempo_bpm if melody.tempo_bpm and melody.tempo_bpm > 0 else 120.0)
    start = timing.seconds(float(np.floor(min(n.onset for n in melody.notes))) - LEAD_IN_QUARTERS)
    line = _line(melody, timing, start, start + seconds, sample_rate=sample_rate, instrument=instrument)
    return line[:, :int(round((seconds + TAIL_SECONDS) * sample_rate))]


def melody_over_song(melody: Melody, timing: Timing, song: np.ndarray, *, song_rate: int, sample_rate: int,
                     seconds: float = PREVIEW_SECONDS, song_gain: float = SONG_GAIN,
                     instrument: str = DEFAULT_INSTRUMENT) -> np.ndarray:
    """The melody on the song's own timing (`timing`: the grid it was read on, bar 1 in the file's seconds) over
    the song itself (mono `song` at `song_rate`), from a beat before the first note, `seconds` long: float32
    (2, n) at `sample_rate`. How a transcription is checked against the bounce it was read from."""
    from app.core.transcription.pitch import at_rate

    if not melody.notes:
        return np.zeros((2, 0), dtype=np.float32)
    start = max(0.0, timing.seconds(min(n.onset for n in melody.notes) - LEAD_IN_QUARTERS))
    end = start + seconds
    piece = at_rate(np.asarray(song[int(start * song_rate):int(end * song_rate)], dtype=np.float32), song_rate,
                    sample_rate)
    line = _line(melody, timing, start, end, sample_rate=sample_rate, instrument=instrument)
    frames = min(int(round(seconds * sample_rate)), max(piece.size, line.shape[1]))
    out = np.zeros((2, frames), dtype=np.float32)
    out[:, :min(frames, piece.size)] += np.float32(song_gain) * piece[:frames]
    out[:, :min(frames, line.shape[1])] += line[:, :frames]
    return np.clip(out, -1.0, 1.0, out=out)


class Preview:
    """`samples`: float32 (2, n), copied (the fades are written into the copy)."""

    def __init__(self, samples: np.ndarray, *, gain: float = 1.0) -> None:
        if not isinstance(samples, np.ndarray) or samples.ndim != 2 or samples.shape[0] != 2:
            raise ValueError("a preview's samples must be shaped (2, frames)")
        if not np.isfinite(gain) or gain < 0.0:
            raise ValueError(f"a preview's gain must be a finite number >= 0, not {gain}")
        self.samples = np.array(samples, dtype=np.float32, copy=True) * np.float32(gain)
        edge = min(EDGE_FADE_FRAMES, self.samples.shape[1] // 2)
        if edge:
            ramp = np.linspace(0.0, 1.0, edge, endpoint=False, dtype=np.float32)
            self.samples[:, :edge] *= ramp
            self.samples[:, -edge:] *= ramp[::-1]
        self.frames = int(self.samples.shape[1])
        self.position = 0  # written by the audio thread only
        self.finished = self.frames == 0  # written by the audio thread (and here, once)
        self._stop_asked = False

    @property
    def frames_left(self) -> int:
        """Frames not yet played (0 once finished)."""
        return 0 if self.finished else self.frames - self.position

    def stop(self) -> None:
        """Fade out over the next block and finish (GUI thread; safe at any time)."""
        self._stop_asked = True

    def mix_into(self, out: np.ndarray, frames: int, scratch: np.ndarray, fade_down: np.ndarray) -> None:
        """Add the next `frames` of the preview to `out` (2, frames) in place (the audio thread).

        `scratch` is at least (2, frames), `fade_down` a (frames,) ramp from 1 towards 0; nothing is allocated.
        """
        if self.finished:
            return
        start = self.position
        n = min(frames, self.frames - start)
        block = self.samples[:, start:start + n]
        if self._stop_asked:
            faded = scratch[:, :n]
            np.multiply(block, fade_down[:n], out=faded)
            np.add(out[:, :n], faded, out=out[:, :n])
            self.finished = True
            return
        np.add(out[:, :n], block, out=out[:, :n])
        self.position = start + n
        if self.position >= self.frames:
            self.finished = True
