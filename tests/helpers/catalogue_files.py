"""Small real files for catalogue tests: MIDI (via app.core.midifile / mido), MusicXML text, a sine WAV; and a
catalogue of consented works (`consented_works`)."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import numpy as np

from app.core.midifile import MidiPart, write_midi
from app.core.music import Melody, Note, TimeSignature


def consented_works(catalogue_path: Path, melodies, contributor: str = "J. S. Bach") -> list[int]:  # noqa: ANN001
    """Add (title, melody) pairs as works of one contributor, each with that contributor's consent: their ids."""
    from app.core.catalogue.store import Catalogue
    from app.core.catalogue.types import ContributorShare

    ids = []
    with Catalogue.open(catalogue_path) as cat:
        for title, m in melodies:
            ids.append(cat.add_work(m, title=title, contributors=[ContributorShare(contributor, "composer", 10000)]))
            cat.record_consent(ids[-1], "grant")
    return ids


def melody(pitches: list[int], *, step: float = 0.5, start: float = 0.0) -> Melody:
    return Melody(tuple(Note(p, start + i * step, step) for i, p in enumerate(pitches)))


def simple_midi(path: Path, pitches: list[int] | None = None, *, name: str = "lead", tempo_bpm: float = 100.0,
                **kw) -> Path:
    mel = melody(pitches or [60, 62, 64, 65, 67, 65, 64, 62])
    return write_midi(path, [MidiPart(name, mel)], tempo_bpm=tempo_bpm, **kw)


def three_part_midi(path: Path) -> Path:
    """A tune (parts' default choice), a second line under it on channel 2, and a bass (program 33) on channel 3."""
    tune = Melody(tuple(Note(p, i * 0.5, 0.5) for i, p in enumerate([72, 74, 76, 77, 79, 77, 76, 74] * 4)))
    second = Melody(tuple(Note(p, i * 1.0, 1.0) for i, p in enumerate([64, 65, 67, 65] * 4)))
    bass = Melody(tuple(Note(p, i * 1.0, 1.0) for i, p in enumerate([36, 41, 43, 36] * 4)))
    return write_midi(path, [MidiPart("", tune), MidiPart("", second, channel=1),
                             MidiPart("", bass, channel=2, program=33)], tempo_bpm=100)


def db_hash(path: Path) -> str:
    """sha256 of the catalogue file after folding its WAL in, so it covers every committed change."""
    conn = sqlite3.connect(str(path))
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return hashlib.sha256(path.read_bytes()).hexdigest()


MUSICXML_STEPS = {60: ("C", 0, 4), 62: ("D", 0, 4), 64: ("E", 0, 4), 65: ("F", 0, 4), 67: ("G", 0, 4),
                  69: ("A", 0, 4), 71: ("B", 0, 4), 72: ("C", 0, 5)}


def musicxml_text(pitches: list[int], *, part_name: str = "Soprano", tie_last: bool = True) -> str:
    """A one-part MusicXML score in 4/4, G major signature, quarter notes (divisions 1); the last note is
    written as two tied halves when tie_last, so the importer must merge ties."""
    notes = []
    for i, p in enumerate(pitches):
        step, alter, octave = MUSICXML_STEPS[p]
        pitch = f"<pitch><step>{step}</step><octave>{octave}</octave></pitch>"
        if tie_last and i == len(pitches) - 1:
            notes.append(f"<note>{pitch}<duration>2</duration><tie type='start'/><type>half</type>"
                         f"<notations><tied type='start'/></notations></note>")
            notes.append(f"<note>{pitch}<duration>2</duration><tie type='stop'/><type>half</type>"
                         f"<notations><tied type='stop'/></notations></note>")
        else:
            notes.append(f"<note>{pitch}<duration>1</duration><type>quarter</type></note>")
    measures = []
    per_bar: list[list[str]] = [[]]
    beats = 0
    for n in notes:
        d = 2 if "<duration>2" in n else 1
        if beats + d > 4:
            per_bar.append([])
            beats = 0
        per_bar[-1].append(n)
        beats += d
    for i, bar in enumerate(per_bar, start=1):
        attrs = ("<attributes><divisions>1</divisions><key><fifths>1</fifths></key><time><beats>4</beats>"
                 "<beat-type>4</beat-type></time><clef><sign>G</sign><line>2</line></clef></attributes>"
                 "<direction><sound tempo='72'/></direction>") if i == 1 else ""
        measures.append(f"<measure number='{i}'>{attrs}{''.join(bar)}</measure>")
    return ("<?xml version='1.0' encoding='UTF-8'?>"
            "<!DOCTYPE score-partwise PUBLIC '-//Recordare//DTD MusicXML 3.1 Partwise//EN' "
            "'http://www.musicxml.org/dtds/partwise.dtd'>"
            f"<score-partwise version='3.1'><part-list><score-part id='P1'><part-name>{part_name}</part-name>"
            f"</score-part></part-list><part id='P1'>{''.join(measures)}</part></score-partwise>")


def sine_melody_wav(path: Path, pitches: list[int], *, seconds_each: float = 0.35, rate: int = 22050,
                    gap: float = 0.04) -> Path:
    import soundfile as sf

    chunks = []
    for p in pitches:
        f = 440.0 * 2 ** ((p - 69) / 12)
        n = int(seconds_each * rate)
        t = np.arange(n) / rate
        env = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.01)
        chunks.append((0.4 * env * np.sin(2 * np.pi * f * t)).astype(np.float32))
        chunks.append(np.zeros(int(gap * rate), dtype=np.float32))
    sf.write(str(path), np.concatenate(chunks), rate, subtype="PCM_16")
    return path


__all__ = ["TimeSignature", "db_hash", "melody", "musicxml_text", "simple_midi", "sine_melody_wav", "three_part_midi"]
