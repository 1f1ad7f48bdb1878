"""Lead-line selection on note events (no audio): the fixes measured on the real-song benchmark."""

from __future__ import annotations

from app.core.transcription.lead_line import select_lead_line
from app.core.transcription.polyphonic import NoteEvent


def _events(notes, salience=0.6):
    return [NoteEvent(o, o + d, p, salience) for o, d, p in notes]


def test_the_line_resumes_after_a_long_rest():
    # two phrases 8 s apart (a verse, a long instrumental break, the next verse): both are the melody
    first = [(0.5 + 0.25 * i, 0.2, 67 + (i % 3)) for i in range(12)]
    second = [(12.0 + 0.25 * i, 0.2, 72 - (i % 4)) for i in range(16)]
    line = select_lead_line(_events(first + second))
    assert [(round(n.onset, 2), round(n.pitch)) for n in line] == [(o, p) for o, _d, p in first + second]
