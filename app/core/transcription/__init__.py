"""Audio to melody, shared by the stem analysis and the catalogue import (see transcribe.py)."""

from app.core.transcription.notes import PitchTrack, SecondsNote, notes_from_pitch_track
from app.core.transcription.polyphonic import NoteEvent, TranscriberMissing
from app.core.transcription.transcribe import (
    BACKENDS,
    INPUT_RATE,
    MelodyJob,
    Transcription,
    choose_backend,
    transcribe,
)

__all__ = ["BACKENDS", "INPUT_RATE", "MelodyJob", "NoteEvent", "PitchTrack", "SecondsNote", "TranscriberMissing",
           "Transcription", "choose_backend", "notes_from_pitch_track", "transcribe"]
