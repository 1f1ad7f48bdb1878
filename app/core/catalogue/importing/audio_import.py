"""Audio (WAV/FLAC/AIFF/OGG/MP3) to a Melody by transcription, through the shared audio-to-melody pipeline.

The file is decoded to mono at ANALYSIS_RATE (the pipeline's INPUT_RATE) and handed to
`app.core.transcription.transcribe`, the same pipeline the stem analysis uses: basic-pitch (its
ONNX model run with onnxruntime) and lead-line selection for a full mix or any polyphonic file, pYIN for a
clean monophonic lead (`--transcriber pyin`) or when basic-pitch is not installed ("auto"). The notes in
seconds are put on the song's beat grid, in the song's key, both heard in the whole file by the stem analysis's
ears (passed in as `ears`), else on a grid from the notes' own onsets (the model then guesses the key from the
melody), and quantised like MIDI imports (straight or triplet per beat). `TRANSCRIPTIONS` lists the alternatives
the artist can pick.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import NamedTuple

import numpy as np

from app.core.audio.formats import AUDIO_EXTENSIONS as READABLE_AUDIO
from app.core.errors import ImportFailed
from app.core.music import BeatGrid, Key, Melody
from app.core.tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress
from app.core.transcription import (
    INPUT_RATE,
    SecondsNote,
    TranscriberMissing,
    Transcription,
    transcribe,
)
from app.core.transcription.grid import SongEars, melody_on_grid

log = logging.getLogger(__name__)

AUDIO_EXTENSIONS = tuple(sorted(READABLE_AUDIO))  # every type the stems' decoder reads (app/core/audio/formats.py)
ANALYSIS_RATE = INPUT_RATE
MAX_SECONDS = 20 * 60.0
BACKENDS = ("auto", "pyin", "basic-pitch")
# The transcriptions an artist can choose between for an audio work (`accord catalogue parts WORK --use N`).
TRANSCRIPTIONS = (("basic-pitch", "lead line from the polyphonic transcription (basic-pitch)"),
                  ("pyin", "monophonic pitch track (pYIN): for a clean solo voice or instrument"))


def read_mono(path: Path, *, cancel: CancelToken = NEVER_CANCELLED) -> tuple[np.ndarray, int]:
    """Decode to mono float32 at ANALYSIS_RATE through the stems' decoder (`load_audio`).

    One decoder for every audio file Accord opens: its reasons are in words an artist can act on, it keeps
    libmpg123's chatter off the terminal, never trusts a header's length and treats NaN/absurd samples as
    damage. (A second soundfile loop here printed library messages with byte-string paths.)
    """
    from app.core.audio.io import load_audio
    from app.core.errors import AudioFileError

    try:
        audio = load_audio(path, sample_rate=ANALYSIS_RATE, max_seconds=int(MAX_SECONDS), cancel=cancel)
    except AudioFileError as exc:
        hint = exc.hint
        if exc.reason.startswith("longer than"):
            hint = "import a shorter excerpt or the lead stem"
        raise ImportFailed(exc.reason, path=path, hint=hint) from exc
    return audio.samples.mean(axis=0, dtype=np.float32), ANALYSIS_RATE


def _note_tempo(onsets: np.ndarray) -> float:
    """BPM from the notes' own onsets: the autocorrelation peak of their impulse train over 60–180 BPM.

    Numpy only: librosa's tempo and beat trackers cost 11–25 s of JIT compilation on first use per process.
    """
    if onsets.size < 4:
        return 120.0
    fps = 100
    train = np.zeros(int(onsets.max() * fps) + 2)
    train[np.round(onsets * fps).astype(int)] = 1.0
    train = np.convolve(train, np.hanning(5), mode="same")  # a little onset jitter still lines up
    ac = np.correlate(train, train, mode="full")[train.size - 1:]
    lags = np.arange(int(fps * 60 / 180), min(ac.size, int(fps * 60 / 60) + 1))
    if lags.size == 0:
        return 120.0
    lag = int(lags[np.argmax(ac[lags])])
    return round(60.0 * fps / lag, 2)


def notes_grid(notes: tuple[SecondsNote, ...] | list[SecondsNote]) -> BeatGrid:
    """A grid from the melody's own notes (their onsets' tempo, the first note on a beat): what a melody gets when
    no beat is heard in the file, or when the caller has no ears for it (`ears` None)."""
    onsets = np.array([n.onset for n in notes], dtype=float)
    first = float(onsets.min()) if onsets.size else 0.0
    return BeatGrid(_note_tempo(onsets - first), offset_seconds=max(0.0, first))


def song_grid(notes: tuple[SecondsNote, ...] | list[SecondsNote], y: np.ndarray, rate: int, ears: SongEars | None,
              *, cancel: CancelToken = NEVER_CANCELLED) -> tuple[BeatGrid, str, Key | None]:
    """The grid the melody goes on, how it was found, and the song's key: the song's beat and key heard in the
    whole file when `ears` are given (the melody alone had the tempo wrong on half the real songs, and the tonic
    right on only 30 of 58: docs/catalogue.md), else a grid from the melody's own notes and no key."""
    if ears is not None:
        grid, key = ears(y, rate, cancel)
        if grid is not None:
            return grid, "the song's beat", key
        return notes_grid(notes), "no beat heard in the file: tempo from the melody's notes", key
    return notes_grid(notes), "tempo from the melody's notes", None


def transcribe_file(path: Path, *, transcriber: str = "auto", progress: Progress = no_progress,
                    cancel: CancelToken = NEVER_CANCELLED) -> tuple[Transcription, np.ndarray, int]:
    """Decode and transcribe one file; errors name the file."""
    if transcriber not in BACKENDS:
        raise ImportFailed(f"unknown transcriber {transcriber!r} (choose {', '.join(BACKENDS)})")
    try:
        import librosa  # noqa: F401
    except ImportError as exc:
        raise ImportFailed("transcribing audio needs librosa, which is not installed", path=path,
                           hint="pip install librosa") from exc
    progress(0.0, f"reading {path.name}")
    y, rate = read_mono(path, cancel=cancel)
    if float(np.max(np.abs(y))) < 1e-4:
        raise ImportFailed("is silent: no melody to transcribe", path=path)
    try:
        result = transcribe(y, rate, backend=transcriber, cancel=cancel,
                            on_progress=lambda f: progress(0.05 + 0.9 * f, f"transcribing {path.name}"))
    except TranscriberMissing as exc:
        raise ImportFailed(f"transcriber: {exc.reason}", path=path, hint=exc.hint) from None
    return result, y, rate


class AudioReading(NamedTuple):
    """A file's melody, its readable source detail, and the grid it was put on (its seconds: bar 1 in the file)."""

    melody: Melody
    detail: str
    grid: BeatGrid


def read_audio(path: str | Path, *, transcriber: str = "auto", ears: SongEars | None = None,
               progress: Progress = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> AudioReading:
    """Transcribe the file's lead line and put it on the song's grid (`song_grid`). Raises ImportFailed naming
    the file; Cancelled when cancelled."""
    path = Path(path)
    result, y, rate = transcribe_file(path, transcriber=transcriber, progress=progress, cancel=cancel)
    if not result.notes:
        raise ImportFailed("has no pitched notes that could be transcribed", path=path,
                           hint="import a file with a melody (a mix or a lead stem)")
    cancel.check()
    progress(0.96, f"finding the beat and key of {path.name}")
    grid, how, key = song_grid(result.notes, y, rate, ears, cancel=cancel)
    melody = melody_on_grid(result.notes, grid, key=key)
    progress(1.0, "transcribed")
    in_key = f" in {key.name} (the song's key)" if key is not None else ""
    detail = f"audio, {result.describe()} at {melody.tempo_bpm:g} BPM {melody.time_signature} ({how}){in_key}"
    return AudioReading(melody, detail, grid)


def extract_audio(path: str | Path, *, transcriber: str = "auto", ears: SongEars | None = None,
                  progress: Progress = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> tuple[Melody, str]:
    """(melody, source detail) of `read_audio`: what the catalogue stores."""
    reading = read_audio(path, transcriber=transcriber, ears=ears, progress=progress, cancel=cancel)
    return reading.melody, reading.detail
