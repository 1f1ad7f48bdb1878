"""Compile the analysis's numba code (librosa's cached gufuncs and jitted helpers) once, in one process.

librosa compiles its `guvectorize(cache=True)` functions when its modules are imported and writes the machine
code beside them. Two processes doing that at the same moment in a fresh environment can leave one of them
calling code the other has just replaced, which crashes it with a segmentation fault (numba issues #4807 and
#10128: a race in the gufunc cache). The first analysis of a fresh install was exposed to it whenever two ran
at once (the studio and `accord analyze`, or parallel test workers). The install script therefore runs
`python -m app.core.analysis.warmup` once, alone: it analyses a few seconds of synthetic stems (drums, bass,
chords, lead) and transcribes a lead with both backends, which reaches every librosa kernel Accord uses.
Later processes only load the cached code.

Loading it still costs something once per process: librosa's and scipy's lazy modules, numba's cached machine
code, the transcriber's model. That work holds the GIL in stretches of 50-60 ms, and in the studio it used to
land on the first analysis, which starts by itself when stems load, just when the artist presses play: the
audio callback (Python) then missed its buffer. `warm_once()` pays it on a worker before that (the studio:
once the first project's stems have decoded, or at once without stems), on three seconds of the same
synthetic stems (a real song's first analysis with playback running: the callback's longest wait 52-60 ms
before, 7 ms after; benchmarks/bench_playback.py).
"""

from __future__ import annotations

import functools
import hashlib
import time

import numpy as np

SAMPLE_RATE = 22050


def _tone(freqs: list[float], seconds: float, note_seconds: float, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Notes of `note_seconds` each cycling through `freqs`, with a short decay (so onsets are audible)."""
    n = int(seconds * sr)
    t = np.arange(n) / sr
    idx = (t // note_seconds).astype(int) % len(freqs)
    phase = 2 * np.pi * np.cumsum(np.asarray(freqs)[idx]) / sr
    env = np.exp(-3.0 * (t % note_seconds))
    return (0.3 * env * np.sin(phase)).astype(np.float32)


def _clicks(seconds: float, bpm: float, sr: int = SAMPLE_RATE) -> np.ndarray:
    n = int(seconds * sr)
    y = np.zeros(n, dtype=np.float32)
    step = int(sr * 60.0 / bpm)
    burst = (np.random.default_rng(0).standard_normal(400) * np.exp(-np.arange(400) / 60.0)).astype(np.float32)
    for start in range(0, n - len(burst), step):
        y[start:start + len(burst)] += 0.5 * burst
    return y


def _stems(seconds: float = 8.0) -> list:
    from app.core.analysis.pipeline import StemInput

    parts = {
        "drums": _clicks(seconds, 120.0),
        "bass": _tone([65.41, 87.31, 98.0, 65.41], seconds, 2.0),
        "keys": _tone([261.63, 349.23, 392.0, 261.63], seconds, 2.0) + _tone([329.63, 440.0, 493.88, 329.63],
                                                                             seconds, 2.0),
        "lead": _tone([523.25, 587.33, 659.26, 698.46, 783.99, 659.26], seconds, 0.5),
    }
    return [StemInput(name, y[None, :], SAMPLE_RATE, hashlib.sha256(y.tobytes()).hexdigest())
            for name, y in parts.items()]


def warm_analysis() -> float:
    """Seconds taken to compile (first time in this environment) or load (later) the analysis's kernels."""
    from app.core.analysis.pipeline import analyze_stems
    from app.core.transcription.polyphonic import TranscriberMissing
    from app.core.transcription.transcribe import BACKENDS, transcribe

    t0 = time.perf_counter()
    stems = _stems()
    analyze_stems(stems, lead="lead")
    analyze_stems(stems[:1])  # a lone stem (taken as a mix)
    _warm_beat_follower()
    lead = stems[-1].samples[0]
    for backend in BACKENDS:
        if backend == "auto":
            continue
        try:
            transcribe(lead, SAMPLE_RATE, backend=backend)
        except TranscriberMissing:  # the ONNX model is optional; pyin still gets compiled
            continue
    _warm_librosa_helpers()
    return time.perf_counter() - t0


# long enough for the CQT's lowest octave (the signal decimated 64 times) to fill one 1024-point frame: a shorter
# song is analysed too, but librosa warns about it, and on a worker thread its warning filter is not reliable
STUDIO_WARM_SECONDS = 3.0


@functools.cache
def warm_once() -> float:
    """Seconds taken to load the analysis's code paths in this process (once; later calls return at once):
    a short song with a lead, and the same song's first stem alone (a whole mix's path)."""
    from app.core.analysis.pipeline import analyze_stems

    t0 = time.perf_counter()
    stems = _stems(STUDIO_WARM_SECONDS)
    analyze_stems(stems, lead="lead")
    analyze_stems(stems[:1])
    _warm_beat_follower()
    return time.perf_counter() - t0


def _warm_beat_follower() -> None:
    """The beat follower's dynamic program (rhythm/follow.py): the synthetic stems keep a clock's exact tempo,
    so the analysis above never reaches it, but a song played without a click does."""
    from app.core.analysis.rhythm import follow

    env = np.zeros(400)
    env[::40] = 1.0
    follow.track_beats(env, 86.0, 40.0, np.arange(0.0, 400.0, 40.0))


def _warm_librosa_helpers() -> None:
    """The librosa kernels Accord's analysis does not reach but its checks do (the CQT the chroma is compared
    against, the tempo and beat trackers the benchmarks and reliability worker call)."""
    import librosa
    import librosa.beat  # noqa: F401 - its gufuncs compile (or load) on import

    noise = np.random.default_rng(0).standard_normal(SAMPLE_RATE).astype(np.float32)
    librosa.feature.tempo(y=noise, sr=SAMPLE_RATE, hop_length=512)
    librosa.cqt(noise, sr=SAMPLE_RATE, hop_length=512, n_bins=24)


if __name__ == "__main__":
    print(f"Accord: analysis kernels ready ({warm_analysis():.1f} s)")
