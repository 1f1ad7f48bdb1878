"""The polyphonic pitch step: Spotify's basic-pitch model (Bittner et al., ICASSP 2022) run with onnxruntime.

The model file ships inside the `basic-pitch` wheel (basic_pitch/saved_models/icassp_2022/nmp.onnx); it
is found without importing the package (whose own inference code wants TensorFlow or extra packages) and
run here with onnxruntime on 2-second windows of 22.05 kHz audio, overlapping by 30 frames as the
authors do. Notes are decoded as the paper describes: an onset-posterior peak above ONSET_THRESHOLD starts
a note, which lasts while the note posterior stays above FRAME_THRESHOLD (ENERGY_TOLERANCE frames of
dips allowed). On a lead stem (`events_from_posteriors(lead_stem=True)`) three additions: onsets also
inferred from jumps of the note posterior (as basic-pitch's library does), slow attacks dated from their
rise instead of their peak, and fundamentals under decoded partials. Both imports are lazy; a missing
package or model gives a TranscriberMissing with the fix.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.core.errors import AccordError
from app.core.tasks import NEVER_CANCELLED, CancelToken
from app.core.transcription.pitch import at_rate

MODEL_RATE = 22050
FFT_HOP = 256
WINDOW_SAMPLES = MODEL_RATE * 2 - FFT_HOP  # 43844: the model's fixed input length
FRAMES_PER_WINDOW = 172
OVERLAP_FRAMES = 30
KEPT_FRAMES = FRAMES_PER_WINDOW - OVERLAP_FRAMES  # frames each window contributes (its overlap halves are dropped)
MIDI_OFFSET = 21  # the model's 88 bins are A0..C8
ONSET_THRESHOLD = 0.5
FRAME_THRESHOLD = 0.3
ENERGY_TOLERANCE = 11
MIN_NOTE_FRAMES = 6  # ~70 ms
DOUBLE_ATTACK_FRAMES = 12  # ~140 ms: a second onset peak this close on one pitch may be the same attack
REPEAT_DIP = 0.1  # ...unless the note posterior falls this much between the two peaks (a re-struck note)
# windows per onnxruntime run: the two threads sharing a job finish at most one batch apart, and with one
# thread per run a batch of 8 took ~0.33 s; 4 halves that idle tail at the same CPU (a 4-minute lead: 6.23 s
# CPU with 4, 6.25 s with 8, 6.31 s with 1; posteriors bit-identical for any batch size)
BATCH_WINDOWS = 4
TAIL_SINGLE_WINDOWS = 8
FUNDAMENTAL_ONSET_THRESHOLD = 0.4  # on a lead stem, a weaker attack under a decoded partial still starts a note
ATTACK_SHARE = 0.5  # on a lead stem a slow attack starts where its onset posterior's rise passes half the peak
MAX_ATTACK_FRAMES = 8  # ~90 ms: how far before its onset peak a note may start
INFER_DIFF_FRAMES = 2  # a lead stem's onsets are also inferred from note-posterior rises over 1..2 frames (basic-pitch's)
INSTALL_HINT = ("install it with: pip install onnxruntime && pip install --no-deps basic-pitch "
                "(scripts/install.sh does this), or use the pyin transcriber for a clean monophonic lead")


class TranscriberMissing(AccordError):
    """The polyphonic transcriber (onnxruntime or basic-pitch's model) is not installed."""


@dataclass(frozen=True)
class NoteEvent:
    """One note of a polyphonic transcription: seconds, whole MIDI pitch, mean posterior (0..1)."""

    onset: float
    offset: float
    pitch: int
    salience: float

    @property
    def duration(self) -> float:
        return self.offset - self.onset


def model_path() -> Path:
    """Where basic-pitch's ONNX model is, without importing the package."""
    spec = importlib.util.find_spec("basic_pitch")
    if spec is None or not spec.submodule_search_locations:
        raise TranscriberMissing("the basic-pitch transcriber is not installed", hint=INSTALL_HINT)
    path = Path(next(iter(spec.submodule_search_locations))) / "saved_models" / "icassp_2022" / "nmp.onnx"
    if not path.is_file():
        raise TranscriberMissing(f"basic-pitch is installed but its model file is missing ({path})", hint=INSTALL_HINT)
    return path


SPINNING_ENTRY = "session.intra_op.allow_spinning"
_session = None
_session_lock = threading.Lock()


def _load_session():
    global _session
    with _session_lock:
        if _session is None:
            try:
                import onnxruntime as ort
            except ImportError as exc:
                raise TranscriberMissing("onnxruntime, which runs the basic-pitch model, is not installed",
                                         hint=INSTALL_HINT) from exc
            options = ort.SessionOptions()
            # one thread per run: callers share a job's batches between two threads instead (PosteriorJob).
            # onnxruntime splitting each op over two threads cost ~35 % more CPU for the same posteriors (a
            # 4-minute lead: 8.4 s CPU with 2 threads per run, 6.3 s with 1; bit-identical), and the analysis
            # runs its beat/key/chord steps beside the model, so those cycles came out of its wall time
            options.intra_op_num_threads = 1
            options.log_severity_level = 3
            # no busy-waiting between ops: the analysis runs its other steps on a thread of its own beside the
            # model (2 cores), and spinning pool threads took those cycles from it (the model on a 1-minute
            # lead: ~2.4 s CPU with spinning, ~1.9 s without, on a loaded machine; posteriors bit-identical)
            options.add_session_config_entry(SPINNING_ENTRY, "0")
            _session = ort.InferenceSession(str(model_path()), sess_options=options,
                                            providers=["CPUExecutionProvider"])
        return _session


def _run_windows(session, padded: np.ndarray, starts: list[int]) -> list[tuple[np.ndarray, np.ndarray]]:  # noqa: ANN001
    """One onnxruntime run over the windows of `padded` at `starts`: each window's kept (note, onset) frames."""
    if not starts:
        return []
    batch = np.zeros((len(starts), WINDOW_SAMPLES, 1), np.float32)
    for k, s in enumerate(starts):
        w = padded[s:s + WINDOW_SAMPLES]
        batch[k, : w.size, 0] = w
    note, onset = session.run(["StatefulPartitionedCall:1", "StatefulPartitionedCall:2"],
                              {"serving_default_input_2:0": batch})
    half = OVERLAP_FRAMES // 2
    return [(note[k, half:-half], onset[k, half:-half]) for k in range(len(starts))]


_silence_out: tuple[np.ndarray, np.ndarray] | None = None


def _silence(session) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001 - an onnxruntime InferenceSession
    """The model's kept frames for a window of zeros (a window's frames depend only on its own samples)."""
    global _silence_out
    with _session_lock:
        if _silence_out is None:
            _silence_out = _run_windows(session, np.zeros(WINDOW_SAMPLES, np.float32), [0])[0]
        return _silence_out


def available() -> bool:
    try:
        model_path()
        return importlib.util.find_spec("onnxruntime") is not None
    except TranscriberMissing:
        return False


class PosteriorJob:
    """The model over batches of windows that several threads may compute together (work sharing).

    Like pYIN's job: a worker thread and the caller's thread can both call `work()`; each batch is one
    onnxruntime run, cancel is checked between batches.
    """

    def __init__(self, y: np.ndarray, sample_rate: int, cancel: CancelToken = NEVER_CANCELLED) -> None:
        self.session = _load_session()
        self.cancel = cancel
        x = at_rate(y, sample_rate, MODEL_RATE)
        self.n_frames = int(np.floor(x.size * (MODEL_RATE // FFT_HOP) / MODEL_RATE))
        overlap = OVERLAP_FRAMES * FFT_HOP
        self.padded = np.concatenate([np.zeros(overlap // 2, np.float32), x])
        starts = list(range(0, self.padded.size, WINDOW_SAMPLES - overlap)) or [0]
        # window j contributes frames [j * KEPT_FRAMES, (j + 1) * KEPT_FRAMES) and posteriors() keeps n_frames:
        # a window past them was run for nothing (the 4-minute benchmark lead ended on one: 1 of 146 runs)
        starts = starts[: max(1, -(-self.n_frames // KEPT_FRAMES))]
        # the last windows one per run: two threads sharing the job then finish at most one window (~50 ms)
        # apart instead of one batch (~0.2 s), and the caller's decoding starts that much sooner
        split = max(0, len(starts) - TAIL_SINGLE_WINDOWS)
        self.batches = [starts[b:min(split, b + BATCH_WINDOWS)] for b in range(0, split, BATCH_WINDOWS)] + \
            [[s] for s in starts[split:]]
        # windows of digital silence (a vocal between phrases) get the model's answer to silence, computed once
        self.silent = {s for s in starts if not self.padded[s:s + WINDOW_SAMPLES].any()}
        self._next = 0
        self._lock = threading.Lock()
        self._out: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def work(self, on_chunk: Callable[[float], None] | None = None) -> None:
        while True:
            with self._lock:
                if self._next >= len(self.batches):
                    return
                i = self._next
                self._next += 1
            self.cancel.check()
            starts = self.batches[i]
            heard = [s for s in starts if s not in self.silent]
            kept = dict(zip(heard, _run_windows(self.session, self.padded, heard), strict=True))
            parts = [kept[s] if s in kept else _silence(self.session) for s in starts]
            self._out[i] = (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))
            if on_chunk is not None:
                on_chunk(len(self._out) / len(self.batches))

    @property
    def done(self) -> bool:
        return len(self._out) == len(self.batches)

    def posteriors(self) -> tuple[np.ndarray, np.ndarray]:
        """(note, onset) posteriors, each (frames, 88), frame i at i * FFT_HOP / MODEL_RATE seconds."""
        if not self.done:
            raise RuntimeError("transcription is not finished")
        if self.n_frames < 1:
            return np.zeros((0, 88), np.float32), np.zeros((0, 88), np.float32)
        note = np.concatenate([self._out[i][0] for i in range(len(self.batches))])[: self.n_frames]
        onset = np.concatenate([self._out[i][1] for i in range(len(self.batches))])[: self.n_frames]
        return note, onset

    def events(self, *, lead_stem: bool = False) -> list[NoteEvent]:
        """The decoded notes; on a lead stem with the fundamentals under decoded partials added."""
        return events_from_posteriors(*self.posteriors(), lead_stem=lead_stem)


def events_from_posteriors(note: np.ndarray, onset: np.ndarray, *, lead_stem: bool = False) -> list[NoteEvent]:
    """The decoded notes. On a lead stem: with onsets also inferred from the note posterior's rises
    (`with_inferred_onsets`), slow attacks dated from their rise (`attack_start`), and the fundamentals
    under decoded partials added."""
    if not lead_stem:
        return decode_notes(note, onset)
    onset = with_inferred_onsets(onset, note)
    peaks = onset_peaks(onset, plateaus=True)
    events = decode_notes(note, onset, peaks=peaks, date_attacks=True)
    return add_fundamentals(events, decode_notes(note, onset, peaks=peaks, date_attacks=True,
                                                 onset_threshold=FUNDAMENTAL_ONSET_THRESHOLD))


def posteriors(y: np.ndarray, sample_rate: int, *, cancel: CancelToken = NEVER_CANCELLED,
               on_progress: Callable[[float], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(note, onset) posteriors of mono `y` sampled at `sample_rate` (see PosteriorJob)."""
    job = PosteriorJob(y, sample_rate, cancel)
    job.work(on_progress)
    return job.posteriors()


def _frame_times(n: int) -> np.ndarray:
    """Frame times corrected for the window framing (each window's 172 frames span 43844 samples, not 2 s)."""
    times = np.arange(n) * FFT_HOP / MODEL_RATE
    window_offset = (FFT_HOP / MODEL_RATE) * (FRAMES_PER_WINDOW - WINDOW_SAMPLES / FFT_HOP) + 0.0018
    return times - window_offset * np.floor(np.arange(n) / FRAMES_PER_WINDOW)


def drop_double_attacks(note: np.ndarray, t_idx: np.ndarray, f_idx: np.ndarray, *,
                        within: int | None = None, dip: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Onset peaks without the second peak of one attack (bowed, blown and slow-attack notes peak twice).

    A later peak on the same pitch within `within` frames of an earlier one is kept only when the note
    posterior dips by `dip` between them (a re-struck note is released first). Without this, decoding
    latest-first lets the second peak claim the note and drops the true onset as too short: the note
    starts 50-150 ms late.
    """
    within = DOUBLE_ATTACK_FRAMES if within is None else within
    dip = REPEAT_DIP if dip is None else dip
    keep = np.ones(t_idx.size, bool)
    order = np.lexsort((t_idx, f_idx))
    last_t, last_f = -(10**9), -1
    for k in order:
        t, f = int(t_idx[k]), int(f_idx[k])
        if f == last_f and t - last_t <= within:
            seg = note[last_t: t + 1, f]
            peak = int(np.argmax(seg))
            if float(seg[peak] - seg[peak:].min()) < dip:
                keep[k] = False
                continue
        last_t, last_f = t, f
    return t_idx[keep], f_idx[keep]


def with_inferred_onsets(onset: np.ndarray, note: np.ndarray, *, n_diff: int = INFER_DIFF_FRAMES) -> np.ndarray:
    """The onset posterior raised to where the note posterior jumps (as basic-pitch's own decoding does,
    `infer_onsets=True`; the paper's does not): the smallest rise over the last 1..n_diff frames, scaled so the
    largest jump equals the largest onset posterior. On a lead stem a leaping note posterior is the lead starting
    a note where the onset head is unsure (bench_melody's celesta: onset peaks 0.38-0.46, note 0.6), and a
    re-struck long note rises again. With `attack_start`: 12 lead stems 0.904 -> 0.915 (0.879 without the dating).
    Not for mixes, where a jump is as often the accompaniment's (12 mixes 0.402 -> 0.403, 17 others 0.650 -> 0.648).
    """
    note = np.asarray(note, np.float32)
    jump = np.full(note.shape, np.inf, np.float32)
    for n in range(1, n_diff + 1):
        before = np.concatenate([np.zeros((n, note.shape[1]), np.float32), note[:-n]])
        np.minimum(jump, note - before, out=jump)
    jump[:n_diff] = 0.0
    np.maximum(jump, 0.0, out=jump)
    top = float(jump.max()) if jump.size else 0.0
    if top <= 0.0:
        return onset
    return np.maximum(onset, jump * (float(onset.max()) / top)).astype(np.float32)


def onset_peaks(onset: np.ndarray, *, plateaus: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(frame, bin) of every local maximum in time of the onset posterior, in row-major order.

    Computed once per transcription: a lead stem decodes twice (two onset thresholds) from the same peaks.
    `plateaus`: a flat top counts too, at its first frame (inferred onsets are scaled to the onset posterior's
    maximum, so an inferred jump beside the largest onset peak can equal it: neither is a strict maximum)."""
    if not plateaus:
        from scipy.signal import argrelmax

        return argrelmax(onset, axis=0)
    inner = onset[1:-1]
    t, f = np.nonzero((inner > onset[:-2]) & (inner >= onset[2:]))
    return t + 1, f


def attack_start(onset: np.ndarray, peak: int, f: int) -> int:
    """The frame a note whose onset posterior peaks at `peak` (bin `f`) starts: the peak, unless the rise to it
    is slow, i.e. more than two frames of the rise are above ATTACK_SHARE of the peak; then the second of those.

    basic-pitch's onset posterior peaks at a fast attack's first frame, but late on a slow one (soft synth
    leads, whistles, low reeds): there it rises over 3-8 frames and peaks 50-80 ms after the note began, which
    the ± 50 ms match of the benchmark counts as a miss. The rise is followed back while it keeps falling
    (a trough ends it: an earlier attack is another note) for at most MAX_ATTACK_FRAMES. Dating each note
    from the second frame of its rise above half the peak makes the median onset error on the 12 lead stems
    of bench_melody -1 ms instead of +6.5 ms at the peak, with 91.8 % of onsets within 25 ms instead of 89.1 %
    (lead-stem F 0.895 -> 0.904). Lead stems only: on full mixes it lowered F (0.402 -> 0.398 on the 12,
    0.650 -> 0.646 on the 17 others), where an earlier rise at the same pitch is as often another part's.
    """
    floor = ATTACK_SHARE * float(onset[peak, f])
    k = peak
    while k > 0 and peak - k < MAX_ATTACK_FRAMES and floor <= onset[k - 1, f] <= onset[k, f]:
        k -= 1
    return min(peak, k + 1)


_BELOW = b"\x01"


def _note_end(below: bytearray, start: int, n: int) -> int:
    """Where a note starting at frame `start` ends: at the first of ENERGY_TOLERANCE frames in a row under
    the frame threshold, or at the last frame. `below` is the pitch's frames, 1 where under the threshold.

    The paper's frame-by-frame scan as one bytes search: each scanned frame was a numpy element read in
    Python, ~2,300 candidate onsets on a 4-minute lead, ~0.15 s for the two decodes of a lead stem."""
    p = below.find(_BELOW * ENERGY_TOLERANCE, start + 1, n - 1)
    if p >= 0:
        return p
    tail = below[max(start + 1, n - 1 - ENERGY_TOLERANCE): n - 1]
    return n - 1 - (len(tail) - len(tail.rstrip(_BELOW)))  # a run under the threshold at the end is cut off


def decode_notes(note: np.ndarray, onset: np.ndarray, *, onset_threshold: float = ONSET_THRESHOLD,
                 frame_threshold: float = FRAME_THRESHOLD,
                 peaks: tuple[np.ndarray, np.ndarray] | None = None, date_attacks: bool = False) -> list[NoteEvent]:
    """Polyphonic note events from the posteriors (latest onsets first claim their frames, as in the paper).

    `peaks`: `onset_peaks(onset)` when the caller already has them. `date_attacks`: each note starts at
    `attack_start` instead of its onset peak (the frames it claims are the same)."""
    n = note.shape[0]
    if n < 3:
        return []
    t_all, f_all = onset_peaks(onset) if peaks is None else peaks
    strong = onset[t_all, f_all] >= onset_threshold
    t_idx, f_idx = t_all[strong], f_all[strong]
    t_idx, f_idx = drop_double_attacks(note, t_idx, f_idx)
    order = np.argsort(-t_idx, kind="stable")
    # per pitch, 1 where the note posterior is under the frame threshold; a claimed note's frames (and its
    # neighbours') are set to 1, as the paper zeroes their energy
    below = [bytearray(row.tobytes()) for row in (note.T < frame_threshold).astype(np.uint8)]
    claimed = _BELOW if 0.0 < frame_threshold else b"\x00"  # a zeroed frame is under any positive threshold
    times = _frame_times(n + 1)
    events: list[NoteEvent] = []
    for start, f in zip(t_idx[order].tolist(), f_idx[order].tolist(), strict=True):
        if start >= n - 1:
            continue
        i = _note_end(below[f], start, n)
        if i - start <= MIN_NOTE_FRAMES:
            continue
        for g in range(max(0, f - 1), min(len(below), f + 2)):
            below[g][start:i] = claimed * (i - start)
        begin = attack_start(onset, start, f) if date_attacks else start
        events.append(NoteEvent(float(times[begin]), float(times[i]), f + MIDI_OFFSET,
                                float(np.mean(note[start:i, f]))))
    events.sort(key=lambda e: (e.onset, -e.pitch))
    return events


def add_fundamentals(events: list[NoteEvent], weaker: list[NoteEvent], *, within: float = 0.05) -> list[NoteEvent]:
    """`events` plus each note of `weaker` (decoded with a lower onset threshold) that starts with a note of
    `events` an octave or more above it: on a lead stem only the lead sounds, so such a pair is the lead's
    fundamental and one of its partials, and the fundamental's attack was the weaker one.

    Bells, celesta and bright synths put more onset energy in a partial than in the fundamental (the
    celesta lead of bench_melody's midnight_snow_run was heard 17 and 24 semitones up: F 0.41 -> 0.85; the
    12 lead stems 0.860 -> 0.895). Not for mixes: there a note an octave under the lead is usually the
    accompaniment's.
    """
    have = {(round(e.onset, 3), e.pitch) for e in events}
    starts = sorted((e.onset, e.pitch) for e in events)
    onsets = np.array([t for t, _p in starts])
    added = []
    for w in weaker:
        if (round(w.onset, 3), w.pitch) in have:
            continue
        lo, hi = np.searchsorted(onsets, [w.onset - within, w.onset + within + 1e-9])
        if any(starts[k][1] - w.pitch >= 12 for k in range(lo, hi)):
            added.append(w)
    return sorted(events + added, key=lambda e: (e.onset, -e.pitch))


def transcribe_polyphonic(y: np.ndarray, sample_rate: int, *, cancel: CancelToken = NEVER_CANCELLED,
                          on_progress: Callable[[float], None] | None = None) -> list[NoteEvent]:
    """Every note basic-pitch hears in mono `y` (sampled at `sample_rate`)."""
    note, onset = posteriors(y, sample_rate, cancel=cancel, on_progress=on_progress)
    return decode_notes(note, onset)
