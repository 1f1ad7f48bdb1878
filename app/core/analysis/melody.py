"""The lead melody of one stem: the shared audio-to-melody pipeline, then notes on the beat grid (quarters).

The transcription itself (pitch step, notes step, backends, lead-line selection) lives in
`app.core.transcription`, which the catalogue's audio import uses too. The stem analysis hands
the lead stem in at INPUT_RATE: a `PitchTrackJob` (work-sharing, as before) transcribes it with
basic-pitch and lead-line selection when that is installed, else with pYIN; `transcription.grid.melody_on_grid`
then puts the notes on the song's grid, keeping triplets where the line was played in triplets.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from app.core.tasks import NEVER_CANCELLED, CancelToken
from app.core.transcription import (
    INPUT_RATE,
    MelodyJob,
    PitchTrack,
    SecondsNote,
    notes_from_pitch_track,
)
from app.core.transcription.pitch import FRAME, HOP, PYIN_RATE, has_pitch_content

__all__ = ["FRAME", "HOP", "INPUT_RATE", "MELODY_VERSION", "PYIN_RATE", "PitchTrackJob", "SecondsNote",
           "has_pitch_content", "note_f_measure", "notes_from_track", "track_notes"]

# part of the analysis cache key: 3 = the lead stem read as the lead part alone; 4 = fundamentals under
# partials; 5 = a lead stem's slow attacks dated from their rise (polyphonic.attack_start); 6 = a lead
# stem's onsets also inferred from jumps of the note posterior (polyphonic.with_inferred_onsets); 7 = a mix's line
# prefers the top voice as a note starts (lead_line.top_voice)
MELODY_VERSION = 7


class PitchTrackJob:
    """The lead stem's transcription as a job two threads can share (`work()`), then `notes()`.

    `y` is mono audio at `sample_rate` (default PYIN_RATE, the rate this job always had); pass INPUT_RATE
    audio for the polyphonic backend's full bandwidth. `backend` is "auto", "pyin" or "basic-pitch".
    """

    def __init__(self, y: np.ndarray, cancel: CancelToken = NEVER_CANCELLED, *, sample_rate: int = PYIN_RATE,
                 backend: str = "auto", lead_stem: bool = True) -> None:
        self.y = np.asarray(y, dtype=np.float32)
        self.sample_rate = sample_rate
        self.cancel = cancel
        # lead_stem: `y` is the lead part alone; False for a whole mix, whose line is picked among its parts
        self._job = MelodyJob(self.y, sample_rate, cancel, backend=backend, lead_stem=lead_stem)
        self.backend = self._job.backend

    def work(self, on_chunk: Callable[[float], None] | None = None) -> None:
        self._job.work(on_chunk)

    @property
    def done(self) -> bool:
        return self._job.done

    def notes(self, lead_stem: bool | None = None) -> list[SecondsNote]:
        """The line as the job was made, or read as a lead alone / a mix (`lead_stem`) from the same model run."""
        return list(self._job.result(lead_stem).notes)


def track_notes(y: np.ndarray, *, cancel: CancelToken = NEVER_CANCELLED, sample_rate: int = PYIN_RATE,
                backend: str = "auto") -> list[SecondsNote]:
    """Notes (seconds, MIDI) of the lead line in mono `y` sampled at `sample_rate`."""
    if not has_pitch_content(y):
        return []
    job = PitchTrackJob(y, cancel, sample_rate=sample_rate, backend=backend)
    job.work()
    return job.notes()


def notes_from_track(y: np.ndarray, f0: np.ndarray) -> list[SecondsNote]:
    """Segment a pYIN track (Hz per HOP frame of `y`, both at PYIN_RATE) into notes."""
    return notes_from_pitch_track(PitchTrack(np.asarray(f0, dtype=float), PYIN_RATE, HOP), y)


def note_f_measure(reference: list[tuple[float, float]], estimate: list[tuple[float, float]], *,
                   onset_tolerance: float = 0.05, pitch_tolerance_cents: float = 50.0) -> tuple[float, float, float]:
    """(precision, recall, F) of notes given as (onset seconds, MIDI pitch), one-to-one matching.

    Like mir_eval's transcription metric without offsets: a pair matches when the onsets are within the
    tolerance and the pitches within the cents; pairs are taken greedily by onset distance.
    """
    if not reference or not estimate:
        return 0.0, 0.0, 0.0
    pairs = []
    for i, (ro, rp) in enumerate(reference):
        for j, (eo, ep) in enumerate(estimate):
            d = abs(ro - eo)
            if d <= onset_tolerance + 1e-9 and abs(rp - ep) * 100.0 <= pitch_tolerance_cents + 1e-9:
                pairs.append((d, i, j))
    used_r, used_e, matched = set(), set(), 0
    for _d, i, j in sorted(pairs):
        if i not in used_r and j not in used_e:
            used_r.add(i)
            used_e.add(j)
            matched += 1
    p, r = matched / len(estimate), matched / len(reference)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)
