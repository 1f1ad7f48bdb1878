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


def test_a_lead_stem_keeps_every_note_of_a_ringing_arpeggio():
    # a harp/guitar lead: each note rings on under the next ones, and the line dips below C3 (48)
    pitches = [45, 48, 52, 57, 60, 57, 52, 48, 45, 48, 52, 57]
    arpeggio = [NoteEvent(0.5 + 0.12 * i, 0.5 + 0.12 * i + 0.9, p, 0.7) for i, p in enumerate(pitches)]
    stem = select_lead_line(arpeggio, lead_stem=True)
    assert [round(n.pitch) for n in stem] == pitches
    mix_rules = select_lead_line(arpeggio)  # the full-mix priors read it as bass and pad: notes are lost
    assert len(mix_rules) < len(pitches)


def test_a_lead_stem_takes_the_stronger_of_two_simultaneous_notes():
    line = _events([(0.0, 0.3, 72), (0.4, 0.3, 74)], 0.8) + _events([(0.0, 0.3, 60), (0.4, 0.3, 62)], 0.3)
    assert [round(n.pitch) for n in select_lead_line(line, lead_stem=True)] == [72, 74]


def test_in_a_mix_the_line_rests_while_the_melody_does():
    # a tune for 2 s, then 4 s of quieter accompaniment alone (comping chords, one voice above C4)
    tune = _events([(0.25 * i, 0.22, 72 + (i % 3)) for i in range(8)], 0.8)
    comp = _events([(0.5 * i, 0.4, 64) for i in range(12)] + [(0.5 * i, 0.4, 60) for i in range(12)], 0.35)
    line = select_lead_line(tune + comp)
    assert [round(n.pitch) for n in line] == [72 + (i % 3) for i in range(8)]
