"""Audio (WAV/FLAC/AIFF/OGG/MP3) to a Melody by transcription.

Backends: librosa's pYIN (monophonic lead stems; a dependency of Accord) and, optionally, Spotify's
basic-pitch with its ONNX model (`pip install --no-deps basic-pitch onnxruntime pretty_midi mir_eval
"resampy<0.4.3"`; not installed by default). "auto" uses basic-pitch when it is importable, else pYIN.
Both are imported lazily. Long files are transcribed in chunks, reporting progress and checking cancel
between chunks. pYIN reports neighbouring semitones at note transitions, so frames are segmented into
notes and runs shorter than ~60 ms are absorbed by the note before them.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from app.core.errors import ImportFailed
from app.core.music import Melody, Note
from app.core.tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress

log = logging.getLogger(__name__)

AUDIO_EXTENSIONS = (".wav", ".flac", ".aif", ".aiff", ".ogg", ".mp3")
ANALYSIS_RATE = 22050
HOP = 256
FRAME = 2048
CHUNK_SECONDS = 15.0
MAX_SECONDS = 20 * 60.0
MIN_NOTE_SECONDS = 0.06
FMIN_HZ, FMAX_HZ = 65.0, 2100.0  # C2..C7: voices and lead instruments
# 4 pitch bins per semitone instead of pYIN's 10: notes are rounded to semitones anyway, and the Viterbi
# decoding gets ~6x faster.
PYIN_RESOLUTION = 0.25
BACKENDS = ("auto", "pyin", "basic-pitch")


def read_mono(path: Path, *, cancel: CancelToken = NEVER_CANCELLED) -> tuple[np.ndarray, int]:
    """Decode to mono float32 at ANALYSIS_RATE, in blocks (headers can lie about their length)."""
    import soundfile as sf
    import soxr

    try:
        with sf.SoundFile(os.fsencode(path)) as f:  # bytes: names that are not valid UTF-8 open too
            rate, channels = int(f.samplerate), int(f.channels)
            if not 1000 <= rate <= 384000:
                raise ImportFailed(f"has an implausible sample rate of {rate} Hz", path=path)
            if not 1 <= channels <= 64:
                raise ImportFailed(f"has an implausible channel count ({channels})", path=path)
            blocks = []
            total = 0
            limit = int(MAX_SECONDS * rate)
            for block in f.blocks(blocksize=rate * 5, dtype="float32", always_2d=True):
                cancel.check()
                blocks.append(block.mean(axis=1))
                total += len(block)
                if total > limit:
                    raise ImportFailed(f"is longer than {MAX_SECONDS / 60:.0f} minutes; import a shorter "
                                       "excerpt or the lead stem", path=path)
    except ImportFailed:
        raise
    except FileNotFoundError as exc:
        raise ImportFailed("file not found", path=path) from exc
    except (sf.LibsndfileError, RuntimeError, ValueError, TypeError, MemoryError, OSError) as exc:
        raise ImportFailed(f"is not a readable audio file ({exc})", path=path) from exc
    if total == 0:
        raise ImportFailed("has no audio (0 samples)", path=path)
    mono = np.concatenate(blocks).astype(np.float32)
    if not np.all(np.isfinite(mono)):
        mono = np.nan_to_num(mono, nan=0.0, posinf=0.0, neginf=0.0)
    if rate != ANALYSIS_RATE:
        mono = soxr.resample(mono, rate, ANALYSIS_RATE).astype(np.float32)
    return mono, ANALYSIS_RATE


def _segment(midi: np.ndarray, frame_seconds: float) -> list[tuple[float, float, int]]:
    """Voiced frames (NaN = unvoiced) to (start_s, end_s, pitch) notes."""
    min_frames = max(1, int(round(MIN_NOTE_SECONDS / frame_seconds)))
    runs: list[list[int]] = []  # [start, end, pitch]
    for i, value in enumerate(midi):
        if not np.isfinite(value):
            continue
        pitch = int(round(float(value)))
        if runs and runs[-1][1] == i and runs[-1][2] == pitch:
            runs[-1][1] = i + 1
        else:
            runs.append([i, i + 1, pitch])
    kept: list[list[int]] = []
    for run in runs:
        if run[1] - run[0] < min_frames:
            if kept and kept[-1][1] == run[0]:
                kept[-1][1] = run[1]  # a transition glitch: part of the note before it
            continue
        if kept and kept[-1][1] == run[0] and kept[-1][2] == run[2]:
            kept[-1][1] = run[1]
        else:
            kept.append(run)
    return [(s * frame_seconds, e * frame_seconds, p) for s, e, p in kept if e - s >= min_frames]


def _pyin_notes(y: np.ndarray, rate: int, progress: Progress, cancel: CancelToken) -> list[tuple[float, float, int]]:
    import librosa

    chunk = int(CHUNK_SECONDS * rate) // HOP * HOP
    frames: list[np.ndarray] = []
    starts = range(0, len(y), chunk)
    for k, start in enumerate(starts):
        cancel.check()
        part = y[start:start + chunk]
        if len(part) < FRAME:
            part = np.pad(part, (0, FRAME - len(part)))
        f0, voiced, _prob = librosa.pyin(part, fmin=FMIN_HZ, fmax=FMAX_HZ, sr=rate, frame_length=FRAME,
                                         hop_length=HOP, resolution=PYIN_RESOLUTION)
        midi = np.where(voiced, librosa.hz_to_midi(np.where(np.isfinite(f0), f0, 1.0)), np.nan)
        frames.append(midi[: (min(len(y) - start, chunk) + HOP - 1) // HOP])
        progress((k + 1) / len(starts), f"transcribing {start / rate:.0f}–{(start + len(part)) / rate:.0f} s")
    return _segment(np.concatenate(frames), HOP / rate)


def _basic_pitch_notes(path: Path) -> list[tuple[float, float, int]]:
    from basic_pitch.inference import predict  # optional; see the module docstring

    _output, _midi, events = predict(str(path))
    notes = sorted((float(s), float(e), int(p)) for s, e, p, *_rest in events)
    line: list[tuple[float, float, int]] = []
    for s, e, p in notes:  # skyline: the top note at each onset, cut at the next onset
        if line and abs(line[-1][0] - s) < 0.03:
            if p > line[-1][2]:
                line[-1] = (line[-1][0], e, p)
            continue
        if line and line[-1][1] > s:
            line[-1] = (line[-1][0], s, line[-1][2])
        line.append((s, e, p))
    return line


def _tempo(y: np.ndarray, rate: int) -> float:
    import librosa

    try:
        bpm = float(np.atleast_1d(librosa.feature.tempo(y=y, sr=rate, hop_length=512))[0])
    except Exception:  # noqa: BLE001 — an estimate only; fall back to the MIDI default
        return 120.0
    if not np.isfinite(bpm) or bpm <= 0:
        return 120.0
    while bpm < 60:
        bpm *= 2
    while bpm > 180:
        bpm /= 2
    return round(bpm, 2)


def _choose_backend(name: str) -> str:
    if name not in BACKENDS:
        raise ImportFailed(f"unknown transcriber {name!r} (choose {', '.join(BACKENDS)})")
    if name == "pyin":
        return name
    try:
        import basic_pitch  # noqa: F401
    except ImportError:
        if name == "basic-pitch":
            raise ImportFailed("transcriber: the basic-pitch transcriber is not installed",
                               hint="pip install --no-deps basic-pitch onnxruntime pretty_midi mir_eval "
                                    "'resampy<0.4.3', or use --transcriber pyin") from None
        return "pyin"
    return "basic-pitch"


def extract_audio(path: str | Path, *, transcriber: str = "auto", progress: Progress = no_progress,
                  cancel: CancelToken = NEVER_CANCELLED) -> tuple[Melody, str]:
    """Transcribe the file's lead line. Raises ImportFailed naming the file; Cancelled when cancelled."""
    path = Path(path)
    backend = _choose_backend(transcriber)
    try:
        import librosa  # noqa: F401
    except ImportError as exc:
        raise ImportFailed("transcribing audio needs librosa, which is not installed", path=path,
                           hint="pip install librosa") from exc
    progress(0.0, f"reading {path.name}")
    y, rate = read_mono(path, cancel=cancel)
    if float(np.max(np.abs(y))) < 1e-4:
        raise ImportFailed("is silent: no melody to transcribe", path=path)
    if backend == "basic-pitch":
        try:
            notes = _basic_pitch_notes(path)
        except Exception as exc:  # noqa: BLE001 — an optional backend's failure becomes a message
            raise ImportFailed(f"basic-pitch could not transcribe it ({exc})", path=path) from exc
    else:
        notes = _pyin_notes(y, rate, progress, cancel)
    if not notes:
        raise ImportFailed("has no pitched notes that could be transcribed", path=path,
                           hint="import a monophonic lead stem (voice or lead instrument)")
    cancel.check()
    bpm = _tempo(y, rate)
    q = bpm / 60.0
    melody_notes = []
    for s, e, p in notes:
        onset, duration = round(s * q * 48) / 48, round((e - s) * q * 48) / 48
        if duration > 0 and 0 <= p <= 127:
            melody_notes.append(Note(p, onset, duration))
    progress(1.0, "transcribed")
    return Melody(tuple(melody_notes), tempo_bpm=bpm), f"audio, transcribed by {backend} at ~{bpm:g} BPM"
