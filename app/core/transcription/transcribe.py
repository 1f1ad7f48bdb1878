"""One audio-to-melody pipeline: audio (any rate) -> pitch step -> notes step -> the lead line in seconds.

Used by the stem analysis (`app.core.analysis.melody`) and the catalogue's audio import alike.
Backends:
- "basic-pitch": the polyphonic transcriber, then lead-line selection (salience, register, continuity).
  For full mixes and for stems that are not a clean monophonic lead; it also does well on clean leads
  (measured in benchmarks/bench_melody.py), so "auto" uses it whenever it is installed.
- "pyin": pYIN for a clean monophonic stem (a voice or a solo instrument alone), and the fallback when
  basic-pitch is not installed.
`MelodyJob` is the work-sharing form (two threads can compute one transcription); `transcribe` runs it.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from app.core.tasks import NEVER_CANCELLED, CancelToken
from app.core.transcription import polyphonic
from app.core.transcription.lead_line import polyphony, select_lead_line
from app.core.transcription.notes import SecondsNote, notes_from_pitch_track
from app.core.transcription.pitch import PitchTrackJob, has_pitch_content

BACKENDS = ("auto", "pyin", "basic-pitch")
INPUT_RATE = 22050  # what callers should hand in (any rate works; this one needs no resampling for basic-pitch)


@dataclass(frozen=True)
class Transcription:
    """The lead line, which backend found it, and how polyphonic the source sounded (0 for pYIN)."""

    notes: tuple[SecondsNote, ...]
    backend: str
    polyphony: float = 0.0
    events: tuple[polyphonic.NoteEvent, ...] = field(default=(), repr=False)

    def describe(self) -> str:
        if self.backend == "basic-pitch":
            kind = "polyphonic" if self.polyphony >= 0.15 else "monophonic"
            return f"basic-pitch lead line ({len(self.notes)} of {len(self.events)} notes; {kind} source)"
        return f"pyin pitch track ({len(self.notes)} notes)"


def choose_backend(name: str) -> str:
    """'pyin' or 'basic-pitch' for a requested backend; raises ValueError or TranscriberMissing."""
    if name not in BACKENDS:
        raise ValueError(f"unknown transcriber {name!r} (choose {', '.join(BACKENDS)})")
    if name == "pyin":
        return name
    if polyphonic.available():
        return "basic-pitch"
    if name == "basic-pitch":
        polyphonic.model_path()  # raises the specific TranscriberMissing
        raise polyphonic.TranscriberMissing("onnxruntime, which runs the basic-pitch model, is not installed",
                                            hint=polyphonic.INSTALL_HINT)
    return "pyin"


class MelodyJob:
    """A transcription several threads can work on; `result()` once `done`."""

    def __init__(self, y: np.ndarray, sample_rate: int, cancel: CancelToken = NEVER_CANCELLED, *,
                 backend: str = "auto", lead_stem: bool = False) -> None:
        self.backend = choose_backend(backend)
        self.lead_stem = lead_stem
        self.silent = not has_pitch_content(np.asarray(y))
        self._pyin: PitchTrackJob | None = None
        self._poly: polyphonic.PosteriorJob | None = None
        if self.silent:
            return
        if self.backend == "pyin":
            self._pyin = PitchTrackJob(y, cancel, sample_rate=sample_rate)
        else:
            self._poly = polyphonic.PosteriorJob(y, sample_rate, cancel)

    def work(self, on_chunk: Callable[[float], None] | None = None) -> None:
        if self._pyin is not None:
            self._pyin.work(on_chunk)
        elif self._poly is not None:
            self._poly.work(on_chunk)

    @property
    def done(self) -> bool:
        job = self._pyin or self._poly
        return job is None or job.done

    def result(self, lead_stem: bool | None = None) -> Transcription:
        """The line; `lead_stem` reads the same model output as a lead alone (True) or as a mix (False) instead of
        as the job was made (the model's run is the costly part: a second reading costs little)."""
        lead_stem = self.lead_stem if lead_stem is None else lead_stem
        if self._pyin is not None:
            notes = notes_from_pitch_track(self._pyin.track(), self._pyin.y)
            return Transcription(tuple(notes), "pyin")
        if self._poly is not None:
            events = self._poly.events(lead_stem=lead_stem)
            return Transcription(tuple(select_lead_line(events, lead_stem=lead_stem)), "basic-pitch",
                                 round(polyphony(events), 3),
                                 tuple(events))
        return Transcription((), self.backend)


def transcribe(y: np.ndarray, sample_rate: int, *, backend: str = "auto", cancel: CancelToken = NEVER_CANCELLED,
               on_progress: Callable[[float], None] | None = None, lead_stem: bool = False) -> Transcription:
    """The lead melody of mono `y` sampled at `sample_rate` (see the module docstring).

    `lead_stem`: `y` is the lead part alone, not a mix (see `select_lead_line`)."""
    job = MelodyJob(y, sample_rate, cancel, backend=backend, lead_stem=lead_stem)
    # two threads share the job's chunks (the model runs one thread per run: see polyphonic._load_session)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="accord-transcribe") as pool:
        helper = pool.submit(job.work)
        try:
            job.work(on_progress)
        finally:
            helper.result()  # its error (a cancel) is raised here when this thread's was not
    return job.result()
